// The result of an asynchronous call between the host and guests, in both
// directions:
//   - an async host function (Runtime::AsyncHostFunc) returns one, and host
//     code resolves it later (from an event-loop callback, a timer, an fd
//     callback, or at once);
//   - Runtime::CallAsync returns one that the engine resolves when the
//     guest task returns.
// Resolution is observed through ready()/result() or OnReady(); the engine
// never runs guest code from inside Resolve(): it posts the delivery to the
// store's event loop.
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_HOST_PROMISE_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_HOST_PROMISE_H_

#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "absl/status/statusor.h"
#include "engine/cabi/value.h"

namespace wasi_bridge::engine {

using CallResult = absl::StatusOr<std::optional<cabi::Value>>;

class HostPromise {
 public:
  static std::shared_ptr<HostPromise> New() { return std::make_shared<HostPromise>(); }
  // An already resolved promise (a host function that completes at once).
  static std::shared_ptr<HostPromise> Ready(CallResult r) {
    auto p = New();
    p->Resolve(std::move(r));
    return p;
  }

  // Resolves with a value (or an error: for a host function, a trap of the
  // calling guest). Only the first resolution counts.
  void Resolve(CallResult r);
  // Answers a cancellation request: the guest's subtask ends
  // CANCELLED_BEFORE_RETURNED. (Resolving instead is allowed too.)
  void ResolveCancelled();

  bool ready() const { return state_ != State::kPending; }
  bool cancelled() const { return state_ == State::kCancelled; }
  // The result; only once ready() and not cancelled().
  const CallResult& result() const { return *result_; }
  CallResult Take() { return std::move(*result_); }

  // Runs `f` once resolved (at once if already): one subscriber, which the
  // engine uses for promises it consumes.
  void OnReady(std::function<void()> f);

  // Cancellation, guest -> host: subtask.cancel of an async-lowered call
  // sets cancel_requested() and runs the host's OnCancel callback (at most
  // once). The host answers with ResolveCancelled() or Resolve().
  bool cancel_requested() const { return cancel_requested_; }
  void OnCancel(std::function<void()> f) { on_cancel_ = std::move(f); }
  void RequestCancel();

 private:
  enum class State { kPending, kResolved, kCancelled };
  void Fire();

  State state_ = State::kPending;
  std::optional<CallResult> result_;
  std::function<void()> on_ready_;
  std::function<void()> on_cancel_;
  bool cancel_requested_ = false;
};

using HostPromiseRef = std::shared_ptr<HostPromise>;

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_HOST_PROMISE_H_
