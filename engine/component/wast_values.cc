#include "engine/component/wast_values.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/cabi/string_codec.h"

namespace wasi_bridge::engine {

using cabi::CabiType;
using cabi::TypeKind;
using cabi::Value;

bool TypeLabels::empty() const {
  if (!flags.empty()) return false;
  for (const TypeLabels& c : children) {
    if (!c.empty()) return false;
  }
  return true;
}

bool ContainsFlags(const CabiType& type) {
  switch (type.kind()) {
    case TypeKind::kFlags:
      return true;
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      for (size_t i = 0; i < type.field_count(); ++i) {
        if (ContainsFlags(type.field_type(i))) return true;
      }
      return false;
    case TypeKind::kVariant:
    case TypeKind::kOption:
    case TypeKind::kResult:
      for (size_t i = 0; i < type.case_count(); ++i) {
        if (type.case_type(i) != nullptr && ContainsFlags(*type.case_type(i))) {
          return true;
        }
      }
      return false;
    case TypeKind::kList:
    case TypeKind::kFixedList:
    case TypeKind::kMap:
      return ContainsFlags(type.list_elem());
    default:
      return false;
  }
}

namespace {

constexpr uint32_t kCanonicalNan32 = 0x7fc00000u;
constexpr uint64_t kCanonicalNan64 = 0x7ff8000000000000ull;

// The JSON "type" tag for values of `t`, or nullptr if there is none.
const char* JsonTag(const CabiType& t) {
  switch (t.kind()) {
    case TypeKind::kFixedList:
      return "list";
    case TypeKind::kErrorContext:
    case TypeKind::kOwn:
    case TypeKind::kBorrow:
    case TypeKind::kStream:
    case TypeKind::kFuture:
      return nullptr;
    default:
      return cabi::TypeKindName(t.kind());
  }
}

std::string At(const std::string& path) {
  return path.empty() ? std::string() : absl::StrCat("at ", path, ": ");
}

absl::Status Bad(const std::string& path, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(At(path), message));
}

// Decodes one scalar from valid UTF-8 `s`; -1 unless `s` is exactly one.
int64_t SingleScalar(const std::string& s) {
  if (s.empty()) return -1;
  const uint8_t b0 = static_cast<uint8_t>(s[0]);
  size_t len = b0 < 0x80 ? 1 : b0 < 0xe0 ? 2 : b0 < 0xf0 ? 3 : 4;
  if (s.size() != len) return -1;
  uint32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1f) : len == 3 ? (b0 & 0x0f) : (b0 & 0x07);
  for (size_t i = 1; i < len; ++i) cp = (cp << 6) | (static_cast<uint8_t>(s[i]) & 0x3f);
  return cp;
}


// The decimal text of an integer payload (a string, or a JSON integer).
absl::StatusOr<std::string> IntegerText(const JsonValue& v, const std::string& path) {
  std::string text;
  if (v.is_string()) {
    text = v.string_value();
  } else if (v.is_number()) {
    text = v.number_text();
  } else {
    return Bad(path, absl::StrCat("expected an integer, got ", ToJson(v)));
  }
  size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
  if (i == text.size()) return Bad(path, absl::StrCat("not an integer: ", ToJson(v)));
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return Bad(path, absl::StrCat("not an integer: ", ToJson(v)));
    }
  }
  return text;
}

template <typename T>
absl::StatusOr<T> ParseInt(const JsonValue& v, const CabiType& t, const std::string& path) {
  auto text = IntegerText(v, path);
  if (!text.ok()) return text.status();
  bool ok;
  T out{};
  if constexpr (std::is_signed_v<T>) {
    int64_t wide = 0;
    ok = absl::SimpleAtoi(*text, &wide) && wide >= std::numeric_limits<T>::min() &&
         wide <= std::numeric_limits<T>::max();
    out = static_cast<T>(wide);
  } else {
    uint64_t wide = 0;
    ok = (*text)[0] != '-' && absl::SimpleAtoi(*text, &wide) &&
         wide <= std::numeric_limits<T>::max();
    out = static_cast<T>(wide);
  }
  if (!ok) {
    return Bad(path, absl::StrCat(*text, " is out of range for ", cabi::TypeKindName(t.kind())));
  }
  return out;
}

