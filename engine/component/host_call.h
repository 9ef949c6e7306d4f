// An async host function (Runtime::AsyncHostFunc): a host function bound
// to an `async func` import, which answers with a HostPromise the host
// resolves later. Internal to the engine.
//   - async-lowered by a guest (Start): the call returns STARTED and the
//     subtask's RETURNED event follows once the promise resolves (the
//     result is lowered from the event loop, never from inside Resolve);
//   - sync-lowered from an async-typed task (Call): only that task
//     suspends until the promise resolves;
//   - called from the host's own stack (Call): the event loop runs until
//     it resolves.
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_HOST_CALL_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_HOST_CALL_H_

#include <memory>
#include <vector>

#include "engine/component/async_state.h"
#include "engine/component/runtime.h"

namespace wasi_bridge::engine {

class AsyncHostFunctionImpl : public ComponentFunction {
 public:
  AsyncHostFunctionImpl(FuncSignature sig, AsyncHostFunction fn, AsyncStore* async)
      : sig_(std::move(sig)), fn_(std::move(fn)), async_(async) {}

  const FuncSignature& signature() const override { return sig_; }
  CallResult Call(std::vector<cabi::Value> args) override;

  // The async lower's side: reads the arguments (the callee has started),
  // calls the host and delivers the result through `req` when the promise
  // resolves (at once if it already has).
  absl::Status Start(std::shared_ptr<CallRequest> req);

 private:
  absl::StatusOr<HostPromiseRef> Invoke(std::vector<cabi::Value> args);

  FuncSignature sig_;
  AsyncHostFunction fn_;
  AsyncStore* async_;
};

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_HOST_CALL_H_
