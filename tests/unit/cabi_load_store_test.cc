// Canonical ABI memory layout: Store/Load byte images, string encodings,
// every load/store trap, and seeded random round trips.
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/cabi/layout.h"
#include "engine/cabi/load_store.h"
#include "engine/cabi/test_support.h"
#include "gtest/gtest.h"

namespace wasi_bridge::engine::cabi {
namespace {

using T = CabiType;
using testing::BumpAllocator;
using testing::TestHandleTable;
using testing::VectorMemory;

constexpr uint32_t kMemSize = 65536;
constexpr uint32_t kHeap = 4096;  // the bump allocator starts here

class CabiLoadStoreTest : public ::testing::Test {
 protected:
  CabiLoadStoreTest() : mem_(kMemSize), heap_(mem_, kHeap) {
    ctx_.memory = &mem_;
    ctx_.realloc = heap_.AsFn();
    ctx_.handles = &handles_;
  }

  uint8_t* At(uint32_t p) { return mem_.vec().data() + p; }
  void Put32(uint32_t p, uint32_t v) { std::memcpy(At(p), &v, 4); }
  void PutBytes(uint32_t p, std::vector<uint8_t> b) { std::memcpy(At(p), b.data(), b.size()); }
  std::vector<uint8_t> Bytes(uint32_t p, size_t n) { return {At(p), At(p) + n}; }

  // Writes a (ptr, len) pair at `at` and loads a string through it.
  absl::StatusOr<Value> LoadStr(uint32_t ptr, uint32_t len, uint32_t at = 0) {
    Put32(at, ptr);
    Put32(at + 4, len);
    return Load(ctx_, T::String(), at);
  }

  void ExpectTrap(const absl::Status& s, absl::StatusCode code, const std::string& msg) {
    EXPECT_EQ(s.code(), code) << s;
    EXPECT_NE(std::string(s.message()).find(msg), std::string::npos)
        << "message: " << s.message() << "\nwanted: " << msg;
  }

