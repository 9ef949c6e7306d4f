// Helpers for tests of code that lifts and lowers values (header-only, not
// part of the library proper): a vector-backed memory, a bump realloc, a
// spec-like handle table, and seeded generators of random types and values.
#ifndef WASI_BRIDGE_ENGINE_CABI_TEST_SUPPORT_H_
#define WASI_BRIDGE_ENGINE_CABI_TEST_SUPPORT_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "engine/cabi/load_store.h"
#include "engine/cabi/memory.h"
#include "engine/cabi/string_codec.h"
#include "engine/cabi/types.h"
#include "engine/cabi/value.h"

namespace wasi_bridge::engine::cabi::testing {

class VectorMemory : public GuestMemory {
 public:
  explicit VectorMemory(size_t size) : bytes_(size, 0) {}
  absl::Span<uint8_t> Bytes() override { return absl::MakeSpan(bytes_); }
  std::vector<uint8_t>& vec() { return bytes_; }
  void Grow(size_t more) { bytes_.resize(bytes_.size() + more, 0); }

 private:
  std::vector<uint8_t> bytes_;
};

// A bump allocator over a VectorMemory, usable as the canonical realloc.
// Records every call.
class BumpAllocator {
 public:
  struct Call {
    uint32_t old_ptr, old_size, align, new_size, result;
  };

  BumpAllocator(VectorMemory& mem, uint32_t start) : mem_(mem), next_(start) {}

  absl::StatusOr<uint32_t> Realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align,
                                   uint32_t new_size) {
    if (align == 0 || (align & (align - 1)) != 0) {
      return absl::InvalidArgumentError("bad realloc alignment");
    }
    uint64_t p = (uint64_t{next_} + align - 1) / align * align;
    if (p + new_size > mem_.vec().size()) {
      return absl::ResourceExhaustedError("test realloc: out of memory");
    }
    if (old_ptr != 0 && old_size != 0) {
      std::memmove(mem_.vec().data() + p, mem_.vec().data() + old_ptr,
                   std::min(old_size, new_size));
    }
    next_ = static_cast<uint32_t>(p + new_size);
    calls_.push_back({old_ptr, old_size, align, new_size, static_cast<uint32_t>(p)});
    return static_cast<uint32_t>(p);
  }

  ReallocFn AsFn() {
    return [this](uint32_t a, uint32_t b, uint32_t c, uint32_t d) { return Realloc(a, b, c, d); };
  }
  uint32_t next() const { return next_; }
  void Reset(uint32_t start) {
    next_ = start;
    calls_.clear();
  }
  const std::vector<Call>& calls() const { return calls_; }

 private:
  VectorMemory& mem_;
  uint32_t next_;
  std::vector<Call> calls_;
};

// The spec's Table of ResourceHandles: slot 0 reserved, LIFO free list.
// Messages follow Wasmtime's ("unknown handle index N").
class TestHandleTable : public HandleTable {
 public:
  struct Entry {
    ResourceId resource;
    uint32_t rep;
    bool own;
  };

  absl::StatusOr<uint32_t> LiftOwn(ResourceId resource, uint32_t handle) override {
    absl::StatusOr<Entry*> e = Get(resource, handle);
    if (!e.ok()) return e.status();
    if (!(*e)->own) {
      return absl::InvalidArgumentError(
          absl::StrCat("handle index ", handle, " is not an own handle"));
    }
    uint32_t rep = (*e)->rep;
    slots_[handle].reset();
    free_.push_back(handle);
    return rep;
  }
  absl::StatusOr<uint32_t> LiftBorrow(ResourceId resource, uint32_t handle) override {
    absl::StatusOr<Entry*> e = Get(resource, handle);
    if (!e.ok()) return e.status();
    return (*e)->rep;
  }
  absl::StatusOr<uint32_t> LowerOwn(ResourceId resource, uint32_t rep) override {
    return Add({resource, rep, true});
  }
  absl::StatusOr<uint32_t> LowerBorrow(ResourceId resource, uint32_t rep) override {
    return Add({resource, rep, false});
  }

  uint32_t Add(Entry e) {
    if (!free_.empty()) {
      uint32_t i = free_.back();
      free_.pop_back();
      slots_[i] = e;
      return i;
    }
    slots_.push_back(e);
    return static_cast<uint32_t>(slots_.size() - 1);
  }
  size_t live() const {
    size_t n = 0;
    for (const auto& s : slots_) n += s.has_value();
    return n;
  }

 private:
  absl::StatusOr<Entry*> Get(ResourceId resource, uint32_t handle) {
    if (handle == 0 || handle >= slots_.size() || !slots_[handle].has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown handle index ", handle));
    }
    Entry& e = *slots_[handle];
    if (e.resource != resource) {
      return absl::InvalidArgumentError(
          absl::StrCat("handle index ", handle, " used with the wrong type"));
    }
    return &e;
  }

