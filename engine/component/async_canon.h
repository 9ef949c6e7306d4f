// The async Canonical ABI built-ins that need no streams or futures:
// task.return, task.cancel, context.get/set, thread.yield, subtask.cancel,
// subtask.drop, waitable-set.*, waitable.join and backpressure.inc/dec
// (streams and futures: stream_canon.h).
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_ASYNC_CANON_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_ASYNC_CANON_H_

#include <functional>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "adapter/binary/model.h"
#include "engine/cabi/load_store.h"
#include "engine/component/async_state.h"
#include "engine/component/handle_table.h"
#include "engine/core/executor.h"

namespace wasi_bridge::engine {

// What a built-in of one component instance works with.
struct AsyncBuiltinSite {
  AsyncStore* async = nullptr;
  CoreStore* store = nullptr;
  std::shared_ptr<InstanceState> instance;
  std::shared_ptr<ResourceHandleTable> handles;
  // The canon's memory option (or waitable-set.wait/poll's memory).
  std::optional<CoreExtern> memory;
  // task.return: its result type and options, to compare with the task's.
  cabi::TypeRef result;
  cabi::StringEncoding encoding = cabi::StringEncoding::kUtf8;
  // A Canonical ABI context over `memory` and `handles`.
  std::function<cabi::CallContext()> context;
};

// The core function implementing built-in `c`, or nullopt if `c` is not
// one of this slice's built-ins.
std::optional<CoreExtern> MakeAsyncBuiltin(const binary::Canon& c, AsyncBuiltinSite site);

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_ASYNC_CANON_H_
