// A table describing every canon opcode: its text name, its immediates, and
// which era/feature it belongs to. The reader, writer, validator and
// `inspect` all use it, so an opcode is described in exactly one place.
#ifndef WASI_BRIDGE_ADAPTER_BINARY_CANON_INFO_H_
#define WASI_BRIDGE_ADAPTER_BINARY_CANON_INFO_H_

#include <cstdint>
#include <string_view>

namespace wasi_bridge::binary {

// The shape of the immediates following the opcode byte.
enum class CanonOperands : uint8_t {
  kLift,           // 00 core:funcidx opts typeidx
  kLower,          // 00 funcidx opts
  kNone,
  kType,           // typeidx
  kFlag,           // async? / cancel?
  kTypeFlag,       // typeidx async?
  kTypeOptions,    // typeidx opts
  kOptions,        // opts
  kResultOptions,  // resultlist opts (task.return)
  kContext,        // core:valtype u32
  kFlagMemory,     // cancel? core:memidx
  kTypeTable,      // core:typeidx core:tableidx
};

// Where an opcode stands relative to WASI 0.3.0.
enum class CanonStatus : uint8_t {
  kStable,       // part of the 0.3.0 component model
  kGated,        // in the spec behind a feature gate that 0.3.0 did not ship
  kRemoved,      // a 2025-era encoding removed before 0.3.0
  kThreading,    // cooperative threads: recognised, not supported
};

struct CanonInfo {
  uint8_t opcode;
  std::string_view name;  // the text-format name, e.g. "stream.read"
  CanonOperands operands;
  CanonStatus status;
  std::string_view flag_name;  // "async" or "cancellable" where a flag exists
};

// The entry for `opcode`, or nullptr for an unallocated leading byte.
const CanonInfo* FindCanonInfo(uint8_t opcode);

}  // namespace wasi_bridge::binary

#endif  // WASI_BRIDGE_ADAPTER_BINARY_CANON_INFO_H_