  VectorMemory mem_;
  BumpAllocator heap_;
  TestHandleTable handles_;
  CallContext ctx_;
};

// --- byte images -------------------------------------------------------------

TEST_F(CabiLoadStoreTest, RecordBytes) {
  TypeRef r = T::Record({{"a", T::U8()}, {"b", T::U32()}, {"c", T::U8()}});
  Value v = Value::Record({Value::U8(1), Value::U32(0x04030201), Value::U8(5)});
  ASSERT_TRUE(Store(ctx_, r, v, 16).ok());
  EXPECT_EQ(Bytes(16, 12), (std::vector<uint8_t>{1, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0}));
  auto back = Load(ctx_, r, 16);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, v) << ToString(*back);
}

TEST_F(CabiLoadStoreTest, IntegerBytes) {
  ASSERT_TRUE(Store(ctx_, T::S16(), Value::S16(-2), 0).ok());
  EXPECT_EQ(Bytes(0, 2), (std::vector<uint8_t>{0xfe, 0xff}));
  ASSERT_TRUE(Store(ctx_, T::S64(), Value::S64(-1), 8).ok());
  EXPECT_EQ(Bytes(8, 8), std::vector<uint8_t>(8, 0xff));
  EXPECT_EQ(*Load(ctx_, T::S64(), 8), Value::S64(-1));
  EXPECT_EQ(*Load(ctx_, T::U64(), 8), Value::U64(~uint64_t{0}));
  EXPECT_EQ(*Load(ctx_, T::S8(), 8), Value::S8(-1));
  ASSERT_TRUE(Store(ctx_, T::Bool(), Value::Bool(true), 20).ok());
  EXPECT_EQ(*At(20), 1);
}

TEST_F(CabiLoadStoreTest, VariantBytes) {
  ASSERT_TRUE(Store(ctx_, T::Option(T::U32()), Value::Some(Value::U32(7)), 0).ok());
  EXPECT_EQ(Bytes(0, 8), (std::vector<uint8_t>{1, 0, 0, 0, 7, 0, 0, 0}));
  // result<u64, u8>: error(9) writes the discriminant 1 and the payload at 8.
  ASSERT_TRUE(Store(ctx_, T::Result(T::U64(), T::U8()), Value::Err(Value::U8(9)), 16).ok());
  EXPECT_EQ(*At(16), 1);
  EXPECT_EQ(*At(24), 9);
  // 257 cases: u16 discriminant.
  std::vector<Case> cases(257);
  for (size_t i = 0; i < cases.size(); ++i) cases[i] = {"c" + std::to_string(i), T::U8()};
  TypeRef big = T::Variant(cases);
  ASSERT_TRUE(Store(ctx_, big, Value::Variant(256, Value::U8(0xab)), 32).ok());
  EXPECT_EQ(Bytes(32, 3), (std::vector<uint8_t>{0x00, 0x01, 0xab}));
  EXPECT_EQ(*Load(ctx_, big, 32), Value::Variant(256, Value::U8(0xab)));
}

TEST_F(CabiLoadStoreTest, FlagsBytes) {
  ASSERT_TRUE(Store(ctx_, T::Flags(9), Value::Flags(0x1ff), 0).ok());
  EXPECT_EQ(Bytes(0, 2), (std::vector<uint8_t>{0xff, 0x01}));
  ASSERT_TRUE(Store(ctx_, T::Flags(32), Value::Flags(0x80000001), 4).ok());
  EXPECT_EQ(Bytes(4, 4), (std::vector<uint8_t>{1, 0, 0, 0x80}));
  // pack_flags_into_int packs only the declared flags.
  ASSERT_TRUE(Store(ctx_, T::Flags(3), Value::Flags(0xff), 8).ok());
  EXPECT_EQ(*At(8), 0x07);
}

TEST_F(CabiLoadStoreTest, FloatsCanonicaliseNans) {
  ASSERT_TRUE(Store(ctx_, T::F32(), Value::F32Bits(0xffc00123), 0).ok());
  uint32_t b32;
  std::memcpy(&b32, At(0), 4);
  EXPECT_EQ(b32, kCanonicalF32Nan);
  ASSERT_TRUE(Store(ctx_, T::F64(), Value::F64Bits(0x7ff0000000000001), 8).ok());
  uint64_t b64;
  std::memcpy(&b64, At(8), 8);
  EXPECT_EQ(b64, kCanonicalF64Nan);
  Put32(16, 0x7f800001);  // signalling NaN
  EXPECT_EQ(*Load(ctx_, T::F32(), 16), Value::F32Bits(kCanonicalF32Nan));
  Put32(16, 0x80000000);  // -0.0 is kept
  EXPECT_EQ(*Load(ctx_, T::F32(), 16), Value::F32Bits(0x80000000));
  Put32(16, 0x7f800000);  // +inf is kept
  EXPECT_EQ(*Load(ctx_, T::F32(), 16), Value::F32Bits(0x7f800000));
}

TEST_F(CabiLoadStoreTest, ListStoreUsesRealloc) {
  TypeRef t = T::List(T::U16());
  ASSERT_TRUE(Store(ctx_, t, Value::List({Value::U16(1), Value::U16(2), Value::U16(3)}), 0).ok());
  ASSERT_EQ(heap_.calls().size(), 1u);
  const auto& c = heap_.calls()[0];
  EXPECT_EQ(c.old_ptr, 0u);
  EXPECT_EQ(c.old_size, 0u);
  EXPECT_EQ(c.align, 2u);
  EXPECT_EQ(c.new_size, 6u);
  uint32_t ptr, len;
  std::memcpy(&ptr, At(0), 4);
  std::memcpy(&len, At(4), 4);
  EXPECT_EQ(ptr, c.result);
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(Bytes(ptr, 6), (std::vector<uint8_t>{1, 0, 2, 0, 3, 0}));
  // An empty list still calls realloc (with size 0), as the spec does.
  heap_.Reset(kHeap);
  ASSERT_TRUE(Store(ctx_, t, Value::List({}), 8).ok());
  ASSERT_EQ(heap_.calls().size(), 1u);
  EXPECT_EQ(heap_.calls()[0].new_size, 0u);
}

TEST_F(CabiLoadStoreTest, FixedListAndMap) {
  TypeRef fl = T::FixedList(T::U8(), 3);
  ASSERT_TRUE(Store(ctx_, fl, Value::List({Value::U8(7), Value::U8(8), Value::U8(9)}), 1).ok());
  EXPECT_EQ(Bytes(1, 3), (std::vector<uint8_t>{7, 8, 9}));
  EXPECT_TRUE(heap_.calls().empty());  // stored inline
  TypeRef m = T::Map(T::U32(), T::U8());
  Value mv = Value::List({Value::Tuple({Value::U32(1), Value::U8(2)}),
                          Value::Tuple({Value::U32(3), Value::U8(4)})});
  ASSERT_TRUE(Store(ctx_, m, mv, 8).ok());
  ASSERT_EQ(heap_.calls().size(), 1u);
  EXPECT_EQ(heap_.calls()[0].align, 4u);
  EXPECT_EQ(heap_.calls()[0].new_size, 16u);  // 2 x tuple<u32, u8> (8 bytes)
  EXPECT_EQ(*Load(ctx_, m, 8), mv);
}

// --- strings -----------------------------------------------------------------

TEST_F(CabiLoadStoreTest, StringUtf8) {
  ASSERT_TRUE(Store(ctx_, T::String(), Value::String("h\xc3\xa9llo"), 0).ok());
  ASSERT_EQ(heap_.calls().size(), 1u);
  EXPECT_EQ(heap_.calls()[0].align, 1u);
  EXPECT_EQ(heap_.calls()[0].new_size, 6u);
  uint32_t ptr, len;
  std::memcpy(&ptr, At(0), 4);
  std::memcpy(&len, At(4), 4);
  EXPECT_EQ(len, 6u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(At(ptr)), 6), "h\xc3\xa9llo");
  EXPECT_EQ(*Load(ctx_, T::String(), 0), Value::String("h\xc3\xa9llo"));
}

