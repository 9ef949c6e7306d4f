// Store-wide and per-task state of the async Canonical ABI, shared by the
// runtime (lift/lower, runtime.cc) and the async built-ins
// (async_canon.cc). Internal to the engine.
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_ASYNC_STATE_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_ASYNC_STATE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/cabi/memory.h"
#include "engine/cabi/types.h"
#include "engine/cabi/value.h"
#include "engine/component/end_transit.h"
#include "engine/component/host_promise.h"
#include "engine/task/event_loop.h"
#include "engine/task/scheduler.h"

namespace wasi_bridge::engine {

struct GuestTask;

// Per component instance: whether it is on the call stack, and whether a
// trap poisoned it (CanonicalABI.md: a trapped instance cannot be entered
// again).
struct InstanceState {
  bool entered = false;
  bool poisoned = false;
  // False while the instance runs its realloc or post-return: calling an
  // import or a built-in then traps (the spec's may_leave).
  bool may_leave = true;
  // The task holding the instance's exclusive lock (callback and sync
  // lifts of async-typed functions), and how many wait to take it.
  GuestTask* exclusive = nullptr;
  uint32_t num_waiting_to_enter = 0;
  // backpressure.inc/dec: while above 0, new async-typed calls wait to
  // enter (sync-typed ones barge in).
  uint32_t backpressure = 0;
  std::string label;  // "instance $d", "" at the top
  std::shared_ptr<InstanceState> parent;  // the enclosing component instance
  // The instances entered by running code, innermost last (store-wide).
  std::shared_ptr<std::vector<InstanceState*>> stack;

  bool IsAncestorOf(const InstanceState* other) const {
    for (const InstanceState* p = other->parent.get(); p; p = p->parent.get()) {
      if (p == this) return true;
    }
    return false;
  }
};

// One call of a component function (the spec's on_start/on_resolve pair):
// the callee asks for its arguments when it starts and hands over its
// result when it resolves, both possibly long after the call began.
struct CallRequest {
  std::function<absl::StatusOr<std::vector<cabi::Value>>()> on_start;
  std::function<absl::Status(std::optional<cabi::Value>)> on_resolve;
  // The callee ended by task.cancel (the spec's on_resolve(None)); unset
  // for callers that never cancel.
  std::function<absl::Status()> on_cancelled;
  // Set by the callee: the caller's subtask.cancel (Task.request_cancellation).
  std::function<void()> cancel;
  bool resolved = false;
};

// The spec's Task (with its implicit thread): one activation of a lifted
// function.
struct GuestTask {
  std::string name;  // for deadlock reports: `"run" (instance $d)`
  InstanceState* instance = nullptr;
  bool async_typed = false;  // `func async`: may block
  bool async_lift = false;   // lifted with `async` (uses task.return)
  cabi::TypeRef result;      // the lifted function's result type
  std::optional<uint64_t> memory;  // the lift's memory (handle), for task.return
  cabi::StringEncoding encoding = cabi::StringEncoding::kUtf8;
  std::shared_ptr<CallRequest> request;
  bool resolved = false;
  uint32_t context[2] = {0, 0};  // context.get/set slots
  // Borrows lowered into an async task, until dropped (null for
  // sync-typed calls, whose borrows end with the call).
  std::shared_ptr<uint32_t> borrows;

  // Cancellation (Task.State PENDING_CANCEL / CANCEL_DELIVERED).
  enum class Cancel { kNone, kPending, kDelivered };
  Cancel cancel = Cancel::kNone;
  Task* fiber = nullptr;          // the scheduler task it runs on
  bool needs_exclusive = false;   // callback or sync lift of an async type
  bool waiting_to_enter = false;  // blocked on backpressure or the lock
  bool cancellable = false;       // blocked in a cancellable wait
  bool cancel_wakeup = false;     // resumed by a cancellation request
};

// Per fiber (Scheduler::local): the innermost guest task running on it and
// where its entries on the instance stack begin.
struct FiberContext {
  GuestTask* task = nullptr;
  size_t stack_base = 0;
};

// One per Runtime (store): the event loop and the first trap of the call
// in progress.
struct AsyncStore {
  Scheduler scheduler;
  // Host I/O: fds, timers and posted host callbacks (polled by RunHost).
  EventLoop loop;
  // Promises of host calls of async-typed exports still in flight
  // (Runtime::CallAsync): failed with the trap if the store's tasks die.
  std::vector<std::weak_ptr<HostPromise>> host_calls;
  // Promises of async-lowered calls of async host functions still pending
  // (AsyncHostFunctionImpl::Start): the store keeps them alive until they
  // resolve, since the host may hold only weak references (a timer's
  // callback, say) and the caller's subtask only reaches them through
  // CallRequest::cancel.
  absl::flat_hash_map<const HostPromise*, std::shared_ptr<HostPromise>> pending_host_promises;
  std::shared_ptr<std::vector<InstanceState*>> stack =
      std::make_shared<std::vector<InstanceState*>>();
  absl::Status trap;  // set by a task that trapped off the caller's stack
  FiberContext main;  // the scheduler's own stack (host calls, start)
  std::vector<GuestTask*> live;  // async tasks whose fiber has not ended
  // Stream and future ends passed across a call, between two tables.
  std::shared_ptr<EndTransit> transit = std::make_shared<EndTransit>();

  // The event loop, from the host's own stack: runs tasks and host I/O
  // until `done()` holds. A trap of a task, or a deadlock (no task ready
  // and no host I/O pending), abandons every task in flight, fails the
  // pending host calls and comes back as a trap ("deadlock detected: ...").
  absl::Status RunHost(std::function<bool()> done);

  // After a trap or deadlock reached the host: every task in flight ends
  // (its fiber is never resumed) and poisons its instance.
  void AbandonAll();

  FiberContext& fiber() {
    auto* f = static_cast<FiberContext*>(scheduler.local());
    return f ? *f : main;
  }
  GuestTask* current() { return fiber().task; }

  // The spec's Task.may_block: async-typed tasks may block, and so may a
  // sync-typed one once it has returned. No task (a start function or the
  // host's own stack) may not.
  bool MayBlock() {
    GuestTask* t = current();
    return t != nullptr && (t->async_typed || t->resolved);
  }
  static absl::Status CannotBlock();

  // Blocks the current task until `ready()`: only async-typed tasks on a
  // fiber may block ("cannot block a synchronous task before returning").
  // While blocked, its instances leave the call stack (a blocked instance
  // can be entered again).
  absl::Status Block(std::function<bool()> ready, std::function<std::string()> what);
  // A cancellable Block: true if it ended because the task's cancellation
  // was delivered (a pending one is delivered at once, TASK_CANCELLED at
  // most once).
  absl::StatusOr<bool> BlockCancellable(std::function<bool()> ready,
                                        std::function<std::string()> what);
  // Task.request_cancellation for `task`: resumes it now if it waits
  // cancellably (or to enter), else leaves the cancellation pending.
  void RequestCancellation(GuestTask& task);
  // thread.yield: lets other tasks run; a no-op for a synchronous task.
  // Cancellable: true if the task's cancellation was delivered instead.
  bool Yield(bool cancellable = false);
};

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_ASYNC_STATE_H_
