#include "adapter/binary/byte_reader.h"
#include "adapter/binary/byte_writer.h"
#include "gtest/gtest.h"
#include "tests/unit/component_bytes.h"

namespace wasi_bridge::binary {
namespace {

using testing::ByteVec;
using testing::AsBytes;

TEST(ByteReaderTest, ReadsMinimalAndPaddedU32) {
  ByteVec data = {0xe5, 0x8e, 0x26, 0x80, 0x80, 0x80, 0x00};
  ByteReader r(AsBytes(data));
  EXPECT_EQ(*r.ReadU32("a"), 624485u);
  EXPECT_FALSE(r.SawNonMinimalLeb());
  EXPECT_EQ(*r.ReadU32("b"), 0u);  // 80 80 80 00 is a padded zero
  EXPECT_TRUE(r.SawNonMinimalLeb());
  EXPECT_TRUE(r.AtEnd());
}

TEST(ByteReaderTest, RejectsOverlongU32WithOffset) {
  ByteVec data = {0x00, 0xff, 0xff, 0xff, 0xff, 0x1f};
  ByteReader r(AsBytes(data), 100);
  ASSERT_TRUE(r.ReadByte("pad").ok());
  auto v = r.ReadU32("count");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("at byte 101"), std::string::npos);
  EXPECT_NE(v.status().message().find("too large"), std::string::npos);
}

TEST(ByteReaderTest, TruncatedLebNamesStart) {
  ByteVec data = {0x80, 0x80};
  ByteReader r(AsBytes(data), 7);
  auto v = r.ReadU32("size");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("at byte 7"), std::string::npos);
  EXPECT_NE(v.status().message().find("unexpected end"), std::string::npos);
}

TEST(ByteReaderTest, S33DecodesOpcodesAndIndices) {
  ByteVec data = {0x7f, 0x73, 0x05, 0xc0, 0x00, 0x40};
  ByteReader r(AsBytes(data));
  EXPECT_EQ(*r.ReadS33("t"), -1);
  EXPECT_EQ(*r.ReadS33("t"), -13);
  EXPECT_EQ(*r.ReadS33("t"), 5);
  EXPECT_EQ(*r.ReadS33("t"), 64);
  EXPECT_EQ(*r.ReadS33("t"), -64);
  EXPECT_FALSE(r.SawNonMinimalLeb());
}

TEST(ByteReaderTest, RejectsInvalidUtf8Names) {
  for (ByteVec bad : {ByteVec{0x02, 0xc0, 0x80},          // overlong
                      ByteVec{0x03, 0xed, 0xa0, 0x80},    // surrogate
                      ByteVec{0x01, 0xff}}) {             // invalid byte
    ByteReader r(AsBytes(bad));
    auto name = r.ReadName("name");
    ASSERT_FALSE(name.ok());
    EXPECT_NE(name.status().message().find("UTF-8"), std::string::npos);
  }
  ByteVec good = {0x04, 0xf0, 0x9f, 0x98, 0x80};
  ByteReader r(AsBytes(good));
  EXPECT_EQ(r.ReadName("name")->size(), 4u);
}

TEST(ByteReaderTest, CountLargerThanInputIsRejectedBeforeAllocation) {
  ByteVec data = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
  ByteReader r(AsBytes(data));
  auto n = r.ReadCount("items");
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("larger than"), std::string::npos);
}

TEST(ByteReaderTest, FlagMustBeZeroOrOne) {
  ByteVec data = {0x02};
  ByteReader r(AsBytes(data));
  auto f = r.ReadFlag("async?");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("invalid boolean value"),
            std::string::npos);
}

TEST(ByteWriterTest, EncodesLebMinimalAndPadded) {
  ByteWriter w;
  w.U32(624485);
  w.U32(3, 5);
  w.S33(-1);
  w.S33(64);
  w.S33(-65);
  EXPECT_EQ(w.bytes(), (ByteVec{0xe5, 0x8e, 0x26, 0x83, 0x80, 0x80, 0x80, 0x00,
                                0x7f, 0xc0, 0x00, 0xbf, 0x7f}));
}

TEST(ByteWriterTest, RoundTripsThroughReader) {
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 16383ull, 16384ull,
                     0xffffffffull}) {
    ByteWriter w;
    w.U32(static_cast<uint32_t>(v));
    ByteReader r(AsBytes(w.bytes()));
    EXPECT_EQ(*r.ReadU32("v"), v);
    EXPECT_TRUE(r.AtEnd());
  }
}

}  // namespace
}  // namespace wasi_bridge::binary
