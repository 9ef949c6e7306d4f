// Lists of scalars travel packed (engine/cabi/scalar_list.h): lifting gives
// a PackedListValue holding the memory image, lowering copies it out in one
// go; the traps, NaN/bool canonicalisation and host-value checks are the
// same as element by element. Also the UTF-8 validator's ASCII fast path.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/cabi/load_store.h"
#include "engine/cabi/string_codec.h"
#include "engine/cabi/test_support.h"
#include "engine/component/json.h"
#include "engine/component/wast_values.h"
#include "gtest/gtest.h"

namespace wasi_bridge::engine::cabi {
namespace {

using T = CabiType;
using testing::BumpAllocator;
using testing::VectorMemory;

constexpr uint32_t kMemSize = 65536;
constexpr uint32_t kHeap = 4096;

class CabiPackedListTest : public ::testing::Test {
 protected:
  CabiPackedListTest() : mem_(kMemSize), heap_(mem_, kHeap) {
    ctx_.memory = &mem_;
    ctx_.realloc = heap_.AsFn();
  }

  uint8_t* At(uint32_t p) { return mem_.vec().data() + p; }
  void Put32(uint32_t p, uint32_t v) { std::memcpy(At(p), &v, 4); }
  void PutBytes(uint32_t p, const std::vector<uint8_t>& b) {
    std::memcpy(At(p), b.data(), b.size());
  }
  std::vector<uint8_t> Bytes(uint32_t p, size_t n) { return {At(p), At(p) + n}; }

  // Loads list<elem> from a (ptr, len) pair written at 0.
  absl::StatusOr<Value> LoadList(const TypeRef& elem, uint32_t ptr, uint32_t len) {
    Put32(0, ptr);
    Put32(4, len);
    return Load(ctx_, T::List(elem), 0);
  }

  static void ExpectError(const absl::Status& s, absl::StatusCode code, const std::string& msg) {
    EXPECT_EQ(s.code(), code) << s;
    EXPECT_NE(std::string(s.message()).find(msg), std::string::npos)
        << "message: " << s.message() << "\nwanted: " << msg;
  }