// Float payload: bits as decimal, or a NaN pattern name (`*pattern` set).
template <typename Bits>
absl::StatusOr<Bits> ParseFloatBits(const JsonValue& v, const CabiType& t,
                                    const std::string& path, std::string* pattern) {
  if (v.is_string() &&
      (v.string_value() == "nan:canonical" || v.string_value() == "nan:arithmetic")) {
    if (pattern != nullptr) *pattern = v.string_value();
    return sizeof(Bits) == 4 ? static_cast<Bits>(kCanonicalNan32)
                             : static_cast<Bits>(kCanonicalNan64);
  }
  return ParseInt<Bits>(v, t, path);
}

// Splits {"type": T, "value": V}, checking T against `t`.
absl::StatusOr<const JsonValue*> Unwrap(const JsonValue& json, const CabiType& t,
                                        const std::string& path) {
  const char* tag = JsonTag(t);
  if (tag == nullptr) {
    return absl::UnimplementedError(absl::StrCat(
        At(path), "values of type ", cabi::TypeKindName(t.kind()), " have no JSON form"));
  }
  const std::string* got = json.FindString("type");
  if (got == nullptr) {
    return Bad(path, absl::StrCat("expected {\"type\": ..., \"value\": ...}, got ", ToJson(json)));
  }
  if (*got != tag) {
    return Bad(path, absl::StrCat("type mismatch: the value is a ", *got,
                                  " but the function expects ", cabi::ToString(t)));
  }
  for (const auto& [key, unused] : json.object()) {
    if (key != "type" && key != "value") {
      return Bad(path, absl::StrCat("unexpected key \"", key, "\" in ", ToJson(json)));
    }
  }
  static const JsonValue* const kNull = new JsonValue();
  const JsonValue* value = json.Find("value");
  if (value == nullptr) {
    // serde omits nothing here for our types except an absent option.
    if (t.kind() != TypeKind::kOption) {
      return Bad(path, absl::StrCat("missing \"value\" in ", ToJson(json)));
    }
    value = kNull;
  }
  return value;
}

absl::StatusOr<uint32_t> FlagsFromJson(const JsonValue& v, const CabiType& t,
                                       const TypeLabels* labels, const std::string& path) {
  if (!v.is_array()) return Bad(path, absl::StrCat("flags: expected an array, got ", ToJson(v)));
  if (labels == nullptr || labels->flags.empty()) {
    return Bad(path, "flags labels unknown for this type (no TypeLabels given)");
  }
  if (labels->flags.size() != t.flag_count()) {
    return Bad(path, absl::StrFormat("flags: %d labels given for a type with %d flags",
                                     labels->flags.size(), t.flag_count()));
  }
  uint32_t bits = 0;
  for (const JsonValue& e : v.array()) {
    if (!e.is_string()) return Bad(path, absl::StrCat("flags: expected a label, got ", ToJson(e)));
    size_t i = 0;
    while (i < labels->flags.size() && labels->flags[i] != e.string_value()) ++i;
    if (i == labels->flags.size()) {
      return Bad(path, absl::StrCat("flags: unknown label \"", e.string_value(), "\" (type has ",
                                    absl::StrJoin(labels->flags, ", "), ")"));
    }
    const uint32_t bit = uint32_t{1} << i;
    if ((bits & bit) != 0) {
      return Bad(path, absl::StrCat("flags: label \"", e.string_value(), "\" given twice"));
    }
    bits |= bit;
  }
  return bits;
}

// The case index named `name` in a variant or enum.
absl::StatusOr<uint32_t> CaseIndex(const CabiType& t, const std::string& name,
                                   const std::string& path) {
  if (t.kind() == TypeKind::kEnum) {
    for (size_t i = 0; i < t.labels().size(); ++i) {
      if (t.labels()[i] == name) return static_cast<uint32_t>(i);
    }
  } else {
    for (size_t i = 0; i < t.cases().size(); ++i) {
      if (t.cases()[i].name == name) return static_cast<uint32_t>(i);
    }
  }
  return Bad(path, absl::StrCat("no case \"", name, "\" in ", cabi::ToString(t)));
}

