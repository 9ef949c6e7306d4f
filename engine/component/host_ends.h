// Creating host-held stream and future ends (host_stream.h) over the
// engine's shared copy state: new pairs whose readable end waits in the
// store's EndTransit for a guest, and ends taken out of it. Internal.
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_HOST_ENDS_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_HOST_ENDS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "engine/component/async_state.h"
#include "engine/component/host_stream.h"

namespace wasi_bridge::engine {

absl::StatusOr<HostStreamPair> NewHostStream(AsyncStore& async, cabi::TypeRef payload);
absl::StatusOr<HostFuturePair> NewHostFuture(AsyncStore& async, cabi::TypeRef payload);
// The readable end a guest passed to the host as `value` (a stream or
// future Value from a lifted result or argument).
absl::StatusOr<std::shared_ptr<HostStreamEnd>> TakeHostStream(AsyncStore& async,
                                                              const cabi::Value& value);
absl::StatusOr<std::shared_ptr<HostFutureEnd>> TakeHostFuture(AsyncStore& async,
                                                              const cabi::Value& value);

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_HOST_ENDS_H_
