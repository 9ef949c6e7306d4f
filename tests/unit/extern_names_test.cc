#include "adapter/binary/extern_names.h"

#include "gtest/gtest.h"

namespace wasi_bridge::binary {
namespace {

TEST(ExternNamesTest, ParsesInterfaceNames) {
  auto n = ParseInterfaceName("wasi:cli/environment@0.2.12");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->ns, "wasi");
  EXPECT_EQ(n->package, "cli");
  EXPECT_EQ(n->interface, "environment");
  EXPECT_EQ(n->version, "0.2.12");
  EXPECT_FALSE(ParseInterfaceName("run").has_value());
}

TEST(ExternNamesTest, AcceptsValidNames) {
  for (const char* name :
       {"run", "get-environment", "wasi:http/types@0.3.0-rc-2026-03-15",
        "[constructor]fields", "[method]fields.get", "[static]fields.from-list",
        "HTTP-client", "a:b/c", "wasi:cli/run@0.2.0"}) {
    EXPECT_EQ(CheckExternName(name), "") << name;
  }
}

TEST(ExternNamesTest, RejectsInvalidNames) {
  EXPECT_NE(CheckExternName("Bad_Name"), "");
  EXPECT_NE(CheckExternName("two--dashes"), "");
  EXPECT_NE(CheckExternName("1abc"), "");
  EXPECT_NE(CheckExternName("wasi:cli/run@0.2"), "");
  EXPECT_NE(CheckExternName("[method]noresource"), "");
  EXPECT_NE(CheckExternName("mixedCase"), "");
}

TEST(ExternNamesTest, ReportsPre030AsyncPrefix) {
  const std::string problem = CheckExternName("[async]fetch");
  EXPECT_NE(problem.find("pre-0.3.0"), std::string::npos);
}

}  // namespace
}  // namespace wasi_bridge::binary
