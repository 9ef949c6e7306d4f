// The upgrade rewriter's parts: glue modules, the item view with reference
// renumbering, and whole upgrades of a small 0.2 component with a small
// hand-written shim (tests/data/mini-shim.wat), so these tests do not depend
// on the C shim.
#include <algorithm>
#include <deque>
#include <memory>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/match.h"
#include "adapter/binary/reader.h"
#include "adapter/binary/summary.h"
#include "adapter/binary/validator.h"
#include "adapter/binary/writer.h"
#include "adapter/upgrade/glue_modules.h"
#include "adapter/upgrade/items.h"
#include "adapter/upgrade/upgrade.h"
#include "gtest/gtest.h"
#include "tests/unit/wat.h"

namespace wasi_bridge::upgrade {
namespace {

using binary::CoreSignature;
using binary::CoreValType;

std::vector<uint8_t> ReadBytes(const std::string& relative) {
  std::ifstream in(std::string(WB_SOURCE_DIR) + "/" + relative, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string ReadText(const std::string& relative) {
  std::vector<uint8_t> b = ReadBytes(relative);
  return std::string(b.begin(), b.end());
}

CoreSignature Sig(std::vector<uint8_t> params, std::vector<uint8_t> results) {
  CoreSignature s;
  for (uint8_t p : params) s.params.push_back(CoreValType{p, 0});
  for (uint8_t r : results) s.results.push_back(CoreValType{r, 0});
  return s;
}

void ExpectValidCore(const std::vector<uint8_t>& module) {
  const auto errors = binary::ValidateCoreModule(module, {});
  for (const auto& e : errors) ADD_FAILURE() << e.offset << ": " << e.message;
}

TEST(GlueModules, StubBridgeAndFixupAreValidCoreModules) {
  ExpectValidCore(BuildStubModule(
      {{Sig({0x7f}, {0x7f}), std::nullopt, Sig({0x7f}, {0x7f})},
       {Sig({0x7f, 0x7e}, {}), 2, Sig({0x7f, 0x7e, 0x7f}, {})}}));
  ExpectValidCore(BuildShimMemoryModule(2));
  ExpectValidCore(BuildBridgeModule(true, 3));
  ExpectValidCore(BuildBridgeModule(false, 0));
  ExpectValidCore(BuildBridgeModule(true, 1, /*memory_copy=*/true));
  ExpectValidCore(BuildFixupModule(
      {{"a", Sig({0x7f}, {})}, {"b", Sig({}, {0x7f})}, {"a", Sig({0x7f}, {})}}));
}

TEST(Items, FlattenBuildAndIdentityRenumberingKeepTheComponent) {
  const std::vector<uint8_t> input = ReadBytes("examples/hello-p2.wasm");
  ASSERT_FALSE(input.empty());
  auto component = binary::ReadComponent(input);
  ASSERT_TRUE(component.ok()) << component.status();
  auto items = FlattenComponent(*component);
  ASSERT_TRUE(items.ok()) << items.status();
  size_t refs = 0;
  for (Item& item : *items) {
    ForEachRef(item, [&](Space, uint32_t&) { ++refs; });
  }
  EXPECT_GT(refs, 20u);
  binary::Component rebuilt = BuildComponent(std::move(*items), nullptr);
  EXPECT_EQ(binary::WriteComponent(rebuilt), input);
}

TEST(Items, RenumberingShiftsEveryReferenceOfASpace) {
  const std::vector<uint8_t> input = ReadBytes("examples/hello-p2.wasm");
  auto component = binary::ReadComponent(input);
  ASSERT_TRUE(component.ok());
  auto items = FlattenComponent(*component);
  ASSERT_TRUE(items.ok());
  // Put an empty core module in front: every core module reference moves.
  std::vector<Item> shifted;
  const std::vector<uint8_t> empty = {0, 'a', 's', 'm', 1, 0, 0, 0};
  shifted.push_back(Item{binary::CoreModuleSection{empty}});
  for (Item item : *items) {
    ForEachRef(item, [](Space s, uint32_t& i) {
      if (s == Space::kCoreModule) ++i;
    });
    shifted.push_back(std::move(item));
  }
  auto out = binary::WriteComponent(BuildComponent(std::move(shifted), nullptr));
  auto reread = binary::ReadComponent(out);
  ASSERT_TRUE(reread.ok()) << reread.status();
  EXPECT_TRUE(binary::ValidateComponent(*reread, {}).empty());
}

// hello-p2 upgraded with the mini shim: valid, importing WASI 0.3's stdout
// (and the cli types it uses) only, exporting run@0.3.0.
void ExpectUpgradedHello(const std::vector<uint8_t>& upgraded) {
  auto component = binary::ReadComponent(upgraded);
  ASSERT_TRUE(component.ok()) << component.status();
  EXPECT_TRUE(binary::ValidateComponent(*component, {}).empty());
  const binary::Summary summary = binary::Summarize(&*component, upgraded.size());
  std::vector<std::string> imports, exports;
  for (const auto& i : summary.imports) imports.push_back(i.name);
  for (const auto& e : summary.exports) exports.push_back(e.name);
  EXPECT_EQ(imports, (std::vector<std::string>{"wasi:cli/types@0.3.0",
                                               "wasi:cli/stdout@0.3.0"}));
  EXPECT_EQ(exports, std::vector<std::string>{"wasi:cli/run@0.3.0"});
}

class MiniShimUpgrade : public ::testing::Test {
 protected:
  void SetUp() override {
    shim_ = testing::Wat(ReadText("tests/data/mini-shim.wat"));
    ASSERT_FALSE(shim_.empty());
    options_.shim = shim_;
  }
  std::vector<uint8_t> shim_;
  UpgradeOptions options_;
};

TEST_F(MiniShimUpgrade, HelloImportsOnlyWasi030AndExportsAsyncRun) {
  auto result = UpgradeComponent(ReadBytes("examples/hello-p2.wasm"), options_);
  ASSERT_TRUE(result.ok()) << result.status();
  ExpectUpgradedHello(result->component);
  bool explained_run = false;
  for (const std::string& line : result->explain) {
    explained_run |= line.find("wasi:cli/run@0.3.0") != std::string::npos;
  }
  EXPECT_TRUE(explained_run);
}

TEST_F(MiniShimUpgrade, MissingShimFunctionsAreNamedAndNothingIsProduced) {
  std::string wat = ReadText("tests/data/mini-shim.wat");
  const std::string drop = "(export \"wasi:io/streams#[resource-drop]output-stream\")";
  wat.replace(wat.find(drop), drop.size(), "");
  const std::vector<uint8_t> shim = testing::Wat(wat);
  options_.shim = shim;
  auto result = UpgradeComponent(ReadBytes("examples/hello-p2.wasm"), options_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status().message().find(
                "wasi:io/streams@0.2.12 [resource-drop]output-stream"),
            std::string::npos)
      << result.status();
}

TEST_F(MiniShimUpgrade, UncoveredInterfacesAreNamed) {
  std::vector<uint8_t> input = ReadBytes("examples/hello-p2.wasm");
  // Rename the stdout import to a sockets interface of the same length.
  const std::string from = "wasi:cli/stdout@0.2.12";
  const std::string to = "wasi:sockets/tcp@0.2.1";
  ASSERT_EQ(from.size(), to.size());
  auto it = std::search(input.begin(), input.end(), from.begin(), from.end());
  ASSERT_NE(it, input.end());
  std::copy(to.begin(), to.end(), it);
  auto result = UpgradeComponent(input, options_);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("wasi:sockets/tcp@0.2.1"),
            std::string::npos)
      << result.status();
}

TEST_F(MiniShimUpgrade, RejectsMalformedInputAndUnknownTargets) {
  std::vector<uint8_t> input = ReadBytes("examples/hello-p2.wasm");
  input.resize(input.size() / 2);
  auto truncated = UpgradeComponent(input, options_);
  EXPECT_FALSE(truncated.ok());
  options_.target = "0.3.1";
  auto target = UpgradeComponent(ReadBytes("examples/hello-p2.wasm"), options_);
  EXPECT_EQ(target.status().code(), absl::StatusCode::kInvalidArgument);
}

// hello-p2 nested in a composition that imports what it imports and passes
// the instances on, as wac and componentize-qjs write them. With
// `top_level_use`, the composition also takes a function from the stdout
// import itself.
std::vector<uint8_t> NestInComposition(const std::vector<uint8_t>& inner,
                                       bool top_level_use = false) {
  auto component = binary::ReadComponent(inner);
  EXPECT_TRUE(component.ok()) << component.status();
  auto items = FlattenComponent(*component);
  EXPECT_TRUE(items.ok()) << items.status();
  auto strings = std::make_shared<std::deque<std::string>>();
  std::vector<Item> outer;
  std::vector<binary::InstantiateArg> args;
  uint32_t instances = 0;
  for (const Item& item : *items) {
    // The imports and the types they need; function aliases are left to
    // the nested component (nothing in the header refers to them).
    if (std::holds_alternative<binary::CoreModuleSection>(item.body)) break;
    const bool header = std::holds_alternative<binary::TypeDef>(item.body) ||
                        std::holds_alternative<binary::Import>(item.body) ||
                        (std::holds_alternative<binary::Alias>(item.body) &&
                         DefinedSpace(item) == Space::kType);
    if (!header) continue;
    outer.push_back(item);
    if (const auto* im = std::get_if<binary::Import>(&item.body)) {
      args.push_back({im->name.name, {binary::Sort{binary::SortKind::kInstance}, instances}});
    }
    if (DefinedSpace(item) == Space::kInstance) ++instances;
  }
  if (top_level_use) {
    binary::Alias a;
    a.sort = binary::Sort{binary::SortKind::kFunc};
    a.instance = args.back().item.index;
    for (const auto& arg : args) {
      if (arg.name == "wasi:cli/stdout@0.2.12") a.instance = arg.item.index;
    }
    a.name = "get-stdout";
    outer.push_back(Item{a});
  }
  outer.push_back(Item{std::make_shared<binary::Component>(*component)});
  binary::Instance inst;
  inst.component = 0;
  inst.args = args;
  outer.push_back(Item{inst});
  binary::Alias run;
  run.sort = binary::Sort{binary::SortKind::kInstance};
  run.instance = instances;
  run.name = "wasi:cli/run@0.2.12";
  outer.push_back(Item{run});
  binary::Export ex;
  ex.name.name = "wasi:cli/run@0.2.12";
  ex.item = {binary::Sort{binary::SortKind::kInstance}, instances + 1};
  outer.push_back(Item{ex});
  return binary::WriteComponent(BuildComponent(std::move(outer), strings));
}

TEST_F(MiniShimUpgrade, CompositionUpgradesItsNestedComponent) {
  const std::vector<uint8_t> input = NestInComposition(ReadBytes("examples/hello-p2.wasm"));
  {
    auto parsed = binary::ReadComponent(input);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    for (const auto& e : binary::ValidateComponent(*parsed, {})) {
      FAIL() << "test composition invalid at " << e.offset << ": " << e.message;
    }
  }
  auto result = UpgradeComponent(input, options_);
  ASSERT_TRUE(result.ok()) << result.status();
  ExpectUpgradedHello(result->component);
  EXPECT_GT(result->shim_bytes, 0u);
  bool nested_explained = false;
  for (const std::string& line : result->explain) {
    nested_explained |= line.starts_with("component 0: ");
  }
  EXPECT_TRUE(nested_explained);
}

TEST_F(MiniShimUpgrade, CompositionUsingA02FunctionItselfIsRefusedByName) {
  const std::vector<uint8_t> input =
      NestInComposition(ReadBytes("examples/hello-p2.wasm"), /*top_level_use=*/true);
  auto result = UpgradeComponent(input, options_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(result.status().message().find("import \"wasi:cli/stdout@0.2.12\""),
            std::string::npos)
      << result.status();
}

TEST_F(MiniShimUpgrade, NestedFailuresNameTheNestedComponent) {
  std::string wat = ReadText("tests/data/mini-shim.wat");
  const std::string drop = "(export \"wasi:io/streams#[resource-drop]output-stream\")";
  wat.replace(wat.find(drop), drop.size(), "");
  const std::vector<uint8_t> shim = testing::Wat(wat);
  options_.shim = shim;
  auto result =
      UpgradeComponent(NestInComposition(ReadBytes("examples/hello-p2.wasm")), options_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StartsWith(result.status().message(), "nested component 0 (at byte "))
      << result.status();
}

}  // namespace
}  // namespace wasi_bridge::upgrade