TEST_F(CabiLoadStoreTest, StringUtf16) {
  ctx_.encoding = StringEncoding::kUtf16;
  // "a" U+1F600: 3 UTF-16 code units.
  ASSERT_TRUE(Store(ctx_, T::String(), Value::String("a\xf0\x9f\x98\x80"), 0).ok());
  ASSERT_EQ(heap_.calls().size(), 1u);
  EXPECT_EQ(heap_.calls()[0].align, 2u);
  EXPECT_EQ(heap_.calls()[0].new_size, 6u);
  uint32_t ptr, len;
  std::memcpy(&ptr, At(0), 4);
  std::memcpy(&len, At(4), 4);
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(Bytes(ptr, 6), (std::vector<uint8_t>{'a', 0, 0x3d, 0xd8, 0x00, 0xde}));
  EXPECT_EQ(*Load(ctx_, T::String(), 0), Value::String("a\xf0\x9f\x98\x80"));
}

TEST_F(CabiLoadStoreTest, StringLatin1OrUtf16) {
  ctx_.encoding = StringEncoding::kLatin1Utf16;
  // All code points < U+0100: Latin-1, untagged length = code points.
  ASSERT_TRUE(Store(ctx_, T::String(), Value::String("h\xc3\xa9llo"), 0).ok());
  uint32_t ptr, len;
  std::memcpy(&ptr, At(0), 4);
  std::memcpy(&len, At(4), 4);
  EXPECT_EQ(len, 5u);
  EXPECT_EQ(heap_.calls().back().align, 2u);
  EXPECT_EQ(Bytes(ptr, 5), (std::vector<uint8_t>{'h', 0xe9, 'l', 'l', 'o'}));
  EXPECT_EQ(*Load(ctx_, T::String(), 0), Value::String("h\xc3\xa9llo"));
  // Otherwise UTF-16 with the tag bit.
  ASSERT_TRUE(Store(ctx_, T::String(), Value::String("\xc4\x80x"), 8).ok());  // U+0100 'x'
  std::memcpy(&ptr, At(8), 4);
  std::memcpy(&len, At(12), 4);
  EXPECT_EQ(len, 2u | kUtf16Tag);
  EXPECT_EQ(Bytes(ptr, 4), (std::vector<uint8_t>{0x00, 0x01, 'x', 0}));
  EXPECT_EQ(*Load(ctx_, T::String(), 8), Value::String("\xc4\x80x"));
}

TEST_F(CabiLoadStoreTest, StringEmpty) {
  for (StringEncoding e :
       {StringEncoding::kUtf8, StringEncoding::kUtf16, StringEncoding::kLatin1Utf16}) {
    ctx_.encoding = e;
    ASSERT_TRUE(Store(ctx_, T::String(), Value::String(""), 0).ok());
    EXPECT_EQ(*Load(ctx_, T::String(), 0), Value::String(""));
    // A zero-length string may point one past the end of memory.
    EXPECT_EQ(*LoadStr(kMemSize, 0), Value::String(""));
  }
}

