#include "engine/component/wave.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdlib>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "engine/cabi/string_codec.h"

namespace wasi_bridge::engine::wave {

using cabi::CabiType;
using cabi::TypeKind;
using cabi::Value;

namespace {

constexpr uint32_t kCanonicalNan32 = 0x7fc00000u;
constexpr uint64_t kCanonicalNan64 = 0x7ff8000000000000ull;

constexpr const char* kKeywords[] = {"true", "false", "inf", "nan", "some", "none", "ok", "err"};

bool IsKeyword(absl::string_view s) {
  for (const char* k : kKeywords) {
    if (s == k) return true;
  }
  return false;
}

bool IsLabelChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-'; }

// The scalar at `p` of valid UTF-8 `s`; `*len` gets its byte length.
uint32_t DecodeAt(absl::string_view s, size_t p, size_t* len) {
  const uint8_t b0 = static_cast<uint8_t>(s[p]);
  size_t n = b0 < 0x80 ? 1 : b0 < 0xe0 ? 2 : b0 < 0xf0 ? 3 : 4;
  if (p + n > s.size()) n = s.size() - p;
  uint32_t cp = n == 1 ? b0 : n == 2 ? (b0 & 0x1f) : n == 3 ? (b0 & 0x0f) : (b0 & 0x07);
  for (size_t i = 1; i < n; ++i) cp = (cp << 6) | (static_cast<uint8_t>(s[p + i]) & 0x3f);
  *len = n;
  return cp;
}

// "column 9", or "line 2, column 4" for text with line breaks before `at`.
std::string Where(absl::string_view text, size_t at) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < at && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<uint8_t>(text[i]) & 0xc0) != 0x80) {
      ++column;  // count code points, not bytes
    }
  }
  if (line == 1) return absl::StrCat("column ", column);
  return absl::StrCat("line ", line, ", column ", column);
}

// The TypeLabels for the tuple<K, V> element of a map (whose labels hold
// key and value directly).
TypeLabels MapEntryLabels(const TypeLabels* l) {
  TypeLabels out;
  if (l != nullptr) out.children = l->children;
  return out;
}

const TypeLabels* Child(const TypeLabels* l, size_t i) { return l ? l->child(i) : nullptr; }

bool IsOptionOrResult(const CabiType* t) {
  return t != nullptr && (t->kind() == TypeKind::kOption || t->kind() == TypeKind::kResult);
}

// ------------------------------------------------------------ the parser --

class Parser {
 public:
  Parser(absl::string_view text, size_t pos) : text_(text), pos_(pos) {}

