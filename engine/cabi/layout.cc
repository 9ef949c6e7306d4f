#include "engine/cabi/layout.h"

#include <algorithm>

namespace wasi_bridge::engine::cabi {

namespace internal {

uint64_t SatAdd(uint64_t a, uint64_t b) {
  uint64_t r = a + b;
  return (r < a || r > kSaturated) ? kSaturated : r;
}

uint64_t SatMul(uint64_t a, uint64_t b) {
  if (a == 0 || b == 0) return 0;
  if (a > kSaturated / b) return kSaturated;
  return a * b;
}

SizeAlign ComputeSizeAlign(const CabiType& t, int ptr_size) {
  const uint32_t ps = static_cast<uint32_t>(ptr_size);
  auto fixed = [](uint64_t n) { return SizeAlign{n, static_cast<uint32_t>(n)}; };
  switch (t.kind()) {
    case TypeKind::kBool:
    case TypeKind::kS8:
    case TypeKind::kU8: return fixed(1);
    case TypeKind::kS16:
    case TypeKind::kU16: return fixed(2);
    case TypeKind::kS32:
    case TypeKind::kU32:
    case TypeKind::kF32:
    case TypeKind::kChar:
    case TypeKind::kErrorContext:
    case TypeKind::kOwn:
    case TypeKind::kBorrow:
    case TypeKind::kStream:
    case TypeKind::kFuture: return fixed(4);
    case TypeKind::kS64:
    case TypeKind::kU64:
    case TypeKind::kF64: return fixed(8);
    case TypeKind::kString:
    case TypeKind::kList:
    case TypeKind::kMap: return SizeAlign{2 * uint64_t{ps}, ps};
    case TypeKind::kFixedList: {
      if (t.elem() == nullptr) return SizeAlign{};
      const SizeAlign& e = t.elem()->layout(ptr_size);
      return SizeAlign{SatMul(t.length(), e.size), e.align};
    }
    case TypeKind::kFlags: {
      uint64_t n = FlagsSize(t.flag_count());
      return fixed(n);
    }
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      uint64_t s = 0;
      uint32_t a = 1;
      auto add = [&](const TypeRef& f) {
        if (f == nullptr) return;
        const SizeAlign& l = f->layout(ptr_size);
        s = AlignTo(s, l.align);
        s = SatAdd(s, l.size);
        a = std::max(a, l.align);
      };
      if (t.kind() == TypeKind::kRecord) {
        for (const Field& f : t.fields()) add(f.type);
      } else {
        for (const TypeRef& e : t.elems()) add(e);
      }
      return SizeAlign{AlignTo(s, a), a};
    }
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      size_t n = t.case_count();
      uint32_t d = DiscriminantSize(n == 0 ? 1 : n);
      uint32_t mca = 1;
      uint64_t cs = 0;
      for (size_t i = 0; i < n; ++i) {
        const CabiType* c = t.case_type(i);
        if (c == nullptr) continue;
        const SizeAlign& l = c->layout(ptr_size);
        mca = std::max(mca, l.align);
        cs = std::max(cs, l.size);
      }
      uint64_t s = SatAdd(AlignTo(d, mca), cs);
      uint32_t a = std::max(d, mca);
      return SizeAlign{AlignTo(s, a), a};
    }
  }
  return SizeAlign{};
}

uint64_t ComputeFlatCount(const CabiType& t) {
  switch (t.kind()) {
    case TypeKind::kString:
    case TypeKind::kList:
    case TypeKind::kMap: return 2;
    case TypeKind::kFixedList:
      return t.elem() ? SatMul(t.length(), t.elem()->flat_count()) : 0;
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      uint64_t n = 0;
      if (t.kind() == TypeKind::kRecord) {
        for (const Field& f : t.fields()) n = SatAdd(n, f.type ? f.type->flat_count() : 0);
      } else {
        for (const TypeRef& e : t.elems()) n = SatAdd(n, e ? e->flat_count() : 0);
      }
      return n;
    }
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      uint64_t m = 0;
      for (size_t i = 0; i < t.case_count(); ++i) {
        const CabiType* c = t.case_type(i);
        if (c != nullptr) m = std::max(m, c->flat_count());
      }
      return SatAdd(1, m);
    }
    default: return 1;
  }
}

}  // namespace internal

uint64_t AlignTo(uint64_t x, uint32_t align) {
  if (align <= 1) return x;
  uint64_t r = x % align;
  return r == 0 ? x : internal::SatAdd(x, align - r);
}

uint32_t DiscriminantSize(size_t case_count) {
  // ceil(log2(n) / 8) -> 0 or 1: u8, 2: u16, 3: u32.
  if (case_count <= (size_t{1} << 8)) return 1;
  if (case_count <= (size_t{1} << 16)) return 2;
  return 4;
}

