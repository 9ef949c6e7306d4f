// The shim core modules compiled into wasi-bridge (see shims/ABI.md).
#ifndef WASI_BRIDGE_SHIMS_H_
#define WASI_BRIDGE_SHIMS_H_

#include <cstdint>
#include <span>

namespace wb::shims {

// The p2-on-p3 shim: WASI 0.2.12 on top of WASI 0.3.0 imports.
std::span<const uint8_t> P2OnP3Module();

}  // namespace wb::shims

#endif  // WASI_BRIDGE_SHIMS_H_