  size_t pos() const { return pos_; }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  // Skips whitespace and `//` comments.
  void SkipWs() {
    while (!AtEnd()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        while (!AtEnd() && text_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  absl::Status Error(size_t at, absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(message, " at ", Where(text_, at)));
  }

  // What the text holds at `at`, for "found ..." in messages.
  std::string Describe(size_t at) const {
    if (at >= text_.size()) return "end of input";
    const char c = text_[at];
    size_t end = at;
    if (c == '"' || c == '\'') {
      end = at + 1;
      while (end < text_.size() && text_[end] != c && text_[end] != '\n') {
        end += text_[end] == '\\' ? 2 : 1;
      }
      end = std::min(end + 1, text_.size());
    } else if (c == '-' || absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      end = NumberEnd(at);
    } else if (c == '%' || absl::ascii_isalpha(static_cast<unsigned char>(c))) {
      end = at + 1;
      while (end < text_.size() && IsLabelChar(text_[end])) ++end;
    }
    if (end > at) {
      absl::string_view tok = text_.substr(at, end - at);
      if (tok.size() > 40) return absl::StrCat(tok.substr(0, 37), "...");
      return std::string(tok);
    }
    size_t len = 1;
    DecodeAt(text_, at, &len);
    return absl::StrCat("`", text_.substr(at, len), "`");
  }

  absl::Status Expected(absl::string_view what, size_t at) const {
    return Error(at, absl::StrCat("expected ", what, ", found ", Describe(at)));
  }
  absl::Status ExpectedType(const CabiType& t) const { return Expected(cabi::ToString(t), pos_); }

  // Consumes `c` (after whitespace) or fails.
  absl::Status Expect(char c) {
    SkipWs();
    if (Peek() != c) return Expected(absl::StrCat("`", std::string(1, c), "`"), pos_);
    ++pos_;
    return absl::OkStatus();
  }

  // A label at the current position (with its '%' if any), or "".
  absl::string_view PeekLabel(bool* escaped) const {
    size_t p = pos_;
    *escaped = p < text_.size() && text_[p] == '%';
    if (*escaped) ++p;
    if (p >= text_.size() || !absl::ascii_isalpha(static_cast<unsigned char>(text_[p]))) return {};
    size_t end = p;
    while (end < text_.size() && IsLabelChar(text_[end])) ++end;
    return text_.substr(p, end - p);
  }
  // A keyword (no '%') at the current position, or "".
  absl::string_view PeekKeyword() const {
    bool escaped = false;
    absl::string_view l = PeekLabel(&escaped);
    return !escaped && IsKeyword(l) ? l : absl::string_view();
  }
  void SkipLabel(absl::string_view label, bool escaped) {
    pos_ += label.size() + (escaped ? 1 : 0);
  }

  absl::StatusOr<Value> Parse(const CabiType& t, const TypeLabels* l);

  // Runs `element(i)` for each comma-separated element up to `close`
  // (trailing comma allowed); the current character is the opener.
  template <typename F>
  absl::StatusOr<size_t> ParseSeq(char close, F element);

 private:
  size_t NumberEnd(size_t p) const {
    auto digits = [&](size_t q) {
      while (q < text_.size() && absl::ascii_isdigit(static_cast<unsigned char>(text_[q]))) ++q;
      return q;
    };
    if (p < text_.size() && text_[p] == '-') ++p;
    if (text_.substr(p, 3) == "inf") return p + 3;
    size_t q = digits(p);
    if (q == p) return q;
    if (q + 1 < text_.size() && text_[q] == '.' &&
        absl::ascii_isdigit(static_cast<unsigned char>(text_[q + 1]))) {
      q = digits(q + 1);
    }
    if (q < text_.size() && (text_[q] == 'e' || text_[q] == 'E')) {
      size_t e = q + 1;
      if (e < text_.size() && (text_[e] == '+' || text_[e] == '-')) ++e;
      if (digits(e) > e) q = digits(e);
    }
    return q;
  }

  absl::StatusOr<Value> ParseBool(const CabiType& t);
  absl::StatusOr<Value> ParseInteger(const CabiType& t);
  absl::StatusOr<Value> ParseFloat(const CabiType& t);
  absl::StatusOr<uint32_t> ParseScalar(char quote);
  absl::StatusOr<Value> ParseChar(const CabiType& t);
  absl::StatusOr<Value> ParseString(const CabiType& t);
  absl::StatusOr<Value> ParseMultilineString();
  absl::StatusOr<Value> ParseList(const CabiType& t, const TypeLabels* l);
  absl::StatusOr<Value> ParseTuple(const CabiType& t, const TypeLabels* l);
  absl::StatusOr<Value> ParseRecord(const CabiType& t, const TypeLabels* l);
  absl::StatusOr<Value> ParseCase(const CabiType& t, const TypeLabels* l);
  absl::StatusOr<Value> ParseOption(const CabiType& t, const TypeLabels* l);
  absl::StatusOr<Value> ParseResult(const CabiType& t, const TypeLabels* l);
  absl::StatusOr<Value> ParseFlags(const CabiType& t, const TypeLabels* l);
  absl::StatusOr<std::optional<Value>> ParsePayload(const CabiType* payload, const TypeLabels* l,
                                                    absl::string_view label);

  absl::string_view text_;
  size_t pos_;
};

absl::StatusOr<Value> Parser::Parse(const CabiType& t, const TypeLabels* l) {
  SkipWs();
  switch (t.kind()) {
    case TypeKind::kBool: return ParseBool(t);
    case TypeKind::kS8:
    case TypeKind::kU8:
    case TypeKind::kS16:
    case TypeKind::kU16:
    case TypeKind::kS32:
    case TypeKind::kU32:
    case TypeKind::kS64:
    case TypeKind::kU64: return ParseInteger(t);
    case TypeKind::kF32:
    case TypeKind::kF64: return ParseFloat(t);
    case TypeKind::kChar: return ParseChar(t);
    case TypeKind::kString: return ParseString(t);
    case TypeKind::kList:
    case TypeKind::kFixedList:
    case TypeKind::kMap: return ParseList(t, l);
    case TypeKind::kTuple: return ParseTuple(t, l);
    case TypeKind::kRecord: return ParseRecord(t, l);
    case TypeKind::kVariant:
    case TypeKind::kEnum: return ParseCase(t, l);
    case TypeKind::kOption: return ParseOption(t, l);
    case TypeKind::kResult: return ParseResult(t, l);
    case TypeKind::kFlags: return ParseFlags(t, l);
    default:
      return Error(pos_, absl::StrCat("values of type ", cabi::ToString(t),
                                      " cannot be written in WAVE"));
  }
}

absl::StatusOr<Value> Parser::ParseBool(const CabiType& t) {
  const absl::string_view k = PeekKeyword();
  if (k != "true" && k != "false") return ExpectedType(t);
  pos_ += k.size();
  return Value::Bool(k == "true");
}

absl::StatusOr<Value> Parser::ParseInteger(const CabiType& t) {
  const size_t at = pos_;
  const size_t end = NumberEnd(at);
  absl::string_view tok = text_.substr(at, end - at);
  const bool negative = absl::StartsWith(tok, "-");
  absl::string_view digits = negative ? tok.substr(1) : tok;
  if (digits.empty() || !absl::ascii_isdigit(static_cast<unsigned char>(digits[0])) ||
      digits.find_first_not_of("0123456789") != absl::string_view::npos) {
    return ExpectedType(t);
  }
  if (digits.size() > 1 && digits[0] == '0') return Error(at, absl::StrCat("invalid number ", tok));
  uint64_t mag = 0;
  bool overflow = false;
  for (char c : digits) {
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (mag > (std::numeric_limits<uint64_t>::max() - d) / 10) overflow = true;
    mag = mag * 10 + d;
  }
  // Range of the type as [-neg_limit, pos_limit].
  uint64_t pos_limit = 0, neg_limit = 0;
  switch (t.kind()) {
    case TypeKind::kS8: pos_limit = 127, neg_limit = 128; break;
    case TypeKind::kU8: pos_limit = 255; break;
    case TypeKind::kS16: pos_limit = 32767, neg_limit = 32768; break;
    case TypeKind::kU16: pos_limit = 65535; break;
    case TypeKind::kS32: pos_limit = 2147483647u, neg_limit = 2147483648u; break;
    case TypeKind::kU32: pos_limit = 4294967295u; break;
    case TypeKind::kS64: pos_limit = (uint64_t{1} << 63) - 1, neg_limit = uint64_t{1} << 63; break;
    default: pos_limit = std::numeric_limits<uint64_t>::max(); break;
  }
  if (overflow || mag > (negative ? neg_limit : pos_limit)) {
    return Error(at, absl::StrCat(tok, " is out of range for ", cabi::TypeKindName(t.kind())));
  }
  pos_ = end;
  // Two's complement: -mag as an unsigned value, truncated by the cast.
  const uint64_t bits = negative ? ~mag + 1 : mag;
  switch (t.kind()) {
    case TypeKind::kS8: return Value::S8(static_cast<int8_t>(bits));
    case TypeKind::kU8: return Value::U8(static_cast<uint8_t>(bits));
    case TypeKind::kS16: return Value::S16(static_cast<int16_t>(bits));
    case TypeKind::kU16: return Value::U16(static_cast<uint16_t>(bits));
    case TypeKind::kS32: return Value::S32(static_cast<int32_t>(bits));
    case TypeKind::kU32: return Value::U32(static_cast<uint32_t>(bits));
    case TypeKind::kS64: return Value::S64(static_cast<int64_t>(bits));
    default: return Value::U64(bits);
  }
}

absl::StatusOr<Value> Parser::ParseFloat(const CabiType& t) {
  const bool f32 = t.kind() == TypeKind::kF32;
  const absl::string_view k = PeekKeyword();
  if (k == "nan") {
    pos_ += 3;
    return f32 ? Value::F32Bits(kCanonicalNan32) : Value::F64Bits(kCanonicalNan64);
  }
  const size_t at = pos_;
  const size_t end = NumberEnd(at);
  absl::string_view tok = text_.substr(at, end - at);
  const bool label_follows = end < text_.size() && IsLabelChar(text_[end]);
  if (tok == "inf" || tok == "-inf") {
    if (label_follows) return ExpectedType(t);
    pos_ = end;
    const double inf = tok == "inf" ? INFINITY : -INFINITY;
    return f32 ? Value::F32(static_cast<float>(inf)) : Value::F64(inf);
  }
  absl::string_view digits = absl::StartsWith(tok, "-") ? tok.substr(1) : tok;
  if (digits.empty() || !absl::ascii_isdigit(static_cast<unsigned char>(digits[0]))) {
    return ExpectedType(t);
  }
  if (digits.size() > 1 && digits[0] == '0' &&
      absl::ascii_isdigit(static_cast<unsigned char>(digits[1]))) {
    return Error(at, absl::StrCat("invalid number ", tok));
  }
  float f = 0;
  double d = 0;
  const std::from_chars_result r =
      f32 ? std::from_chars(tok.data(), tok.data() + tok.size(), f)
          : std::from_chars(tok.data(), tok.data() + tok.size(), d);
  if (r.ec == std::errc::result_out_of_range) {
    return Error(at, absl::StrCat(tok, " is out of range for ", f32 ? "f32" : "f64"));
  }
  if (r.ec != std::errc() || r.ptr != tok.data() + tok.size()) {
    return Error(at, absl::StrCat("invalid number ", tok));
  }
  pos_ = end;
  return f32 ? Value::F32(f) : Value::F64(d);
}

// One scalar inside a char or string literal: a character other than
// `quote`, a backslash or a line break, or an escape.
absl::StatusOr<uint32_t> Parser::ParseScalar(char quote) {
  const size_t at = pos_;
  if (AtEnd() || text_[at] == '\n' || text_[at] == '\r') {
    return Error(at, quote == '"' ? "unterminated string" : "unterminated char");
  }
  size_t len = 1;
  const uint32_t cp = DecodeAt(text_, at, &len);
  if (cp != '\\') {
    pos_ += len;
    return cp;
  }
  if (at + 1 >= text_.size()) return Error(at, "unterminated escape");
  const char e = text_[at + 1];
  pos_ += 2;
  switch (e) {
    case '\'': return uint32_t{'\''};
    case '"': return uint32_t{'"'};
    case '\\': return uint32_t{'\\'};
    case 't': return uint32_t{'\t'};
    case 'n': return uint32_t{'\n'};
    case 'r': return uint32_t{'\r'};
    case 'u': break;
    default: return Error(at, absl::StrCat("invalid escape `\\", std::string(1, e), "`"));
  }
  if (Peek() != '{') return Error(at, "invalid escape: \\u needs {hex digits}");
  ++pos_;
  uint32_t v = 0;
  size_t n = 0;
  while (!AtEnd() && absl::ascii_isxdigit(static_cast<unsigned char>(text_[pos_]))) {
    const char h = absl::ascii_tolower(static_cast<unsigned char>(text_[pos_]));
    if (v > 0x10ffff) break;
    v = v * 16 + static_cast<uint32_t>(h <= '9' ? h - '0' : h - 'a' + 10);
    ++pos_;
    ++n;
  }
  if (n == 0 || Peek() != '}') return Error(at, "invalid escape: \\u needs {hex digits}");
  ++pos_;
  if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
    return Error(at, absl::StrFormat("\\u{%x} is not a Unicode scalar value", v));
  }
  return v;
}

absl::StatusOr<Value> Parser::ParseChar(const CabiType& t) {
  if (Peek() != '\'') return ExpectedType(t);
  const size_t at = pos_++;
  if (Peek() == '\'') return Error(at, "empty char");
  auto cp = ParseScalar('\'');
  if (!cp.ok()) return cp.status();
  if (Peek() != '\'') return Error(at, "a char holds exactly one character (strings use \")");
  ++pos_;
  return Value::Char(*cp);
}

absl::StatusOr<Value> Parser::ParseString(const CabiType& t) {
  if (Peek() != '"') return ExpectedType(t);
  if (text_.substr(pos_, 3) == "\"\"\"") return ParseMultilineString();
  const size_t at = pos_++;
  std::string out;
  while (Peek() != '"') {
    if (AtEnd()) return Error(at, "unterminated string");
    auto cp = ParseScalar('"');
    if (!cp.ok()) return cp.status();
    cabi::AppendUtf8(*cp, out);
  }
  ++pos_;
  return Value::String(std::move(out));
}

// """<line break> lines... <line break> <indent>"""; the closing
// delimiter's indent is removed from every line.
absl::StatusOr<Value> Parser::ParseMultilineString() {
  const size_t at = pos_;
  size_t p = pos_ + 3;
  if (text_.substr(p, 2) == "\r\n") {
    p += 2;
  } else if (text_.substr(p, 1) == "\n") {
    p += 1;
  } else {
    return Error(at, "a multiline string starts with \"\"\" and a line break");
  }
  // Find the closing """ (escapes skipped).
  size_t end = p;
  while (end < text_.size() && text_.substr(end, 3) != "\"\"\"") end += text_[end] == '\\' ? 2 : 1;
  if (end >= text_.size()) return Error(at, "unterminated multiline string");
  const absl::string_view body = text_.substr(p, end - p);
  const size_t last_nl = body.rfind('\n');
  if (last_nl == absl::string_view::npos ||
      body.substr(last_nl + 1).find_first_not_of(' ') != absl::string_view::npos) {
    return Error(end, "the closing \"\"\" of a multiline string must be on its own line");
  }
  const size_t indent = body.size() - last_nl - 1;
  std::string out;
  size_t line = p;
  const size_t content_end = p + last_nl;  // the last line break
  bool first = true;
  while (line <= content_end) {
    size_t nl = text_.find('\n', line);
    if (nl > content_end) nl = content_end;
    size_t line_end = nl;
    if (line_end > line && text_[line_end - 1] == '\r') --line_end;
    absl::string_view raw = text_.substr(line, line_end - line);
    if (!raw.empty() && (raw.size() < indent || raw.substr(0, indent).find_first_not_of(' ') !=
                                                    absl::string_view::npos)) {
      return Error(line, "a multiline string line is indented less than its closing \"\"\"");
    }
    if (!first) out += '\n';
    first = false;
    pos_ = line + std::min(indent, raw.size());
    while (pos_ < line_end) {
      auto cp = ParseScalar('"');
      if (!cp.ok()) return cp.status();
      cabi::AppendUtf8(*cp, out);
    }
    if (nl == content_end) break;
    line = nl + 1;
  }
  pos_ = end + 3;
  return Value::String(std::move(out));
}

template <typename F>
absl::StatusOr<size_t> Parser::ParseSeq(char close, F element) {
  ++pos_;  // the opener
  size_t n = 0;
  for (;;) {
    SkipWs();
    if (Peek() == close) break;
    if (absl::Status s = element(n); !s.ok()) return s;
    ++n;
    SkipWs();
    if (Peek() == ',') {
      ++pos_;
      continue;
    }
    if (Peek() != close) {
      return Expected(absl::StrCat("`,` or `", std::string(1, close), "`"), pos_);
    }
  }
  ++pos_;
  return n;
}

absl::StatusOr<Value> Parser::ParseList(const CabiType& t, const TypeLabels* l) {
  if (Peek() != '[') return ExpectedType(t);
  const size_t at = pos_;
  const CabiType& elem = t.list_elem();
  const TypeLabels entry = MapEntryLabels(l);
  const TypeLabels* el = t.kind() == TypeKind::kMap ? &entry : Child(l, 0);
  std::vector<Value> elems;
  auto n = ParseSeq(']', [&](size_t) -> absl::Status {
    auto v = Parse(elem, el);
    if (!v.ok()) return v.status();
    elems.push_back(std::move(*v));
    return absl::OkStatus();
  });
  if (!n.ok()) return n.status();
  if (t.kind() == TypeKind::kFixedList && *n != t.length()) {
    return Error(at, absl::StrCat("expected ", t.length(), " elements for ", cabi::ToString(t),
                                  ", found ", *n));
  }
  return Value::List(std::move(elems));
}

absl::StatusOr<Value> Parser::ParseTuple(const CabiType& t, const TypeLabels* l) {
  if (Peek() != '(') return ExpectedType(t);
  const size_t at = pos_;
  std::vector<Value> elems;
  auto n = ParseSeq(')', [&](size_t i) -> absl::Status {
    if (i >= t.elems().size()) {
      return Error(pos_, absl::StrCat("too many elements for ", cabi::ToString(t)));
    }
    auto v = Parse(*t.elems()[i], Child(l, i));
    if (!v.ok()) return v.status();
    elems.push_back(std::move(*v));
    return absl::OkStatus();
  });
  if (!n.ok()) return n.status();
  if (*n != t.elems().size()) {
    return Error(at, absl::StrCat("expected ", t.elems().size(), " elements for ",
                                  cabi::ToString(t), ", found ", *n));
  }
  return Value::Tuple(std::move(elems));
}

absl::StatusOr<Value> Parser::ParseRecord(const CabiType& t, const TypeLabels* l) {
  if (Peek() != '{') return ExpectedType(t);
  const size_t at = pos_;
  const std::vector<cabi::Field>& fields = t.fields();
  std::vector<std::optional<Value>> got(fields.size());
  // `{:}`: every field left out.
  Parser probe(text_, pos_ + 1);
  probe.SkipWs();
  if (probe.Peek() == ':') {
    probe.pos_++;
    probe.SkipWs();
    if (probe.Peek() != '}') return probe.Expected("`}`", probe.pos_);
    pos_ = probe.pos_ + 1;
  } else {
    auto n = ParseSeq('}', [&](size_t) -> absl::Status {
      bool escaped = false;
      const size_t field_at = pos_;
      const absl::string_view name = PeekLabel(&escaped);
      if (name.empty()) return Expected("a field name", pos_);
      size_t i = 0;
      while (i < fields.size() && fields[i].name != name) ++i;
      if (i == fields.size()) {
        return Error(field_at, absl::StrCat("unknown field `", name, "` for ", cabi::ToString(t)));
      }
      if (got[i]) return Error(field_at, absl::StrCat("field `", name, "` given twice"));
      SkipLabel(name, escaped);
      if (absl::Status s = Expect(':'); !s.ok()) return s;
      auto v = Parse(*fields[i].type, Child(l, i));
      if (!v.ok()) return v.status();
      got[i] = std::move(*v);
      return absl::OkStatus();
    });
    if (!n.ok()) return n.status();
    if (*n == 0) return Error(at, "an empty record is written {:}");
  }
  std::vector<Value> out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (got[i]) {
      out.push_back(std::move(*got[i]));
    } else if (fields[i].type->kind() == TypeKind::kOption) {
      out.push_back(Value::None());
    } else {
      return Error(at, absl::StrCat("missing field `", fields[i].name, "` for ",
                                    cabi::ToString(t)));
    }
  }
  return Value::Record(std::move(out));
}