// The case a variant-like JSON payload selects, and its payload JSON
// (nullptr when absent). `v` is the JSON "value" member.
struct CaseSel {
  uint32_t index = 0;
  const JsonValue* payload = nullptr;
};

absl::StatusOr<CaseSel> SelectCase(const JsonValue& v, const CabiType& t,
                                   const std::string& path) {
  CaseSel sel;
  switch (t.kind()) {
    case TypeKind::kEnum: {
      if (!v.is_string()) return Bad(path, absl::StrCat("enum: expected a label, got ", ToJson(v)));
      auto i = CaseIndex(t, v.string_value(), path);
      if (!i.ok()) return i.status();
      sel.index = *i;
      return sel;
    }
    case TypeKind::kVariant: {
      const std::string* name = v.FindString("case");
      if (name == nullptr) {
        return Bad(path, absl::StrCat("variant: expected {\"case\": ...}, got ", ToJson(v)));
      }
      for (const auto& [key, unused] : v.object()) {
        if (key != "case" && key != "payload") {
          return Bad(path, absl::StrCat("variant: unexpected key \"", key, "\""));
        }
      }
      auto i = CaseIndex(t, *name, path);
      if (!i.ok()) return i.status();
      sel.index = *i;
      sel.payload = v.Find("payload");
      break;
    }
    case TypeKind::kOption:
      if (v.is_null()) {
        sel.index = 0;
      } else {
        sel.index = 1;
        sel.payload = &v;
      }
      return sel;
    case TypeKind::kResult: {
      if (!v.is_object() || v.object().size() != 1 ||
          (v.object()[0].first != "Ok" && v.object()[0].first != "Err")) {
        return Bad(path, absl::StrCat("result: expected {\"Ok\": ...} or {\"Err\": ...}, got ",
                                      ToJson(v)));
      }
      sel.index = v.object()[0].first == "Ok" ? 0 : 1;
      const JsonValue& p = v.object()[0].second;
      sel.payload = p.is_null() ? nullptr : &p;
      break;
    }
    default:
      return Bad(path, "not a variant type");
  }
  const CabiType* case_type = t.case_type(sel.index);
  if (case_type == nullptr && sel.payload != nullptr) {
    return Bad(path, absl::StrCat("case has no payload but one is given: ", ToJson(*sel.payload)));
  }
  if (case_type != nullptr && sel.payload == nullptr) {
    return Bad(path, "case needs a payload but none is given");
  }
  return sel;
}

std::string CaseName(const CabiType& t, uint32_t index) {
  switch (t.kind()) {
    case TypeKind::kVariant:
      return index < t.cases().size() ? t.cases()[index].name : absl::StrCat("#", index);
    case TypeKind::kEnum:
      return index < t.labels().size() ? t.labels()[index] : absl::StrCat("#", index);
    case TypeKind::kOption:
      return index == 0 ? "none" : index == 1 ? "some" : absl::StrCat("#", index);
    case TypeKind::kResult:
      return index == 0 ? "ok" : index == 1 ? "err" : absl::StrCat("#", index);
    default:
      return absl::StrCat("#", index);
  }
}

std::string FieldPath(const std::string& path, const CabiType& t, size_t i) {
  if (t.kind() == TypeKind::kRecord) return absl::StrCat(path, ".", t.fields()[i].name);
  return absl::StrCat(path, ".", i);
}

