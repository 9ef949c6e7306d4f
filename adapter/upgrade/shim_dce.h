// Dead-code removal for the shim: only what the upgraded component calls
// stays (Binaryen's remove-unused-module-elements), so an upgraded program
// carries and imports no more than it uses.
#ifndef WASI_BRIDGE_ADAPTER_UPGRADE_SHIM_DCE_H_
#define WASI_BRIDGE_ADAPTER_UPGRADE_SHIM_DCE_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"

namespace wasi_bridge::upgrade {

// `module` with every export not in `keep` removed, and every function,
// import, global and segment no remaining export reaches dropped. The
// module must be valid (it is the embedded shim, not user input: Binaryen
// exits the process on malformed modules).
absl::StatusOr<std::vector<uint8_t>> KeepOnlyExports(
    std::span<const uint8_t> module, const absl::flat_hash_set<std::string>& keep);

}  // namespace wasi_bridge::upgrade

#endif  // WASI_BRIDGE_ADAPTER_UPGRADE_SHIM_DCE_H_
