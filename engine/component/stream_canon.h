// The stream and future built-ins (definitions.py stream_copy,
// future_copy, cancel_copy and drop, L2508-2681): new, read/write (async,
// and sync when the runtime enables 🚝), cancel-read/write (sync and async)
// and the drops. The shared state and ends
// are in copy_end.h; passing ends across calls is the handle table's job.
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_STREAM_CANON_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_STREAM_CANON_H_

#include <optional>

#include "adapter/binary/model.h"
#include "engine/component/async_canon.h"

namespace wasi_bridge::engine {

// The core function implementing stream/future built-in `c` whose
// stream/future type has `payload` (null: none), or nullopt if it is not
// supported yet. `async_option`: the canon's `async`; without it read/write
// are sync copies (the caller checks the 🚝 gate). `site.context` reads and writes the op's memory.
std::optional<CoreExtern> MakeCopyBuiltin(const binary::Canon& c, AsyncBuiltinSite site,
                                          cabi::TypeRef payload, bool async_option);

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_STREAM_CANON_H_