TEST_F(CabiLoadStoreTest, StringDecodeValid) {
  PutBytes(100, {0xf4, 0x8f, 0xbf, 0xbf});  // U+10FFFF
  EXPECT_EQ(*LoadStr(100, 4), Value::String("\xf4\x8f\xbf\xbf"));
  ctx_.encoding = StringEncoding::kLatin1Utf16;
  PutBytes(100, {0xff, 0x41});
  EXPECT_EQ(*LoadStr(100, 2), Value::String("\xc3\xbf" "A"));
}

// --- traps -------------------------------------------------------------------

TEST_F(CabiLoadStoreTest, TrapOutOfBounds) {
  ExpectTrap(Load(ctx_, T::FixedList(T::U8(), 8), 65530).status(), absl::StatusCode::kOutOfRange,
             "pointer 65530 + 8 out of bounds of memory (65536 bytes)");
  ExpectTrap(Load(ctx_, T::U32(), 65536).status(), absl::StatusCode::kOutOfRange,
             "pointer 65536 + 4 out of bounds of memory (65536 bytes)");
  ExpectTrap(Load(ctx_, T::U32(), 0xfffffffc).status(), absl::StatusCode::kOutOfRange,
             "pointer 4294967292 + 4 out of bounds");
  ExpectTrap(Store(ctx_, T::U64(), Value::U64(1), 65536 - 4), absl::StatusCode::kInvalidArgument,
             "unaligned pointer 65532 for alignment 8");
  ExpectTrap(Store(ctx_, T::String(), Value::String("x"), 65532), absl::StatusCode::kOutOfRange,
             "pointer 65532 + 8 out of bounds of memory (65536 bytes)");
  EXPECT_TRUE(heap_.calls().empty());  // checked before anything is allocated
}

TEST_F(CabiLoadStoreTest, TrapUnaligned) {
  ExpectTrap(Load(ctx_, T::U32(), 3).status(), absl::StatusCode::kInvalidArgument,
             "unaligned pointer 3 for alignment 4");
  ExpectTrap(Load(ctx_, T::Record({{"a", T::U8()}, {"b", T::U64()}}), 4).status(),
             absl::StatusCode::kInvalidArgument, "unaligned pointer 4 for alignment 8");
  ExpectTrap(Store(ctx_, T::U16(), Value::U16(1), 1), absl::StatusCode::kInvalidArgument,
             "unaligned pointer 1 for alignment 2");
}

TEST_F(CabiLoadStoreTest, TrapInvalidUtf8) {
  const std::vector<std::vector<uint8_t>> bad = {
      {0xff},                    // never valid
      {0x80},                    // stray continuation
      {0xc0, 0x80},              // overlong NUL
      {0xe0, 0x80, 0x80},        // overlong
      {0xed, 0xa0, 0x80},        // surrogate U+D800
      {0xf4, 0x90, 0x80, 0x80},  // U+110000
      {0xe2, 0x82},              // truncated
      {'a', 0xc3},               // truncated at end
  };
  for (const auto& b : bad) {
    PutBytes(200, b);
    ExpectTrap(LoadStr(200, static_cast<uint32_t>(b.size())).status(),
               absl::StatusCode::kInvalidArgument, "invalid utf-8 in string");
  }
}

TEST_F(CabiLoadStoreTest, TrapInvalidUtf16) {
  ctx_.encoding = StringEncoding::kUtf16;
  PutBytes(200, {0x00, 0xd8, 'a', 0});  // lone high surrogate
  ExpectTrap(LoadStr(200, 2).status(), absl::StatusCode::kInvalidArgument,
             "invalid utf-16 in string");
  PutBytes(200, {0x00, 0xdc});  // lone low surrogate
  ExpectTrap(LoadStr(200, 1).status(), absl::StatusCode::kInvalidArgument,
             "invalid utf-16 in string");
  PutBytes(200, {'a', 0, 0x3d, 0xd8});  // high surrogate at the end
  ExpectTrap(LoadStr(200, 2).status(), absl::StatusCode::kInvalidArgument,
             "invalid utf-16 in string");
  ctx_.encoding = StringEncoding::kLatin1Utf16;
  PutBytes(200, {0x00, 0xdc});
  ExpectTrap(LoadStr(200, 1 | kUtf16Tag).status(), absl::StatusCode::kInvalidArgument,
             "invalid utf-16 in string");
}

