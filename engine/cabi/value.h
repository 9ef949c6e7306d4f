// Component-level values as the host sees them: one `Value` per lifted
// value, able to hold every CabiType.
//
// Representation per type (the spec's `despecialize` applies):
//   bool, s8..u64          -> the C++ integer alternative of that width
//   f32, f64               -> F32Value/F64Value holding the bit pattern, so
//                             equality is bitwise (NaN == same NaN, -0 != +0)
//   char                   -> CharValue (a Unicode scalar value)
//   string                 -> std::string, always valid UTF-8
//   error-context          -> ErrorContextValue (a plain u32 index for now)
//   list, list<T,N>, map   -> ListValue (map elements: 2-field RecordValues)
//   list<T>, list<T,N> of a scalar T (bool, integers, floats, char)
//                          -> PackedListValue when lifted: one buffer in the
//                             memory layout instead of one Value per element
//                             (lowering accepts either form; equality, ToString
//                             and the list accessors treat both alike)
//   record, tuple          -> RecordValue (fields in declaration order)
//   variant, enum, option, result
//                          -> VariantValue {case index, payload or null}
//                             (option: 0 none, 1 some; result: 0 ok, 1 error)
//   flags                  -> FlagsValue (bit i = flag i)
//   own, borrow            -> OwnValue/BorrowValue {rep}
//   stream, future         -> StreamValue/FutureValue (plain u32 index)
#ifndef WASI_BRIDGE_ENGINE_CABI_VALUE_H_
#define WASI_BRIDGE_ENGINE_CABI_VALUE_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace wasi_bridge::engine::cabi {

class Value;

// The element types a PackedListValue can hold: the fixed-size scalars.
enum class ScalarKind : uint8_t { kBool, kS8, kU8, kS16, kU16, kS32, kU32, kS64, kU64, kF32, kF64, kChar };

// Bytes per element (the Canonical ABI's size of the type).
constexpr size_t ScalarSize(ScalarKind k) {
  switch (k) {
    case ScalarKind::kBool:
    case ScalarKind::kS8:
    case ScalarKind::kU8: return 1;
    case ScalarKind::kS16:
    case ScalarKind::kU16: return 2;
    case ScalarKind::kS32:
    case ScalarKind::kU32:
    case ScalarKind::kF32:
    case ScalarKind::kChar: return 4;
    case ScalarKind::kS64:
    case ScalarKind::kU64:
    case ScalarKind::kF64: return 8;
  }
  return 1;
}

struct F32Value {
  uint32_t bits = 0;
  friend bool operator==(const F32Value&, const F32Value&) = default;
};
struct F64Value {
  uint64_t bits = 0;
  friend bool operator==(const F64Value&, const F64Value&) = default;
};
struct CharValue {
  uint32_t code_point = 0;
  friend bool operator==(const CharValue&, const CharValue&) = default;
};
struct ErrorContextValue {
  uint32_t index = 0;
  friend bool operator==(const ErrorContextValue&, const ErrorContextValue&) = default;
};
struct ListValue {
  std::vector<Value> elems;
  friend bool operator==(const ListValue&, const ListValue&);
};
// A list of scalars as one buffer laid out as in linear memory:
// little-endian elements of ScalarSize(kind) bytes; bools are 0 or 1, floats
// bit patterns, chars Unicode scalar values. Lifting copies guest memory
// into `bytes` in one go; lowering copies it out the same way.
struct PackedListValue {
  ScalarKind kind = ScalarKind::kU8;
  std::vector<uint8_t> bytes;  // size() * ScalarSize(kind) bytes

  size_t size() const { return bytes.size() / ScalarSize(kind); }
  // Element i as a Value (i < size()).
  Value at(size_t i) const;
};
struct RecordValue {
  std::vector<Value> fields;
  friend bool operator==(const RecordValue&, const RecordValue&);
};
struct VariantValue {
  uint32_t index = 0;
  std::shared_ptr<const Value> payload;  // null: no payload
  friend bool operator==(const VariantValue&, const VariantValue&);
};
struct FlagsValue {
  uint32_t bits = 0;
  friend bool operator==(const FlagsValue&, const FlagsValue&) = default;
};
struct OwnValue {
  uint32_t rep = 0;
  friend bool operator==(const OwnValue&, const OwnValue&) = default;
};
struct BorrowValue {
  uint32_t rep = 0;
  friend bool operator==(const BorrowValue&, const BorrowValue&) = default;
};
struct StreamValue {
  uint32_t index = 0;
  friend bool operator==(const StreamValue&, const StreamValue&) = default;
};
struct FutureValue {
  uint32_t index = 0;
  friend bool operator==(const FutureValue&, const FutureValue&) = default;
};

class Value {
 public:
  using Storage =
      std::variant<bool, int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t,
                   int64_t, uint64_t, F32Value, F64Value, CharValue, std::string,
                   ErrorContextValue, ListValue, PackedListValue, RecordValue,
                   VariantValue, FlagsValue, OwnValue, BorrowValue, StreamValue,
                   FutureValue>;

  Value() : v_(false) {}
  explicit Value(Storage v) : v_(std::move(v)) {}

