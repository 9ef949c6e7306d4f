#include "engine/cabi/value.h"

#include <bit>
#include <cmath>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace wasi_bridge::engine::cabi {

namespace {

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    } else {
      out += static_cast<char>(c);  // UTF-8 passes through
    }
  }
  out += '"';
  return out;
}

std::string Join(const std::vector<Value>& vs) {
  std::vector<std::string> parts;
  parts.reserve(vs.size());
  for (const Value& v : vs) parts.push_back(ToString(v));
  return absl::StrJoin(parts, ", ");
}

// Little-endian, whatever the host's byte order.
uint64_t ReadLe(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

}  // namespace

Value PackedListValue::at(size_t i) const {
  const size_t n = ScalarSize(kind);
  const uint64_t x = ReadLe(bytes.data() + i * n, n);
  switch (kind) {
    case ScalarKind::kBool: return Value::Bool(x != 0);
    case ScalarKind::kS8: return Value::S8(static_cast<int8_t>(x));
    case ScalarKind::kU8: return Value::U8(static_cast<uint8_t>(x));
    case ScalarKind::kS16: return Value::S16(static_cast<int16_t>(x));
    case ScalarKind::kU16: return Value::U16(static_cast<uint16_t>(x));
    case ScalarKind::kS32: return Value::S32(static_cast<int32_t>(x));
    case ScalarKind::kU32: return Value::U32(static_cast<uint32_t>(x));
    case ScalarKind::kS64: return Value::S64(static_cast<int64_t>(x));
    case ScalarKind::kU64: return Value::U64(x);
    case ScalarKind::kF32: return Value::F32Bits(static_cast<uint32_t>(x));
    case ScalarKind::kF64: return Value::F64Bits(x);
    case ScalarKind::kChar: return Value::Char(static_cast<uint32_t>(x));
  }
  return Value();
}

size_t Value::ListSize() const {
  if (const ListValue* l = Get<ListValue>()) return l->elems.size();
  if (const PackedListValue* p = Get<PackedListValue>()) return p->size();
  return 0;
}

Value Value::ListElement(size_t i) const {
  if (const ListValue* l = Get<ListValue>()) return l->elems[i];
  return Get<PackedListValue>()->at(i);
}

const std::vector<Value>* ListElements(const Value& v, std::vector<Value>& scratch) {
  if (const ListValue* l = v.Get<ListValue>()) return &l->elems;
  const PackedListValue* p = v.Get<PackedListValue>();
  if (p == nullptr) return nullptr;
  scratch.clear();
  scratch.reserve(p->size());
  for (size_t i = 0; i < p->size(); ++i) scratch.push_back(p->at(i));
  return &scratch;
}

bool operator==(const Value& a, const Value& b) {
  // Mixed list forms compare element by element; everything else
  // (including two packed lists) by the variant's own equality.
  if (a.Is<PackedListValue>() != b.Is<PackedListValue>() && a.IsList() && b.IsList()) {
    const size_t n = a.ListSize();
    if (n != b.ListSize()) return false;
    for (size_t i = 0; i < n; ++i) {
      if (!(a.ListElement(i) == b.ListElement(i))) return false;
    }
    return true;
  }
  return a.v_ == b.v_;
}

std::string ToString(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int8_t>) {
          return absl::StrCat(v, "s8");
        } else if constexpr (std::is_same_v<T, uint8_t>) {
          return absl::StrCat(v, "u8");
        } else if constexpr (std::is_same_v<T, int16_t>) {
          return absl::StrCat(v, "s16");
        } else if constexpr (std::is_same_v<T, uint16_t>) {
          return absl::StrCat(v, "u16");
        } else if constexpr (std::is_same_v<T, int32_t>) {
          return absl::StrCat(v, "s32");
        } else if constexpr (std::is_same_v<T, uint32_t>) {
          return absl::StrCat(v, "u32");
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return absl::StrCat(v, "s64");
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          return absl::StrCat(v, "u64");
        } else if constexpr (std::is_same_v<T, F32Value>) {
          float f = std::bit_cast<float>(v.bits);
          if (std::isnan(f)) return absl::StrFormat("nan:0x%08x_f32", v.bits);
          return absl::StrFormat("%.9g_f32", f);
        } else if constexpr (std::is_same_v<T, F64Value>) {
          double d = std::bit_cast<double>(v.bits);
          if (std::isnan(d)) return absl::StrFormat("nan:0x%016x_f64", v.bits);
          return absl::StrFormat("%.17g_f64", d);
        } else if constexpr (std::is_same_v<T, CharValue>) {
          return absl::StrFormat("char(U+%04X)", v.code_point);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return Quote(v);
        } else if constexpr (std::is_same_v<T, ErrorContextValue>) {
          return absl::StrCat("error-context(", v.index, ")");
        } else if constexpr (std::is_same_v<T, ListValue>) {
          return absl::StrCat("[", Join(v.elems), "]");
        } else if constexpr (std::is_same_v<T, PackedListValue>) {
          std::vector<Value> elems;
          for (size_t i = 0; i < v.size(); ++i) elems.push_back(v.at(i));
          return absl::StrCat("[", Join(elems), "]");
        } else if constexpr (std::is_same_v<T, RecordValue>) {
          return absl::StrCat("{", Join(v.fields), "}");
        } else if constexpr (std::is_same_v<T, VariantValue>) {
          if (v.payload == nullptr) return absl::StrCat("case", v.index);
          return absl::StrCat("case", v.index, "(", ToString(*v.payload), ")");
        } else if constexpr (std::is_same_v<T, FlagsValue>) {
          return absl::StrFormat("flags(0x%x)", v.bits);
        } else if constexpr (std::is_same_v<T, OwnValue>) {
          return absl::StrCat("own(", v.rep, ")");
        } else if constexpr (std::is_same_v<T, BorrowValue>) {
          return absl::StrCat("borrow(", v.rep, ")");
        } else if constexpr (std::is_same_v<T, StreamValue>) {
          return absl::StrCat("stream(", v.index, ")");
        } else {
          static_assert(std::is_same_v<T, FutureValue>);
          return absl::StrCat("future(", v.index, ")");
        }
      },
      value.storage());
}

}  // namespace wasi_bridge::engine::cabi
