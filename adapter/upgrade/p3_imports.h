// The WASI 0.3 interfaces the shim calls, as imports of the upgraded
// component: their instance types come from the embedded 0.3.0 WIT through
// the world encoder, so they match what wit-component would write.
#ifndef WASI_BRIDGE_ADAPTER_UPGRADE_P3_IMPORTS_H_
#define WASI_BRIDGE_ADAPTER_UPGRADE_P3_IMPORTS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "adapter/upgrade/emitter.h"
#include "adapter/wit/resolve.h"

namespace wasi_bridge::upgrade {

class P3Imports {
 public:
  // Resolves the embedded WASI 0.3.0 packages and a world importing
  // `interfaces` (versioned names such as "wasi:cli/stdout@0.3.0"); the
  // interfaces their types come from are imported too.
  static absl::StatusOr<std::unique_ptr<P3Imports>> Load(
      const std::vector<std::string>& interfaces);

  // The interfaces the world imports, dependencies included.
  std::vector<std::string> ImportNames() const;

  // Appends the import types and the imports.
  absl::Status Emit(Emitter& out);

  // The instance index Emit gave interface `key`.
  std::optional<uint32_t> InstanceOf(const std::string& key) const {
    auto it = instances_.find(key);
    if (it == instances_.end()) return std::nullopt;
    return it->second;
  }

  // The func index of `function` of interface `key`, aliased once.
  absl::StatusOr<uint32_t> Func(Emitter& out, const std::string& key,
                                const std::string& function);
  // The type index of resource `name` of interface `key`, aliased once.
  absl::StatusOr<uint32_t> Resource(Emitter& out, const std::string& key,
                                    const std::string& name);
  // The type index of the stream (or future) type in the signature of
  // `function`, built at the top level once.
  absl::StatusOr<uint32_t> StreamOrFuture(Emitter& out, const std::string& key,
                                          const std::string& function,
                                          bool stream);

 private:
  P3Imports() = default;
  const wit::Function* FindFunction(const std::string& key,
                                    const std::string& function) const;
  absl::StatusOr<binary::ValType> TopVal(Emitter& out, wit::TypeId t);

  std::string world_text_;
  wit::Resolve resolve_;
  wit::WorldId world_ = 0;
  absl::flat_hash_map<std::string, uint32_t> instances_;  // key -> instance
  absl::flat_hash_map<std::string, uint32_t> funcs_;      // key#name -> func
  absl::flat_hash_map<wit::TypeId, binary::ValType> types_;
};

}  // namespace wasi_bridge::upgrade

#endif  // WASI_BRIDGE_ADAPTER_UPGRADE_P3_IMPORTS_H_