  std::vector<std::optional<Entry>> slots_{std::nullopt};  // slot 0 reserved
  std::vector<uint32_t> free_;
};

// --- random types and values --------------------------------------------------

struct RandomTypeOptions {
  int max_depth = 4;
  bool handles = true;  // own/borrow (needs a HandleTable)
};

inline TypeRef RandomLeafType(std::mt19937_64& rng, const RandomTypeOptions& opt) {
  using T = CabiType;
  switch (rng() % (opt.handles ? 22 : 20)) {
    case 0: return T::Bool();
    case 1: return T::S8();
    case 2: return T::U8();
    case 3: return T::S16();
    case 4: return T::U16();
    case 5: return T::S32();
    case 6: return T::U32();
    case 7: return T::S64();
    case 8: return T::U64();
    case 9: return T::F32();
    case 10: return T::F64();
    case 11: return T::Char();
    case 12:
    case 13: return T::String();
    case 14: return T::Flags(1 + static_cast<uint32_t>(rng() % 32));
    case 15: {
      std::vector<std::string> labels(1 + rng() % 5);
      for (size_t i = 0; i < labels.size(); ++i) labels[i] = absl::StrCat("e", i);
      return T::Enum(std::move(labels));
    }
    case 16: return T::ErrorContext();
    case 17: return T::Stream(rng() % 2 ? T::U8() : nullptr);
    case 18: return T::Future(rng() % 2 ? T::String() : nullptr);
    case 19: return T::Tuple({T::U8()});
    case 20: return T::Own(static_cast<ResourceId>(1 + rng() % 3));
    default: return T::Borrow(static_cast<ResourceId>(1 + rng() % 3));
  }
}

inline TypeRef RandomType(std::mt19937_64& rng, const RandomTypeOptions& opt, int depth = 0) {
  using T = CabiType;
  if (depth >= opt.max_depth || rng() % 3 == 0) return RandomLeafType(rng, opt);
  auto sub = [&] { return RandomType(rng, opt, depth + 1); };
  switch (rng() % 9) {
    case 0: return T::List(sub());
    case 1: return T::FixedList(sub(), 1 + static_cast<uint32_t>(rng() % 4));
    case 2: {
      std::vector<Field> fields(1 + rng() % 4);
      for (size_t i = 0; i < fields.size(); ++i) fields[i] = {absl::StrCat("f", i), sub()};
      return T::Record(std::move(fields));
    }
    case 3: {
      std::vector<TypeRef> elems(1 + rng() % 4);
      for (auto& e : elems) e = sub();
      return T::Tuple(std::move(elems));
    }
    case 4: {
      std::vector<Case> cases(1 + rng() % 5);
      for (size_t i = 0; i < cases.size(); ++i) {
        cases[i] = {absl::StrCat("c", i), rng() % 4 == 0 ? nullptr : sub()};
      }
      return T::Variant(std::move(cases));
    }
    case 5: return T::Option(sub());
    case 6: return T::Result(rng() % 4 ? sub() : nullptr, rng() % 4 ? sub() : nullptr);
    case 7: return T::Map(rng() % 2 ? T::String() : T::U32(), sub());
    default: return T::Record({{"a", sub()}, {"b", T::U8()}});
  }
}

inline uint32_t RandomCodePoint(std::mt19937_64& rng) {
  switch (rng() % 5) {
    case 0:
    case 1: return 0x20 + static_cast<uint32_t>(rng() % 0x5f);  // ASCII
    case 2: return 0x80 + static_cast<uint32_t>(rng() % 0x80);  // Latin-1
    case 3: {
      uint32_t c = 0x100 + static_cast<uint32_t>(rng() % (0x10000 - 0x100 - 0x800));
      return c >= 0xD800 ? c + 0x800 : c;  // BMP, no surrogates
    }
    default: return 0x10000 + static_cast<uint32_t>(rng() % 0x100000);  // astral
  }
}

inline std::string RandomString(std::mt19937_64& rng) {
  std::string s;
  size_t n = rng() % 9;
  bool ascii_only = rng() % 3 == 0;
  bool latin1 = rng() % 3 == 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t cp = RandomCodePoint(rng);
    if (ascii_only) cp &= 0x7f;
    if (latin1) cp &= 0xff;
    AppendUtf8(cp, s);
  }
  return s;
}

inline uint32_t RandomF32Bits(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return 0x7f800000u | static_cast<uint32_t>(1 + rng() % 0x7fffff);  // NaN
    case 1: return rng() % 2 ? 0x80000000u : 0u;
    case 2:
      return std::bit_cast<uint32_t>(static_cast<float>(static_cast<int>(rng() % 2001) - 1000) /
                                     8);
    default: return static_cast<uint32_t>(rng());
  }
}