// The JSON record members in field order (each field exactly once).
absl::StatusOr<std::vector<const JsonValue*>> RecordMembers(const JsonValue& v, const CabiType& t,
                                                            const std::string& path) {
  const size_t n = t.field_count();
  std::vector<const JsonValue*> out(n, nullptr);
  if (!v.is_array()) return Bad(path, absl::StrCat("expected an array, got ", ToJson(v)));
  if (t.kind() == TypeKind::kTuple) {
    if (v.array().size() != n) {
      return Bad(path, absl::StrFormat("tuple: %d elements given for %s", v.array().size(),
                                       cabi::ToString(t)));
    }
    for (size_t i = 0; i < n; ++i) out[i] = &v.array()[i];
    return out;
  }
  for (const JsonValue& m : v.array()) {
    if (!m.is_array() || m.array().size() != 2 || !m.array()[0].is_string()) {
      return Bad(path, absl::StrCat("record: expected [\"field\", value], got ", ToJson(m)));
    }
    const std::string& name = m.array()[0].string_value();
    size_t i = 0;
    while (i < n && t.fields()[i].name != name) ++i;
    if (i == n) {
      return Bad(path, absl::StrCat("record: no field \"", name, "\" in ", cabi::ToString(t)));
    }
    if (out[i] != nullptr) {
      return Bad(path, absl::StrCat("record: field \"", name, "\" given twice"));
    }
    out[i] = &m.array()[1];
  }
  for (size_t i = 0; i < n; ++i) {
    if (out[i] == nullptr) {
      return Bad(path, absl::StrCat("record: field \"", t.fields()[i].name, "\" missing"));
    }
  }
  return out;
}

absl::StatusOr<Value> FromJson(const JsonValue& json, const CabiType& t, const TypeLabels* labels,
                               const std::string& path, std::string* nan_pattern = nullptr);

// A list-like payload (`v` is the JSON "value").
absl::StatusOr<Value> ListFromJson(const JsonValue& v, const CabiType& t, const TypeLabels* labels,
                                   const std::string& path) {
  if (!v.is_array()) return Bad(path, absl::StrCat("expected an array, got ", ToJson(v)));
  if (t.kind() == TypeKind::kFixedList && v.array().size() != t.length()) {
    return Bad(path, absl::StrFormat("list: %d elements given for %s", v.array().size(),
                                     cabi::ToString(t)));
  }
  std::vector<Value> elems;
  elems.reserve(v.array().size());
  for (size_t i = 0; i < v.array().size(); ++i) {
    const std::string sub = absl::StrCat(path, "[", i, "]");
    const JsonValue& e = v.array()[i];
    if (t.kind() == TypeKind::kMap) {
      if (!e.is_array() || e.array().size() != 2) {
        return Bad(sub, absl::StrCat("map: expected [key, value], got ", ToJson(e)));
      }
      auto key = FromJson(e.array()[0], *t.key(), labels ? labels->child(0) : nullptr,
                          sub + ".key");
      if (!key.ok()) return key.status();
      auto val = FromJson(e.array()[1], *t.value(), labels ? labels->child(1) : nullptr,
                          sub + ".value");
      if (!val.ok()) return val.status();
      elems.push_back(Value::Record({std::move(*key), std::move(*val)}));
    } else {
      auto elem = FromJson(e, t.list_elem(), labels ? labels->child(0) : nullptr, sub);
      if (!elem.ok()) return elem.status();
      elems.push_back(std::move(*elem));
    }
  }
  return Value::List(std::move(elems));
}