TEST_F(CabiLoadStoreTest, TrapStringLength) {
  ExpectTrap(LoadStr(0, 1u << 28).status(), absl::StatusCode::kOutOfRange,
             "string byte length 268435456 exceeds maximum (268435455)");
  ExpectTrap(LoadStr(0, 0xffffffff).status(), absl::StatusCode::kOutOfRange,
             "string byte length 4294967295 exceeds maximum");
  ctx_.encoding = StringEncoding::kUtf16;
  ExpectTrap(LoadStr(0, 1u << 27).status(), absl::StatusCode::kOutOfRange,
             "string byte length 268435456 exceeds maximum");
  ExpectTrap(LoadStr(0, 0xffffffff).status(), absl::StatusCode::kOutOfRange,
             "string byte length 8589934590 exceeds maximum");
  ctx_.encoding = StringEncoding::kLatin1Utf16;
  ExpectTrap(LoadStr(0, (1u << 27) | kUtf16Tag).status(), absl::StatusCode::kOutOfRange,
             "string byte length 268435456 exceeds maximum");
  // Untagged: Latin-1 bytes, 2^28 - 1 is allowed (then out of bounds here).
  ExpectTrap(LoadStr(0, (1u << 28) - 1).status(), absl::StatusCode::kOutOfRange,
             "string pointer/length out of bounds");
}

TEST_F(CabiLoadStoreTest, TrapStringBoundsAndAlignment) {
  ExpectTrap(LoadStr(65530, 7).status(), absl::StatusCode::kOutOfRange,
             "string content out-of-bounds (string pointer/length out of bounds of memory): pointer 65530 + 7 out of bounds of memory "
             "(65536 bytes)");
  ExpectTrap(LoadStr(0xffffffff, 2).status(), absl::StatusCode::kOutOfRange,
             "string pointer/length out of bounds");
  ctx_.encoding = StringEncoding::kUtf16;
  ExpectTrap(LoadStr(101, 1).status(), absl::StatusCode::kInvalidArgument,
             "unaligned pointer 101 for alignment 2 (string)");
  ctx_.encoding = StringEncoding::kLatin1Utf16;  // align 2 even for Latin-1
  ExpectTrap(LoadStr(101, 1).status(), absl::StatusCode::kInvalidArgument,
             "unaligned pointer 101 for alignment 2 (string)");
  ctx_.encoding = StringEncoding::kUtf8;
  EXPECT_TRUE(LoadStr(101, 0).ok());
}

TEST_F(CabiLoadStoreTest, TrapInvalidChar) {
  for (uint32_t c : {0xD800u, 0xDBFFu, 0xDC00u, 0xDFFFu, 0x110000u, 0xffffffffu}) {
    Put32(0, c);
    char want[64];
    snprintf(want, sizeof want, "invalid `char` bit pattern 0x%X", c);
    ExpectTrap(Load(ctx_, T::Char(), 0).status(), absl::StatusCode::kInvalidArgument, want);
  }
  for (uint32_t c : {0u, 0xD7FFu, 0xE000u, 0x10FFFFu}) {
    Put32(0, c);
    EXPECT_EQ(*Load(ctx_, T::Char(), 0), Value::Char(c));
  }
  ExpectTrap(Store(ctx_, T::Char(), Value::Char(0xD800), 0), absl::StatusCode::kInvalidArgument,
             "not a Unicode scalar value");
}

TEST_F(CabiLoadStoreTest, TrapInvalidDiscriminant) {
  *At(0) = 5;
  ExpectTrap(Load(ctx_, T::Enum({"a", "b", "c"}), 0).status(), absl::StatusCode::kInvalidArgument,
             "invalid variant discriminant 5 (3 cases)");
  *At(0) = 2;
  ExpectTrap(Load(ctx_, T::Option(T::U8()), 0).status(), absl::StatusCode::kInvalidArgument,
             "invalid variant discriminant 2 (2 cases)");
  ExpectTrap(Load(ctx_, T::Result(nullptr, nullptr), 0).status(),
             absl::StatusCode::kInvalidArgument, "invalid variant discriminant 2 (2 cases)");
  std::vector<Case> cases(257);
  for (size_t i = 0; i < cases.size(); ++i) cases[i] = {"c" + std::to_string(i), nullptr};
  PutBytes(0, {0x01, 0x01});  // 257
  ExpectTrap(Load(ctx_, T::Variant(cases), 0).status(), absl::StatusCode::kInvalidArgument,
             "invalid variant discriminant 257 (257 cases)");
  PutBytes(0, {0x00, 0x01});  // 256: the last case
  EXPECT_EQ(*Load(ctx_, T::Variant(cases), 0), Value::Variant(256));
}