uint32_t FlagsSize(uint32_t flag_count) {
  if (flag_count <= 8) return 1;
  if (flag_count <= 16) return 2;
  return 4;
}

uint32_t MaxCaseAlignment(const CabiType& v) {
  uint32_t a = 1;
  for (size_t i = 0; i < v.case_count(); ++i) {
    if (const CabiType* c = v.case_type(i)) a = std::max(a, c->alignment());
  }
  return a;
}

uint32_t VariantPayloadOffset(const CabiType& v) {
  return static_cast<uint32_t>(AlignTo(DiscriminantSize(v.case_count()), MaxCaseAlignment(v)));
}

std::vector<uint32_t> FieldOffsets(const CabiType& r) {
  std::vector<uint32_t> out;
  out.reserve(r.field_count());
  uint64_t s = 0;
  for (size_t i = 0; i < r.field_count(); ++i) {
    const CabiType& f = r.field_type(i);
    s = AlignTo(s, f.alignment());
    out.push_back(static_cast<uint32_t>(s));
    s += f.size();
  }
  return out;
}

CoreType Join(CoreType a, CoreType b) {
  if (a == b) return a;
  if ((a == CoreType::kI32 && b == CoreType::kF32) ||
      (a == CoreType::kF32 && b == CoreType::kI32)) {
    return CoreType::kI32;
  }
  return CoreType::kI64;
}

namespace {

void FlattenInto(const CabiType& t, std::vector<CoreType>& out) {
  switch (t.kind()) {
    case TypeKind::kS64:
    case TypeKind::kU64: out.push_back(CoreType::kI64); return;
    case TypeKind::kF32: out.push_back(CoreType::kF32); return;
    case TypeKind::kF64: out.push_back(CoreType::kF64); return;
    case TypeKind::kString:
    case TypeKind::kList:
    case TypeKind::kMap:
      out.push_back(CoreType::kI32);
      out.push_back(CoreType::kI32);
      return;
    case TypeKind::kFixedList:
      for (uint32_t i = 0; i < t.length(); ++i) FlattenInto(*t.elem(), out);
      return;
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      for (size_t i = 0; i < t.field_count(); ++i) FlattenInto(t.field_type(i), out);
      return;
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      out.push_back(CoreType::kI32);  // the discriminant, whatever its size
      std::vector<CoreType> joined;
      std::vector<CoreType> payload;
      for (size_t i = 0; i < t.case_count(); ++i) {
        const CabiType* c = t.case_type(i);
        if (c == nullptr) continue;
        payload.clear();
        FlattenInto(*c, payload);
        for (size_t j = 0; j < payload.size(); ++j) {
          if (j < joined.size()) {
            joined[j] = Join(joined[j], payload[j]);
          } else {
            joined.push_back(payload[j]);
          }
        }
      }
      out.insert(out.end(), joined.begin(), joined.end());
      return;
    }
    default:
      // bool, s8..u32, char, error-context, flags, own, borrow, stream, future
      out.push_back(CoreType::kI32);
      return;
  }
}

}  // namespace

std::vector<CoreType> Flatten(const CabiType& t) {
  std::vector<CoreType> out;
  if (!t.status().ok()) return out;
  out.reserve(static_cast<size_t>(std::min<uint64_t>(t.flat_count(), 1024)));
  FlattenInto(t, out);
  return out;
}

uint64_t FlatCount(absl::Span<const TypeRef> types) {
  uint64_t n = 0;
  for (const TypeRef& t : types) n = internal::SatAdd(n, t ? t->flat_count() : 0);
  return n;
}

absl::StatusOr<CoreFuncType> FlattenFunc(absl::Span<const TypeRef> params,
                                         absl::Span<const TypeRef> results,
                                         FlattenContext context) {
  for (auto list : {params, results}) {
    for (const TypeRef& t : list) {
      if (t == nullptr) return absl::InvalidArgumentError("function type has a null type");
      if (!t->status().ok()) return t->status();
    }
  }
  CoreFuncType ft;
  if (FlatCount(params) > kMaxFlatParams) {
    ft.params = {CoreType::kI32};
    ft.params_indirect = true;
  } else {
    for (const TypeRef& t : params) FlattenInto(*t, ft.params);
  }
  if (FlatCount(results) > kMaxFlatResults) {
    ft.results_indirect = true;
    if (context == FlattenContext::kLift) {
      ft.results = {CoreType::kI32};
    } else {
      ft.params.push_back(CoreType::kI32);
    }
  } else {
    for (const TypeRef& t : results) FlattenInto(*t, ft.results);
  }
  return ft;
}

}  // namespace wasi_bridge::engine::cabi