// `(payload)` after a case label if the case has one.
absl::StatusOr<std::optional<Value>> Parser::ParsePayload(const CabiType* payload,
                                                          const TypeLabels* l,
                                                          absl::string_view label) {
  const size_t save = pos_;
  SkipWs();
  if (payload == nullptr) {
    if (Peek() == '(') return Error(pos_, absl::StrCat("`", label, "` takes no payload"));
    pos_ = save;
    return std::nullopt;
  }
  if (Peek() != '(') {
    return Error(pos_, absl::StrCat("`", label, "` needs a payload: ", label, "(...)"));
  }
  ++pos_;
  auto v = Parse(*payload, l);
  if (!v.ok()) return v.status();
  if (absl::Status s = Expect(')'); !s.ok()) return s;
  return std::optional<Value>(std::move(*v));
}

absl::StatusOr<Value> Parser::ParseCase(const CabiType& t, const TypeLabels* l) {
  bool escaped = false;
  const size_t at = pos_;
  const absl::string_view label = PeekLabel(&escaped);
  if (label.empty()) return ExpectedType(t);
  if (!escaped && IsKeyword(label)) {
    return Error(at, absl::StrCat("expected ", cabi::ToString(t), ", found the keyword ", label,
                                  " (a case with that name is written %", label, ")"));
  }
  const size_t count = t.case_count();
  size_t i = 0;
  for (; i < count; ++i) {
    const std::string& name =
        t.kind() == TypeKind::kEnum ? t.labels()[i] : t.cases()[i].name;
    if (name == label) break;
  }
  if (i == count) {
    return Error(at, absl::StrCat("expected ", cabi::ToString(t), ", found ", label));
  }
  SkipLabel(label, escaped);
  auto payload = ParsePayload(t.case_type(i), Child(l, i), label);
  if (!payload.ok()) return payload.status();
  const uint32_t index = static_cast<uint32_t>(i);
  return *payload ? Value::Variant(index, std::move(**payload)) : Value::Variant(index);
}

