#include "engine/cabi/load_store.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/cabi/layout.h"
#include "engine/cabi/scalar_list.h"
#include "engine/cabi/string_codec.h"

namespace wasi_bridge::engine::cabi {

namespace {

// The spec's tests name two utf-8 failures: a sequence cut off by the end
// of the string, and any other invalid byte.
absl::Status InvalidUtf8(std::string_view s) {
  size_t i = s.size();
  size_t back = 0;
  while (i > 0 && back < 4 && (static_cast<uint8_t>(s[i - 1]) & 0xc0) == 0x80) {
    --i;
    ++back;
  }
  if (i > 0) {
    const uint8_t lead = static_cast<uint8_t>(s[i - 1]);
    const size_t need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
    if (need > back) {
      return absl::InvalidArgumentError(
          "invalid utf-8 in string: incomplete utf-8 byte sequence");
    }
  }
  return absl::InvalidArgumentError("invalid utf-8 in string");
}


// ---------------------------------------------------------------------------
// Messages

absl::Status OutOfBounds(std::string_view prefix, uint64_t ptr, uint64_t len, size_t mem) {
  return absl::OutOfRangeError(absl::StrFormat(
      "%spointer %u + %u out of bounds of memory (%u bytes)", prefix, ptr, len, mem));
}

absl::Status Unaligned(std::string_view prefix, uint64_t ptr, uint32_t align,
                       std::string_view suffix = "") {
  return absl::InvalidArgumentError(
      absl::StrFormat("%sunaligned pointer %u for alignment %u%s", prefix, ptr, align, suffix));
}

absl::Status HostMismatch(const CabiType& t, const Value& v) {
  std::string s = ToString(v);
  if (s.size() > 120) s = s.substr(0, 117) + "...";
  return absl::InvalidArgumentError(
      absl::StrCat("host value ", s, " does not match type ", ToString(t)));
}

// A packed list given for a list whose elements are not scalars.
absl::Status ListMismatch(const CabiType& elem, const Value& v) {
  std::string s = ToString(v);
  if (s.size() > 120) s = s.substr(0, 117) + "...";
  return absl::InvalidArgumentError(
      absl::StrCat("host value ", s, " does not match type list<", ToString(elem), ">"));
}

absl::Status CoreMismatch(CoreType want, CoreType have) {
  return absl::InvalidArgumentError(absl::StrCat("core value type mismatch: expected ",
                                                 CoreTypeName(want), ", got ",
                                                 CoreTypeName(have)));
}

absl::Status CheckType(const TypeRef& t) {
  if (t == nullptr) return absl::InvalidArgumentError("type is null");
  return t->status();
}

absl::Status CheckTypes(absl::Span<const TypeRef> ts) {
  for (const TypeRef& t : ts) {
    if (absl::Status s = CheckType(t); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// Overflow-free: ptr and len are < 2^33, so the sum fits in 64 bits.
bool InBounds(uint64_t ptr, uint64_t len, size_t mem) {
  return ptr <= mem && len <= mem - ptr;
}

uint32_t FlagsMask(uint32_t count) {
  return count >= 32 ? 0xffffffffu : ((uint32_t{1} << count) - 1);
}

// ---------------------------------------------------------------------------
// Flat value sources (the spec's CoreValueIter and lift_flat_variant's
// CoerceValueIter).

class FlatSource {
 public:
  virtual ~FlatSource() = default;
  virtual absl::StatusOr<CoreValue> Next(CoreType want) = 0;
};

class IterSource : public FlatSource {
 public:
  explicit IterSource(CoreValueIter& it) : it_(it) {}
  absl::StatusOr<CoreValue> Next(CoreType want) override { return it_.Next(want); }

 private:
  CoreValueIter& it_;
};

// Reads the payload of a variant from its joined flat slots, converting
// each slot to the type the case's own flattening wants.
class CoerceSource : public FlatSource {
 public:
  CoerceSource(FlatSource& inner, const std::vector<CoreType>& slots, size_t first)
      : inner_(inner), slots_(slots), pos_(first) {}

  absl::StatusOr<CoreValue> Next(CoreType want) override {
    if (pos_ >= slots_.size()) return absl::InternalError("variant payload overruns its slots");
    CoreType have = slots_[pos_++];
    absl::StatusOr<CoreValue> x = inner_.Next(have);
    if (!x.ok()) return x.status();
    if (have == want) return *x;
    if (have == CoreType::kI32 && want == CoreType::kF32) return CoreValue::F32Bits(x->u32());
    if (have == CoreType::kI64 && want == CoreType::kI32) return CoreValue::I32(x->u32());
    if (have == CoreType::kI64 && want == CoreType::kF32) return CoreValue::F32Bits(x->u32());
    if (have == CoreType::kI64 && want == CoreType::kF64) return CoreValue::F64Bits(x->u64());
    return absl::InternalError("impossible variant slot coercion");
  }

  // Consumes the slots the case did not use.
  absl::Status SkipRest() {
    while (pos_ < slots_.size()) {
      absl::StatusOr<CoreValue> x = inner_.Next(slots_[pos_++]);
      if (!x.ok()) return x.status();
    }
    return absl::OkStatus();
  }

 private:
  FlatSource& inner_;
  const std::vector<CoreType>& slots_;
  size_t pos_;
};

// ---------------------------------------------------------------------------
// The ABI engine for one call context.

class Abi {
 public:
  explicit Abi(const CallContext& ctx) : ctx_(ctx) {}

  absl::StatusOr<absl::Span<uint8_t>> Mem() {
    if (ctx_.memory == nullptr) {
      return absl::InvalidArgumentError("canonical option 'memory' is required but missing");
    }
    return ctx_.memory->Bytes();
  }

  // Checks alignment and bounds of [ptr, ptr + size) for a value of type t.
  absl::Status CheckPtr(const CabiType& t, uint64_t ptr, std::string_view prefix = "") {
    absl::StatusOr<absl::Span<uint8_t>> mem = Mem();
    if (!mem.ok()) return mem.status();
    if (ptr % t.alignment() != 0) return Unaligned(prefix, ptr, t.alignment());
    if (!InBounds(ptr, t.size(), mem->size())) {
      return OutOfBounds(prefix, ptr, t.size(), mem->size());
    }
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> ReadInt(uint64_t ptr, uint32_t n) {
    absl::StatusOr<absl::Span<uint8_t>> mem = Mem();
    if (!mem.ok()) return mem.status();
    if (!InBounds(ptr, n, mem->size())) return OutOfBounds("", ptr, n, mem->size());
    uint64_t v = 0;
    for (uint32_t i = 0; i < n; ++i) v |= uint64_t{(*mem)[ptr + i]} << (8 * i);
    return v;
  }

  absl::Status WriteInt(uint64_t ptr, uint32_t n, uint64_t v) {
    absl::StatusOr<absl::Span<uint8_t>> mem = Mem();
    if (!mem.ok()) return mem.status();
    if (!InBounds(ptr, n, mem->size())) return OutOfBounds("", ptr, n, mem->size());
    for (uint32_t i = 0; i < n; ++i) (*mem)[ptr + i] = static_cast<uint8_t>(v >> (8 * i));
    return absl::OkStatus();
  }

  absl::Status NoHandles(const CabiType& t) {
    return absl::InvalidArgumentError(
        absl::StrCat("canonical ABI: no handle table to lift/lower ", ToString(t)));
  }

  // --- realloc ---------------------------------------------------------------

  // `what` names the content for the spec's bounds message ("list", ...).
  absl::StatusOr<uint32_t> Allocate(uint32_t align, uint64_t size,
                                    const char* what = nullptr) {
    if (!ctx_.realloc) {
      return absl::InvalidArgumentError("canonical option 'realloc' is required but missing");
    }
    if (size > UINT32_MAX) {
      return absl::InvalidArgumentError(
          absl::StrFormat("host value needs %u bytes, more than realloc can allocate", size));
    }
    absl::StatusOr<uint32_t> ptr = ctx_.realloc(0, 0, align, static_cast<uint32_t>(size));
    if (!ptr.ok()) return ptr.status();
    if (*ptr % align != 0) return Unaligned("realloc return: result not aligned: ", *ptr, align);
    absl::StatusOr<absl::Span<uint8_t>> mem = Mem();
    if (!mem.ok()) return mem.status();
    if (!InBounds(*ptr, size, mem->size())) {
      return OutOfBounds(what && std::string_view(what) == "list"
                             ? "realloc return: beyond end of memory (list "
                               "content out-of-bounds): "
                             : "realloc return: beyond end of memory: ",
                         *ptr, size, mem->size());
    }
    return *ptr;
  }

  // --- loading -----------------------------------------------------------------

  // load(cx, ptr, t) with ptr already checked for alignment and bounds.
  absl::StatusOr<Value> LoadAt(const CabiType& t, uint64_t ptr) {
    switch (t.kind()) {
      case TypeKind::kBool: {
        auto i = ReadInt(ptr, 1);
        if (!i.ok()) return i.status();
        return Value::Bool(*i != 0);
      }
      case TypeKind::kU8: return ReadAs<uint8_t>(ptr);
      case TypeKind::kS8: return ReadAs<int8_t>(ptr);
      case TypeKind::kU16: return ReadAs<uint16_t>(ptr);
      case TypeKind::kS16: return ReadAs<int16_t>(ptr);
      case TypeKind::kU32: return ReadAs<uint32_t>(ptr);
      case TypeKind::kS32: return ReadAs<int32_t>(ptr);
      case TypeKind::kU64: return ReadAs<uint64_t>(ptr);
      case TypeKind::kS64: return ReadAs<int64_t>(ptr);
      case TypeKind::kF32: {
        auto i = ReadInt(ptr, 4);
        if (!i.ok()) return i.status();
        return Value::F32Bits(CanonF32(static_cast<uint32_t>(*i)));
      }
      case TypeKind::kF64: {
        auto i = ReadInt(ptr, 8);
        if (!i.ok()) return i.status();
        return Value::F64Bits(CanonF64(*i));
      }
      case TypeKind::kChar: {
        auto i = ReadInt(ptr, 4);
        if (!i.ok()) return i.status();
        return LiftChar(static_cast<uint32_t>(*i));
      }
      case TypeKind::kString: {
        auto begin = ReadInt(ptr, 4);
        if (!begin.ok()) return begin.status();
        auto units = ReadInt(ptr + 4, 4);
        if (!units.ok()) return units.status();
        return LoadStringFromRange(*begin, static_cast<uint32_t>(*units));
      }
      case TypeKind::kList:
      case TypeKind::kMap: {
        auto begin = ReadInt(ptr, 4);
        if (!begin.ok()) return begin.status();
        auto length = ReadInt(ptr + 4, 4);
        if (!length.ok()) return length.status();
        return LoadListFromRange(t.list_elem(), *begin, *length);
      }
      case TypeKind::kFixedList: return LoadListFromValidRange(t.list_elem(), ptr, t.length());
      case TypeKind::kRecord:
      case TypeKind::kTuple: {
        std::vector<Value> fields;
        fields.reserve(t.field_count());
        uint64_t p = ptr;
        for (size_t i = 0; i < t.field_count(); ++i) {
          const CabiType& f = t.field_type(i);
          p = AlignTo(p, f.alignment());
          absl::StatusOr<Value> v = LoadAt(f, p);
          if (!v.ok()) return v.status();
          fields.push_back(*std::move(v));
          p += f.size();
        }
        return Value::Record(std::move(fields));
      }
      case TypeKind::kVariant:
      case TypeKind::kEnum:
      case TypeKind::kOption:
      case TypeKind::kResult: {
        const size_t n = t.case_count();
        auto index = ReadInt(ptr, DiscriminantSize(n));
        if (!index.ok()) return index.status();
        if (*index >= n) return InvalidDiscriminant(*index, n);
        const CabiType* c = t.case_type(*index);
        if (c == nullptr) return Value::Variant(static_cast<uint32_t>(*index));
        absl::StatusOr<Value> payload = LoadAt(*c, ptr + VariantPayloadOffset(t));
        if (!payload.ok()) return payload.status();
        return Value::Variant(static_cast<uint32_t>(*index), *std::move(payload));
      }
      case TypeKind::kFlags: {
        // unpack_flags_from_int reads only the declared flags: extra bits
        // are ignored, not a trap.
        auto i = ReadInt(ptr, FlagsSize(t.flag_count()));
        if (!i.ok()) return i.status();
        return Value::Flags(static_cast<uint32_t>(*i) & FlagsMask(t.flag_count()));
      }
      case TypeKind::kErrorContext:
      case TypeKind::kOwn:
      case TypeKind::kBorrow:
      case TypeKind::kStream:
      case TypeKind::kFuture: {
        auto i = ReadInt(ptr, 4);
        if (!i.ok()) return i.status();
        return LiftHandle(t, static_cast<uint32_t>(*i));
      }
    }
    return absl::InternalError("unknown type kind");
  }

  template <typename T>
  absl::StatusOr<Value> ReadAs(uint64_t ptr) {
    auto i = ReadInt(ptr, sizeof(T));
    if (!i.ok()) return i.status();
    return Value(Value::Storage(std::in_place_type<T>, static_cast<T>(*i)));
  }

  static absl::Status InvalidDiscriminant(uint64_t index, size_t n) {
    return absl::InvalidArgumentError(
        absl::StrFormat("invalid variant discriminant %u (%u cases)", index, n));
  }

  absl::StatusOr<Value> LiftChar(uint32_t cp) {
    if (!IsScalarValue(cp)) return InvalidCharError(cp);
    return Value::Char(cp);
  }

  absl::StatusOr<Value> LiftHandle(const CabiType& t, uint32_t i) {
    HandleTable* h = ctx_.handles;
    absl::StatusOr<uint32_t> r = i;
    switch (t.kind()) {
      case TypeKind::kOwn:
        if (h == nullptr) return NoHandles(t);
        r = h->LiftOwn(t.resource(), i);
        if (!r.ok()) return r.status();
        return Value::Own(*r);
      case TypeKind::kBorrow:
        if (h == nullptr) return NoHandles(t);
        r = h->LiftBorrow(t.resource(), i);
        if (!r.ok()) return r.status();
        return Value::Borrow(*r);
      case TypeKind::kStream:
        if (h != nullptr) r = h->LiftStream(t, i);
        if (!r.ok()) return r.status();
        return Value::Stream(*r);
      case TypeKind::kFuture:
        if (h != nullptr) r = h->LiftFuture(t, i);
        if (!r.ok()) return r.status();
        return Value::Future(*r);
      default:  // error-context
        if (h != nullptr) r = h->LiftErrorContext(i);
        if (!r.ok()) return r.status();
        return Value::ErrorContext(*r);
    }
  }

  // load_string_from_range
  absl::StatusOr<Value> LoadStringFromRange(uint64_t ptr, uint32_t tagged_code_units) {
    uint32_t align = 1;
    uint64_t byte_length = 0;
    enum { kUtf8, kUtf16, kLatin1 } enc = kUtf8;
    switch (ctx_.encoding) {
      case StringEncoding::kUtf8:
        byte_length = tagged_code_units;
        break;
      case StringEncoding::kUtf16:
        align = 2;
        byte_length = 2 * uint64_t{tagged_code_units};
        enc = kUtf16;
        break;
      case StringEncoding::kLatin1Utf16:
        align = 2;
        if (tagged_code_units & kUtf16Tag) {
          byte_length = 2 * uint64_t{tagged_code_units ^ kUtf16Tag};
          enc = kUtf16;
        } else {
          byte_length = tagged_code_units;
          enc = kLatin1;
        }
        break;
    }
    if (byte_length > kMaxStringByteLength) {
      return absl::OutOfRangeError(absl::StrFormat(
          "string byte length %u exceeds maximum (%u)", byte_length, kMaxStringByteLength));
    }
    if (ptr % align != 0) return Unaligned("", ptr, align, " (string)");
    absl::StatusOr<absl::Span<uint8_t>> mem = Mem();
    if (!mem.ok()) return mem.status();
    if (!InBounds(ptr, byte_length, mem->size())) {
      return OutOfBounds(
          "string content out-of-bounds (string pointer/length out of bounds of "
          "memory): ",
          ptr, byte_length, mem->size());
    }
    absl::Span<const uint8_t> bytes = mem->subspan(ptr, byte_length);
    switch (enc) {
      case kUtf8: {
        std::string s(bytes.begin(), bytes.end());
        if (!IsValidUtf8(s)) return InvalidUtf8(s);
        return Value::String(std::move(s));
      }
      case kUtf16: {
        std::optional<std::string> s = Utf16LeToUtf8(bytes);
        if (!s.has_value()) return absl::InvalidArgumentError("invalid utf-16 in string");
        return Value::String(*std::move(s));
      }
      case kLatin1: return Value::String(Latin1ToUtf8(bytes));
    }
    return absl::InternalError("unreachable");
  }

  // load_list_from_range
  absl::StatusOr<Value> LoadListFromRange(const CabiType& elem, uint64_t ptr, uint64_t length) {
    // length < 2^32 and elem size < 2^28: the product fits in 64 bits.
    const uint64_t byte_length = length * elem.size();
    if (byte_length > kMaxListByteLength) {
      return absl::OutOfRangeError(absl::StrFormat(
          "list byte length %u exceeds maximum (%u)", byte_length, kMaxListByteLength));
    }
    if (ptr % elem.alignment() != 0) return Unaligned("", ptr, elem.alignment(), " (list)");
    absl::StatusOr<absl::Span<uint8_t>> mem = Mem();
    if (!mem.ok()) return mem.status();
    if (!InBounds(ptr, byte_length, mem->size())) {
      return OutOfBounds("list content out-of-bounds: ", ptr, byte_length, mem->size());
    }
    // Every element is at least one byte, so length <= memory size here.
    return LoadListFromValidRange(elem, ptr, length);
  }

  absl::StatusOr<Value> LoadListFromValidRange(const CabiType& elem, uint64_t ptr,
                                               uint64_t length) {
    if (std::optional<ScalarKind> k = ScalarKindOf(elem)) {
      absl::StatusOr<absl::Span<uint8_t>> mem = Mem();
      if (!mem.ok()) return mem.status();
      return LiftScalars(*k, mem->data() + ptr, length);
    }
    std::vector<Value> elems;
    elems.reserve(length);
    for (uint64_t i = 0; i < length; ++i) {
      absl::StatusOr<Value> v = LoadAt(elem, ptr + i * elem.size());
      if (!v.ok()) return v.status();
      elems.push_back(*std::move(v));
    }
    return Value::List(std::move(elems));
  }

  // --- storing -------------------------------------------------------------------

  absl::Status StoreAt(const CabiType& t, const Value& v, uint64_t ptr) {
    switch (t.kind()) {
      case TypeKind::kBool: {
        const bool* b = v.Get<bool>();
        if (b == nullptr) return HostMismatch(t, v);
        return WriteInt(ptr, 1, *b ? 1 : 0);
      }
      case TypeKind::kU8: return WriteAs<uint8_t>(t, v, ptr);
      case TypeKind::kS8: return WriteAs<int8_t>(t, v, ptr);
      case TypeKind::kU16: return WriteAs<uint16_t>(t, v, ptr);
      case TypeKind::kS16: return WriteAs<int16_t>(t, v, ptr);
      case TypeKind::kU32: return WriteAs<uint32_t>(t, v, ptr);
      case TypeKind::kS32: return WriteAs<int32_t>(t, v, ptr);
      case TypeKind::kU64: return WriteAs<uint64_t>(t, v, ptr);
      case TypeKind::kS64: return WriteAs<int64_t>(t, v, ptr);
      case TypeKind::kF32: {
        const F32Value* f = v.Get<F32Value>();
        if (f == nullptr) return HostMismatch(t, v);
        return WriteInt(ptr, 4, CanonF32(f->bits));
      }
      case TypeKind::kF64: {
        const F64Value* f = v.Get<F64Value>();
        if (f == nullptr) return HostMismatch(t, v);
        return WriteInt(ptr, 8, CanonF64(f->bits));
      }
      case TypeKind::kChar: {
        absl::StatusOr<uint32_t> c = LowerChar(t, v);
        if (!c.ok()) return c.status();
        return WriteInt(ptr, 4, *c);
      }
      case TypeKind::kString: {
        const std::string* s = v.Get<std::string>();
        if (s == nullptr) return HostMismatch(t, v);
        absl::StatusOr<std::pair<uint32_t, uint32_t>> r = StoreStringIntoRange(*s);
        if (!r.ok()) return r.status();
        if (absl::Status st = WriteInt(ptr, 4, r->first); !st.ok()) return st;
        return WriteInt(ptr + 4, 4, r->second);
      }
      case TypeKind::kList:
      case TypeKind::kMap: {
        if (!v.IsList()) return HostMismatch(t, v);
        absl::StatusOr<uint32_t> begin = StoreListIntoRange(t.list_elem(), v);
        if (!begin.ok()) return begin.status();
        if (absl::Status st = WriteInt(ptr, 4, *begin); !st.ok()) return st;
        return WriteInt(ptr + 4, 4, v.ListSize());
      }
      case TypeKind::kFixedList: {
        if (!v.IsList() || v.ListSize() != t.length()) return HostMismatch(t, v);
        if (std::optional<ScalarKind> k = ScalarKindOf(t.list_elem())) {
          if (absl::Status st = CheckScalars(*k, v, t.list_elem()); !st.ok()) return st;
        }
        return StoreListIntoValidRange(t.list_elem(), v, ptr);
      }
      case TypeKind::kRecord:
      case TypeKind::kTuple: {
        const RecordValue* r = v.Get<RecordValue>();
        if (r == nullptr || r->fields.size() != t.field_count()) return HostMismatch(t, v);
        uint64_t p = ptr;
        for (size_t i = 0; i < t.field_count(); ++i) {
          const CabiType& f = t.field_type(i);
          p = AlignTo(p, f.alignment());
          if (absl::Status st = StoreAt(f, r->fields[i], p); !st.ok()) return st;
          p += f.size();
        }
        return absl::OkStatus();
      }
      case TypeKind::kVariant:
      case TypeKind::kEnum:
      case TypeKind::kOption:
      case TypeKind::kResult: {
        absl::StatusOr<const CabiType*> c = MatchCase(t, v);
        if (!c.ok()) return c.status();
        const VariantValue& vv = *v.Get<VariantValue>();
        if (absl::Status st = WriteInt(ptr, DiscriminantSize(t.case_count()), vv.index); !st.ok()) {
          return st;
        }
        if (*c == nullptr) return absl::OkStatus();
        return StoreAt(**c, *vv.payload, ptr + VariantPayloadOffset(t));
      }
      case TypeKind::kFlags: {
        const FlagsValue* f = v.Get<FlagsValue>();
        if (f == nullptr) return HostMismatch(t, v);
        // pack_flags_into_int packs only the declared flags.
        return WriteInt(ptr, FlagsSize(t.flag_count()), f->bits & FlagsMask(t.flag_count()));
      }
      case TypeKind::kErrorContext:
      case TypeKind::kOwn:
      case TypeKind::kBorrow:
      case TypeKind::kStream:
      case TypeKind::kFuture: {
        absl::StatusOr<uint32_t> i = LowerHandle(t, v);
        if (!i.ok()) return i.status();
        return WriteInt(ptr, 4, *i);
      }
    }
    return absl::InternalError("unknown type kind");
  }

  template <typename T>
  absl::Status WriteAs(const CabiType& t, const Value& v, uint64_t ptr) {
    const T* x = v.Get<T>();
    if (x == nullptr) return HostMismatch(t, v);
    using U = std::make_unsigned_t<T>;
    return WriteInt(ptr, sizeof(T), static_cast<U>(*x));
  }

  absl::StatusOr<uint32_t> LowerChar(const CabiType& t, const Value& v) {
    const CharValue* c = v.Get<CharValue>();
    if (c == nullptr) return HostMismatch(t, v);
    if (!IsScalarValue(c->code_point)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("host value char 0x%X is not a Unicode scalar value", c->code_point));
    }
    return c->code_point;
  }

  // match_case: the case's payload type (null if none), after checking that
  // the value is a VariantValue of this type.
  absl::StatusOr<const CabiType*> MatchCase(const CabiType& t, const Value& v) {
    const VariantValue* vv = v.Get<VariantValue>();
    if (vv == nullptr || vv->index >= t.case_count()) return HostMismatch(t, v);
    const CabiType* c = t.case_type(vv->index);
    if ((c == nullptr) != (vv->payload == nullptr)) return HostMismatch(t, v);
    return c;
  }

  absl::StatusOr<uint32_t> LowerHandle(const CabiType& t, const Value& v) {
    HandleTable* h = ctx_.handles;
    switch (t.kind()) {
      case TypeKind::kOwn: {
        const OwnValue* o = v.Get<OwnValue>();
        if (o == nullptr) return HostMismatch(t, v);
        if (h == nullptr) return NoHandles(t);
        return h->LowerOwn(t.resource(), o->rep);
      }
      case TypeKind::kBorrow: {
        const BorrowValue* b = v.Get<BorrowValue>();
        if (b == nullptr) return HostMismatch(t, v);
        if (h == nullptr) return NoHandles(t);
        return h->LowerBorrow(t.resource(), b->rep);
      }
      case TypeKind::kStream: {
        const StreamValue* s = v.Get<StreamValue>();
        if (s == nullptr) return HostMismatch(t, v);
        return h ? h->LowerStream(t, s->index) : s->index;
      }
      case TypeKind::kFuture: {
        const FutureValue* f = v.Get<FutureValue>();
        if (f == nullptr) return HostMismatch(t, v);
        return h ? h->LowerFuture(t, f->index) : f->index;
      }
      default: {
        const ErrorContextValue* e = v.Get<ErrorContextValue>();
        if (e == nullptr) return HostMismatch(t, v);
        return h ? h->LowerErrorContext(e->index) : e->index;
      }
    }
  }

  // store_string_into_range: returns (ptr, tagged code units).
  absl::StatusOr<std::pair<uint32_t, uint32_t>> StoreStringIntoRange(const std::string& s) {
    if (!IsValidUtf8(s)) {
      return absl::InvalidArgumentError("host value string is not valid UTF-8");
    }
    switch (ctx_.encoding) {
      case StringEncoding::kUtf8: {
        absl::StatusOr<uint32_t> ptr = Allocate(1, s.size());
        if (!ptr.ok()) return ptr.status();
        if (absl::Status st = CopyOut(*ptr, reinterpret_cast<const uint8_t*>(s.data()), s.size());
            !st.ok()) {
          return st;
        }
        return std::make_pair(*ptr, static_cast<uint32_t>(s.size()));
      }
      case StringEncoding::kUtf16: {
        Utf8Stats st = MeasureUtf8(s);
        return StoreUtf16(s, st.utf16_units, /*tag=*/0);
      }
      case StringEncoding::kLatin1Utf16: {
        Utf8Stats st = MeasureUtf8(s);
        if (!st.latin1) {
          if (st.utf16_units >= kUtf16Tag) {
            return absl::InvalidArgumentError("host value string is too long for latin1+utf16");
          }
          return StoreUtf16(s, st.utf16_units, kUtf16Tag);
        }
        absl::StatusOr<uint32_t> ptr = Allocate(2, st.code_points);
        if (!ptr.ok()) return ptr.status();
        absl::StatusOr<uint8_t*> out = Range(*ptr, st.code_points);
        if (!out.ok()) return out.status();
        EncodeLatin1(s, *out);
        return std::make_pair(*ptr, static_cast<uint32_t>(st.code_points));
      }
    }
    return absl::InternalError("unknown string encoding");
  }

  absl::StatusOr<std::pair<uint32_t, uint32_t>> StoreUtf16(const std::string& s, uint64_t units,
                                                          uint32_t tag) {
    absl::StatusOr<uint32_t> ptr = Allocate(2, 2 * units);
    if (!ptr.ok()) return ptr.status();
    absl::StatusOr<uint8_t*> out = Range(*ptr, 2 * units);
    if (!out.ok()) return out.status();
    EncodeUtf16Le(s, *out);
    return std::make_pair(*ptr, static_cast<uint32_t>(units) | tag);
  }

  // A writable pointer to [ptr, ptr + n) of the current memory.
  absl::StatusOr<uint8_t*> Range(uint64_t ptr, uint64_t n) {
    absl::StatusOr<absl::Span<uint8_t>> mem = Mem();
    if (!mem.ok()) return mem.status();
    if (!InBounds(ptr, n, mem->size())) return OutOfBounds("", ptr, n, mem->size());
    return mem->data() + ptr;
  }

  absl::Status CopyOut(uint64_t ptr, const uint8_t* src, size_t n) {
    absl::StatusOr<uint8_t*> out = Range(ptr, n);
    if (!out.ok()) return out.status();
    if (n != 0) std::memcpy(*out, src, n);
    return absl::OkStatus();
  }

  // store_list_into_range: returns the pointer. `l` is a list value.
  absl::StatusOr<uint32_t> StoreListIntoRange(const CabiType& elem, const Value& l) {
    const uint64_t n = l.ListSize();
    if (n > UINT32_MAX || n * elem.size() > UINT32_MAX) {
      return absl::InvalidArgumentError(
          absl::StrFormat("host value list of %u elements is too large to store", n));
    }
    // Scalars are checked before realloc runs, as a bad host value is the
    // host's error, not the guest's.
    if (std::optional<ScalarKind> k = ScalarKindOf(elem)) {
      if (absl::Status st = CheckScalars(*k, l, elem); !st.ok()) return st;
    } else if (l.Is<PackedListValue>() && n != 0) {
      return ListMismatch(elem, l);
    }
    absl::StatusOr<uint32_t> ptr = Allocate(elem.alignment(), n * elem.size(), "list");
    if (!ptr.ok()) return ptr.status();
    if (absl::Status st = StoreListIntoValidRange(elem, l, *ptr); !st.ok()) return st;
    return *ptr;
  }

  // Lists of scalars must have passed CheckScalars.
  absl::Status StoreListIntoValidRange(const CabiType& elem, const Value& l, uint64_t ptr) {
    if (std::optional<ScalarKind> k = ScalarKindOf(elem)) {
      // No realloc runs while scalars are stored: one range check covers all.
      absl::StatusOr<uint8_t*> out = Range(ptr, l.ListSize() * elem.size());
      if (!out.ok()) return out.status();
      StoreScalars(*k, l, *out);
      return absl::OkStatus();
    }
    const ListValue* lv = l.Get<ListValue>();
    if (lv == nullptr) {  // packed, for a non-scalar element type
      return l.ListSize() == 0 ? absl::OkStatus() : ListMismatch(elem, l);
    }
    for (size_t i = 0; i < lv->elems.size(); ++i) {
      if (absl::Status st = StoreAt(elem, lv->elems[i], ptr + i * elem.size()); !st.ok()) {
        return st;
      }
    }
    return absl::OkStatus();
  }

  // --- flat lifting ----------------------------------------------------------------

  absl::StatusOr<Value> LiftFlatFrom(const CabiType& t, FlatSource& vi) {
    auto next32 = [&]() -> absl::StatusOr<uint32_t> {
      absl::StatusOr<CoreValue> x = vi.Next(CoreType::kI32);
      if (!x.ok()) return x.status();
      return x->u32();
    };
    auto next64 = [&]() -> absl::StatusOr<uint64_t> {
      absl::StatusOr<CoreValue> x = vi.Next(CoreType::kI64);
      if (!x.ok()) return x.status();
      return x->u64();
    };
#define WB_NEXT(var, fn)       \
  auto var = fn();             \
  if (!var.ok()) return var.status();
    switch (t.kind()) {
      case TypeKind::kBool: {
        WB_NEXT(i, next32);
        return Value::Bool(*i != 0);
      }
      // lift_flat_unsigned/signed: keep the low t_width bits.
      case TypeKind::kU8: {
        WB_NEXT(i, next32);
        return Value::U8(static_cast<uint8_t>(*i));
      }
      case TypeKind::kS8: {
        WB_NEXT(i, next32);
        return Value::S8(static_cast<int8_t>(static_cast<uint8_t>(*i)));
      }
      case TypeKind::kU16: {
        WB_NEXT(i, next32);
        return Value::U16(static_cast<uint16_t>(*i));
      }
      case TypeKind::kS16: {
        WB_NEXT(i, next32);
        return Value::S16(static_cast<int16_t>(static_cast<uint16_t>(*i)));
      }
      case TypeKind::kU32: {
        WB_NEXT(i, next32);
        return Value::U32(*i);
      }
      case TypeKind::kS32: {
        WB_NEXT(i, next32);
        return Value::S32(static_cast<int32_t>(*i));
      }
      case TypeKind::kU64: {
        WB_NEXT(i, next64);
        return Value::U64(*i);
      }
      case TypeKind::kS64: {
        WB_NEXT(i, next64);
        return Value::S64(static_cast<int64_t>(*i));
      }
      case TypeKind::kF32: {
        absl::StatusOr<CoreValue> x = vi.Next(CoreType::kF32);
        if (!x.ok()) return x.status();
        return Value::F32Bits(CanonF32(x->u32()));
      }
      case TypeKind::kF64: {
        absl::StatusOr<CoreValue> x = vi.Next(CoreType::kF64);
        if (!x.ok()) return x.status();
        return Value::F64Bits(CanonF64(x->u64()));
      }
      case TypeKind::kChar: {
        WB_NEXT(i, next32);
        return LiftChar(*i);
      }
      case TypeKind::kString: {
        WB_NEXT(ptr, next32);
        WB_NEXT(units, next32);
        return LoadStringFromRange(*ptr, *units);
      }
      case TypeKind::kList:
      case TypeKind::kMap: {
        WB_NEXT(ptr, next32);
        WB_NEXT(length, next32);
        return LoadListFromRange(t.list_elem(), *ptr, *length);
      }
      case TypeKind::kFixedList: {
        std::vector<Value> elems;
        elems.reserve(t.length());
        for (uint32_t i = 0; i < t.length(); ++i) {
          absl::StatusOr<Value> v = LiftFlatFrom(t.list_elem(), vi);
          if (!v.ok()) return v.status();
          elems.push_back(*std::move(v));
        }
        // Lists of scalars lift packed, whichever way they travel.
        if (std::optional<ScalarKind> k = ScalarKindOf(t.list_elem())) {
          std::vector<uint8_t> bytes(elems.size() * ScalarSize(*k));
          StoreScalars(*k, Value::List(std::move(elems)), bytes.data());
          return Value::Packed(*k, std::move(bytes));
        }
        return Value::List(std::move(elems));
      }
      case TypeKind::kRecord:
      case TypeKind::kTuple: {
        std::vector<Value> fields;
        fields.reserve(t.field_count());
        for (size_t i = 0; i < t.field_count(); ++i) {
          absl::StatusOr<Value> v = LiftFlatFrom(t.field_type(i), vi);
          if (!v.ok()) return v.status();
          fields.push_back(*std::move(v));
        }
        return Value::Record(std::move(fields));
      }
      case TypeKind::kVariant:
      case TypeKind::kEnum:
      case TypeKind::kOption:
      case TypeKind::kResult: {
        const std::vector<CoreType> slots = Flatten(t);  // [i32, joined payload...]
        WB_NEXT(index, next32);
        if (*index >= t.case_count()) return InvalidDiscriminant(*index, t.case_count());
        CoerceSource payload_src(vi, slots, 1);
        const CabiType* c = t.case_type(*index);
        Value out = Value::Variant(*index);
        if (c != nullptr) {
          absl::StatusOr<Value> v = LiftFlatFrom(*c, payload_src);
          if (!v.ok()) return v.status();
          out = Value::Variant(*index, *std::move(v));
        }
        if (absl::Status st = payload_src.SkipRest(); !st.ok()) return st;
        return out;
      }
      case TypeKind::kFlags: {
        WB_NEXT(i, next32);
        return Value::Flags(*i & FlagsMask(t.flag_count()));
      }
      case TypeKind::kErrorContext:
      case TypeKind::kOwn:
      case TypeKind::kBorrow:
      case TypeKind::kStream:
      case TypeKind::kFuture: {
        WB_NEXT(i, next32);
        return LiftHandle(t, *i);
      }
    }
#undef WB_NEXT
    return absl::InternalError("unknown type kind");
  }

  // --- flat lowering -----------------------------------------------------------------

  absl::Status LowerFlatInto(const CabiType& t, const Value& v, std::vector<CoreValue>& out) {
    switch (t.kind()) {
      case TypeKind::kBool: {
        const bool* b = v.Get<bool>();
        if (b == nullptr) return HostMismatch(t, v);
        out.push_back(CoreValue::I32(*b ? 1 : 0));
        return absl::OkStatus();
      }
      case TypeKind::kU8: return PushInt<uint8_t>(t, v, out);
      case TypeKind::kS8: return PushInt<int8_t>(t, v, out);
      case TypeKind::kU16: return PushInt<uint16_t>(t, v, out);
      case TypeKind::kS16: return PushInt<int16_t>(t, v, out);
      case TypeKind::kU32: return PushInt<uint32_t>(t, v, out);
      case TypeKind::kS32: return PushInt<int32_t>(t, v, out);
      case TypeKind::kU64: return PushInt<uint64_t>(t, v, out);
      case TypeKind::kS64: return PushInt<int64_t>(t, v, out);
      case TypeKind::kF32: {
        const F32Value* f = v.Get<F32Value>();
        if (f == nullptr) return HostMismatch(t, v);
        out.push_back(CoreValue::F32Bits(CanonF32(f->bits)));
        return absl::OkStatus();
      }
      case TypeKind::kF64: {
        const F64Value* f = v.Get<F64Value>();
        if (f == nullptr) return HostMismatch(t, v);
        out.push_back(CoreValue::F64Bits(CanonF64(f->bits)));
        return absl::OkStatus();
      }
      case TypeKind::kChar: {
        absl::StatusOr<uint32_t> c = LowerChar(t, v);
        if (!c.ok()) return c.status();
        out.push_back(CoreValue::I32(*c));
        return absl::OkStatus();
      }
      case TypeKind::kString: {
        const std::string* s = v.Get<std::string>();
        if (s == nullptr) return HostMismatch(t, v);
        absl::StatusOr<std::pair<uint32_t, uint32_t>> r = StoreStringIntoRange(*s);
        if (!r.ok()) return r.status();
        out.push_back(CoreValue::I32(r->first));
        out.push_back(CoreValue::I32(r->second));
        return absl::OkStatus();
      }
      case TypeKind::kList:
      case TypeKind::kMap: {
        if (!v.IsList()) return HostMismatch(t, v);
        absl::StatusOr<uint32_t> ptr = StoreListIntoRange(t.list_elem(), v);
        if (!ptr.ok()) return ptr.status();
        out.push_back(CoreValue::I32(*ptr));
        out.push_back(CoreValue::I32(static_cast<uint32_t>(v.ListSize())));
        return absl::OkStatus();
      }
      case TypeKind::kFixedList: {
        if (!v.IsList() || v.ListSize() != t.length()) return HostMismatch(t, v);
        for (size_t i = 0; i < t.length(); ++i) {
          if (absl::Status st = LowerFlatInto(t.list_elem(), v.ListElement(i), out); !st.ok()) {
            return st;
          }
        }
        return absl::OkStatus();
      }
      case TypeKind::kRecord:
      case TypeKind::kTuple: {
        const RecordValue* r = v.Get<RecordValue>();
        if (r == nullptr || r->fields.size() != t.field_count()) return HostMismatch(t, v);
        for (size_t i = 0; i < t.field_count(); ++i) {
          if (absl::Status st = LowerFlatInto(t.field_type(i), r->fields[i], out); !st.ok()) {
            return st;
          }
        }
        return absl::OkStatus();
      }
      case TypeKind::kVariant:
      case TypeKind::kEnum:
      case TypeKind::kOption:
      case TypeKind::kResult: {
        absl::StatusOr<const CabiType*> c = MatchCase(t, v);
        if (!c.ok()) return c.status();
        const VariantValue& vv = *v.Get<VariantValue>();
        const std::vector<CoreType> slots = Flatten(t);
        out.push_back(CoreValue::I32(vv.index));
        size_t k = 1;
        if (*c != nullptr) {
          std::vector<CoreValue> payload;
          if (absl::Status st = LowerFlatInto(**c, *vv.payload, payload); !st.ok()) return st;
          for (const CoreValue& x : payload) {
            if (k >= slots.size()) return absl::InternalError("variant payload overruns its slots");
            // The wanted slot is at least as wide: f32 -> i32 keeps the bits,
            // i32/f32 -> i64 zero-extends, f64 -> i64 keeps the bits.
            out.push_back(CoreValue{slots[k++], x.bits});
          }
        }
        for (; k < slots.size(); ++k) out.push_back(CoreValue::Zero(slots[k]));
        return absl::OkStatus();
      }
      case TypeKind::kFlags: {
        const FlagsValue* f = v.Get<FlagsValue>();
        if (f == nullptr) return HostMismatch(t, v);
        out.push_back(CoreValue::I32(f->bits & FlagsMask(t.flag_count())));
        return absl::OkStatus();
      }
      case TypeKind::kErrorContext:
      case TypeKind::kOwn:
      case TypeKind::kBorrow:
      case TypeKind::kStream:
      case TypeKind::kFuture: {
        absl::StatusOr<uint32_t> i = LowerHandle(t, v);
        if (!i.ok()) return i.status();
        out.push_back(CoreValue::I32(*i));
        return absl::OkStatus();
      }
    }
    return absl::InternalError("unknown type kind");
  }

  template <typename T>
  absl::Status PushInt(const CabiType& t, const Value& v, std::vector<CoreValue>& out) {
    const T* x = v.Get<T>();
    if (x == nullptr) return HostMismatch(t, v);
    if constexpr (sizeof(T) == 8) {
      out.push_back(CoreValue::I64(static_cast<uint64_t>(*x)));
    } else {
      // lower_flat_signed: negative values wrap to 2^32 + v.
      out.push_back(CoreValue::I32(static_cast<uint32_t>(static_cast<int64_t>(*x))));
    }
    return absl::OkStatus();
  }

 private:
  const CallContext& ctx_;
};

absl::Status CheckFlatSize(const TypeRef& t) {
  if (t->flat_count() > kMaxFlatValues) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "type %s has %u flat values, more than LiftFlat/LowerFlat support (%u)",
        ToString(*t).substr(0, 80), t->flat_count(), kMaxFlatValues));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CoreValue> CoreValueIter::Next(CoreType want) {
  if (pos_ >= values_.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "core value missing: expected a %s at position %u", CoreTypeName(want), pos_));
  }
  const CoreValue& v = values_[pos_];
  if (v.type != want) return CoreMismatch(want, v.type);
  ++pos_;
  // Normalise: 32-bit kinds never carry high bits.
  if (want == CoreType::kI32 || want == CoreType::kF32) {
    return CoreValue{want, v.bits & 0xffffffffu};
  }
  return v;
}

absl::StatusOr<Value> Load(const CallContext& ctx, const TypeRef& t, uint32_t ptr) {
  if (absl::Status s = CheckType(t); !s.ok()) return s;
  Abi abi(ctx);
  if (absl::Status s = abi.CheckPtr(*t, ptr); !s.ok()) return s;
  return abi.LoadAt(*t, ptr);
}

absl::Status Store(const CallContext& ctx, const TypeRef& t, const Value& v, uint32_t ptr) {
  if (absl::Status s = CheckType(t); !s.ok()) return s;
  Abi abi(ctx);
  if (absl::Status s = abi.CheckPtr(*t, ptr); !s.ok()) return s;
  return abi.StoreAt(*t, v, ptr);
}

absl::StatusOr<Value> LiftFlat(const CallContext& ctx, const TypeRef& t, CoreValueIter& it) {
  if (absl::Status s = CheckType(t); !s.ok()) return s;
  if (absl::Status s = CheckFlatSize(t); !s.ok()) return s;
  Abi abi(ctx);
  IterSource src(it);
  return abi.LiftFlatFrom(*t, src);
}

absl::StatusOr<std::vector<CoreValue>> LowerFlat(const CallContext& ctx, const TypeRef& t,
                                                 const Value& v) {
  if (absl::Status s = CheckType(t); !s.ok()) return s;
  if (absl::Status s = CheckFlatSize(t); !s.ok()) return s;
  Abi abi(ctx);
  std::vector<CoreValue> out;
  if (absl::Status s = abi.LowerFlatInto(*t, v, out); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<Value>> LiftFlatValues(const CallContext& ctx, size_t max_flat,
                                                  CoreValueIter& it,
                                                  absl::Span<const TypeRef> ts) {
  if (absl::Status s = CheckTypes(ts); !s.ok()) return s;
  Abi abi(ctx);
  std::vector<Value> out;
  if (FlatCount(ts) > max_flat) {
    absl::StatusOr<CoreValue> ptr = it.Next(CoreType::kI32);
    if (!ptr.ok()) return ptr.status();
    TypeRef tuple = CabiType::Tuple(std::vector<TypeRef>(ts.begin(), ts.end()));
    if (!tuple->status().ok()) return tuple->status();
    if (absl::Status s = abi.CheckPtr(*tuple, ptr->u32()); !s.ok()) return s;
    absl::StatusOr<Value> v = abi.LoadAt(*tuple, ptr->u32());
    if (!v.ok()) return v.status();
    RecordValue* r = std::get_if<RecordValue>(&v->storage());
    if (r == nullptr) return absl::InternalError("tuple did not load as a record");
    return std::move(r->fields);
  }
  out.reserve(ts.size());
  IterSource src(it);
  for (const TypeRef& t : ts) {
    absl::StatusOr<Value> v = abi.LiftFlatFrom(*t, src);
    if (!v.ok()) return v.status();
    out.push_back(*std::move(v));
  }
  return out;
}

absl::StatusOr<std::vector<CoreValue>> LowerFlatValues(const CallContext& ctx, size_t max_flat,
                                                       absl::Span<const Value> vs,
                                                       absl::Span<const TypeRef> ts,
                                                       CoreValueIter* out_param) {
  if (absl::Status s = CheckTypes(ts); !s.ok()) return s;
  if (vs.size() != ts.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("host value count %u does not match type count %u", vs.size(), ts.size()));
  }
  Abi abi(ctx);
  std::vector<CoreValue> out;
  if (FlatCount(ts) > max_flat) {
    TypeRef tuple = CabiType::Tuple(std::vector<TypeRef>(ts.begin(), ts.end()));
    if (!tuple->status().ok()) return tuple->status();
    uint32_t ptr;
    if (out_param == nullptr) {
      absl::StatusOr<uint32_t> p = abi.Allocate(tuple->alignment(), tuple->size());
      if (!p.ok()) return p.status();
      ptr = *p;
      out.push_back(CoreValue::I32(ptr));
    } else {
      absl::StatusOr<CoreValue> p = out_param->Next(CoreType::kI32);
      if (!p.ok()) return p.status();
      ptr = p->u32();
      if (absl::Status s = abi.CheckPtr(*tuple, ptr); !s.ok()) return s;
    }
    std::vector<uint32_t> offsets = FieldOffsets(*tuple);
    for (size_t i = 0; i < ts.size(); ++i) {
      if (absl::Status s = abi.StoreAt(*ts[i], vs[i], uint64_t{ptr} + offsets[i]); !s.ok()) {
        return s;
      }
    }
    return out;
  }
  for (size_t i = 0; i < ts.size(); ++i) {
    if (absl::Status s = abi.LowerFlatInto(*ts[i], vs[i], out); !s.ok()) return s;
  }
  return out;
}

absl::StatusOr<std::vector<CoreValue>> LowerFunctionArgs(const CallContext& ctx,
                                                         absl::Span<const TypeRef> param_types,
                                                         absl::Span<const Value> args) {
  return LowerFlatValues(ctx, kMaxFlatParams, args, param_types);
}

absl::StatusOr<std::vector<Value>> LiftFunctionResults(const CallContext& ctx,
                                                       absl::Span<const TypeRef> result_types,
                                                       absl::Span<const CoreValue> core_results) {
  absl::StatusOr<CoreFuncType> ft = FlattenFunc({}, result_types, FlattenContext::kLift);
  if (!ft.ok()) return ft.status();
  if (core_results.size() != ft->results.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "core value count mismatch: expected %u results, got %u", ft->results.size(),
        core_results.size()));
  }
  CoreValueIter it(core_results);
  return LiftFlatValues(ctx, kMaxFlatResults, it, result_types);
}

absl::StatusOr<LiftedArgs> LiftFunctionArgs(const CallContext& ctx,
                                            absl::Span<const TypeRef> param_types,
                                            absl::Span<const TypeRef> result_types,
                                            absl::Span<const CoreValue> core_args) {
  absl::StatusOr<CoreFuncType> ft = FlattenFunc(param_types, result_types, FlattenContext::kLower);
  if (!ft.ok()) return ft.status();
  if (core_args.size() != ft->params.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "core value count mismatch: expected %u arguments, got %u", ft->params.size(),
        core_args.size()));
  }
  CoreValueIter it(core_args);
  LiftedArgs out;
  absl::StatusOr<std::vector<Value>> args = LiftFlatValues(ctx, kMaxFlatParams, it, param_types);
  if (!args.ok()) return args.status();
  out.args = *std::move(args);
  if (ft->results_indirect) {
    absl::StatusOr<CoreValue> p = it.Next(CoreType::kI32);
    if (!p.ok()) return p.status();
    out.out_ptr = p->u32();
  }
  return out;
}

absl::StatusOr<std::vector<CoreValue>> LowerFunctionResults(const CallContext& ctx,
                                                            absl::Span<const TypeRef> result_types,
                                                            absl::Span<const Value> results,
                                                            std::optional<uint32_t> out_ptr) {
  if (absl::Status s = CheckTypes(result_types); !s.ok()) return s;
  if (FlatCount(result_types) > kMaxFlatResults) {
    if (!out_ptr.has_value()) {
      return absl::InvalidArgumentError("results need the out-pointer, but none was given");
    }
    const CoreValue p = CoreValue::I32(*out_ptr);
    CoreValueIter it(absl::MakeConstSpan(&p, 1));
    return LowerFlatValues(ctx, kMaxFlatResults, results, result_types, &it);
  }
  return LowerFlatValues(ctx, kMaxFlatResults, results, result_types);
}

}  // namespace wasi_bridge::engine::cabi
