// Builds the rewritten component's top level in order, numbering each new
// definition in its index space, and owning the strings and module bytes
// the new items point at.
#ifndef WASI_BRIDGE_ADAPTER_UPGRADE_EMITTER_H_
#define WASI_BRIDGE_ADAPTER_UPGRADE_EMITTER_H_

#include <array>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "adapter/upgrade/items.h"

namespace wasi_bridge::upgrade {

class Emitter {
 public:
  Emitter() : strings_(std::make_shared<std::deque<std::string>>()) {}

  // Appends `item`; returns its index in the space it defines (0 for items
  // that define none).
  uint32_t Add(Item item) {
    const std::optional<Space> space = DefinedSpace(item);
    items_.push_back(std::move(item));
    if (!space) return 0;
    return counts_[static_cast<size_t>(*space)]++;
  }
  uint32_t Count(Space s) const { return counts_[static_cast<size_t>(s)]; }

  std::string_view Keep(std::string s) {
    strings_->push_back(std::move(s));
    return strings_->back();
  }
  binary::Bytes KeepBytes(std::vector<uint8_t> bytes) {
    bytes_.push_back(std::move(bytes));
    return bytes_.back();
  }

  std::vector<Item>& items() { return items_; }
  std::shared_ptr<std::deque<std::string>> strings() const { return strings_; }

 private:
  std::vector<Item> items_;
  std::array<uint32_t, kSpaceCount> counts_{};
  std::shared_ptr<std::deque<std::string>> strings_;
  std::deque<std::vector<uint8_t>> bytes_;
};

}  // namespace wasi_bridge::upgrade

#endif  // WASI_BRIDGE_ADAPTER_UPGRADE_EMITTER_H_