absl::StatusOr<Value> Parser::ParseOption(const CabiType& t, const TypeLabels* l) {
  const absl::string_view k = PeekKeyword();
  if (k == "none" || k == "some") {
    pos_ += k.size();
    auto payload = ParsePayload(k == "some" ? t.elem().get() : nullptr, Child(l, 0), k);
    if (!payload.ok()) return payload.status();
    return *payload ? Value::Some(std::move(**payload)) : Value::None();
  }
  if (IsOptionOrResult(t.elem().get())) return ExpectedType(t);
  // The flat form: the payload itself.
  auto v = Parse(*t.elem(), Child(l, 0));
  if (!v.ok()) return v.status();
  return Value::Some(std::move(*v));
}

absl::StatusOr<Value> Parser::ParseResult(const CabiType& t, const TypeLabels* l) {
  const absl::string_view k = PeekKeyword();
  if (k == "ok" || k == "err") {
    pos_ += k.size();
    const bool ok = k == "ok";
    auto payload = ParsePayload(ok ? t.ok().get() : t.err().get(), Child(l, ok ? 0 : 1), k);
    if (!payload.ok()) return payload.status();
    const uint32_t index = ok ? 0 : 1;
    return *payload ? Value::Variant(index, std::move(**payload)) : Value::Variant(index);
  }
  if (t.ok() == nullptr || IsOptionOrResult(t.ok().get())) return ExpectedType(t);
  auto v = Parse(*t.ok(), Child(l, 0));
  if (!v.ok()) return v.status();
  return Value::Ok(std::move(*v));
}

