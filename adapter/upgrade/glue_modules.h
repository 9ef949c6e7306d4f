// The three small core modules that splice the shim into a component
// (shims/ABI.md): stub thunks that stand in for the 0.2 lowerings until the
// shim exists, the bridge between the shim's memory and the caller's, and
// the fixup that fills the stub table once the shim is instantiated.
#ifndef WASI_BRIDGE_ADAPTER_UPGRADE_GLUE_MODULES_H_
#define WASI_BRIDGE_ADAPTER_UPGRADE_GLUE_MODULES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adapter/binary/core_module_info.h"

namespace wasi_bridge::upgrade {

struct StubThunk {
  binary::CoreSignature lowering;  // what the caller's modules expect
  std::optional<uint32_t> slot;    // appended realloc slot, if the shim takes one
  binary::CoreSignature target;    // the shim export's type
};

// Exports "table" (funcref, one entry per thunk) and thunk i as "<i>":
// it forwards its arguments (plus the slot) to table[i].
std::vector<uint8_t> BuildStubModule(const std::vector<StubThunk>& thunks);

// Defines the shim's memory ("memory") and exports "realloc", which calls
// the shim's cabi_realloc through table "rt" (the fixup fills it), so
// lowerings can name a realloc before the shim exists.
std::vector<uint8_t> BuildShimMemoryModule(uint32_t shim_memory_pages);

// Imports "shim" "memory", "caller" "memory" (when `caller_memory`) and
// "caller" "realloc<k>" for each slot; exports "copy-in", "copy-out" and
// "caller-alloc". Only this module uses two memories, and it has no
// sections beyond types, imports, functions, exports and code, the shape
// jco can lower to a single memory when multi-memory output is off. With
// `memory_copy` the copies are one `memory.copy` (fast where multi-memory
// is native), else loads and stores (what jco's lowering understands).
std::vector<uint8_t> BuildBridgeModule(bool caller_memory, uint32_t slots,
                                       bool memory_copy = false);

// Imports "run" "run" (the component's core run, `run_sig`) and "shim"
// "finish"; exports "run", which calls both in turn and returns run's result.
std::vector<uint8_t> BuildRunWrapperModule(const binary::CoreSignature& run_sig);

// Imports "stub" "table", "shim-memory" "rt" and from "shim" each of
// `targets` (export name and type, in stub table order) and
// "cabi_realloc"; its element segments fill both tables.
std::vector<uint8_t> BuildFixupModule(
    const std::vector<std::pair<std::string, binary::CoreSignature>>& targets);

}  // namespace wasi_bridge::upgrade

#endif  // WASI_BRIDGE_ADAPTER_UPGRADE_GLUE_MODULES_H_
