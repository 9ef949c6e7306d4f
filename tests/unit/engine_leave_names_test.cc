// may_leave (a guest's realloc or post-return must not call out of its
// instance) and the component-name section in runtime messages.
#include <string>
#include <vector>

#include "adapter/binary/reader.h"
#include "adapter/binary/validator.h"
#include "engine/component/runtime.h"
#include "engine/core/executor.h"
#include "gtest/gtest.h"
#include "tests/unit/component_bytes.h"
#include "tests/unit/wat.h"

namespace wasi_bridge::engine {
namespace {

using binary::testing::AddSection;
using binary::testing::ByteVec;
using binary::testing::Cat;
using binary::testing::Name;

// Imports `f: func()`; exports
//   len: func(s: string) -> u32   whose realloc calls `f` first,
//   run: func() -> u32            which calls `f` from its body (allowed),
//   run-pr: func() -> u32         `run` with a post-return that calls `f`.
// With `names`, a component-name section names core func 1 `$measure`,
// core func 3 `$body` and func 1 `$len_fn`.
ByteVec LeaveComponent(bool names) {
  const std::vector<uint8_t> core = testing::Wat(R"(
    (module
      (import "host" "f" (func $f))
      (memory (export "memory") 1)
      (global $bump (mut i32) (i32.const 1024))
      (func (export "len") (param i32 i32) (result i32) local.get 1)
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        call $f
        global.get $bump local.set $p
        global.get $bump local.get 3 i32.add global.set $bump
        local.get $p)
      (func (export "run") (result i32) call $f i32.const 7)
      (func (export "pr") (param i32) call $f))
  )");
  ByteVec c = binary::testing::Preamble();
  AddSection(c, 7, {0x01, 0x40, 0x00, 0x01, 0x00});             // type 0: func()
  AddSection(c, 10, Cat({{0x01, 0x00}, Name("f"), {0x01, 0x00}}));  // func 0 = import f
  AddSection(c, 8, {0x01, 0x01, 0x00, 0x00, 0x00});             // core func 0 = lower f
  AddSection(c, 2, Cat({{0x01, 0x01, 0x01}, Name("f"), {0x00, 0x00}}));  // core inst 0
  AddSection(c, 1, core);
  AddSection(c, 2, Cat({{0x01, 0x00, 0x00, 0x01}, Name("host"), {0x12, 0x00}}));
  // core funcs 1..4: len, realloc, run, pr; core memory 0.
  ByteVec aliases = {0x05};
  for (const char* n : {"len", "realloc", "run", "pr"}) {
    aliases = Cat({aliases, {0x00, 0x00, 0x01, 0x01}, Name(n)});
  }
  aliases = Cat({aliases, {0x00, 0x02, 0x01, 0x01}, Name("memory")});
  AddSection(c, 6, aliases);
  // types 1: func(s: string) -> u32; 2: func() -> u32
  AddSection(c, 7, Cat({{0x02, 0x40, 0x01}, Name("s"), {0x73, 0x00, 0x79},
                        {0x40, 0x00, 0x00, 0x79}}));
  // funcs 1..3: lift len (memory 0, realloc 2), run, run with post-return 4.
  AddSection(c, 8, {0x03,
                    0x00, 0x00, 0x01, 0x02, 0x03, 0x00, 0x04, 0x02, 0x01,
                    0x00, 0x00, 0x03, 0x00, 0x02,
                    0x00, 0x00, 0x03, 0x01, 0x05, 0x04, 0x02});
  AddSection(c, 11, Cat({{0x03, 0x00}, Name("len"), {0x01, 0x01, 0x00},
                         {0x00}, Name("run"), {0x01, 0x02, 0x00},
                         {0x00}, Name("run-pr"), {0x01, 0x03, 0x00}}));
  if (names) {
    // sortnames for core funcs (0x00 0x00) and funcs (0x01).
    const ByteVec core_funcs = Cat({{0x00, 0x00, 0x02, 0x01}, Name("measure"),
                                    {0x03}, Name("body")});
    const ByteVec funcs = Cat({{0x01, 0x01, 0x01}, Name("len_fn")});
    ByteVec data = Name("component-name");
    data = Cat({data, {0x00, static_cast<uint8_t>(Name("leaver").size())}, Name("leaver")});
    data = Cat({data, {0x01, static_cast<uint8_t>(core_funcs.size())}, core_funcs});
    data = Cat({data, {0x01, static_cast<uint8_t>(funcs.size())}, funcs});
    AddSection(c, 0, data);
  }
  return c;
}

class LeaveTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    bytes_ = LeaveComponent(GetParam());
    auto c = binary::ReadComponent(binary::Bytes(bytes_.data(), bytes_.size()));
    ASSERT_TRUE(c.ok()) << c.status();
    component_ = std::move(*c);
    for (const auto& e : binary::ValidateComponent(component_)) ADD_FAILURE() << e.message;
    runtime_ = NewRuntime();
    FuncSignature sig;
    host_ = runtime_->HostFunc(sig, [this](std::vector<cabi::Value>)
                                        -> absl::StatusOr<std::optional<cabi::Value>> {
      ++host_calls_;
      return std::nullopt;
    });
  }

  // A fresh instance's export `name` (a trap poisons the instance).
  std::shared_ptr<ComponentFunction> Fresh(const char* name) {
    auto inst = runtime_->Instantiate(component_, {{"f", host_}});
    EXPECT_TRUE(inst.ok()) << inst.status();
    if (!inst.ok()) return nullptr;
    auto item = (*inst)->Export(name);
    EXPECT_TRUE(item.ok()) << item.status();
    return item.ok() ? item->func : nullptr;
  }

  static std::string Message(const absl::Status& s) { return std::string(s.message()); }

  ByteVec bytes_;
  binary::Component component_;
  std::unique_ptr<Runtime> runtime_;
  ComponentItem host_;
  int host_calls_ = 0;
};

