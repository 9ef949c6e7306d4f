// Names from a component's `component-name` custom section (Binary.md,
// "Name section"), for the runtime's trap and link error messages: funcs,
// instances and core items are shown as `$name` when the section names
// them, else by index (`core func 3`).
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_NAMES_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_NAMES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "adapter/binary/model.h"

namespace wasi_bridge::engine {

// The index spaces messages refer to.
enum class NameSort : uint8_t {
  kCoreFunc,
  kCoreModule,
  kCoreInstance,
  kFunc,
  kInstance,
  kComponent,
};

class ComponentNames {
 public:
  // Reads the first `component-name` section of `c` (not of nested
  // components). A malformed section is ignored from the point it goes
  // wrong: custom sections never make a component fail.
  static ComponentNames Read(const binary::Component& c);

  // The component's own name, or "".
  const std::string& component() const { return component_; }
  // `core func $foo` or `core func 3` (the sort's text form, then the name
  // or index).
  std::string Describe(NameSort sort, uint32_t index) const;

  void Set(NameSort sort, uint32_t index, std::string name);

 private:
  std::string component_;
  absl::flat_hash_map<uint64_t, std::string> names_;  // (sort << 32 | index)
};

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_NAMES_H_