  static Value Bool(bool b) { return Value(Storage(std::in_place_type<bool>, b)); }
  static Value S8(int8_t v) { return Value(Storage(std::in_place_type<int8_t>, v)); }
  static Value U8(uint8_t v) { return Value(Storage(std::in_place_type<uint8_t>, v)); }
  static Value S16(int16_t v) { return Value(Storage(std::in_place_type<int16_t>, v)); }
  static Value U16(uint16_t v) { return Value(Storage(std::in_place_type<uint16_t>, v)); }
  static Value S32(int32_t v) { return Value(Storage(std::in_place_type<int32_t>, v)); }
  static Value U32(uint32_t v) { return Value(Storage(std::in_place_type<uint32_t>, v)); }
  static Value S64(int64_t v) { return Value(Storage(std::in_place_type<int64_t>, v)); }
  static Value U64(uint64_t v) { return Value(Storage(std::in_place_type<uint64_t>, v)); }
  static Value F32(float f) { return F32Bits(std::bit_cast<uint32_t>(f)); }
  static Value F64(double d) { return F64Bits(std::bit_cast<uint64_t>(d)); }
  static Value F32Bits(uint32_t b) { return Value(Storage(F32Value{b})); }
  static Value F64Bits(uint64_t b) { return Value(Storage(F64Value{b})); }
  static Value Char(uint32_t cp) { return Value(Storage(CharValue{cp})); }
  static Value String(std::string s) {
    return Value(Storage(std::in_place_type<std::string>, std::move(s)));
  }
  static Value ErrorContext(uint32_t i) { return Value(Storage(ErrorContextValue{i})); }
  static Value List(std::vector<Value> elems) {
    return Value(Storage(ListValue{std::move(elems)}));
  }
  // A packed list<u8> (or any list whose element type is `kind`; `bytes`
  // holds whole elements in the layout described at PackedListValue).
  static Value Bytes(std::vector<uint8_t> bytes) {
    return Packed(ScalarKind::kU8, std::move(bytes));
  }
  static Value Packed(ScalarKind kind, std::vector<uint8_t> bytes) {
    return Value(Storage(PackedListValue{kind, std::move(bytes)}));
  }
  static Value Record(std::vector<Value> fields) {
    return Value(Storage(RecordValue{std::move(fields)}));
  }
  static Value Tuple(std::vector<Value> elems) { return Record(std::move(elems)); }
  static Value Variant(uint32_t index) { return Value(Storage(VariantValue{index, nullptr})); }
  static Value Variant(uint32_t index, Value payload) {
    return Value(Storage(VariantValue{index, std::make_shared<const Value>(std::move(payload))}));
  }
  static Value Enum(uint32_t index) { return Variant(index); }
  static Value None() { return Variant(0); }
  static Value Some(Value v) { return Variant(1, std::move(v)); }
  static Value Ok() { return Variant(0); }
  static Value Ok(Value v) { return Variant(0, std::move(v)); }
  static Value Err() { return Variant(1); }
  static Value Err(Value v) { return Variant(1, std::move(v)); }
  static Value Flags(uint32_t bits) { return Value(Storage(FlagsValue{bits})); }
  static Value Own(uint32_t rep) { return Value(Storage(OwnValue{rep})); }
  static Value Borrow(uint32_t rep) { return Value(Storage(BorrowValue{rep})); }
  static Value Stream(uint32_t index) { return Value(Storage(StreamValue{index})); }
  static Value Future(uint32_t index) { return Value(Storage(FutureValue{index})); }

  const Storage& storage() const { return v_; }
  Storage& storage() { return v_; }
  template <typename T>
  bool Is() const { return std::holds_alternative<T>(v_); }
  // nullptr if the value holds another alternative.
  template <typename T>
  const T* Get() const { return std::get_if<T>(&v_); }

  // Lists in either form (ListValue or PackedListValue).
  bool IsList() const { return Is<ListValue>() || Is<PackedListValue>(); }
  // Element count of a list (0 for other values).
  size_t ListSize() const;
  // Element i of a list, by value (i < ListSize()).
  Value ListElement(size_t i) const;
  // The bytes of a packed list<u8>, or nullptr.
  const std::vector<uint8_t>* AsBytes() const {
    const PackedListValue* p = Get<PackedListValue>();
    return p != nullptr && p->kind == ScalarKind::kU8 ? &p->bytes : nullptr;
  }

  // Structural equality; a packed list equals a ListValue holding the same
  // elements (so an empty list equals any empty list).
  friend bool operator==(const Value& a, const Value& b);

 private:
  Storage v_;
};

inline bool operator==(const ListValue& a, const ListValue& b) { return a.elems == b.elems; }
inline bool operator==(const PackedListValue& a, const PackedListValue& b) {
  return (a.kind == b.kind && a.bytes == b.bytes) || (a.bytes.empty() && b.bytes.empty());
}
inline bool operator==(const RecordValue& a, const RecordValue& b) { return a.fields == b.fields; }
inline bool operator==(const VariantValue& a, const VariantValue& b) {
  if (a.index != b.index) return false;
  if (a.payload == nullptr || b.payload == nullptr) return a.payload == b.payload;
  return *a.payload == *b.payload;
}

// The elements of a list value without copying a ListValue's: its own
// vector, or a packed list unpacked into `scratch`. nullptr for non-lists.
const std::vector<Value>* ListElements(const Value& v, std::vector<Value>& scratch);

// Readable rendering for test messages, e.g.
// `{7u8, [1.5_f32, nan:0x7fc00001_f32], case1("hi"), char(U+00E9), flags(0x5), own(3)}`.
std::string ToString(const Value& v);

}  // namespace wasi_bridge::engine::cabi

#endif  // WASI_BRIDGE_ENGINE_CABI_VALUE_H_