TEST_P(LeaveTest, ABodyMayCallAnImport) {
  auto run = Fresh("run");
  ASSERT_NE(run, nullptr);
  auto r = run->Call({});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(**r, cabi::Value::U32(7));
  EXPECT_EQ(host_calls_, 1);
}

TEST_P(LeaveTest, ReallocCallingAnImportTraps) {
  auto len = Fresh("len");
  ASSERT_NE(len, nullptr);
  auto r = len->Call({cabi::Value::String("hello")});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsTrap(r.status())) << r.status();
  EXPECT_NE(Message(r.status()).find("cannot leave component instance"), std::string::npos)
      << r.status();
  EXPECT_EQ(host_calls_, 0);  // the import never ran
}

TEST_P(LeaveTest, PostReturnCallingAnImportTraps) {
  auto run = Fresh("run-pr");
  ASSERT_NE(run, nullptr);
  auto r = run->Call({});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsTrap(r.status())) << r.status();
  EXPECT_NE(Message(r.status()).find("cannot leave component instance"), std::string::npos)
      << r.status();
  EXPECT_EQ(host_calls_, 1);  // from the body, not from post-return
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutNames, LeaveTest, ::testing::Bool());

TEST(ComponentNamesInMessages, TrapsNameTheExportAndCoreFunction) {
  for (bool names : {false, true}) {
    const ByteVec bytes = LeaveComponent(names);
    auto c = binary::ReadComponent(binary::Bytes(bytes.data(), bytes.size()));
    ASSERT_TRUE(c.ok()) << c.status();
    auto runtime = NewRuntime();
    auto host = runtime->HostFunc(FuncSignature{}, [](std::vector<cabi::Value>)
                                      -> absl::StatusOr<std::optional<cabi::Value>> {
      return absl::InternalError("host failure");
    });
    auto inst = runtime->Instantiate(*c, {{"f", host}});
    ASSERT_TRUE(inst.ok()) << inst.status();
    auto r = (*inst)->Export("run")->func->Call({});
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(IsTrap(r.status()));
    // Exported functions are known by their export name; core functions by
    // the name section, else by index.
    const std::string want = names ? "trap in \"run\" (core func $body): host failure"
                                   : "trap in \"run\" (core func 3): host failure";
    EXPECT_EQ(std::string(r.status().message()), want);
  }
}

TEST(ComponentNamesInMessages, LinkErrorsNameTheInstance) {
  // An outer component instantiating the leave component (as component 0,
  // named $inner / instance $child in the outer name section) without `f`.
  const ByteVec inner = LeaveComponent(false);
  ByteVec outer = binary::testing::Preamble();
  AddSection(outer, 4, ByteVec(inner.begin(), inner.end()));
  AddSection(outer, 5, {0x01, 0x00, 0x00, 0x00});  // instance 0 = instantiate component 0
  const ByteVec instances = Cat({{0x05, 0x01, 0x00}, Name("child")});
  ByteVec data = Name("component-name");
  data = Cat({data, {0x01, static_cast<uint8_t>(instances.size())}, instances});
  AddSection(outer, 0, data);
  auto c = binary::ReadComponent(binary::Bytes(outer.data(), outer.size()));
  ASSERT_TRUE(c.ok()) << c.status();
  auto runtime = NewRuntime();
  auto inst = runtime->Instantiate(*c, {});
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(std::string(inst.status().message()), "instance $child: import `f` was not provided");
}

}  // namespace
}  // namespace wasi_bridge::engine
