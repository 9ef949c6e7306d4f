// Instantiating and calling components: the engine's embedding API.
//
// A Runtime is one store: a core executor (wabt's interpreter for now), the
// component instances created in it, and one event loop (scheduler +
// host I/O, engine/task/event_loop.h). Components are instantiated from a
// validated binary model; their exported functions are called with
// Canonical ABI values (engine/cabi/value.h), synchronously (Call) or
// asynchronously (CallAsync + Run). Host functions are synchronous
// (HostFunc) or async (AsyncHostFunc: they answer with a HostPromise the
// host resolves later); streams and futures cross the boundary as
// host-held ends (host_stream.h). Everything runs on the caller's thread.
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_RUNTIME_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_RUNTIME_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "adapter/binary/model.h"
#include "engine/cabi/types.h"
#include "engine/cabi/value.h"
#include "engine/component/host_promise.h"
#include "engine/component/host_stream.h"

namespace wasi_bridge::engine {

struct FuncSignature {
  std::vector<std::pair<std::string, cabi::TypeRef>> params;
  cabi::TypeRef result;  // null: no result
  bool is_async = false;
};

// A component-level function: lifted from a core function of some
// instance, or provided by the host.
class ComponentFunction {
 public:
  virtual ~ComponentFunction() = default;
  virtual const FuncSignature& signature() const = 0;
  // Calls the function. Guest traps come back as IsTrap() statuses (see
  // engine/core/executor.h) whose message is the trap reason.
  virtual absl::StatusOr<std::optional<cabi::Value>> Call(
      std::vector<cabi::Value> args) = 0;
};

using HostFunction = std::function<absl::StatusOr<std::optional<cabi::Value>>(
    std::vector<cabi::Value> args)>;
// An async host function: returns a promise (never null) that host code
// resolves, at once or later from the event loop.
using AsyncHostFunction = std::function<HostPromiseRef(std::vector<cabi::Value> args)>;

class EventLoop;  // engine/task/event_loop.h

class ComponentInstance;
class ComponentDefinition;  // an uninstantiated component (opaque)
class CoreModule;           // engine/core/executor.h

// An item a component imports or exports.
struct ComponentItem {
  enum class Kind { kFunc, kInstance, kType, kComponent, kCoreModule };
  Kind kind = Kind::kFunc;
  std::shared_ptr<ComponentFunction> func;
  std::shared_ptr<ComponentInstance> instance;
  // A type; a resource type travels as `own<r>` of its identity.
  cabi::TypeRef type;
  std::shared_ptr<ComponentDefinition> component;
  std::shared_ptr<CoreModule> core_module;
};

class ComponentInstance {
 public:
  virtual ~ComponentInstance() = default;
  // The export named `name`, or NotFound.
  virtual absl::StatusOr<ComponentItem> Export(std::string_view name) const = 0;
  virtual std::vector<std::string> ExportNames() const = 0;
};

class Runtime {
 public:
  virtual ~Runtime() = default;

  // Instantiates `component` (which must have passed ValidateComponent and
  // whose bytes must outlive the runtime) with `imports` by name. Start
  // functions of core modules run here; their traps fail the call.
  virtual absl::StatusOr<std::shared_ptr<ComponentInstance>> Instantiate(
      const binary::Component& component,
      const std::vector<std::pair<std::string, ComponentItem>>& imports) = 0;

  // Wraps a host function as an importable item with `signature`.
  virtual ComponentItem HostFunc(FuncSignature signature,
                                 HostFunction function) = 0;

  // --- async (the defaults serve runtimes without an event loop) ---------

  // Wraps an async host function for an `async func` import. A guest that
  // async-lowers it sees STARTED, then a SUBTASK event RETURNED once the
  // promise resolves; a sync lower from an async-typed task suspends only
  // that task; a sync-typed task cannot call it (it would block: trap).
  // An error result traps the calling guest.
  virtual ComponentItem AsyncHostFunc(FuncSignature signature, AsyncHostFunction function) {
    return HostFunc(std::move(signature),
                    [f = std::move(function)](std::vector<cabi::Value> args) -> CallResult {
                      HostPromiseRef p = f(std::move(args));
                      if (!p->ready()) {
                        return absl::UnimplementedError("this runtime cannot wait for promises");
                      }
                      return p->Take();
                    });
  }

  // Starts a call of `func` (an export of an instance of this runtime)
  // and returns at once: an async-typed function runs until it first
  // blocks, and the promise resolves when it returns (from Run). Other
  // functions complete during the call. Only from the host's own stack.
  virtual absl::StatusOr<HostPromiseRef> CallAsync(ComponentFunction& func,
                                                   std::vector<cabi::Value> args) {
    return HostPromise::Ready(func.Call(std::move(args)));
  }

  // Runs the store's event loop until `done()` holds: ready guest tasks,
  // then host I/O (posted callbacks, timers, watched fds; epoll_wait when
  // nothing else can run). A guest trap, or a deadlock (no task can run
  // and no host I/O is pending), ends every task in flight, fails pending
  // CallAsync promises with it, and is returned.
  virtual absl::Status Run(std::function<bool()> done) {
    return done() ? absl::OkStatus()
                  : absl::UnimplementedError("this runtime has no event loop");
  }

  // The store's event loop, for host I/O (null if the runtime has none).
  virtual EventLoop* loop() { return nullptr; }

  // A resource the host defines (a host function's `own<id>` type) has no
  // destructor a guest can run: `on_drop(rep)` is called instead when a
  // guest's `resource.drop` ends an own handle of it. Set before
  // Instantiate; a later call replaces the hook.
  virtual void SetHostResourceDrop(cabi::ResourceId id, std::function<void(uint32_t)> on_drop) {
    (void)id;
    (void)on_drop;
  }

  // A new stream (future) whose writable end the host keeps; pass
  // `readable` to a guest. Reading a stream or future a guest passed to
  // the host (a result or argument Value) takes its readable end.
  virtual absl::StatusOr<HostStreamPair> NewStream(cabi::TypeRef payload) {
    (void)payload;
    return absl::UnimplementedError("host streams are not supported by this runtime");
  }
  virtual absl::StatusOr<HostFuturePair> NewFuture(cabi::TypeRef payload) {
    (void)payload;
    return absl::UnimplementedError("host futures are not supported by this runtime");
  }
  virtual absl::StatusOr<std::shared_ptr<HostStreamEnd>> TakeStream(const cabi::Value& value) {
    (void)value;
    return absl::UnimplementedError("host streams are not supported by this runtime");
  }
  virtual absl::StatusOr<std::shared_ptr<HostFutureEnd>> TakeFuture(const cabi::Value& value) {
    (void)value;
    return absl::UnimplementedError("host futures are not supported by this runtime");
  }
};

// Gated Component Model features a runtime can enable.
struct RuntimeOptions {
  // 🚝 "more async builtins": `stream.read/write` and `future.read/write`
  // without `async` (sync copies, which block the calling task until the
  // copy completes). Off: such a built-in makes Instantiate return
  // Unimplemented ("sync stream.read needs 🚝 (--more-async-builtins)").
  bool more_async_builtins = false;
};

std::unique_ptr<Runtime> NewRuntime(RuntimeOptions options = {});

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_RUNTIME_H_