absl::StatusOr<Value> FromJson(const JsonValue& json, const CabiType& t, const TypeLabels* labels,
                               const std::string& path, std::string* nan_pattern) {
  if (!t.status().ok()) return Bad(path, absl::StrCat("ill-formed type: ", t.status().message()));
  auto unwrapped = Unwrap(json, t, path);
  if (!unwrapped.ok()) return unwrapped.status();
  const JsonValue& v = **unwrapped;
  switch (t.kind()) {
    case TypeKind::kBool:
      if (!v.is_bool()) {
        return Bad(path, absl::StrCat("bool: expected true or false, got ", ToJson(v)));
      }
      return Value::Bool(v.bool_value());
#define WB_INT_CASE(KIND, T, CTOR)                  \
  case TypeKind::KIND: {                            \
    auto x = ParseInt<T>(v, t, path);               \
    if (!x.ok()) return x.status();                 \
    return Value::CTOR(*x);                         \
  }
      WB_INT_CASE(kS8, int8_t, S8)
      WB_INT_CASE(kU8, uint8_t, U8)
      WB_INT_CASE(kS16, int16_t, S16)
      WB_INT_CASE(kU16, uint16_t, U16)
      WB_INT_CASE(kS32, int32_t, S32)
      WB_INT_CASE(kU32, uint32_t, U32)
      WB_INT_CASE(kS64, int64_t, S64)
      WB_INT_CASE(kU64, uint64_t, U64)
#undef WB_INT_CASE
    case TypeKind::kF32: {
      auto bits = ParseFloatBits<uint32_t>(v, t, path, nan_pattern);
      if (!bits.ok()) return bits.status();
      return Value::F32Bits(*bits);
    }
    case TypeKind::kF64: {
      auto bits = ParseFloatBits<uint64_t>(v, t, path, nan_pattern);
      if (!bits.ok()) return bits.status();
      return Value::F64Bits(*bits);
    }
    case TypeKind::kChar: {
      const int64_t cp = v.is_string() ? SingleScalar(v.string_value()) : -1;
      if (cp < 0) return Bad(path, absl::StrCat("char: expected one character, got ", ToJson(v)));
      return Value::Char(static_cast<uint32_t>(cp));
    }
    case TypeKind::kString:
      if (!v.is_string()) {
        return Bad(path, absl::StrCat("string: expected a string, got ", ToJson(v)));
      }
      return Value::String(v.string_value());
    case TypeKind::kList:
    case TypeKind::kFixedList:
    case TypeKind::kMap:
      return ListFromJson(v, t, labels, path);
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      auto members = RecordMembers(v, t, path);
      if (!members.ok()) return members.status();
      std::vector<Value> fields;
      for (size_t i = 0; i < members->size(); ++i) {
        auto f = FromJson(*(*members)[i], t.field_type(i), labels ? labels->child(i) : nullptr,
                          FieldPath(path, t, i));
        if (!f.ok()) return f.status();
        fields.push_back(std::move(*f));
      }
      return Value::Record(std::move(fields));
    }
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      auto sel = SelectCase(v, t, path);
      if (!sel.ok()) return sel.status();
      if (sel->payload == nullptr) return Value::Variant(sel->index);
      // Option children: [0] is the payload (case 1).
      const size_t child = t.kind() == TypeKind::kOption ? 0 : sel->index;
      auto p = FromJson(*sel->payload, *t.case_type(sel->index),
                        labels ? labels->child(child) : nullptr,
                        absl::StrCat(path, ".", CaseName(t, sel->index)));
      if (!p.ok()) return p.status();
      return Value::Variant(sel->index, std::move(*p));
    }
    case TypeKind::kFlags: {
      auto bits = FlagsFromJson(v, t, labels, path);
      if (!bits.ok()) return bits.status();
      return Value::Flags(*bits);
    }
    default:
      break;
  }
  return absl::UnimplementedError(absl::StrCat(At(path), "values of type ",
                                               cabi::TypeKindName(t.kind()), " have no JSON form"));
}

bool Fail(std::string* why, const std::string& path, std::string message) {
  if (why != nullptr) *why = absl::StrCat(At(path), message);
  return false;
}

bool IsNan32(uint32_t b) { return (b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu) != 0; }
bool IsNan64(uint64_t b) {
  return (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0x000fffffffffffffull) != 0;
}

