#include "engine/component/host_promise.h"

namespace wasi_bridge::engine {

void HostPromise::Resolve(CallResult r) {
  if (ready()) return;
  result_ = std::move(r);
  state_ = State::kResolved;
  Fire();
}

void HostPromise::ResolveCancelled() {
  if (ready()) return;
  state_ = State::kCancelled;
  Fire();
}

void HostPromise::OnReady(std::function<void()> f) {
  if (ready()) {
    f();
    return;
  }
  on_ready_ = std::move(f);
}

void HostPromise::RequestCancel() {
  if (cancel_requested_ || ready()) return;
  cancel_requested_ = true;
  if (on_cancel_) std::exchange(on_cancel_, nullptr)();
}

void HostPromise::Fire() {
  if (on_ready_) std::exchange(on_ready_, nullptr)();
}

}  // namespace wasi_bridge::engine
