// A host-defined component instance: named exports (functions, types).
#ifndef WASI_BRIDGE_ENGINE_WASI_INSTANCE_H_
#define WASI_BRIDGE_ENGINE_WASI_INSTANCE_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/component/runtime.h"

namespace wasi_bridge::engine::wasi {

class HostInstance : public ComponentInstance {
 public:
  absl::StatusOr<ComponentItem> Export(std::string_view name) const override {
    for (const auto& [n, item] : items_) {
      if (n == name) return item;
    }
    return absl::NotFoundError(absl::StrFormat(
        "the WASI 0.3 host's %s has no `%s`", interface_.empty() ? "instance" : interface_, name));
  }
  std::vector<std::string> ExportNames() const override {
    std::vector<std::string> out;
    for (const auto& [n, item] : items_) out.push_back(n);
    return out;
  }
  void Add(std::string name, ComponentItem item) {
    items_.emplace_back(std::move(name), std::move(item));
  }
  void AddType(std::string name, cabi::TypeRef type) {
    ComponentItem item;
    item.kind = ComponentItem::Kind::kType;
    item.type = std::move(type);
    Add(std::move(name), std::move(item));
  }
 private:
  friend void Provide(std::vector<std::pair<std::string, ComponentItem>>&, std::string,
                      const std::shared_ptr<HostInstance>&);
  std::string interface_;  // the import name it is provided under
  std::vector<std::pair<std::string, ComponentItem>> items_;
};

inline std::shared_ptr<HostInstance> NewHostInstance() {
  return std::make_shared<HostInstance>();
}

// Adds `inst` to the host's imports under `name` ("wasi:cli/stdout@0.3.0").
inline void Provide(std::vector<std::pair<std::string, ComponentItem>>& out, std::string name,
                    const std::shared_ptr<HostInstance>& inst) {
  inst->interface_ = name;
  ComponentItem item;
  item.kind = ComponentItem::Kind::kInstance;
  item.instance = inst;
  out.emplace_back(std::move(name), std::move(item));
}

}  // namespace wasi_bridge::engine::wasi

#endif  // WASI_BRIDGE_ENGINE_WASI_INSTANCE_H_