bool Match(const Value& actual, const JsonValue& expected, const CabiType& t,
           const TypeLabels* labels, const std::string& path, std::string* why) {
  const auto mismatch = [&](const std::string& want) {
    return Fail(why, path, absl::StrCat("got ", cabi::ToString(actual), ", expected ", want));
  };
  switch (t.kind()) {
    case TypeKind::kList:
    case TypeKind::kFixedList:
    case TypeKind::kMap: {
      auto v = Unwrap(expected, t, path);
      if (!v.ok()) return Fail(why, "", std::string(v.status().message()));
      std::vector<Value> unpacked;
      const std::vector<Value>* elems = cabi::ListElements(actual, unpacked);
      if (elems == nullptr) return mismatch(ToJson(expected));
      if (!(*v)->is_array()) {
        return Fail(why, path, absl::StrCat("expected an array, got ", ToJson(**v)));
      }
      const auto& want = (*v)->array();
      if (elems->size() != want.size()) {
        return Fail(why, path, absl::StrFormat("got a list of %d elements, expected %d: got %s",
                                               elems->size(), want.size(),
                                               cabi::ToString(actual)));
      }
      for (size_t i = 0; i < want.size(); ++i) {
        const std::string sub = absl::StrCat(path, "[", i, "]");
        if (t.kind() == TypeKind::kMap) {
          const auto* entry = (*elems)[i].Get<cabi::RecordValue>();
          if (entry == nullptr || entry->fields.size() != 2) {
            return Fail(why, sub, absl::StrCat("map entry is not a pair: ",
                                               cabi::ToString((*elems)[i])));
          }
          if (!want[i].is_array() || want[i].array().size() != 2) {
            return Fail(why, sub,
                        absl::StrCat("map: expected [key, value], got ", ToJson(want[i])));
          }
          if (!Match(entry->fields[0], want[i].array()[0], *t.key(),
                     labels ? labels->child(0) : nullptr, sub + ".key", why) ||
              !Match(entry->fields[1], want[i].array()[1], *t.value(),
                     labels ? labels->child(1) : nullptr, sub + ".value", why)) {
            return false;
          }
        } else if (!Match((*elems)[i], want[i], t.list_elem(),
                          labels ? labels->child(0) : nullptr, sub, why)) {
          return false;
        }
      }
      return true;
    }
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      auto v = Unwrap(expected, t, path);
      if (!v.ok()) return Fail(why, "", std::string(v.status().message()));
      auto members = RecordMembers(**v, t, path);
      if (!members.ok()) return Fail(why, "", std::string(members.status().message()));
      const auto* rec = actual.Get<cabi::RecordValue>();
      if (rec == nullptr || rec->fields.size() != members->size()) {
        return mismatch(ToJson(expected));
      }
      for (size_t i = 0; i < members->size(); ++i) {
        if (!Match(rec->fields[i], *(*members)[i], t.field_type(i),
                   labels ? labels->child(i) : nullptr, FieldPath(path, t, i), why)) {
          return false;
        }
      }
      return true;
    }
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      auto v = Unwrap(expected, t, path);
      if (!v.ok()) return Fail(why, "", std::string(v.status().message()));
      auto sel = SelectCase(**v, t, path);
      if (!sel.ok()) return Fail(why, "", std::string(sel.status().message()));
      const auto* var = actual.Get<cabi::VariantValue>();
      if (var == nullptr) return mismatch(ToJson(expected));
      if (var->index != sel->index) {
        return Fail(why, path, absl::StrCat("got case ", CaseName(t, var->index), " (",
                                            cabi::ToString(actual), "), expected case ",
                                            CaseName(t, sel->index)));
      }
      if (sel->payload == nullptr) {
        if (var->payload != nullptr) return mismatch(ToJson(expected));
        return true;
      }
      if (var->payload == nullptr) return mismatch(ToJson(expected));
      const size_t child = t.kind() == TypeKind::kOption ? 0 : sel->index;
      return Match(*var->payload, *sel->payload, *t.case_type(sel->index),
                   labels ? labels->child(child) : nullptr,
                   absl::StrCat(path, ".", CaseName(t, sel->index)), why);
    }
    default:
      break;
  }
  // Leaves: convert and compare; floats also match NaN patterns.
  std::string nan_pattern;
  auto want = FromJson(expected, t, labels, path, &nan_pattern);
  if (!want.ok()) return Fail(why, "", std::string(want.status().message()));
  if (!nan_pattern.empty()) {
    const bool canonical = nan_pattern == "nan:canonical";
    if (const auto* f = actual.Get<cabi::F32Value>()) {
      const uint32_t mag = f->bits & 0x7fffffffu;
      if (canonical ? mag == kCanonicalNan32 : (IsNan32(f->bits) && (f->bits & 0x00400000u))) {
        return true;
      }
    } else if (const auto* d = actual.Get<cabi::F64Value>()) {
      const uint64_t mag = d->bits & 0x7fffffffffffffffull;
      if (canonical ? mag == kCanonicalNan64
                    : (IsNan64(d->bits) && (d->bits & 0x0008000000000000ull))) {
        return true;
      }
    }
    return mismatch(nan_pattern);
  }
  if (actual == *want) return true;
  return mismatch(cabi::ToString(*want));
}

absl::StatusOr<JsonValue> ToJsonImpl(const Value& value, const CabiType& t,
                                     const TypeLabels* labels, const std::string& path);

