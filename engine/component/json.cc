#include "engine/component/json.h"

#include <cstdio>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/cabi/string_codec.h"

namespace wasi_bridge::engine {

JsonValue JsonValue::Bool(bool b) {
  JsonValue v;
  v.kind_ = Kind::kBool;
  v.bool_ = b;
  return v;
}

JsonValue JsonValue::Number(std::string text) {
  JsonValue v;
  v.kind_ = Kind::kNumber;
  v.text_ = std::move(text);
  return v;
}

JsonValue JsonValue::String(std::string s) {
  JsonValue v;
  v.kind_ = Kind::kString;
  v.text_ = std::move(s);
  return v;
}

JsonValue JsonValue::Array(std::vector<JsonValue> elems) {
  JsonValue v;
  v.kind_ = Kind::kArray;
  v.elems_ = std::move(elems);
  return v;
}

JsonValue JsonValue::Object(std::vector<Member> members) {
  JsonValue v;
  v.kind_ = Kind::kObject;
  v.members_ = std::move(members);
  return v;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (kind_ != Kind::kObject) return nullptr;
  for (const Member& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

const std::string* JsonValue::FindString(std::string_view key) const {
  const JsonValue* v = Find(key);
  return v != nullptr && v->is_string() ? &v->string_value() : nullptr;
}

absl::StatusOr<int64_t> JsonValue::AsInt64() const {
  int64_t out = 0;
  if (kind_ != Kind::kNumber || !absl::SimpleAtoi(text_, &out) ||
      text_.find_first_of(".eE+") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a signed 64-bit integer: ", ToJson(*this)));
  }
  return out;
}

absl::StatusOr<uint64_t> JsonValue::AsUint64() const {
  uint64_t out = 0;
  if (kind_ != Kind::kNumber || text_.empty() || text_[0] == '-' ||
      !absl::SimpleAtoi(text_, &out) ||
      text_.find_first_of(".eE+") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an unsigned 64-bit integer: ", ToJson(*this)));
  }
  return out;
}

bool operator==(const JsonValue& a, const JsonValue& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case JsonValue::Kind::kNull:
      return true;
    case JsonValue::Kind::kBool:
      return a.bool_ == b.bool_;
    case JsonValue::Kind::kNumber:
    case JsonValue::Kind::kString:
      return a.text_ == b.text_;
    case JsonValue::Kind::kArray:
      return a.elems_ == b.elems_;
    case JsonValue::Kind::kObject:
      return a.members_ == b.members_;
  }
  return false;
}

const char* JsonKindName(JsonValue::Kind kind) {
  switch (kind) {
    case JsonValue::Kind::kNull:
      return "null";
    case JsonValue::Kind::kBool:
      return "bool";
    case JsonValue::Kind::kNumber:
      return "number";
    case JsonValue::Kind::kString:
      return "string";
    case JsonValue::Kind::kArray:
      return "array";
    case JsonValue::Kind::kObject:
      return "object";
  }
  return "?";
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  absl::StatusOr<JsonValue> ParseDocument() {
    if (s_.size() >= 3 && static_cast<uint8_t>(s_[0]) == 0xef &&
        static_cast<uint8_t>(s_[1]) == 0xbb &&
        static_cast<uint8_t>(s_[2]) == 0xbf) {
      return Error("byte order mark not allowed");
    }
    SkipSpace();
    JsonValue v;
    if (absl::Status st = ParseValue(0, v); !st.ok()) return st;
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected data after the JSON value");
    return v;
  }

 private:
  // The 1-based line and column of byte `at`, which must be on the current
  // line (newlines occur only in whitespace, and every error is reported
  // on the line being scanned).
  std::pair<uint32_t, uint32_t> Position(size_t at) const {
    return {line_, static_cast<uint32_t>(at - line_start_ + 1)};
  }

  absl::Status ErrorAt(size_t at, absl::string_view message) const {
    auto [line, col] = Position(at);
    return absl::InvalidArgumentError(
        absl::StrFormat("%u:%u: %s", line, col, message));
  }
  absl::Status Error(absl::string_view message) const {
    return ErrorAt(pos_, message);
  }
  absl::Status Unexpected(absl::string_view wanted) const {
    if (pos_ >= s_.size()) {
      return Error(absl::StrCat("unexpected end of input, expected ", wanted));
    }
    const uint8_t c = static_cast<uint8_t>(s_[pos_]);
    std::string got = (c >= 0x20 && c < 0x7f)
                          ? absl::StrFormat("'%c'", static_cast<char>(c))
                          : absl::StrFormat("byte 0x%02x", c);
    return Error(absl::StrCat("unexpected ", got, ", expected ", wanted));
  }

  void SkipSpace() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
      if (c == '\n') {
        ++line_;
        line_start_ = pos_;
      }
    }
  }

