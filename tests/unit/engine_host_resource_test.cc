// Host-defined resources: Runtime::SetHostResourceDrop tells the host when
// a guest's resource.drop ends an own handle of one.
#include <memory>
#include <vector>

#include "adapter/binary/reader.h"
#include "adapter/binary/validator.h"
#include "engine/component/runtime.h"
#include "gtest/gtest.h"
#include "tests/unit/engine_host_resource_drop_component.h"

namespace wasi_bridge::engine {
namespace {

using cabi::CabiType;
using cabi::Value;

constexpr cabi::ResourceId kHostResource = 0x7fff0100;

class ItemsInstance : public ComponentInstance {
 public:
  absl::StatusOr<ComponentItem> Export(std::string_view name) const override {
    for (const auto& [n, item] : items) {
      if (n == name) return item;
    }
    return absl::NotFoundError(std::string(name));
  }
  std::vector<std::string> ExportNames() const override {
    std::vector<std::string> out;
    for (const auto& [n, item] : items) out.push_back(n);
    return out;
  }
  std::vector<std::pair<std::string, ComponentItem>> items;
};

TEST(HostResourceTest, GuestDropOfAHostResourceCallsTheHook) {
  const std::vector<uint8_t> bytes = testing::HostResourceDropComponent();
  auto component = binary::ReadComponent(binary::Bytes(bytes.data(), bytes.size()));
  ASSERT_TRUE(component.ok()) << component.status();
  ASSERT_TRUE(binary::ValidateComponent(*component).empty());

  auto rt = NewRuntime();
  std::vector<uint32_t> dropped;
  rt->SetHostResourceDrop(kHostResource, [&](uint32_t rep) { dropped.push_back(rep); });
  uint32_t next = 100;
  auto host = std::make_shared<ItemsInstance>();
  ComponentItem type;
  type.kind = ComponentItem::Kind::kType;
  type.type = CabiType::Own(kHostResource);
  host->items.emplace_back("r", type);
  FuncSignature sig;
  sig.result = CabiType::Own(kHostResource);
  host->items.emplace_back(
      "make", rt->HostFunc(sig, [&](std::vector<Value>) -> absl::StatusOr<std::optional<Value>> {
        return Value::Own(next++);
      }));
  ComponentItem inst;
  inst.kind = ComponentItem::Kind::kInstance;
  inst.instance = host;
  auto instance = rt->Instantiate(*component, {{"host", inst}});
  ASSERT_TRUE(instance.ok()) << instance.status();
  auto run = (*instance)->Export("run");
  ASSERT_TRUE(run.ok()) << run.status();
  auto r = run->func->Call({});
  ASSERT_TRUE(r.ok()) << r.status();
  // The first handle (rep 100) was dropped; the second (rep 101) is kept,
  // and its handle index is what `run` returned.
  EXPECT_EQ(dropped, std::vector<uint32_t>{100});
  ASSERT_TRUE(r->has_value());
  EXPECT_NE(**r, Value::U32(0));
}

}  // namespace
}  // namespace wasi_bridge::engine