absl::StatusOr<Value> Parser::ParseFlags(const CabiType& t, const TypeLabels* l) {
  if (Peek() != '{') return ExpectedType(t);
  if (l == nullptr || l->flags.size() != t.flag_count()) {
    return Error(pos_, "the names of these flags are not known");
  }
  uint32_t bits = 0;
  auto n = ParseSeq('}', [&](size_t) -> absl::Status {
    bool escaped = false;
    const size_t at = pos_;
    const absl::string_view name = PeekLabel(&escaped);
    if (name.empty()) return Expected("a flag name", pos_);
    size_t i = 0;
    while (i < l->flags.size() && l->flags[i] != name) ++i;
    if (i == l->flags.size()) {
      return Error(at, absl::StrCat("unknown flag `", name, "` (flags: ",
                                    absl::StrJoin(l->flags, ", "), ")"));
    }
    if (bits & (uint32_t{1} << i)) return Error(at, absl::StrCat("flag `", name, "` given twice"));
    bits |= uint32_t{1} << i;
    SkipLabel(name, escaped);
    return absl::OkStatus();
  });
  if (!n.ok()) return n.status();
  return Value::Flags(bits);
}

// ----------------------------------------------------------- the printer --

void AppendEscaped(uint32_t cp, std::string& out) {
  switch (cp) {
    case '\\': out += "\\\\"; return;
    case '"': out += "\\\""; return;
    case '\'': out += "\\'"; return;
    case '\t': out += "\\t"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    default: break;
  }
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
    absl::StrAppendFormat(&out, "\\u{%x}", cp);  // control characters
  } else {
    cabi::AppendUtf8(cp, out);
  }
}