  VectorMemory mem_;
  BumpAllocator heap_;
  CallContext ctx_;
};

TEST_F(CabiPackedListTest, ListOfU8LiftsAsOneBuffer) {
  PutBytes(64, {1, 2, 3, 250});
  auto v = LoadList(T::U8(), 64, 4);
  ASSERT_TRUE(v.ok()) << v.status();
  const PackedListValue* p = v->Get<PackedListValue>();
  ASSERT_NE(p, nullptr) << ToString(*v);
  EXPECT_EQ(p->kind, ScalarKind::kU8);
  ASSERT_NE(v->AsBytes(), nullptr);
  EXPECT_EQ(*v->AsBytes(), (std::vector<uint8_t>{1, 2, 3, 250}));
  // The list accessors, equality and rendering see elements either way.
  EXPECT_TRUE(v->IsList());
  EXPECT_EQ(v->ListSize(), 4u);
  EXPECT_EQ(v->ListElement(3), Value::U8(250));
  const Value as_values =
      Value::List({Value::U8(1), Value::U8(2), Value::U8(3), Value::U8(250)});
  EXPECT_EQ(*v, as_values);
  EXPECT_EQ(as_values, *v);
  EXPECT_EQ(ToString(*v), ToString(as_values));
  EXPECT_NE(*v, Value::List({Value::U8(1), Value::U8(2), Value::U8(3)}));
  EXPECT_NE(*v, Value::Packed(ScalarKind::kS8, {1, 2, 3, 250}));  // other element type
}

TEST_F(CabiPackedListTest, EveryScalarKindRoundTrips) {
  struct Case {
    TypeRef elem;
    Value list;
  };
  const std::vector<Case> cases = {
      {T::S8(), Value::List({Value::S8(-1), Value::S8(5)})},
      {T::S16(), Value::List({Value::S16(-300), Value::S16(7)})},
      {T::U16(), Value::List({Value::U16(65535)})},
      {T::S32(), Value::List({Value::S32(-5), Value::S32(1 << 30)})},
      {T::U32(), Value::List({Value::U32(0xdeadbeef)})},
      {T::S64(), Value::List({Value::S64(-1), Value::S64(INT64_MIN)})},
      {T::U64(), Value::List({Value::U64(~uint64_t{0})})},
      {T::F32(), Value::List({Value::F32(1.5f), Value::F32Bits(0x80000000)})},
      {T::F64(), Value::List({Value::F64(-2.25)})},
      {T::Char(), Value::List({Value::Char('a'), Value::Char(0x1F600)})},
      {T::Bool(), Value::List({Value::Bool(true), Value::Bool(false)})},
  };
  for (const Case& c : cases) {
    heap_.Reset(kHeap);
    const TypeRef t = T::List(c.elem);
    ASSERT_TRUE(Store(ctx_, t, c.list, 8).ok()) << ToString(t);
    auto back = Load(ctx_, t, 8);
    ASSERT_TRUE(back.ok()) << ToString(t) << ": " << back.status();
    EXPECT_TRUE(back->Is<PackedListValue>()) << ToString(t);
    EXPECT_EQ(*back, c.list) << ToString(t) << ": " << ToString(*back);
    // Storing the packed form writes the same bytes as the element form.
    uint32_t first_ptr;
    std::memcpy(&first_ptr, At(8), 4);
    const std::vector<uint8_t> image = Bytes(first_ptr, c.list.ListSize() * c.elem->size());
    ASSERT_TRUE(Store(ctx_, t, *back, 16).ok()) << ToString(t);
    uint32_t second_ptr;
    std::memcpy(&second_ptr, At(16), 4);
    EXPECT_EQ(Bytes(second_ptr, image.size()), image) << ToString(t);
    EXPECT_EQ(heap_.calls().back().align, c.elem->alignment()) << ToString(t);
  }
}

TEST_F(CabiPackedListTest, LiftCanonicalisesNansAndBools) {
  PutBytes(64, {0x01, 0x00, 0xc0, 0xff, 0x00, 0x00, 0x80, 0x3f});  // nan:0xffc00001, 1.0
  auto f = LoadList(T::F32(), 64, 2);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(*f, Value::List({Value::F32Bits(kCanonicalF32Nan), Value::F32(1.0f)}));
  PutBytes(128, {0, 1, 2, 0xff});
  auto b = LoadList(T::Bool(), 128, 4);
  ASSERT_TRUE(b.ok()) << b.status();
  // Any non-zero byte is true, and the buffer holds 0/1.
  EXPECT_EQ(b->Get<PackedListValue>()->bytes, (std::vector<uint8_t>{0, 1, 1, 1}));
  EXPECT_EQ(*b, Value::List({Value::Bool(false), Value::Bool(true), Value::Bool(true),
                             Value::Bool(true)}));
}

TEST_F(CabiPackedListTest, LowerCanonicalisesNansAndBools) {
  const std::vector<uint8_t> nan_bits = {0x01, 0, 0, 0, 0, 0, 0xf0, 0x7f};  // nan:0x1
  ASSERT_TRUE(Store(ctx_, T::List(T::F64()), Value::Packed(ScalarKind::kF64, nan_bits), 0).ok());
  uint64_t stored;
  std::memcpy(&stored, At(heap_.calls().back().result), 8);
  EXPECT_EQ(stored, kCanonicalF64Nan);
  ASSERT_TRUE(Store(ctx_, T::List(T::Bool()), Value::Packed(ScalarKind::kBool, {0, 7}), 0).ok());
  EXPECT_EQ(Bytes(heap_.calls().back().result, 2), (std::vector<uint8_t>{0, 1}));
}

TEST_F(CabiPackedListTest, LowerCopiesOnceThroughOneRealloc) {
  std::vector<uint8_t> data(1000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  auto flat = LowerFlat(ctx_, T::List(T::U8()), Value::Bytes(data));
  ASSERT_TRUE(flat.ok()) << flat.status();
  ASSERT_EQ(heap_.calls().size(), 1u);
  EXPECT_EQ(heap_.calls()[0].align, 1u);
  EXPECT_EQ(heap_.calls()[0].new_size, 1000u);
  ASSERT_EQ(flat->size(), 2u);
  EXPECT_EQ((*flat)[1].u32(), 1000u);
  EXPECT_EQ(Bytes((*flat)[0].u32(), 1000), data);
  // list<u32> from a packed buffer: 4-byte alignment, 4 bytes per element.
  heap_.Reset(kHeap + 1);
  auto flat32 = LowerFlat(ctx_, T::List(T::U32()), Value::Packed(ScalarKind::kU32, data));
  ASSERT_TRUE(flat32.ok()) << flat32.status();
  EXPECT_EQ(heap_.calls()[0].align, 4u);
  EXPECT_EQ((*flat32)[1].u32(), 250u);
  EXPECT_EQ((*flat32)[0].u32() % 4, 0u);
}

TEST_F(CabiPackedListTest, LowerRejectsBadHostValuesBeforeRealloc) {
  ExpectError(Store(ctx_, T::List(T::U16()), Value::Bytes({1, 2}), 0),
              absl::StatusCode::kInvalidArgument, "does not match type list<u16>");
  ExpectError(Store(ctx_, T::List(T::U16()), Value::List({Value::U16(1), Value::U8(2)}), 0),
              absl::StatusCode::kInvalidArgument, "does not match type list<u16>");
  ExpectError(Store(ctx_, T::List(T::String()), Value::Bytes({1}), 0),
              absl::StatusCode::kInvalidArgument, "does not match type list<string>");
  ExpectError(Store(ctx_, T::List(T::Char()),
                    Value::Packed(ScalarKind::kChar, {0x00, 0xd8, 0x00, 0x00}), 0),
              absl::StatusCode::kInvalidArgument,
              "host value char 0xD800 is not a Unicode scalar value");
  ExpectError(Store(ctx_, T::List(T::Char()), Value::List({Value::Char(0x110000)}), 0),
              absl::StatusCode::kInvalidArgument, "is not a Unicode scalar value");
  EXPECT_TRUE(heap_.calls().empty());
  // An empty list of any element kind is an empty list.
  EXPECT_TRUE(Store(ctx_, T::List(T::U16()), Value::Bytes({}), 0).ok());
}

TEST_F(CabiPackedListTest, LiftKeepsTheSpecsTraps) {
  ExpectError(LoadList(T::U32(), 6, 2).status(), absl::StatusCode::kInvalidArgument,
              "unaligned pointer 6 for alignment 4 (list)");
  ExpectError(LoadList(T::U16(), kMemSize - 2, 2).status(), absl::StatusCode::kOutOfRange,
              "list content out-of-bounds: pointer 65534 + 4 out of bounds");
  // length * size beyond 32 bits does not wrap around.
  ExpectError(LoadList(T::U64(), 0, 0x20000000).status(), absl::StatusCode::kOutOfRange,
              "list byte length 4294967296 exceeds maximum");
  PutBytes(64, {'a', 0, 0, 0, 0x00, 0xdc, 0, 0});
  ExpectError(LoadList(T::Char(), 64, 2).status(), absl::StatusCode::kInvalidArgument,
              "invalid `char` bit pattern 0xDC00");
  EXPECT_EQ(*LoadList(T::U32(), kMemSize, 0), Value::List({}));
}

TEST_F(CabiPackedListTest, FixedListsArePackedInMemoryAndFlat) {
  TypeRef fl = T::FixedList(T::U16(), 3);
  ASSERT_TRUE(Store(ctx_, fl, Value::Packed(ScalarKind::kU16, {1, 0, 2, 0, 3, 0}), 2).ok());
  EXPECT_EQ(Bytes(2, 6), (std::vector<uint8_t>{1, 0, 2, 0, 3, 0}));
  auto back = Load(ctx_, fl, 2);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->Is<PackedListValue>());
  EXPECT_EQ(*back, Value::List({Value::U16(1), Value::U16(2), Value::U16(3)}));
  auto flat = LowerFlat(ctx_, fl, *back);
  ASSERT_TRUE(flat.ok()) << flat.status();
  EXPECT_EQ(*flat, (std::vector<CoreValue>{CoreValue::I32(1), CoreValue::I32(2),
                                           CoreValue::I32(3)}));
  CoreValueIter it(*flat);
  auto lifted = LiftFlat(ctx_, fl, it);
  ASSERT_TRUE(lifted.ok()) << lifted.status();
  EXPECT_TRUE(lifted->Is<PackedListValue>());
  EXPECT_EQ(*lifted, *back);
  ExpectError(Store(ctx_, fl, Value::Bytes({1, 2, 3}), 2), absl::StatusCode::kInvalidArgument,
              "does not match");
}

TEST_F(CabiPackedListTest, WastValuesSeePackedLists) {
  const TypeRef t = T::List(T::U8());
  auto json = ParseJson(R"({"type": "list", "value": [
      {"type": "u8", "value": "1"}, {"type": "u8", "value": "255"}]})");
  ASSERT_TRUE(json.ok()) << json.status();
  std::string why;
  EXPECT_TRUE(ValuesMatch(Value::Bytes({1, 255}), *json, t, &why)) << why;
  EXPECT_FALSE(ValuesMatch(Value::Bytes({1, 254}), *json, t, &why));
  EXPECT_NE(why.find("254u8"), std::string::npos) << why;
  auto back = ValueToJson(Value::Bytes({1, 255}), t);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(ToJson(*back), ToJson(*json));
}

// The validator checks ASCII 16 bytes at a time; an invalid or multi-byte
// sequence anywhere, including across those blocks, must still be seen.
TEST(Utf8FastPath, FindsBadBytesAtEveryPosition) {
  for (size_t len : {1, 15, 16, 17, 31, 32, 33, 70}) {
    for (size_t pos = 0; pos < len; ++pos) {
      std::string s(len, 'a');
      s[pos] = static_cast<char>(0xff);
      EXPECT_FALSE(IsValidUtf8(s)) << len << " " << pos;
      s[pos] = static_cast<char>(0xc3);  // a lead byte without its continuation
      EXPECT_FALSE(IsValidUtf8(s)) << len << " " << pos;
      std::string ok(len, 'a');
      ok.insert(pos, "\xf0\x9f\x98\x80");  // U+1F600
      EXPECT_TRUE(IsValidUtf8(ok)) << len << " " << pos;
      std::string surrogate(len, 'a');
      surrogate.insert(pos, "\xed\xa0\x80");  // U+D800 in UTF-8: invalid
      EXPECT_FALSE(IsValidUtf8(surrogate)) << len << " " << pos;
    }
  }
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8(std::string(1000, 'z')));
}

}  // namespace
}  // namespace wasi_bridge::engine::cabi