absl::StatusOr<JsonValue> Tagged(const CabiType& t, JsonValue v) {
  return JsonValue::Object({{"type", JsonValue::String(JsonTag(t))}, {"value", std::move(v)}});
}

absl::Status WrongShape(const Value& value, const CabiType& t, const std::string& path) {
  return Bad(path, absl::StrCat("value ", cabi::ToString(value), " does not have type ",
                                cabi::ToString(t)));
}

template <typename T>
absl::StatusOr<JsonValue> IntToJson(const Value& value, const CabiType& t,
                                    const std::string& path) {
  const T* x = value.Get<T>();
  if (x == nullptr) return WrongShape(value, t, path);
  return Tagged(t, JsonValue::String(absl::StrCat(+*x)));
}

absl::StatusOr<JsonValue> ToJsonImpl(const Value& value, const CabiType& t,
                                     const TypeLabels* labels, const std::string& path) {
  switch (t.kind()) {
    case TypeKind::kBool: {
      const bool* b = value.Get<bool>();
      if (b == nullptr) return WrongShape(value, t, path);
      return Tagged(t, JsonValue::Bool(*b));
    }
    case TypeKind::kS8: return IntToJson<int8_t>(value, t, path);
    case TypeKind::kU8: return IntToJson<uint8_t>(value, t, path);
    case TypeKind::kS16: return IntToJson<int16_t>(value, t, path);
    case TypeKind::kU16: return IntToJson<uint16_t>(value, t, path);
    case TypeKind::kS32: return IntToJson<int32_t>(value, t, path);
    case TypeKind::kU32: return IntToJson<uint32_t>(value, t, path);
    case TypeKind::kS64: return IntToJson<int64_t>(value, t, path);
    case TypeKind::kU64: return IntToJson<uint64_t>(value, t, path);
    case TypeKind::kF32: {
      const auto* f = value.Get<cabi::F32Value>();
      if (f == nullptr) return WrongShape(value, t, path);
      return Tagged(t, JsonValue::String(absl::StrCat(f->bits)));
    }
    case TypeKind::kF64: {
      const auto* f = value.Get<cabi::F64Value>();
      if (f == nullptr) return WrongShape(value, t, path);
      return Tagged(t, JsonValue::String(absl::StrCat(f->bits)));
    }
    case TypeKind::kChar: {
      const auto* c = value.Get<cabi::CharValue>();
      if (c == nullptr || c->code_point > 0x10ffff ||
          (c->code_point >= 0xd800 && c->code_point <= 0xdfff)) {
        return WrongShape(value, t, path);
      }
      std::string s;
      cabi::AppendUtf8(c->code_point, s);
      return Tagged(t, JsonValue::String(std::move(s)));
    }
    case TypeKind::kString: {
      const auto* s = value.Get<std::string>();
      if (s == nullptr) return WrongShape(value, t, path);
      return Tagged(t, JsonValue::String(*s));
    }
    case TypeKind::kList:
    case TypeKind::kFixedList:
    case TypeKind::kMap: {
      std::vector<Value> unpacked;
      const std::vector<Value>* list = cabi::ListElements(value, unpacked);
      if (list == nullptr) return WrongShape(value, t, path);
      std::vector<JsonValue> elems;
      for (size_t i = 0; i < list->size(); ++i) {
        const std::string sub = absl::StrCat(path, "[", i, "]");
        if (t.kind() == TypeKind::kMap) {
          const auto* entry = (*list)[i].Get<cabi::RecordValue>();
          if (entry == nullptr || entry->fields.size() != 2) return WrongShape(value, t, path);
          auto k = ToJsonImpl(entry->fields[0], *t.key(), labels ? labels->child(0) : nullptr, sub);
          if (!k.ok()) return k.status();
          auto v = ToJsonImpl(entry->fields[1], *t.value(),
                              labels ? labels->child(1) : nullptr, sub);
          if (!v.ok()) return v.status();
          elems.push_back(JsonValue::Array({std::move(*k), std::move(*v)}));
        } else {
          auto e = ToJsonImpl((*list)[i], t.list_elem(),
                              labels ? labels->child(0) : nullptr, sub);
          if (!e.ok()) return e.status();
          elems.push_back(std::move(*e));
        }
      }
      return Tagged(t, JsonValue::Array(std::move(elems)));
    }
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      const auto* rec = value.Get<cabi::RecordValue>();
      if (rec == nullptr || rec->fields.size() != t.field_count()) {
        return WrongShape(value, t, path);
      }
      std::vector<JsonValue> members;
      for (size_t i = 0; i < rec->fields.size(); ++i) {
        auto f = ToJsonImpl(rec->fields[i], t.field_type(i), labels ? labels->child(i) : nullptr,
                            FieldPath(path, t, i));
        if (!f.ok()) return f.status();
        if (t.kind() == TypeKind::kRecord) {
          members.push_back(
              JsonValue::Array({JsonValue::String(t.fields()[i].name), std::move(*f)}));
        } else {
          members.push_back(std::move(*f));
        }
      }
      return Tagged(t, JsonValue::Array(std::move(members)));
    }
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      const auto* var = value.Get<cabi::VariantValue>();
      if (var == nullptr || var->index >= t.case_count()) return WrongShape(value, t, path);
      const CabiType* ct = t.case_type(var->index);
      if ((ct == nullptr) != (var->payload == nullptr)) return WrongShape(value, t, path);
      JsonValue payload;
      if (ct != nullptr) {
        const size_t child = t.kind() == TypeKind::kOption ? 0 : var->index;
        auto p = ToJsonImpl(*var->payload, *ct, labels ? labels->child(child) : nullptr,
                            absl::StrCat(path, ".", CaseName(t, var->index)));
        if (!p.ok()) return p.status();
        payload = std::move(*p);
      }
      switch (t.kind()) {
        case TypeKind::kEnum:
          return Tagged(t, JsonValue::String(t.labels()[var->index]));
        case TypeKind::kOption:
          return Tagged(t, std::move(payload));
        case TypeKind::kResult:
          return Tagged(
              t, JsonValue::Object({{var->index == 0 ? "Ok" : "Err", std::move(payload)}}));
        default: {
          std::vector<JsonValue::Member> m = {
              {"case", JsonValue::String(t.cases()[var->index].name)}};
          if (ct != nullptr) m.emplace_back("payload", std::move(payload));
          return Tagged(t, JsonValue::Object(std::move(m)));
        }
      }
    }
    case TypeKind::kFlags: {
      const auto* f = value.Get<cabi::FlagsValue>();
      if (f == nullptr) return WrongShape(value, t, path);
      if (labels == nullptr || labels->flags.size() != t.flag_count()) {
        return Bad(path, "flags labels unknown for this type (no TypeLabels given)");
      }
      std::vector<JsonValue> names;
      for (uint32_t i = 0; i < t.flag_count(); ++i) {
        if ((f->bits >> i) & 1) names.push_back(JsonValue::String(labels->flags[i]));
      }
      if (t.flag_count() < 32 && (f->bits >> t.flag_count()) != 0) {
        return WrongShape(value, t, path);
      }
      return Tagged(t, JsonValue::Array(std::move(names)));
    }
    default:
      break;
  }
  return absl::UnimplementedError(absl::StrCat(At(path), "values of type ",
                                               cabi::TypeKindName(t.kind()), " have no JSON form"));
}

}  // namespace

absl::StatusOr<Value> ValueFromJson(const JsonValue& json, const cabi::TypeRef& type,
                                    const TypeLabels* labels) {
  if (type == nullptr) return absl::InvalidArgumentError("no type given");
  return FromJson(json, *type, labels, "");
}

bool ValuesMatch(const Value& actual, const JsonValue& expected, const cabi::TypeRef& type,
                 std::string* why, const TypeLabels* labels) {
  if (type == nullptr) return Fail(why, "", "no type given");
  if (!type->status().ok()) {
    return Fail(why, "", absl::StrCat("ill-formed type: ", type->status().message()));
  }
  return Match(actual, expected, *type, labels, "", why);
}

absl::StatusOr<JsonValue> ValueToJson(const Value& value, const cabi::TypeRef& type,
                                      const TypeLabels* labels) {
  if (type == nullptr) return absl::InvalidArgumentError("no type given");
  return ToJsonImpl(value, *type, labels, "");
}

}  // namespace wasi_bridge::engine
