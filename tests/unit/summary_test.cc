#include "adapter/binary/summary.h"

#include "adapter/binary/reader.h"
#include "gtest/gtest.h"
#include "tests/unit/component_bytes.h"

namespace wasi_bridge::binary {
namespace {

using testing::AddSection;
using testing::AsBytes;
using testing::ByteVec;
using testing::Cat;
using testing::Name;

TEST(SummaryTest, ClassifiesMixedComponentsAndListsPolyfills) {
  ByteVec c = testing::Preamble();
  AddSection(c, 7, {0x01, 0x42, 0x00});
  AddSection(c, 10, Cat({{0x03, 0x00}, Name("wasi:io/streams@0.2.12"),
                         {0x05, 0x00, 0x00}, Name("wasi:cli/stdout@0.3.0"),
                         {0x05, 0x00, 0x00}, Name("my:app/api"),
                         {0x05, 0x00}}));
  AddSection(c, 1, testing::CoreModule());
  auto component = ReadComponent(AsBytes(c));
  ASSERT_TRUE(component.ok());
  const Summary s = Summarize(&*component, c.size());
  EXPECT_EQ(s.kind, "component");
  EXPECT_EQ(s.wasi_generation, "mixed");
  EXPECT_EQ(s.wasi_versions, (std::vector<std::string>{"0.2.12", "0.3.0"}));
  EXPECT_EQ(s.polyfill, (std::vector<std::string>{"wasi:io/streams@0.2.12"}));
  ASSERT_EQ(s.imports.size(), 3u);
  EXPECT_EQ(s.imports[2].kind, "instance");
  ASSERT_EQ(s.core_modules.size(), 1u);
  EXPECT_EQ(s.core_modules[0].size, 8u);

  const std::string json = SummaryToJson(s, "a\"b.wasm");
  EXPECT_NE(json.find("\"file\": \"a\\\"b.wasm\""), std::string::npos);
  EXPECT_NE(json.find("\"generation\": \"mixed\""), std::string::npos);
  EXPECT_NE(json.find("{\"import\": \"wasi:io/streams@0.2.12\"}"),
            std::string::npos);
  EXPECT_EQ(json, SummaryToJson(s, "a\"b.wasm"));  // stable
}

TEST(SummaryTest, CoreModulesHaveNoWasiGeneration) {
  const Summary s = Summarize(nullptr, 42);
  EXPECT_EQ(s.kind, "core-module");
  EXPECT_EQ(s.wasi_generation, "none");
  EXPECT_NE(SummaryToText(s, "m.wasm").find("core-module, 42 bytes"),
            std::string::npos);
}

}  // namespace
}  // namespace wasi_bridge::binary
