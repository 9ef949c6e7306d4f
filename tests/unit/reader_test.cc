#include "adapter/binary/reader.h"

#include "adapter/binary/canon_info.h"
#include "adapter/binary/writer.h"
#include "gtest/gtest.h"
#include "tests/unit/component_bytes.h"

namespace wasi_bridge::binary {
namespace {

using testing::AddSection;
using testing::AsBytes;
using testing::ByteVec;
using testing::Cat;
using testing::Name;

ByteVec KitchenSinkTypes() {
  std::vector<ByteVec> types = {
      {0x3f, 0x7f, 0x00},                                         // resource
      Cat({{0x72, 0x01}, Name("a"), {0x79}}),                     // record
      Cat({{0x71, 0x02}, Name("x"), {0x00, 0x00}, Name("y"),
           {0x01, 0x73, 0x00}}),                                  // variant
      {0x70, 0x7d},                                               // list
      {0x67, 0x7d, 0x04},                                         // list<u8,4>
      {0x6f, 0x02, 0x79, 0x73},                                   // tuple
      Cat({{0x6e, 0x02}, Name("a"), Name("b")}),                  // flags
      Cat({{0x6d, 0x01}, Name("e")}),                             // enum
      {0x6b, 0x79},                                               // option
      {0x6a, 0x01, 0x79, 0x00},                                   // result
      {0x69, 0x00},                                               // own
      {0x68, 0x00},                                               // borrow
      {0x66, 0x01, 0x7d},                                         // stream<u8>
      {0x65, 0x00},                                               // future
      {0x63, 0x73, 0x79},                                         // map
      Cat({{0x40, 0x01}, Name("p"), {0x79, 0x00, 0x79}}),         // func
      {0x43, 0x00, 0x01, 0x00},                                   // async func
      Cat({{0x42, 0x02, 0x01, 0x40, 0x00, 0x01, 0x00, 0x04, 0x00},
           Name("f"), {0x01, 0x00}}),                             // instance
      Cat({{0x41, 0x02, 0x02, 0x03, 0x02, 0x01, 0x11, 0x03, 0x00},
           Name("i"), {0x05, 0x00}}),                             // component
      {0x64},                                                     // error-context
      {0xc0, 0x00},  // s33 64 as a value type index alias: list<type 64>
  };
  types.back() = {0x70, 0xc0, 0x00};
  ByteVec out = {static_cast<uint8_t>(types.size())};
  for (const auto& t : types) out.insert(out.end(), t.begin(), t.end());
  return out;
}

ByteVec AllCanons(size_t* count) {
  std::vector<ByteVec> canons = {
      {0x00, 0x00, 0x00, 0x02, 0x06, 0x07, 0x00, 0x10},
      {0x01, 0x00, 0x00, 0x03, 0x03, 0x00, 0x04, 0x01, 0x01},
      {0x02, 0x00}, {0x03, 0x00}, {0x04, 0x00}, {0x05}, {0x06, 0x01},
      {0x07, 0x00}, {0x08},
      {0x09, 0x00, 0x79, 0x01, 0x03, 0x00}, {0x09, 0x01, 0x00, 0x00},
      {0x0a, 0x7f, 0x00}, {0x0b, 0x7f, 0x00}, {0x0c, 0x00}, {0x0d},
      {0x0e, 0x0c}, {0x0f, 0x0c, 0x01, 0x06}, {0x10, 0x0c, 0x01, 0x06},
      {0x11, 0x0c, 0x01}, {0x12, 0x0c, 0x00}, {0x13, 0x0c}, {0x14, 0x0c},
      {0x15, 0x0d}, {0x16, 0x0d, 0x00}, {0x17, 0x0d, 0x00},
      {0x18, 0x0d, 0x00}, {0x19, 0x0d, 0x01}, {0x1a, 0x0d}, {0x1b, 0x0d},
      {0x1c, 0x01, 0x03, 0x00}, {0x1d, 0x02, 0x03, 0x00, 0x04, 0x01},
      {0x1e}, {0x1f}, {0x20, 0x00, 0x00}, {0x21, 0x01, 0x00}, {0x22},
      {0x23}, {0x24}, {0x25}, {0x26}, {0x27, 0x00, 0x00}, {0x28},
      {0x29, 0x00}, {0x2a, 0x01}, {0x2b, 0x00}, {0x2c, 0x00}, {0x2d, 0x01},
  };
  *count = canons.size();
  ByteVec out = {static_cast<uint8_t>(canons.size())};
  for (const auto& c : canons) out.insert(out.end(), c.begin(), c.end());
  return out;
}

ByteVec KitchenSink(size_t* canon_count) {
  ByteVec c = testing::Preamble();
  AddSection(c, 0, Cat({Name("note"), {0x01, 0x02}}));
  AddSection(c, 1, testing::CoreModule());
  // Core types: a module type with an import, an export and an outer alias;
  // a func type; an explicit rec group; a `00 50` non-final sub type.
  AddSection(c, 3, Cat({{0x04, 0x50, 0x04, 0x01, 0x60, 0x01, 0x7f, 0x00,
                         0x00},
                        Name("m"), Name("f"), {0x00, 0x00},
                        {0x02, 0x10, 0x01, 0x01, 0x00, 0x03},
                        Name("g"), {0x02, 0x01, 0x01, 0x02},
                        {0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7d},
                        {0x4e, 0x02, 0x5f, 0x01, 0x78, 0x01, 0x5e, 0x63,
                         0x00, 0x00},
                        {0x00, 0x50, 0x00, 0x60, 0x00, 0x00}}));
  AddSection(c, 2, Cat({{0x02, 0x00, 0x00, 0x01}, Name("env"),
                        {0x12, 0x00, 0x01, 0x01}, Name("memory"),
                        {0x02, 0x00}}));
  AddSection(c, 7, KitchenSinkTypes());
  AddSection(c, 10, Cat({{0x02, 0x00}, Name("wasi:cli/run@0.3.0"),
                         {0x05, 0x11},
                         {0x02}, Name("f"), {0x02, 0x00}, Name("wasi:x/y"),
                         {0x01}, Name("1.0.0"), {0x01, 0x0f}}));
  AddSection(c, 6, Cat({{0x03, 0x01, 0x00, 0x00}, Name("run"),
                        {0x00, 0x02, 0x01, 0x00}, Name("memory"),
                        {0x03, 0x02, 0x01, 0x00}}));
  size_t n = 0;
  AddSection(c, 8, AllCanons(&n));
  *canon_count = n;
  AddSection(c, 5, Cat({{0x02, 0x00, 0x00, 0x01}, Name("i"),
                        {0x05, 0x00, 0x01, 0x01, 0x00}, Name("f"),
                        {0x01, 0x00}}));
  ByteVec nested = testing::Preamble();
  AddSection(nested, 7, {0x01, 0x73});
  AddSection(c, 4, nested);
  AddSection(c, 9, {0x00, 0x01, 0x00, 0x01});
  AddSection(c, 12, {0x01, 0x79, 0x01, 0x05});
  AddSection(c, 11, Cat({{0x02, 0x00}, Name("run"), {0x01, 0x00, 0x00},
                         {0x00}, Name("t"), {0x03, 0x01, 0x01, 0x03, 0x00,
                                             0x01}}));
  return c;
}

TEST(ReaderTest, KitchenSinkRoundTripsByteForByte) {
  size_t canon_count = 0;
  const ByteVec input = KitchenSink(&canon_count);
  auto component = ReadComponent(AsBytes(input));
  ASSERT_TRUE(component.ok()) << component.status();
  EXPECT_EQ(WriteComponent(*component), input);
  EXPECT_EQ(CountVerbatimSections(*component), 0u);
  ASSERT_EQ(component->sections.size(), 13u);

  const auto& types = std::get<std::vector<TypeDef>>(component->sections[4].body);
  ASSERT_EQ(types.size(), 21u);
  EXPECT_TRUE(std::holds_alternative<ResourceType>(types[0].value));
  EXPECT_EQ(std::get<ListType>(types[4].value).fixed_length, 4u);
  EXPECT_TRUE(std::get<FuncType>(types[16].value).is_async);
  EXPECT_EQ(std::get<ListType>(types[20].value).element, ValType::Index(64));
  EXPECT_EQ(std::get<MapType>(types[14].value).key,
            ValType::Prim(PrimValType::kString));

  const auto& canons = std::get<std::vector<Canon>>(component->sections[7].body);
  ASSERT_EQ(canons.size(), canon_count);
  EXPECT_EQ(canons[0].opcode, CanonOpcode::kLift);
  EXPECT_EQ(canons[0].type_index, 16u);
  ASSERT_EQ(canons[0].options.size(), 2u);
  EXPECT_EQ(canons[0].options[1].code, CanonOptionCode::kCallback);

  const auto& imports = std::get<std::vector<Import>>(component->sections[5].body);
  ASSERT_EQ(imports.size(), 2u);
  EXPECT_EQ(imports[1].name.form, 0x02);
  ASSERT_EQ(imports[1].name.attributes.size(), 2u);
  EXPECT_EQ(imports[1].name.attributes[0].value, "wasi:x/y");
}

TEST(ReaderTest, EveryCanonOpcodeHasAnEntry) {
  for (unsigned op = 0; op <= 0x2d; ++op) {
    const CanonInfo* info = FindCanonInfo(static_cast<uint8_t>(op));
    ASSERT_NE(info, nullptr) << op;
    EXPECT_EQ(info->opcode, op);
  }
  EXPECT_EQ(FindCanonInfo(0x2e), nullptr);
}

TEST(ReaderTest, PaddedSectionSizeIsPreserved) {
  ByteVec c = testing::Preamble();
  c.insert(c.end(), {0x07, 0x82, 0x80, 0x80, 0x80, 0x00, 0x01, 0x73});
  auto component = ReadComponent(AsBytes(c));
  ASSERT_TRUE(component.ok()) << component.status();
  EXPECT_EQ(component->sections[0].size_width, 5);
  EXPECT_EQ(WriteComponent(*component), c);
}

TEST(ReaderTest, PaddedIntegerInsideSectionIsCopiedVerbatim) {
  ByteVec c = testing::Preamble();
  AddSection(c, 7, {0x81, 0x00, 0x73});  // vec count 1 written in 2 bytes
  auto component = ReadComponent(AsBytes(c));
  ASSERT_TRUE(component.ok()) << component.status();
  EXPECT_EQ(CountVerbatimSections(*component), 1u);
  EXPECT_EQ(WriteComponent(*component), c);
}

struct BadInput {
  const char* what;
  ByteVec bytes;
  const char* expected;
};

TEST(ReaderTest, MalformedInputsNameOffsetAndProblem) {
  ByteVec unknown = testing::Preamble();
  unknown.insert(unknown.end(), {0x0d, 0x00});
  ByteVec bad_canon = testing::Preamble();
  AddSection(bad_canon, 8, {0x01, 0x2e});
  ByteVec trailing = testing::Preamble();
  AddSection(trailing, 7, {0x01, 0x73, 0x73});
  ByteVec flag = testing::Preamble();
  AddSection(flag, 8, {0x01, 0x0c, 0x02});
  ByteVec old_version = {0x00, 0x61, 0x73, 0x6d, 0x0c, 0x00, 0x01, 0x00};
  ByteVec refines = testing::Preamble();
  AddSection(refines, 7, Cat({{0x01, 0x71, 0x01}, Name("a"), {0x00, 0x01}}));
  ByteVec named_results = testing::Preamble();
  AddSection(named_results, 7, {0x01, 0x40, 0x00, 0x01, 0x01});
  ByteVec past_end = testing::Preamble();
  past_end.insert(past_end.end(), {0x07, 0x05, 0x01});
  const BadInput cases[] = {
      {"unknown section", unknown, "at byte 8 (0x8): unknown section id 13"},
      {"canon 0x2e", bad_canon, "at byte 11 (0xb): invalid leading byte 0x2e"},
      {"trailing bytes", trailing, "1 unread bytes at the end of the type"},
      {"flag byte", flag, "invalid boolean value 0x02"},
      {"old version", old_version, "unsupported component binary version"},
      {"refines", refines, "refines"},
      {"named results", named_results, "named function results"},
      {"section past end", past_end, "runs past the end"},
      {"empty", ByteVec{}, "at byte 0"},
      {"bad magic", ByteVec{1, 2, 3, 4, 5, 6, 7, 8}, "bad magic"},
  };
  for (const auto& c : cases) {
    auto r = ReadComponent(AsBytes(c.bytes));
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_NE(std::string(r.status().message()).find(c.expected),
              std::string::npos)
        << c.what << ": " << r.status();
  }
}

TEST(ReaderTest, EveryTruncationOfTheKitchenSinkFailsCleanly) {
  size_t n = 0;
  const ByteVec input = KitchenSink(&n);
  for (size_t len = 0; len < input.size(); ++len) {
    ByteVec prefix(input.begin(), input.begin() + len);
    auto r = ReadComponent(AsBytes(prefix));
    // A prefix ending exactly at a section boundary is itself valid.
    if (r.ok()) {
      EXPECT_EQ(WriteComponent(*r), prefix);
    } else {
      EXPECT_NE(std::string(r.status().message()).find("at byte"),
                std::string::npos);
    }
  }
}

TEST(ReaderTest, DeepNestingIsAnErrorNotAStackOverflow) {
  // 200 nested instance types: 42 01 01 42 01 01 ... 
  ByteVec types = {0x01};
  for (int i = 0; i < 200; ++i) types.insert(types.end(), {0x42, 0x01, 0x01});
  types.insert(types.end(), {0x73});
  ByteVec c = testing::Preamble();
  AddSection(c, 7, types);
  auto r = ReadComponent(AsBytes(c));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("nested more than"),
            std::string::npos);
}

TEST(ReaderTest, DetectsKinds) {
  ByteVec module = testing::CoreModule();
  EXPECT_EQ(*DetectBinaryKind(AsBytes(module)), BinaryKind::kCoreModule);
  EXPECT_EQ(*DetectBinaryKind(AsBytes(testing::Preamble())),
            BinaryKind::kComponent);
}

}  // namespace
}  // namespace wasi_bridge::binary