TEST_F(CabiLoadStoreTest, NoTrapWhereTheSpecHasNone) {
  // bool: any non-zero byte is true.
  *At(0) = 2;
  EXPECT_EQ(*Load(ctx_, T::Bool(), 0), Value::Bool(true));
  *At(0) = 0x80;
  EXPECT_EQ(*Load(ctx_, T::Bool(), 0), Value::Bool(true));
  // flags: bits beyond the last flag are ignored.
  *At(0) = 0xff;
  EXPECT_EQ(*Load(ctx_, T::Flags(3), 0), Value::Flags(0x7));
  PutBytes(0, {0xff, 0xff});
  EXPECT_EQ(*Load(ctx_, T::Flags(9), 0), Value::Flags(0x1ff));
  // Padding bytes are not inspected.
  PutBytes(0, {1, 0xaa, 0xbb, 0xcc, 3, 0, 0, 0});
  EXPECT_EQ(*Load(ctx_, T::Option(T::U32()), 0), Value::Some(Value::U32(3)));
}

TEST_F(CabiLoadStoreTest, TrapListLengthAndBounds) {
  TypeRef lu32 = T::List(T::U32());
  Put32(0, 0);
  Put32(4, 1u << 26);  // 2^28 bytes
  ExpectTrap(Load(ctx_, lu32, 0).status(), absl::StatusCode::kOutOfRange,
             "list byte length 268435456 exceeds maximum (268435455)");
  Put32(4, 0xffffffff);  // 2^34 - 4 bytes: no overflow
  ExpectTrap(Load(ctx_, T::List(T::U64()), 0).status(), absl::StatusCode::kOutOfRange,
             "list byte length 34359738360 exceeds maximum");
  Put32(0, 65532);
  Put32(4, 2);
  ExpectTrap(Load(ctx_, lu32, 0).status(), absl::StatusCode::kOutOfRange,
             "list content out-of-bounds: pointer 65532 + 8 out of bounds of memory "
             "(65536 bytes)");
  Put32(0, 6);
  ExpectTrap(Load(ctx_, lu32, 0).status(), absl::StatusCode::kInvalidArgument,
             "unaligned pointer 6 for alignment 4 (list)");
  // A huge count of 1-byte elements is refused before anything is allocated.
  Put32(0, 0);
  Put32(4, (1u << 28) - 1);
  ExpectTrap(Load(ctx_, T::List(T::U8()), 0).status(), absl::StatusCode::kOutOfRange,
             "list content out-of-bounds");
  // Empty list at the very end of memory is fine.
  Put32(0, kMemSize);
  Put32(4, 0);
  EXPECT_EQ(*Load(ctx_, lu32, 0), Value::List({}));
}

TEST_F(CabiLoadStoreTest, TrapNestedErrorsPropagate) {
  // list<option<char>> whose second element holds a surrogate.
  TypeRef t = T::List(T::Option(T::Char()));
  Put32(0, 64);
  Put32(4, 2);
  PutBytes(64, {1, 0, 0, 0, 'a', 0, 0, 0, 1, 0, 0, 0, 0x00, 0xd8, 0, 0});
  ExpectTrap(Load(ctx_, t, 0).status(), absl::StatusCode::kInvalidArgument,
             "invalid `char` bit pattern 0xD800");
}

TEST_F(CabiLoadStoreTest, TrapRealloc) {
  // Unaligned result.
  ctx_.realloc = [](uint32_t, uint32_t, uint32_t, uint32_t) -> absl::StatusOr<uint32_t> {
    return 4099;
  };
  ExpectTrap(Store(ctx_, T::List(T::U32()), Value::List({Value::U32(1)}), 0),
             absl::StatusCode::kInvalidArgument,
             "realloc return: result not aligned: unaligned pointer 4099 for alignment 4");
  // Beyond the end of memory.
  ctx_.realloc = [](uint32_t, uint32_t, uint32_t, uint32_t) -> absl::StatusOr<uint32_t> {
    return 65534;
  };
  ExpectTrap(Store(ctx_, T::String(), Value::String("abc"), 0), absl::StatusCode::kOutOfRange,
             "realloc return: beyond end of memory: pointer 65534 + 3 out of bounds of memory "
             "(65536 bytes)");
  // Errors from realloc itself pass through.
  ctx_.realloc = [](uint32_t, uint32_t, uint32_t, uint32_t) -> absl::StatusOr<uint32_t> {
    return absl::AbortedError("guest trapped in realloc");
  };
  ExpectTrap(Store(ctx_, T::String(), Value::String("abc"), 0), absl::StatusCode::kAborted,
             "guest trapped in realloc");
  // No realloc at all.
  ctx_.realloc = nullptr;
  ExpectTrap(Store(ctx_, T::String(), Value::String("abc"), 0),
             absl::StatusCode::kInvalidArgument, "canonical option 'realloc' is required");
  // Types that need no realloc store fine without one.
  EXPECT_TRUE(Store(ctx_, T::Tuple({T::U8(), T::F64()}),
                    Value::Tuple({Value::U8(1), Value::F64(2.5)}), 8)
                  .ok());
}

