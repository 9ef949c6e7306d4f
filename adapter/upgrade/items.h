// A component's top level as one ordered list of definitions, and the index
// references each definition makes. The rewriter removes, replaces and
// appends definitions, then renumbers every reference with this view.
#ifndef WASI_BRIDGE_ADAPTER_UPGRADE_ITEMS_H_
#define WASI_BRIDGE_ADAPTER_UPGRADE_ITEMS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "adapter/binary/model.h"

namespace wasi_bridge::upgrade {

// The index spaces of one component.
enum class Space : uint8_t {
  kCoreFunc,
  kCoreTable,
  kCoreMemory,
  kCoreGlobal,
  kCoreTag,
  kCoreType,
  kCoreModule,
  kCoreInstance,
  kFunc,
  kValue,
  kType,
  kComponent,
  kInstance,
};
inline constexpr size_t kSpaceCount = 13;
const char* SpaceName(Space s);
Space SpaceOf(binary::Sort sort);
Space SpaceOf(binary::ExternKind kind);

using ItemBody =
    std::variant<binary::CustomSection, binary::CoreModuleSection,
                 binary::CoreInstance, binary::CoreType,
                 std::shared_ptr<binary::Component>, binary::Instance,
                 binary::Alias, binary::TypeDef, binary::Canon,
                 binary::Import, binary::Export>;

struct Item {
  ItemBody body;
  uint32_t offset = 0;  // byte offset in the input, for messages
};

// The space an item adds an index to, or nullopt (custom sections).
std::optional<Space> DefinedSpace(const Item& item);

// The top-level items in order. Start and value sections are rejected.
absl::StatusOr<std::vector<Item>> FlattenComponent(
    const binary::Component& component);

// Packs items back into sections (consecutive items of one kind share one).
binary::Component BuildComponent(std::vector<Item> items,
                                 std::shared_ptr<std::deque<std::string>> strings);

// Calls `f` for every index the item refers to in the index spaces of the
// component it is defined in, including outer aliases from nested types and
// components; `f` may rewrite the index.
using RefVisitor = std::function<void(Space, uint32_t&)>;
void ForEachRef(Item& item, const RefVisitor& f);

// "alias at byte 1234", for messages.
std::string DescribeItem(const Item& item);

}  // namespace wasi_bridge::upgrade

#endif  // WASI_BRIDGE_ADAPTER_UPGRADE_ITEMS_H_
