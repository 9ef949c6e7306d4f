// `wasi-bridge upgrade`: rewrites a WASI 0.2 component into one that imports
// WASI 0.3 only, by splicing the p2-on-p3 shim into it at the core-module
// level (see shims/ABI.md for the shape of the result).
#ifndef WASI_BRIDGE_ADAPTER_UPGRADE_UPGRADE_H_
#define WASI_BRIDGE_ADAPTER_UPGRADE_UPGRADE_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace wasi_bridge::upgrade {

struct UpgradeOptions {
  std::string target = "0.3.0";  // the WASI 0.3 release to import
  // The shim core module to splice in; empty means the built-in p2-on-p3
  // shim. Tests pass small hand-written shims that follow shims/ABI.md.
  std::span<const uint8_t> shim;
  // Re-type every exported function (not only wasi:cli/run) as an `async
  // func` lifted with the sync ABI, so the shim may wait inside it. Changes
  // the component's type: its callers must treat the exports as async.
  bool async_exports = false;
  // Copy between the caller's memory and the shim's with `memory.copy`
  // across two memories. Faster where multi-memory is native (Wasmtime,
  // `jco transpile --multi-memory`); plain jco cannot lower it.
  bool multi_memory = false;
};

struct UpgradeResult {
  std::vector<uint8_t> component;
  // One line per decision: each 0.2 item and what provides it now, each 0.3
  // import added, the entry point retyped.
  std::vector<std::string> explain;
  size_t shim_bytes = 0;  // the shim core module after dead-code removal
};

// Errors: InvalidArgument for input that is not a valid component,
// FailedPrecondition for a component that cannot be upgraded (it names the
// WASI items that are not covered), Unimplemented for unsupported shapes.
absl::StatusOr<UpgradeResult> UpgradeComponent(std::span<const uint8_t> input,
                                               const UpgradeOptions& options = {});

}  // namespace wasi_bridge::upgrade

#endif  // WASI_BRIDGE_ADAPTER_UPGRADE_UPGRADE_H_
