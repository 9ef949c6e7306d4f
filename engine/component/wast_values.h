// Component values in the JSON form of `wasm-tools json-from-wast`, to and
// from Canonical ABI values (engine/cabi/value.h), for the spec-test runner.
//
// The JSON form (serde, adjacently tagged): {"type": T, "value": V} with
//   bool                     true | false
//   u8..s64                  decimal string ("42", "-1"); a JSON integer
//                            is accepted too
//   f32, f64                 the bit pattern as a decimal string; in expected
//                            values also "nan:canonical" / "nan:arithmetic"
//   char                     a one-scalar string
//   string                   a string
//   list                     [V...] (also for list<T, N>)
//   map                      [[K, V]...]
//   tuple                    [V...]
//   record                   [["field", V]...] (any order, each field once)
//   variant                  {"case": "name"} or {"case": "name", "payload": V}
//   enum                     "name"
//   option                   null or V
//   result                   {"Ok": V | null} or {"Err": V | null}
//   flags                    ["name"...]
// Handles, streams, futures and error contexts have no JSON form.
//
// The cabi type of the parameter or result guides the conversion (field
// order, case and label indices); the JSON "type" tag must agree with it.
// Flags labels are not part of cabi types, so they come separately in a
// TypeLabels tree; converting a flags value without its labels fails.
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_WAST_VALUES_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_WAST_VALUES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/cabi/types.h"
#include "engine/cabi/value.h"
#include "engine/component/json.h"

namespace wasi_bridge::engine {

// Names a cabi type does not carry, in a tree parallel to it:
//   flags              `flags` holds the labels in bit order
//   record, tuple      children[i]: field i
//   variant            children[i]: case i's payload
//   option             children[0]: the payload
//   result             children[0]: ok, children[1]: err
//   list, fixed list   children[0]: the element
//   map                children[0]: key, children[1]: value
// Missing children mean "nothing known" for that subtree.
struct TypeLabels {
  std::vector<std::string> flags;
  std::vector<TypeLabels> children;

  // The subtree for child `i`, or nullptr.
  const TypeLabels* child(size_t i) const {
    return i < children.size() ? &children[i] : nullptr;
  }
  // True if no flags labels occur anywhere in the tree.
  bool empty() const;
};

// True if a flags type occurs anywhere in `type`.
bool ContainsFlags(const cabi::CabiType& type);

// Converts `json` ({"type": ..., "value": ...}) to a value of `type`.
absl::StatusOr<cabi::Value> ValueFromJson(const JsonValue& json,
                                          const cabi::TypeRef& type,
                                          const TypeLabels* labels = nullptr);

// Compares a function result with an expected JSON value of `type`. On a
// mismatch returns false and, if `why` is set, explains where, e.g.
// "at .b[1]: got 3u32, expected 4u32". A malformed `expected` is a mismatch.
bool ValuesMatch(const cabi::Value& actual, const JsonValue& expected,
                 const cabi::TypeRef& type, std::string* why,
                 const TypeLabels* labels = nullptr);

// The inverse of ValueFromJson, for messages and round-trip tests: fails
// for handles, streams, futures, error contexts, and flags without labels.
absl::StatusOr<JsonValue> ValueToJson(const cabi::Value& value,
                                      const cabi::TypeRef& type,
                                      const TypeLabels* labels = nullptr);

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_WAST_VALUES_H_