inline uint64_t RandomF64Bits(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return 0xfff0000000000000ull | (1 + rng() % 0xfffffffffffffull);  // NaN
    case 1: return rng() % 2 ? 0x8000000000000000ull : 0u;
    case 2:
      return std::bit_cast<uint64_t>(
          static_cast<double>(static_cast<int>(rng() % 2001) - 1000) / 8);
    default: return rng();
  }
}

inline Value RandomValue(std::mt19937_64& rng, const CabiType& t) {
  auto bits = [&] { return rng(); };
  switch (t.kind()) {
    case TypeKind::kBool: return Value::Bool(bits() % 2);
    case TypeKind::kS8: return Value::S8(static_cast<int8_t>(bits()));
    case TypeKind::kU8: return Value::U8(static_cast<uint8_t>(bits()));
    case TypeKind::kS16: return Value::S16(static_cast<int16_t>(bits()));
    case TypeKind::kU16: return Value::U16(static_cast<uint16_t>(bits()));
    case TypeKind::kS32: return Value::S32(static_cast<int32_t>(bits()));
    case TypeKind::kU32: return Value::U32(static_cast<uint32_t>(bits()));
    case TypeKind::kS64: return Value::S64(static_cast<int64_t>(bits()));
    case TypeKind::kU64: return Value::U64(bits());
    case TypeKind::kF32: return Value::F32Bits(RandomF32Bits(rng));
    case TypeKind::kF64: return Value::F64Bits(RandomF64Bits(rng));
    case TypeKind::kChar: return Value::Char(RandomCodePoint(rng));
    case TypeKind::kString: return Value::String(RandomString(rng));
    case TypeKind::kErrorContext: return Value::ErrorContext(static_cast<uint32_t>(bits()));
    case TypeKind::kList:
    case TypeKind::kMap:
    case TypeKind::kFixedList: {
      size_t n = t.kind() == TypeKind::kFixedList ? t.length() : bits() % 5;
      std::vector<Value> elems;
      for (size_t i = 0; i < n; ++i) elems.push_back(RandomValue(rng, t.list_elem()));
      return Value::List(std::move(elems));
    }
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      std::vector<Value> fields;
      for (size_t i = 0; i < t.field_count(); ++i) {
        fields.push_back(RandomValue(rng, t.field_type(i)));
      }
      return Value::Record(std::move(fields));
    }
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      uint32_t i = static_cast<uint32_t>(bits() % t.case_count());
      const CabiType* c = t.case_type(i);
      return c ? Value::Variant(i, RandomValue(rng, *c)) : Value::Variant(i);
    }
    case TypeKind::kFlags: {
      uint32_t mask = t.flag_count() >= 32 ? 0xffffffffu : (1u << t.flag_count()) - 1;
      return Value::Flags(static_cast<uint32_t>(bits()) & mask);
    }
    case TypeKind::kOwn: return Value::Own(static_cast<uint32_t>(bits()));
    case TypeKind::kBorrow: return Value::Borrow(static_cast<uint32_t>(bits()));
    case TypeKind::kStream: return Value::Stream(static_cast<uint32_t>(bits()));
    case TypeKind::kFuture: return Value::Future(static_cast<uint32_t>(bits()));
  }
  return Value();
}

// The value after a lift/lower round trip: NaNs canonicalised.
inline Value CanonicalizeNans(const Value& v) {
  if (const F32Value* f = v.Get<F32Value>()) {
    bool nan = (f->bits & 0x7f800000u) == 0x7f800000u && (f->bits & 0x7fffffu) != 0;
    return nan ? Value::F32Bits(kCanonicalF32Nan) : v;
  }
  if (const F64Value* f = v.Get<F64Value>()) {
    bool nan = (f->bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
               (f->bits & 0xfffffffffffffull) != 0;
    return nan ? Value::F64Bits(kCanonicalF64Nan) : v;
  }
  std::vector<Value> unpacked;
  if (const std::vector<Value>* elems = ListElements(v, unpacked)) {
    std::vector<Value> out;
    for (const Value& e : *elems) out.push_back(CanonicalizeNans(e));
    return Value::List(std::move(out));
  }
  if (const RecordValue* r = v.Get<RecordValue>()) {
    std::vector<Value> out;
    for (const Value& e : r->fields) out.push_back(CanonicalizeNans(e));
    return Value::Record(std::move(out));
  }
  if (const VariantValue* x = v.Get<VariantValue>()) {
    return x->payload ? Value::Variant(x->index, CanonicalizeNans(*x->payload)) : v;
  }
  return v;
}

}  // namespace wasi_bridge::engine::cabi::testing

#endif  // WASI_BRIDGE_ENGINE_CABI_TEST_SUPPORT_H_