// Rust's `Display` for floats: the shortest digits that read back the
// same, written without an exponent.
template <typename F>
std::string FormatFloat(F f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<size_t>(r.ptr - buf));
  // d[.ddd]e[+-]XX
  const size_t e = sci.find('e');
  std::string_view mant = sci.substr(0, e);
  const int exp = std::atoi(std::string(sci.substr(e + 1)).c_str());
  std::string out;
  if (!mant.empty() && mant[0] == '-') {
    out += '-';
    mant.remove_prefix(1);
  }
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  // The value is 0.digits * 10^(exp + 1).
  const int point = exp + 1;
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-point), '0');
    out += digits;
  } else if (static_cast<size_t>(point) >= digits.size()) {
    out += digits;
    out.append(static_cast<size_t>(point) - digits.size(), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(point));
    out += '.';
    out += digits.substr(static_cast<size_t>(point));
  }
  return out;
}

absl::Status Mismatch(const Value& v, const CabiType& t) {
  return absl::InvalidArgumentError(absl::StrCat("value ", cabi::ToString(v),
                                                 " does not fit type ", cabi::ToString(t)));
}

template <typename T>
absl::Status AppendInt(const Value& v, const CabiType& t, std::string& out) {
  const T* i = v.Get<T>();
  if (i == nullptr) return Mismatch(v, t);
  absl::StrAppend(&out, *i);
  return absl::OkStatus();
}

absl::Status Write(const Value& v, const CabiType& t, const TypeLabels* l, std::string& out);

