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

// A component around one core module: aliases its exports `add`, `len`,
// `boom`, `memory` and `realloc`, lifts them, and exports the results.
ByteVec Component() {
  const std::vector<uint8_t> core = testing::Wat(R"(
    (module
      (memory (export "memory") 1)
      (global $bump (mut i32) (i32.const 1024))
      (func (export "add") (param i32 i32) (result i32)
        local.get 0 local.get 1 i32.add)
      (func (export "len") (param i32 i32) (result i32) local.get 1)
      (func (export "boom") unreachable)
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        global.get $bump local.set $p
        global.get $bump local.get 3 i32.add global.set $bump
        local.get $p))
  )");
  ByteVec c = binary::testing::Preamble();
  AddSection(c, 1, core);
  AddSection(c, 2, {0x01, 0x00, 0x00, 0x00});  // instantiate module 0
  // core funcs 0..3: add, len, boom, realloc; core memory 0.
  AddSection(c, 6, Cat({{0x05},
                        {0x00, 0x00, 0x01, 0x00}, Name("add"),
                        {0x00, 0x00, 0x01, 0x00}, Name("len"),
                        {0x00, 0x00, 0x01, 0x00}, Name("boom"),
                        {0x00, 0x00, 0x01, 0x00}, Name("realloc"),
                        {0x00, 0x02, 0x01, 0x00}, Name("memory")}));
  // types: 0 (func (a u32) (b u32) -> u32), 1 (func (s string) -> u32),
  // 2 (func)
  AddSection(c, 7, Cat({{0x03, 0x40, 0x02}, Name("a"), {0x79}, Name("b"),
                        {0x79, 0x00, 0x79},
                        {0x40, 0x01}, Name("s"), {0x73, 0x00, 0x79},
                        {0x40, 0x00, 0x01, 0x00}}));
  // canon lift: add (type 0), len (type 1; memory 0, realloc 3), boom (type 2)
  AddSection(c, 8, {0x03,
                    0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x01, 0x02, 0x03, 0x00, 0x04, 0x03, 0x01,
                    0x00, 0x00, 0x02, 0x00, 0x02});
  AddSection(c, 11, Cat({{0x03, 0x00}, Name("add"), {0x01, 0x00, 0x00},
                         {0x00}, Name("len"), {0x01, 0x01, 0x00},
                         {0x00}, Name("boom"), {0x01, 0x02, 0x00}}));
  return c;
}

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = Component();
    auto c = binary::ReadComponent(binary::Bytes(bytes_.data(), bytes_.size()));
    ASSERT_TRUE(c.ok()) << c.status();
    component_ = std::move(*c);
    for (const auto& e : binary::ValidateComponent(component_)) {
      ADD_FAILURE() << e.message;
    }
    runtime_ = NewRuntime();
    auto inst = runtime_->Instantiate(component_, {});
    ASSERT_TRUE(inst.ok()) << inst.status();
    instance_ = *inst;
  }

  std::shared_ptr<ComponentFunction> Func(const char* name) {
    auto item = instance_->Export(name);
    EXPECT_TRUE(item.ok()) << item.status();
    return item.ok() ? item->func : nullptr;
  }

  ByteVec bytes_;
  binary::Component component_;
  std::unique_ptr<Runtime> runtime_;
  std::shared_ptr<ComponentInstance> instance_;
};

TEST_F(RuntimeTest, CallsALiftedFunction) {
  auto add = Func("add");
  ASSERT_NE(add, nullptr);
  auto r = add->Call({cabi::Value::U32(40), cabi::Value::U32(2)});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ(**r, cabi::Value::U32(42));
  EXPECT_EQ(instance_->ExportNames(),
            (std::vector<std::string>{"add", "len", "boom"}));
}

TEST_F(RuntimeTest, LowersStringsThroughReallocIntoGuestMemory) {
  auto len = Func("len");
  ASSERT_NE(len, nullptr);
  auto r = len->Call({cabi::Value::String("héllo")});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(**r, cabi::Value::U32(6));  // UTF-8 code units
}

TEST_F(RuntimeTest, ATrapPoisonsTheInstanceButNotTheStore) {
  auto boom = Func("boom");
  auto r = boom->Call({});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsTrap(r.status())) << r.status();
  // The trapped instance cannot be entered again...
  auto add = Func("add");
  auto again = add->Call({cabi::Value::U32(1), cabi::Value::U32(2)});
  ASSERT_FALSE(again.ok());
  EXPECT_NE(std::string(again.status().message()).find("cannot enter component instance"),
            std::string::npos);
  // ...but a new instance in the same store works.
  auto fresh = runtime_->Instantiate(component_, {});
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  auto fresh_add = (*fresh)->Export("add");
  auto ok = fresh_add->func->Call({cabi::Value::U32(1), cabi::Value::U32(2)});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(**ok, cabi::Value::U32(3));
}

TEST_F(RuntimeTest, RejectsWrongArgumentCounts) {
  auto add = Func("add");
  auto r = add->Call({cabi::Value::U32(1)});
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(IsTrap(r.status()));
}

}  // namespace
}  // namespace wasi_bridge::engine
