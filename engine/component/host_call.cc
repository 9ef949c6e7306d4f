#include "engine/component/host_call.h"

#include <string>
#include <utility>

#include "adapter/support/status_macros.h"
#include "engine/core/executor.h"

namespace wasi_bridge::engine {

namespace {

// Errors of a host function are traps of the guest that called it.
absl::Status AsCallerTrap(const absl::Status& s) {
  if (s.ok() || IsTrap(s)) return s;
  return Trap(std::string_view(s.message().data(), s.message().size()));
}

// Hands a resolved promise's outcome to the caller.
absl::Status Deliver(CallRequest& req, HostPromise& p) {
  if (req.resolved) return absl::OkStatus();
  if (p.cancelled()) {
    if (!req.on_cancelled) return Trap("the host cancelled a call that cannot be cancelled");
    return req.on_cancelled();
  }
  CallResult r = p.Take();
  if (!r.ok()) return AsCallerTrap(r.status());
  return req.on_resolve(std::move(*r));
}

}  // namespace

absl::StatusOr<HostPromiseRef> AsyncHostFunctionImpl::Invoke(std::vector<cabi::Value> args) {
  HostPromiseRef p = fn_(std::move(args));
  if (p == nullptr) return Trap("async host function returned no promise");
  return p;
}

CallResult AsyncHostFunctionImpl::Call(std::vector<cabi::Value> args) {
  WB_ASSIGN_OR_RETURN(HostPromiseRef p, Invoke(std::move(args)));
  if (!p->ready()) {
    auto ready = [p] { return p->ready(); };
    if (async_->current() == nullptr && async_->scheduler.current() == nullptr) {
      WB_RETURN_IF_ERROR(async_->RunHost(ready));
    } else {
      WB_RETURN_IF_ERROR(
          async_->Block(ready, [] { return std::string("an async host function's promise"); }));
    }
  }
  if (p->cancelled()) return Trap("the host cancelled a call that cannot be cancelled");
  return p->Take();
}

absl::Status AsyncHostFunctionImpl::Start(std::shared_ptr<CallRequest> req) {
  WB_ASSIGN_OR_RETURN(std::vector<cabi::Value> args, req->on_start());
  WB_ASSIGN_OR_RETURN(HostPromiseRef p, Invoke(std::move(args)));
  std::weak_ptr<HostPromise> weak = p;
  req->cancel = [weak] {
    if (auto q = weak.lock()) q->RequestCancel();
  };
  if (p->ready()) return Deliver(*req, *p);
  AsyncStore* async = async_;
  // The store owns the pending promise: the host may keep only weak
  // references to it (a timer's callback), and the caller's subtask only
  // reaches it through req->cancel.
  async->pending_host_promises.emplace(p.get(), p);
  // Resolve() may run anywhere (inside another guest's host call, say):
  // the result is lowered into the caller from the event loop instead.
  p->OnReady([async, req, weak] {
    auto promise = weak.lock();
    if (promise == nullptr) return;
    async->pending_host_promises.erase(promise.get());
    async->loop.Post([async, req, promise] {
      absl::Status s = Deliver(*req, *promise);
      if (!s.ok() && async->trap.ok()) async->trap = s;
    });
  });
  return absl::OkStatus();
}

}  // namespace wasi_bridge::engine