absl::Status WriteSeq(const std::vector<Value>& elems, const std::vector<const CabiType*>& types,
                      const std::vector<const TypeLabels*>& labels, std::string& out) {
  for (size_t i = 0; i < elems.size(); ++i) {
    if (i != 0) out += ", ";
    if (absl::Status s = Write(elems[i], *types[i], labels[i], out); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status WriteCase(const Value& v, const CabiType& t, const TypeLabels* l, std::string& out) {
  const auto* c = v.Get<cabi::VariantValue>();
  if (c == nullptr || c->index >= t.case_count()) return Mismatch(v, t);
  const CabiType* payload = t.case_type(c->index);
  if ((payload == nullptr) != (c->payload == nullptr)) return Mismatch(v, t);
  switch (t.kind()) {
    case TypeKind::kOption: out += c->index == 0 ? "none" : "some"; break;
    case TypeKind::kResult: out += c->index == 0 ? "ok" : "err"; break;
    default: {
      const std::string& name = t.kind() == TypeKind::kEnum ? t.labels()[c->index]
                                                            : t.cases()[c->index].name;
      if (IsKeyword(name)) out += '%';
      out += name;
    }
  }
  if (payload == nullptr) return absl::OkStatus();
  const size_t child = t.kind() == TypeKind::kOption ? 0 : c->index;
  out += '(';
  if (absl::Status s = Write(*c->payload, *payload, Child(l, child), out); !s.ok()) return s;
  out += ')';
  return absl::OkStatus();
}

absl::Status WriteRecord(const Value& v, const CabiType& t, const TypeLabels* l,
                         std::string& out) {
  const auto* r = v.Get<cabi::RecordValue>();
  if (r == nullptr || r->fields.size() != t.field_count()) return Mismatch(v, t);
  if (t.kind() == TypeKind::kTuple) {
    std::vector<const CabiType*> types;
    std::vector<const TypeLabels*> labels;
    for (size_t i = 0; i < t.field_count(); ++i) {
      types.push_back(&t.field_type(i));
      labels.push_back(Child(l, i));
    }
    out += '(';
    if (absl::Status s = WriteSeq(r->fields, types, labels, out); !s.ok()) return s;
    out += ')';
    return absl::OkStatus();
  }
  out += '{';
  bool first = true;
  for (size_t i = 0; i < t.field_count(); ++i) {
    const Value& f = r->fields[i];
    const auto* c = f.Get<cabi::VariantValue>();
    // A none option field is left out, as wasm-wave's writer does.
    if (t.field_type(i).kind() == TypeKind::kOption && c != nullptr && c->index == 0) continue;
    if (!first) out += ", ";
    first = false;
    absl::StrAppend(&out, t.fields()[i].name, ": ");
    if (absl::Status s = Write(f, t.field_type(i), Child(l, i), out); !s.ok()) return s;
  }
  if (first) out += ':';
  out += '}';
  return absl::OkStatus();
}

absl::Status WriteList(const Value& v, const CabiType& t, const TypeLabels* l, std::string& out) {
  std::vector<Value> scratch;
  const std::vector<Value>* elems = cabi::ListElements(v, scratch);
  if (elems == nullptr) return Mismatch(v, t);
  const TypeLabels entry = MapEntryLabels(l);
  const TypeLabels* el = t.kind() == TypeKind::kMap ? &entry : Child(l, 0);
  out += '[';
  for (size_t i = 0; i < elems->size(); ++i) {
    if (i != 0) out += ", ";
    if (absl::Status s = Write((*elems)[i], t.list_elem(), el, out); !s.ok()) return s;
  }
  out += ']';
  return absl::OkStatus();
}

absl::Status WriteFlags(const Value& v, const CabiType& t, const TypeLabels* l,
                        std::string& out) {
  const auto* f = v.Get<cabi::FlagsValue>();
  if (f == nullptr) return Mismatch(v, t);
  if (l == nullptr || l->flags.size() != t.flag_count()) {
    return absl::InvalidArgumentError("the names of these flags are not known");
  }
  out += '{';
  bool first = true;
  for (uint32_t i = 0; i < t.flag_count(); ++i) {
    if (!(f->bits & (uint32_t{1} << i))) continue;
    if (!first) out += ", ";
    first = false;
    out += l->flags[i];
  }
  out += '}';
  return absl::OkStatus();
}

absl::Status Write(const Value& v, const CabiType& t, const TypeLabels* l, std::string& out) {
  switch (t.kind()) {
    case TypeKind::kBool: {
      const bool* b = v.Get<bool>();
      if (b == nullptr) return Mismatch(v, t);
      out += *b ? "true" : "false";
      return absl::OkStatus();
    }
    case TypeKind::kS8: return AppendInt<int8_t>(v, t, out);
    case TypeKind::kU8: return AppendInt<uint8_t>(v, t, out);
    case TypeKind::kS16: return AppendInt<int16_t>(v, t, out);
    case TypeKind::kU16: return AppendInt<uint16_t>(v, t, out);
    case TypeKind::kS32: return AppendInt<int32_t>(v, t, out);
    case TypeKind::kU32: return AppendInt<uint32_t>(v, t, out);
    case TypeKind::kS64: return AppendInt<int64_t>(v, t, out);
    case TypeKind::kU64: return AppendInt<uint64_t>(v, t, out);
    case TypeKind::kF32: {
      const auto* f = v.Get<cabi::F32Value>();
      if (f == nullptr) return Mismatch(v, t);
      out += FormatFloat(std::bit_cast<float>(f->bits));
      return absl::OkStatus();
    }
    case TypeKind::kF64: {
      const auto* f = v.Get<cabi::F64Value>();
      if (f == nullptr) return Mismatch(v, t);
      out += FormatFloat(std::bit_cast<double>(f->bits));
      return absl::OkStatus();
    }
    case TypeKind::kChar: {
      const auto* c = v.Get<cabi::CharValue>();
      if (c == nullptr) return Mismatch(v, t);
      out += '\'';
      AppendEscaped(c->code_point, out);
      out += '\'';
      return absl::OkStatus();
    }
    case TypeKind::kString: {
      const std::string* s = v.Get<std::string>();
      if (s == nullptr) return Mismatch(v, t);
      out += '"';
      for (size_t p = 0; p < s->size();) {
        size_t len = 1;
        AppendEscaped(DecodeAt(*s, p, &len), out);
        p += len;
      }
      out += '"';
      return absl::OkStatus();
    }
    case TypeKind::kList:
    case TypeKind::kFixedList:
    case TypeKind::kMap: return WriteList(v, t, l, out);
    case TypeKind::kRecord:
    case TypeKind::kTuple: return WriteRecord(v, t, l, out);
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: return WriteCase(v, t, l, out);
    case TypeKind::kFlags: return WriteFlags(v, t, l, out);
    default:
      return absl::UnimplementedError(
          absl::StrCat("values of type ", cabi::ToString(t), " have no WAVE form"));
  }
}

absl::Status CheckText(absl::string_view text) {
  if (!cabi::IsValidUtf8(std::string_view(text.data(), text.size()))) {
    return absl::InvalidArgumentError("not valid UTF-8");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Value> ParseValue(absl::string_view text, const cabi::TypeRef& type,
                                 const TypeLabels* labels) {
  if (type == nullptr || !type->status().ok()) {
    return absl::InvalidArgumentError("invalid type");
  }
  if (absl::Status s = CheckText(text); !s.ok()) return s;
  Parser p(text, 0);
  auto v = p.Parse(*type, labels);
  if (!v.ok()) return v.status();
  p.SkipWs();
  if (!p.AtEnd()) return p.Expected("end of input", p.pos());
  return v;
}

absl::StatusOr<std::string> Print(const Value& value, const cabi::TypeRef& type,
                                  const TypeLabels* labels) {
  if (type == nullptr || !type->status().ok()) {
    return absl::InvalidArgumentError("invalid type");
  }
  std::string out;
  if (absl::Status s = Write(value, *type, labels, out); !s.ok()) return s;
  return out;
}

absl::StatusOr<CallText> SplitCall(absl::string_view text) {
  if (absl::Status s = CheckText(text); !s.ok()) return s;
  const size_t open = text.find('(');
  if (open == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        "expected a function call like `name(arg, ...)`, found no `(`");
  }
  absl::string_view name = absl::StripAsciiWhitespace(text.substr(0, open));
  if (name.empty()) {
    return absl::InvalidArgumentError("expected a function name before `(` at column 1");
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (absl::ascii_isspace(static_cast<unsigned char>(name[i]))) {
      const size_t at = static_cast<size_t>(name.data() - text.data()) + i;
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected space in the function name at ", Where(text, at)));
    }
  }
  return CallText{std::string(name), open + 1};
}

absl::StatusOr<std::vector<Value>> ParseArgs(absl::string_view text, const CallText& call,
                                             const Params& params,
                                             const std::vector<TypeLabels>* labels) {
  if (absl::Status s = CheckText(text); !s.ok()) return s;
  Parser p(text, call.args_begin - 1);
  std::vector<Value> args;
  auto n = p.ParseSeq(')', [&](size_t i) -> absl::Status {
    if (i >= params.size()) {
      return p.Error(p.pos(), absl::StrCat("`", call.name, "` takes ", params.size(),
                                           params.size() == 1 ? " argument" : " arguments",
                                           ", found more"));
    }
    const TypeLabels* l = labels != nullptr && i < labels->size() ? &(*labels)[i] : nullptr;
    auto v = p.Parse(*params[i].second, l);
    if (!v.ok()) {
      // "argument 2 (`name`) expected string, ..." / "argument 2 (`name`): ..."
      const absl::string_view m = v.status().message();
      const char* sep = absl::StartsWith(m, "expected ") ? " " : ": ";
      return absl::InvalidArgumentError(
          absl::StrCat("argument ", i + 1, " (`", params[i].first, "`)", sep, m));
    }
    args.push_back(std::move(*v));
    return absl::OkStatus();
  });
  if (!n.ok()) return n.status();
  const size_t close = p.pos() - 1;
  p.SkipWs();
  if (!p.AtEnd()) return p.Expected("end of input after `)`", p.pos());
  // Trailing option parameters may be left out.
  for (size_t i = args.size(); i < params.size(); ++i) {
    if (params[i].second->kind() != TypeKind::kOption) {
      return p.Error(close, absl::StrCat("`", call.name, "` takes ", params.size(),
                                         params.size() == 1 ? " argument" : " arguments",
                                         ", found ", args.size(), " (missing `",
                                         params[i].first, "`)"));
    }
    args.push_back(Value::None());
  }
  return args;
}

}  // namespace wasi_bridge::engine::wave