  bool Consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool ConsumeWord(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  absl::Status ParseValue(uint32_t depth, JsonValue& out) {
    if (depth >= kMaxJsonDepth) return Error("nesting too deep");
    const size_t start = pos_;
    const auto [line, col] = Position(start);
    absl::Status st;
    if (pos_ >= s_.size()) return Unexpected("a value");
    switch (s_[pos_]) {
      case '{':
        st = ParseObject(depth, out);
        break;
      case '[':
        st = ParseArray(depth, out);
        break;
      case '"': {
        std::string str;
        st = ParseString(str);
        out = JsonValue::String(std::move(str));
        break;
      }
      case 't':
      case 'f':
      case 'n':
        if (ConsumeWord("true")) {
          out = JsonValue::Bool(true);
        } else if (ConsumeWord("false")) {
          out = JsonValue::Bool(false);
        } else if (ConsumeWord("null")) {
          out = JsonValue::Null();
        } else {
          return Unexpected("a value");
        }
        // `truex` is not a literal followed by garbage we can report better.
        if (pos_ < s_.size() && ((s_[pos_] >= 'a' && s_[pos_] <= 'z') ||
                                 (s_[pos_] >= '0' && s_[pos_] <= '9'))) {
          return ErrorAt(start, "invalid literal");
        }
        break;
      default:
        if (s_[pos_] == '-' || (s_[pos_] >= '0' && s_[pos_] <= '9')) {
          st = ParseNumber(out);
        } else {
          return Unexpected("a value");
        }
    }
    if (!st.ok()) return st;
    out.set_position(line, col);
    return absl::OkStatus();
  }

  absl::Status ParseObject(uint32_t depth, JsonValue& out) {
    ++pos_;  // '{'
    std::vector<JsonValue::Member> members;
    SkipSpace();
    if (!Consume('}')) {
      while (true) {
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != '"') {
          return Unexpected("a string key");
        }
        const size_t key_pos = pos_;
        std::string key;
        if (absl::Status st = ParseString(key); !st.ok()) return st;
        for (const auto& m : members) {
          if (m.first == key) {
            return ErrorAt(key_pos, absl::StrCat("duplicate key \"", key, "\""));
          }
        }
        SkipSpace();
        if (!Consume(':')) return Unexpected("':'");
        SkipSpace();
        JsonValue v;
        if (absl::Status st = ParseValue(depth + 1, v); !st.ok()) return st;
        members.emplace_back(std::move(key), std::move(v));
        SkipSpace();
        if (Consume('}')) break;
        if (!Consume(',')) return Unexpected("',' or '}'");
      }
    }
    out = JsonValue::Object(std::move(members));
    return absl::OkStatus();
  }

