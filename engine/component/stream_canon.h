// Streams and futures between guest buffers of the same store
// (definitions.py SharedStreamImpl, SharedFutureImpl, CopyEnd and
// stream_copy/future_copy, L1001-1189 and L2508-2681): new, async
// read/write and the drops. A first cut, enough for components that use
// streams and futures inside one instance; passing ends across a call
// (transfer), cancellation and sync (🚝) copies are the next slice and are
// rejected at instantiation as Unimplemented.
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_STREAM_CANON_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_STREAM_CANON_H_

#include <optional>

#include "adapter/binary/model.h"
#include "engine/component/async_canon.h"

namespace wasi_bridge::engine {

// The core function implementing stream/future built-in `c` whose
// stream/future type has `payload` (null: none), or nullopt if it is not
// supported yet. `site.context` reads and writes the op's memory.
std::optional<CoreExtern> MakeCopyBuiltin(const binary::Canon& c, AsyncBuiltinSite site,
                                          cabi::TypeRef payload, bool async_option);

// True if values of `t` contain a stream or future (their transfer across
// calls is not implemented yet).
bool ContainsStreamOrFuture(const cabi::TypeRef& t);

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_STREAM_CANON_H_
