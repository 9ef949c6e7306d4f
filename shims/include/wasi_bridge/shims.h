// Shim core modules embedded at build time (sources: shims/p2-on-p3/,
// contract: shims/ABI.md).
#ifndef WASI_BRIDGE_SHIMS_H_
#define WASI_BRIDGE_SHIMS_H_

#include <cstdint>
#include <span>

namespace wasi_bridge::shims {

// The p2-on-p3 shim: a core wasm module implementing WASI 0.2.12 on 0.3.0.
std::span<const uint8_t> P2OnP3Module();

}  // namespace wasi_bridge::shims

#endif  // WASI_BRIDGE_SHIMS_H_