TEST_F(CabiLoadStoreTest, MemoryGrowsDuringRealloc) {
  // A realloc that grows memory (reallocating the vector) before returning:
  // the ABI must re-read the memory span afterwards.
  VectorMemory small(256);
  uint32_t next = 128;
  ctx_.memory = &small;
  ctx_.realloc = [&](uint32_t, uint32_t, uint32_t align,
                     uint32_t size) -> absl::StatusOr<uint32_t> {
    small.Grow(1 << 16);
    next = (next + align - 1) / align * align;
    uint32_t p = next;
    next += size;
    return p;
  };
  TypeRef t = T::List(T::String());
  Value v = Value::List({Value::String("one"), Value::String("two"), Value::String("three")});
  ASSERT_TRUE(Store(ctx_, t, v, 0).ok());
  EXPECT_EQ(*Load(ctx_, t, 0), v);
}

TEST_F(CabiLoadStoreTest, TrapMissingMemory) {
  ctx_.memory = nullptr;
  ExpectTrap(Load(ctx_, T::U32(), 0).status(), absl::StatusCode::kInvalidArgument,
             "canonical option 'memory' is required");
}

TEST_F(CabiLoadStoreTest, Handles) {
  TypeRef own = T::Own(1);
  ASSERT_TRUE(Store(ctx_, own, Value::Own(42), 0).ok());
  uint32_t h;
  std::memcpy(&h, At(0), 4);
  EXPECT_EQ(h, 1u);  // first free index; 0 is reserved
  EXPECT_EQ(*Load(ctx_, own, 0), Value::Own(42));
  // lift_own removed the handle: loading again traps.
  ExpectTrap(Load(ctx_, own, 0).status(), absl::StatusCode::kInvalidArgument,
             "unknown handle index 1");
  // Borrow lifting leaves the handle in place; wrong resource type traps.
  ASSERT_TRUE(Store(ctx_, T::Borrow(2), Value::Borrow(7), 4).ok());
  EXPECT_EQ(*Load(ctx_, T::Borrow(2), 4), Value::Borrow(7));
  EXPECT_EQ(*Load(ctx_, T::Borrow(2), 4), Value::Borrow(7));
  ExpectTrap(Load(ctx_, T::Borrow(3), 4).status(), absl::StatusCode::kInvalidArgument,
             "used with the wrong type");
  // Without a handle table own/borrow are errors; stream/future/error-context
  // indices pass through unchanged.
  ctx_.handles = nullptr;
  ExpectTrap(Load(ctx_, own, 0).status(), absl::StatusCode::kInvalidArgument,
             "no handle table");
  ASSERT_TRUE(Store(ctx_, T::Stream(T::U8()), Value::Stream(9), 8).ok());
  EXPECT_EQ(*At(8), 9);
  EXPECT_EQ(*Load(ctx_, T::Stream(T::U8()), 8), Value::Stream(9));
  EXPECT_EQ(*Load(ctx_, T::Future(), 8), Value::Future(9));
  EXPECT_EQ(*Load(ctx_, T::ErrorContext(), 8), Value::ErrorContext(9));
}

