// The upgrade rewriter's state, shared by its steps (upgrade.cc: classify,
// match the shim, emit the kept items; splice_shim.cc: the 0.3 imports and
// the shim; retype.cc: entry point and exports). Internal to adapter/upgrade.
#ifndef WASI_BRIDGE_ADAPTER_UPGRADE_UPGRADER_H_
#define WASI_BRIDGE_ADAPTER_UPGRADE_UPGRADER_H_

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "adapter/binary/core_module_info.h"
#include "adapter/upgrade/emitter.h"
#include "adapter/upgrade/items.h"
#include "adapter/upgrade/p3_imports.h"
#include "adapter/upgrade/upgrade.h"
#include "adapter/upgrade/wasi_names.h"

namespace wasi_bridge::upgrade::internal {

using namespace binary;  // NOLINT: the model's many small types

constexpr uint32_t kNone = UINT32_MAX;
constexpr std::string_view kFinish = "wb:shim#finish";

// A 0.2 lowering (or resource destructor) the shim takes over.
struct Replacement {
  std::string key;     // shim export, "wasi:io/streams#[method]output-stream.write"
  std::string origin;  // "wasi:io/streams@0.2.12 [method]output-stream.write"
  CoreSignature lowering;
  std::optional<uint32_t> realloc;  // old core func index
  std::optional<uint32_t> memory;   // old core memory index
  std::optional<uint32_t> slot;
  CoreSignature target;  // the shim export's type
};


class Upgrader {
 public:
  Upgrader(std::span<const uint8_t> input, const UpgradeOptions& options)
      : input_(input), options_(options) {}

  absl::StatusOr<UpgradeResult> Run();

 private:
  // A nested component upgraded on its own (composition.cc).
  struct NestedUpgrade {
    std::shared_ptr<Component> component;  // the upgraded child
    std::vector<std::string> imports;      // its import names, in order
    std::optional<std::string> run_export; // its wasi:cli/run@0.3 export
  };

  uint32_t& OldIndexOf(size_t item) { return old_index_[item]; }
  bool Removed(Space s, uint32_t i) const {
    const auto& r = removed_[static_cast<size_t>(s)];
    return i < r.size() && r[i];
  }
  void MarkRemoved(size_t item);
  // Writes the output items, checks that they validate.
  absl::StatusOr<UpgradeResult> Finish(size_t shim_bytes);
  absl::Status Classify();
  // Compositions (composition.cc): 0.2 instances passed to nested
  // components are replaced by upgrading those components.
  bool PassesP2Instances() const;
  absl::StatusOr<UpgradeResult> RunComposition();
  absl::Status ClassifyComposition();
  absl::Status UpgradeNested();
  absl::Status LoadCompositionImports();
  absl::Status EmitComposition();
  absl::StatusOr<Item> Rewire(const Item& item, const Instance& inst);
  void RenameRun(Item& item);
  // "instance 3 (import \"wasi:cli/stdout@0.2.12\")", for messages.
  std::string DescribeInstance(uint32_t old) const;
  absl::Status MatchShim();
  absl::Status EmitOriginals();
  absl::Status EmitShim();
  absl::Status EmitP3Imports();
  absl::Status RetypeRun();
  // --async-exports: every other exported function becomes an async func
  // lifted with the sync ABI.
  absl::Status RetypeExports();
  // A new lift of input func `old` with the async variant of its type.
  absl::StatusOr<uint32_t> AsyncLift(uint32_t old);
  // The exports of the instance behind input instance `old`, retyped.
  absl::StatusOr<std::vector<InlineExport>> RetypedInstanceExports(uint32_t old);
  // The item defining index `i` of space `s` in the input.
  const Item* Definition(Space s, uint32_t i) const {
    const auto& d = definition_[static_cast<size_t>(s)];
    return i < d.size() ? &items_[d[i]] : nullptr;
  }
  // Rewrites every reference of `item` (an input item) to the output's
  // indices; fails naming the item if one refers to a removed item.
  absl::Status Remap(Item& item) const;
  uint32_t New(Space s, uint32_t old) const {
    const auto& m = map_[static_cast<size_t>(s)];
    return old < m.size() ? m[old] : kNone;
  }

  std::span<const uint8_t> input_;
  UpgradeOptions options_;
  Component component_;
  std::vector<std::optional<CoreSignature>> core_sigs_;
  std::vector<Item> items_;
  std::vector<uint32_t> old_index_;
  std::array<std::vector<uint32_t>, kSpaceCount> definition_;
  std::array<std::vector<uint8_t>, kSpaceCount> removed_;
  std::array<std::vector<uint32_t>, kSpaceCount> map_;

  enum class Fate { kKeep, kRemove, kReplace };
  std::vector<Fate> fate_;
  std::vector<int> replacement_of_;
  std::vector<Replacement> replacements_;
  absl::flat_hash_map<uint32_t, std::pair<WasiInterface, std::string>> p2_funcs_, p2_types_;
  std::map<std::string, std::vector<std::string>> p2_used_;  // import -> items
  std::vector<std::string> p2_imports_;
  absl::flat_hash_map<std::string, size_t> p3_existing_;  // name -> item
  std::vector<size_t> widened_;  // existing 0.3 imports the shim imports too
  bool p3_emitted_ = false;
  std::optional<size_t> run_export_;
  std::vector<size_t> retyped_exports_;  // --async-exports
  absl::flat_hash_map<uint32_t, uint32_t> async_lifts_;  // old func -> new
  std::optional<std::string> p3_run_;  // the component's own 0.3 run export
  std::optional<uint32_t> caller_memory_;  // old index
  std::vector<uint32_t> slot_reallocs_;     // old core func index per slot

  std::vector<uint8_t> shim_;
  CoreModuleInfo shim_info_;
  Emitter out_;
  std::optional<uint32_t> stub_instance_;
  uint32_t run_core_old_ = 0;
  uint32_t finish_func_ = 0;  // the shim's finish export, aliased
  std::unique_ptr<P3Imports> p3_;
  std::map<uint32_t, NestedUpgrade> nested_upgrades_;  // old component index
  absl::flat_hash_map<uint32_t, uint32_t> instance_component_;  // old instance -> component
  size_t nested_shim_bytes_ = 0;
  std::vector<std::string> explain_;
};

}  // namespace wasi_bridge::upgrade::internal

#endif  // WASI_BRIDGE_ADAPTER_UPGRADE_UPGRADER_H_
