// WAVE, the WebAssembly Value Encoding (the `wasm-wave` crate; what
// `wasmtime run --invoke` reads and prints), to and from Canonical ABI
// values (engine/cabi/value.h).
//
// WAVE text is untyped; the cabi type of the parameter or result decides
// how it reads:
//   bool              true, false
//   s8..u64           base-10 integers: 123, -9
//   f32, f64          JSON-style numbers (3.14, 6.022e+23, 1), nan, inf, -inf
//   char              'x', '\'', '\u{1F600}'
//   string            "a\tb" (escapes \' \" \\ \t \n \r \u{...}); also the
//                     multiline form """<newline> ... <newline>   """
//   list, list<T, N>  [1, 2, 3], []     map: [(key, value), ...]
//   tuple             ("abc", 123)
//   record            {a: 1, b: "x"}; fields in any order; option fields
//                     may be left out (none); {:} when all are left out
//   variant, enum     case, case(payload); a case named like a keyword
//                     (true false inf nan some none ok err) is written %case
//   option            some(x), none, or x itself unless x is an option or
//                     result
//   result            ok, ok(x), err, err(x), or x itself for ok(x) unless
//                     x is an option or result
//   flags             {read, write}, {}
// Whitespace and `//` comments may appear between tokens; trailing commas
// are allowed. Handles, streams, futures and error contexts have no WAVE
// form. Flags labels are not part of cabi types: they come in a TypeLabels
// tree (engine/component/wast_values.h).
//
// Errors are InvalidArgument and end with the position, in code points
// from 1: "expected string, found 12 at column 9" ("at line 2, column 4"
// when the text spans lines).
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_WAVE_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_WAVE_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/cabi/types.h"
#include "engine/cabi/value.h"
#include "engine/component/wast_values.h"

namespace wasi_bridge::engine::wave {

// Parses `text`, one WAVE value with optional whitespace around it, as a
// value of `type`.
absl::StatusOr<cabi::Value> ParseValue(absl::string_view text, const cabi::TypeRef& type,
                                       const TypeLabels* labels = nullptr);

// The WAVE text of `value` (of `type`), as wasm-wave's writer prints it:
// `some(x)` for options, record fields holding none left out, floats in
// the shortest decimal that reads back the same (no exponent), every NaN
// as `nan`. Fails for values with no WAVE form or that do not fit `type`.
absl::StatusOr<std::string> Print(const cabi::Value& value, const cabi::TypeRef& type,
                                  const TypeLabels* labels = nullptr);

// A function call `name(arg, ...)` split at its first '(' (the arguments
// stay text until their types are known).
struct CallText {
  std::string name;       // trimmed; may be `ns:pkg/iface@1.0.0#func`
  size_t args_begin = 0;  // offset just past the '('
};

// Splits `text` into the function name and the argument list. Fails if
// there is no '(' or no name, or the name holds whitespace.
absl::StatusOr<CallText> SplitCall(absl::string_view text);

using Params = std::vector<std::pair<std::string, cabi::TypeRef>>;

// Parses the arguments of `call` (split from `text`) as `params`, up to
// the closing ')' and the end of `text`. As in WAVE's function calls,
// trailing option arguments may be left out (none). `labels[i]` are the
// flags labels of parameter i (may be null or short). Errors name the
// argument: "argument 2 (`name`) expected string, found 12 at column 9".
absl::StatusOr<std::vector<cabi::Value>> ParseArgs(absl::string_view text, const CallText& call,
                                                   const Params& params,
                                                   const std::vector<TypeLabels>* labels = nullptr);

}  // namespace wasi_bridge::engine::wave

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_WAVE_H_
