// AsyncStore::RunHost: the store's event loop as the host drives it.
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/component/async_state.h"
#include "engine/core/executor.h"

namespace wasi_bridge::engine {

absl::Status AsyncStore::RunHost(std::function<bool()> done) {
  if (scheduler.current() != nullptr) {
    return absl::FailedPreconditionError("the event loop runs only from the host's own stack");
  }
  absl::Status loop_status = scheduler.RunUntil(
      [this, &done] { return !trap.ok() || done(); }, [this] { return loop.Poll(true); });
  absl::Status failure;
  if (!trap.ok()) {
    failure = std::exchange(trap, absl::OkStatus());
  } else if (!loop_status.ok()) {
    // The spec's wording, then the scheduler's list of who waits for what.
    absl::string_view report = loop_status.message();
    if (absl::ConsumePrefix(&report, "deadlock: no task can make progress ")) {
      failure = Trap(absl::StrCat("deadlock detected: event loop cannot make further progress ",
                                  report));
    } else {
      failure = loop_status;
    }
  }
  if (failure.ok()) {
    std::erase_if(host_calls, [](const std::weak_ptr<HostPromise>& w) {
      auto p = w.lock();
      return p == nullptr || p->ready();
    });
    return absl::OkStatus();
  }
  AbandonAll();
  for (const auto& w : std::exchange(host_calls, {})) {
    if (auto p = w.lock()) p->Resolve(failure);
  }
  return failure;
}

}  // namespace wasi_bridge::engine