  absl::Status ParseArray(uint32_t depth, JsonValue& out) {
    ++pos_;  // '['
    std::vector<JsonValue> elems;
    SkipSpace();
    if (!Consume(']')) {
      while (true) {
        SkipSpace();
        JsonValue v;
        if (absl::Status st = ParseValue(depth + 1, v); !st.ok()) return st;
        elems.push_back(std::move(v));
        SkipSpace();
        if (Consume(']')) break;
        if (!Consume(',')) return Unexpected("',' or ']'");
      }
    }
    out = JsonValue::Array(std::move(elems));
    return absl::OkStatus();
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  absl::Status ParseNumber(JsonValue& out) {
    const size_t start = pos_;
    Consume('-');
    if (pos_ >= s_.size() || !IsDigit(s_[pos_])) return Unexpected("a digit");
    if (s_[pos_] == '0') {
      ++pos_;
      if (pos_ < s_.size() && IsDigit(s_[pos_])) {
        return Error("leading zeros are not allowed");
      }
    } else {
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    if (Consume('.')) {
      if (pos_ >= s_.size() || !IsDigit(s_[pos_])) {
        return Unexpected("a digit after '.'");
      }
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (!Consume('+')) Consume('-');
      if (pos_ >= s_.size() || !IsDigit(s_[pos_])) {
        return Unexpected("a digit in the exponent");
      }
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    out = JsonValue::Number(std::string(s_.substr(start, pos_ - start)));
    return absl::OkStatus();
  }

  // Four hex digits after "\u"; pos_ is at the first digit.
  absl::Status ParseHex4(uint32_t& out) {
    out = 0;
    for (int i = 0; i < 4; ++i) {
      if (pos_ >= s_.size()) return Unexpected("a hex digit");
      const char c = s_[pos_];
      uint32_t d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return Unexpected("a hex digit");
      }
      out = out * 16 + d;
      ++pos_;
    }
    return absl::OkStatus();
  }

  // Validates one UTF-8 sequence at pos_ and appends it.
  absl::Status CopyUtf8(std::string& out) {
    const size_t start = pos_;
    const uint8_t b0 = static_cast<uint8_t>(s_[pos_]);
    int len;
    uint32_t cp;
    if (b0 < 0x80) {
      len = 1;
      cp = b0;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      len = 2;
      cp = b0 & 0x1f;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      len = 3;
      cp = b0 & 0x0f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return Error("invalid UTF-8");
    }
    if (pos_ + len > s_.size()) return Error("invalid UTF-8 (truncated)");
    for (int i = 1; i < len; ++i) {
      const uint8_t b = static_cast<uint8_t>(s_[pos_ + i]);
      if ((b & 0xc0) != 0x80) return Error("invalid UTF-8");
      cp = (cp << 6) | (b & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return Error("invalid UTF-8");
    }
    out.append(s_.substr(start, len));
    pos_ += len;
    return absl::OkStatus();
  }

  absl::Status ParseString(std::string& out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= s_.size()) return Error("unterminated string");
      const uint8_t c = static_cast<uint8_t>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c < 0x20) return Error("control character in string (escape it)");
      if (c != '\\') {
        if (absl::Status st = CopyUtf8(out); !st.ok()) return st;
        continue;
      }
      const size_t escape_pos = pos_;
      ++pos_;
      if (pos_ >= s_.size()) return Error("unterminated string");
      const char e = s_[pos_++];
      switch (e) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (absl::Status st = ParseHex4(cp); !st.ok()) return st;
          if (cp >= 0xdc00 && cp <= 0xdfff) {
            return ErrorAt(escape_pos, "lone low surrogate in \\u escape");
          }
          if (cp >= 0xd800 && cp <= 0xdbff) {
            if (!ConsumeWord("\\u")) {
              return ErrorAt(escape_pos,
                             "high surrogate not followed by a low surrogate");
            }
            uint32_t lo;
            if (absl::Status st = ParseHex4(lo); !st.ok()) return st;
            if (lo < 0xdc00 || lo > 0xdfff) {
              return ErrorAt(escape_pos,
                             "high surrogate not followed by a low surrogate");
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          cabi::AppendUtf8(cp, out);
          break;
        }
        default:
          return ErrorAt(escape_pos, "invalid escape");
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  size_t line_start_ = 0;
};

void AppendQuoted(const std::string& s, std::string& out) {
  out.push_back('"');
  for (const char ch : s) {
    const uint8_t c = static_cast<uint8_t>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void AppendJson(const JsonValue& v, std::string& out) {
  switch (v.kind()) {
    case JsonValue::Kind::kNull:
      out += "null";
      return;
    case JsonValue::Kind::kBool:
      out += v.bool_value() ? "true" : "false";
      return;
    case JsonValue::Kind::kNumber:
      out += v.number_text();
      return;
    case JsonValue::Kind::kString:
      AppendQuoted(v.string_value(), out);
      return;
    case JsonValue::Kind::kArray: {
      out.push_back('[');
      bool first = true;
      for (const JsonValue& e : v.array()) {
        if (!first) out.push_back(',');
        first = false;
        AppendJson(e, out);
      }
      out.push_back(']');
      return;
    }
    case JsonValue::Kind::kObject: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, e] : v.object()) {
        if (!first) out.push_back(',');
        first = false;
        AppendQuoted(key, out);
        out.push_back(':');
        AppendJson(e, out);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

absl::StatusOr<JsonValue> ParseJson(std::string_view text) {
  return Parser(text).ParseDocument();
}

std::string ToJson(const JsonValue& v) {
  std::string out;
  AppendJson(v, out);
  return out;
}

}  // namespace wasi_bridge::engine
