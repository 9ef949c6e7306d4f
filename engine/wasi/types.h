// Canonical ABI types of the WASI 0.3.0 interfaces the host implements.
#ifndef WASI_BRIDGE_ENGINE_WASI_TYPES_H_
#define WASI_BRIDGE_ENGINE_WASI_TYPES_H_

#include "engine/cabi/types.h"

namespace wasi_bridge::engine::wasi {

// wasi:cli/types.error-code: enum { io, illegal-byte-sequence, pipe }.
cabi::TypeRef CliErrorCode();
inline constexpr uint32_t kCliErrorIo = 0;
inline constexpr uint32_t kCliErrorPipe = 2;
// future<result<_, error-code>> (the end of a stdio stream).
cabi::TypeRef CliStreamResult();
// wasi:clocks/system-clock.instant: record { seconds: s64, nanoseconds: u32 }.
cabi::TypeRef Instant();

}  // namespace wasi_bridge::engine::wasi

#endif  // WASI_BRIDGE_ENGINE_WASI_TYPES_H_
