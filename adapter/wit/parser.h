// Parsing WIT source text into the syntax tree of ast.h.
#ifndef WASI_BRIDGE_ADAPTER_WIT_PARSER_H_
#define WASI_BRIDGE_ADAPTER_WIT_PARSER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "adapter/wit/ast.h"

namespace wasi_bridge::wit {

// Parses one WIT document. `file` names it in errors, which have the form
// "file:line:column: message".
absl::StatusOr<ast::File> ParseWit(std::string_view source,
                                   std::string_view file);

// True for the words WIT reserves (usable as names only as `%word`).
bool IsWitKeyword(std::string_view word);

}  // namespace wasi_bridge::wit

#endif  // WASI_BRIDGE_ADAPTER_WIT_PARSER_H_