TEST_F(CabiLoadStoreTest, HostValueMismatch) {
  ExpectTrap(Store(ctx_, T::U8(), Value::U16(1), 0), absl::StatusCode::kInvalidArgument,
             "host value 1u16 does not match type u8");
  ExpectTrap(Store(ctx_, T::FixedList(T::U8(), 3), Value::List({Value::U8(1)}), 0),
             absl::StatusCode::kInvalidArgument, "does not match type list<u8, 3>");
  ExpectTrap(Store(ctx_, T::Tuple({T::U8(), T::U8()}), Value::Tuple({Value::U8(1)}), 0),
             absl::StatusCode::kInvalidArgument, "does not match");
  ExpectTrap(Store(ctx_, T::Option(T::U8()), Value::Variant(2), 0),
             absl::StatusCode::kInvalidArgument, "does not match");
  ExpectTrap(Store(ctx_, T::Option(T::U8()), Value::Variant(1), 0),  // some without payload
             absl::StatusCode::kInvalidArgument, "does not match");
  ExpectTrap(Store(ctx_, T::Enum({"a"}), Value::Variant(0, Value::U8(1)), 0),
             absl::StatusCode::kInvalidArgument, "does not match");
  ExpectTrap(Store(ctx_, T::String(), Value::String("\xff"), 0),
             absl::StatusCode::kInvalidArgument, "not valid UTF-8");
  ExpectTrap(Store(ctx_, T::Flags(0), Value::Flags(0), 0), absl::StatusCode::kInvalidArgument,
             "flags must have 1..32 flags");
  ExpectTrap(Load(ctx_, nullptr, 0).status(), absl::StatusCode::kInvalidArgument,
             "type is null");
}

// --- random round trips ---------------------------------------------------------

TEST_F(CabiLoadStoreTest, RandomRoundTrips) {
  std::mt19937_64 rng(20260917);
  testing::RandomTypeOptions opt;
  int cases = 0;
  for (StringEncoding enc :
       {StringEncoding::kUtf8, StringEncoding::kUtf16, StringEncoding::kLatin1Utf16}) {
    ctx_.encoding = enc;
    for (int i = 0; i < 1000; ++i, ++cases) {
      TypeRef t = testing::RandomType(rng, opt);
      ASSERT_TRUE(t->status().ok()) << ToString(t) << ": " << t->status();
      Value v = testing::RandomValue(rng, *t);
      heap_.Reset(kHeap);
      std::fill(mem_.vec().begin(), mem_.vec().end(), 0xcd);
      const uint32_t ptr = static_cast<uint32_t>(AlignTo(64 + rng() % 64, t->alignment()));
      absl::Status s = Store(ctx_, t, v, ptr);
      ASSERT_TRUE(s.ok()) << ToString(t) << " = " << ToString(v) << ": " << s;
      auto back = Load(ctx_, t, ptr);
      ASSERT_TRUE(back.ok()) << ToString(t) << " = " << ToString(v) << ": " << back.status();
      EXPECT_EQ(*back, testing::CanonicalizeNans(v))
          << "type " << ToString(t) << "\n  stored " << ToString(v) << "\n  loaded "
          << ToString(*back);
      // Storing the loaded value again gives the same bytes at `ptr`.
      std::vector<uint8_t> first = Bytes(ptr, t->size());
      heap_.Reset(kHeap);
      ASSERT_TRUE(Store(ctx_, t, *back, ptr).ok());
      if (t->ContainsBorrow() || ToString(t).find("own<") != std::string::npos) continue;
      EXPECT_EQ(Bytes(ptr, t->size()), first) << ToString(t);
    }
  }
  EXPECT_EQ(cases, 3000);
}

// Hostile memory: random bytes, random types, random pointers. Every load
// either succeeds or returns a trap; nothing crashes or over-allocates.
TEST_F(CabiLoadStoreTest, RandomHostileLoads) {
  std::mt19937_64 rng(7);
  testing::RandomTypeOptions opt;
  int ok = 0, trapped = 0;
  for (int i = 0; i < 3000; ++i) {
    ctx_.encoding = static_cast<StringEncoding>(rng() % 3);
    for (auto& b : mem_.vec()) b = static_cast<uint8_t>(rng());
    // Make small lengths likely so some loads get deep.
    for (int k = 0; k < 200; ++k) {
      Put32(static_cast<uint32_t>(rng() % (kMemSize / 4)) * 4, rng() % 4);
    }
    TypeRef t = testing::RandomType(rng, opt);
    uint32_t ptr = rng() % 8 == 0 ? static_cast<uint32_t>(rng())
                                  : static_cast<uint32_t>(rng() % kMemSize);
    auto v = Load(ctx_, t, ptr);
    if (v.ok()) {
      ++ok;
    } else {
      ++trapped;
      EXPECT_TRUE(v.status().code() == absl::StatusCode::kOutOfRange ||
                  v.status().code() == absl::StatusCode::kInvalidArgument)
          << v.status();
    }
  }
  EXPECT_GT(ok, 100);
  EXPECT_GT(trapped, 100);
}

}  // namespace
}  // namespace wasi_bridge::engine::cabi
