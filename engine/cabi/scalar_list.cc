#include "engine/cabi/scalar_list.h"

#include <bit>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace wasi_bridge::engine::cabi {

namespace {

// Packed buffers and guest memory are both little-endian; on a big-endian
// host the element-wise paths below would have to swap bytes.
static_assert(std::endian::native == std::endian::little,
              "packed lists assume a little-endian host");

template <typename T>
T LoadLe(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename T>
void StoreLe(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

absl::Status Mismatch(const CabiType& elem, const Value& list) {
  std::string s = ToString(list);
  if (s.size() > 120) s = s.substr(0, 117) + "...";
  return absl::InvalidArgumentError(
      absl::StrCat("host value ", s, " does not match type list<", ToString(elem), ">"));
}

// Writes one k-typed Value to `dst`; false if `v` holds another type.
bool PackOne(ScalarKind k, const Value& v, uint8_t* dst) {
  auto put = [&](auto type_tag) {
    using T = decltype(type_tag);
    const T* x = v.Get<T>();
    if (x == nullptr) return false;
    StoreLe(dst, *x);
    return true;
  };
  switch (k) {
    case ScalarKind::kBool: {
      const bool* b = v.Get<bool>();
      if (b == nullptr) return false;
      *dst = *b ? 1 : 0;
      return true;
    }
    case ScalarKind::kS8: return put(int8_t{});
    case ScalarKind::kU8: return put(uint8_t{});
    case ScalarKind::kS16: return put(int16_t{});
    case ScalarKind::kU16: return put(uint16_t{});
    case ScalarKind::kS32: return put(int32_t{});
    case ScalarKind::kU32: return put(uint32_t{});
    case ScalarKind::kS64: return put(int64_t{});
    case ScalarKind::kU64: return put(uint64_t{});
    case ScalarKind::kF32: {
      const F32Value* f = v.Get<F32Value>();
      if (f == nullptr) return false;
      StoreLe(dst, CanonF32(f->bits));
      return true;
    }
    case ScalarKind::kF64: {
      const F64Value* f = v.Get<F64Value>();
      if (f == nullptr) return false;
      StoreLe(dst, CanonF64(f->bits));
      return true;
    }
    case ScalarKind::kChar: {
      const CharValue* c = v.Get<CharValue>();
      if (c == nullptr) return false;
      StoreLe(dst, c->code_point);
      return true;
    }
  }
  return false;
}

// The pass a copied buffer needs so that it holds canonical values.
void CanonicalizeInPlace(ScalarKind k, uint8_t* p, size_t n) {
  switch (k) {
    case ScalarKind::kBool:
      for (size_t i = 0; i < n; ++i) p[i] = p[i] != 0;
      break;
    case ScalarKind::kF32:
      for (size_t i = 0; i < n; ++i) {
        StoreLe(p + 4 * i, CanonF32(LoadLe<uint32_t>(p + 4 * i)));
      }
      break;
    case ScalarKind::kF64:
      for (size_t i = 0; i < n; ++i) {
        StoreLe(p + 8 * i, CanonF64(LoadLe<uint64_t>(p + 8 * i)));
      }
      break;
    default:
      break;
  }
}

}  // namespace

absl::Status InvalidCharError(uint32_t cp) {
  return absl::InvalidArgumentError(absl::StrFormat("invalid `char` bit pattern 0x%X", cp));
}

std::optional<ScalarKind> ScalarKindOf(const CabiType& t) {
  switch (t.kind()) {
    case TypeKind::kBool: return ScalarKind::kBool;
    case TypeKind::kS8: return ScalarKind::kS8;
    case TypeKind::kU8: return ScalarKind::kU8;
    case TypeKind::kS16: return ScalarKind::kS16;
    case TypeKind::kU16: return ScalarKind::kU16;
    case TypeKind::kS32: return ScalarKind::kS32;
    case TypeKind::kU32: return ScalarKind::kU32;
    case TypeKind::kS64: return ScalarKind::kS64;
    case TypeKind::kU64: return ScalarKind::kU64;
    case TypeKind::kF32: return ScalarKind::kF32;
    case TypeKind::kF64: return ScalarKind::kF64;
    case TypeKind::kChar: return ScalarKind::kChar;
    default: return std::nullopt;
  }
}

absl::StatusOr<Value> LiftScalars(ScalarKind k, const uint8_t* src, size_t n) {
  const size_t size = ScalarSize(k);
  if (k == ScalarKind::kChar) {
    // Check before copying: a trap must not cost a copy of the list.
    for (size_t i = 0; i < n; ++i) {
      const uint32_t cp = LoadLe<uint32_t>(src + 4 * i);
      if (!IsScalarValue(cp)) return InvalidCharError(cp);
    }
  }
  // Constructing from the range copies without zero-filling first.
  std::vector<uint8_t> bytes(src, src + n * size);
  CanonicalizeInPlace(k, bytes.data(), n);
  return Value::Packed(k, std::move(bytes));
}

absl::Status CheckScalars(ScalarKind k, const Value& list, const CabiType& elem) {
  if (const PackedListValue* p = list.Get<PackedListValue>()) {
    if (p->kind != k && !p->bytes.empty()) return Mismatch(elem, list);
    if (p->bytes.size() % ScalarSize(p->kind) != 0) return Mismatch(elem, list);
    if (k == ScalarKind::kChar && !p->bytes.empty()) {
      for (size_t i = 0; i < p->size(); ++i) {
        const uint32_t cp = LoadLe<uint32_t>(p->bytes.data() + 4 * i);
        if (!IsScalarValue(cp)) {
          return absl::InvalidArgumentError(
              absl::StrFormat("host value char 0x%X is not a Unicode scalar value", cp));
        }
      }
    }
    return absl::OkStatus();
  }
  const ListValue* l = list.Get<ListValue>();
  if (l == nullptr) return Mismatch(elem, list);
  uint8_t scratch[8];
  for (const Value& e : l->elems) {
    if (!PackOne(k, e, scratch)) return Mismatch(elem, list);
    if (k == ScalarKind::kChar && !IsScalarValue(e.Get<CharValue>()->code_point)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "host value char 0x%X is not a Unicode scalar value", e.Get<CharValue>()->code_point));
    }
  }
  return absl::OkStatus();
}

void StoreScalars(ScalarKind k, const Value& list, uint8_t* dst) {
  if (const PackedListValue* p = list.Get<PackedListValue>()) {
    if (p->bytes.empty()) return;
    std::memcpy(dst, p->bytes.data(), p->bytes.size());
    CanonicalizeInPlace(k, dst, p->size());
    return;
  }
  const size_t size = ScalarSize(k);
  const std::vector<Value>& elems = list.Get<ListValue>()->elems;
  for (size_t i = 0; i < elems.size(); ++i) PackOne(k, elems[i], dst + i * size);
}

}  // namespace wasi_bridge::engine::cabi
