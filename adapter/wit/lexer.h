// Tokens of the WIT language (component-model WIT.md), with line/column.
#ifndef WASI_BRIDGE_ADAPTER_WIT_LEXER_H_
#define WASI_BRIDGE_ADAPTER_WIT_LEXER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace wasi_bridge::wit {

struct Pos {
  int line = 1;
  int column = 1;
};

enum class Tok {
  kEof,
  kId,          // identifier (a leading `%` escape is removed)
  kExplicitId,  // `%`-escaped identifier (never a keyword)
  kInteger,
  kVersion,     // text after `@` when it starts with a digit
  kAttribute,   // `@name` (since, unstable, deprecated)
  kLBrace, kRBrace, kLParen, kRParen, kLAngle, kRAngle,
  kComma, kSemicolon, kColon, kDot, kSlash, kEquals, kArrow, kStar,
  kUnderscore,
};

struct Token {
  Tok kind = Tok::kEof;
  std::string_view text;
  Pos pos;
};

// Splits `source` into tokens, dropping whitespace and comments (including
// doc comments). Errors name `file:line:column`.
absl::StatusOr<std::vector<Token>> Lex(std::string_view source,
                                       std::string_view file);

// "file:line:column: message" as an InvalidArgumentError.
absl::Status WitError(std::string_view file, Pos pos, std::string_view message);

const char* TokName(Tok t);

}  // namespace wasi_bridge::wit

#endif  // WASI_BRIDGE_ADAPTER_WIT_LEXER_H_
