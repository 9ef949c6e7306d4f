// A small, strict JSON reader (RFC 8259) for test scripts and tool output
// (`wasm-tools json-from-wast`, spec-test manifests).
//
// Strict: one value per document, no comments, no trailing commas, no
// leading zeros, no raw control characters in strings, input must be valid
// UTF-8, `\u` escapes must form valid scalar values (surrogates only as
// pairs), object keys must be unique. Objects keep their key order. Numbers
// are kept as the literal text (so 64-bit integers and floats lose nothing);
// convert them with the helpers below. Errors carry "line:col: " (1-based,
// columns in bytes).
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_JSON_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace wasi_bridge::engine {

class JsonValue {
 public:
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, JsonValue>;

  JsonValue() = default;  // null
  static JsonValue Null() { return JsonValue(); }
  static JsonValue Bool(bool b);
  // `text` must be a JSON number literal (not checked here).
  static JsonValue Number(std::string text);
  static JsonValue String(std::string s);
  static JsonValue Array(std::vector<JsonValue> elems);
  static JsonValue Object(std::vector<Member> members);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  bool bool_value() const { return bool_; }                 // kBool
  const std::string& number_text() const { return text_; }  // kNumber
  const std::string& string_value() const { return text_; }  // kString
  const std::vector<JsonValue>& array() const { return elems_; }  // kArray
  const std::vector<Member>& object() const { return members_; }  // kObject

  // Object member `key`, or nullptr (also for non-objects).
  const JsonValue* Find(std::string_view key) const;
  // Member `key` if it is a string, else nullptr.
  const std::string* FindString(std::string_view key) const;

  // The number as an integer of the requested range; fails for fractions,
  // exponents and out-of-range values.
  absl::StatusOr<int64_t> AsInt64() const;
  absl::StatusOr<uint64_t> AsUint64() const;

  // Where the value starts in the parsed text (1-based; 0 when built).
  uint32_t line() const { return line_; }
  uint32_t column() const { return column_; }
  void set_position(uint32_t line, uint32_t column) {
    line_ = line;
    column_ = column;
  }

  // Structural equality (positions ignored; numbers compare as text).
  friend bool operator==(const JsonValue& a, const JsonValue& b);

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  uint32_t line_ = 0;
  uint32_t column_ = 0;
  std::string text_;
  std::vector<JsonValue> elems_;
  std::vector<Member> members_;
};

const char* JsonKindName(JsonValue::Kind kind);

inline constexpr uint32_t kMaxJsonDepth = 512;

// Parses one JSON document (surrounding whitespace allowed).
absl::StatusOr<JsonValue> ParseJson(std::string_view text);

// Compact serialisation (no spaces), strings escaped as JSON requires and
// non-ASCII kept as UTF-8. Round-trips through ParseJson.
std::string ToJson(const JsonValue& v);

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_JSON_H_
