#include "engine/task/waitable.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/core/executor.h"

namespace wasi_bridge::engine {

Waitable::~Waitable() { Join(nullptr); }

Event Waitable::TakeEvent() {
  pending_ = false;
  return MakeEvent();
}

void Waitable::Join(WaitableSet* set) {
  if (set_ == set) return;
  if (set_ != nullptr) {
    auto& e = set_->elems_;
    e.erase(std::remove(e.begin(), e.end(), this), e.end());
  }
  set_ = set;
  if (set_ != nullptr) set_->elems_.push_back(this);
}

WaitableSet::~WaitableSet() {
  // Members outlive a dropped set only on a trap path; detach them.
  for (Waitable* w : std::vector<Waitable*>(elems_)) w->Join(nullptr);
}

bool WaitableSet::HasPendingEvent() const {
  return std::any_of(elems_.begin(), elems_.end(),
                     [](const Waitable* w) { return w->has_pending_event(); });
}

std::optional<Event> WaitableSet::Poll() {
  // The spec picks nondeterministically; join order keeps runs repeatable.
  for (Waitable* w : elems_) {
    if (w->has_pending_event()) return w->TakeEvent();
  }
  return std::nullopt;
}

std::string WaitableSet::Describe(uint32_t index) const {
  std::string out = absl::StrCat("waitable set ", index, " {");
  for (size_t i = 0; i < elems_.size(); ++i) {
    const Waitable* w = elems_[i];
    absl::StrAppend(&out, i ? ", " : "", "handle ", w->index());
    if (w->kind() == AsyncKind::kSubtask) {
      absl::StrAppend(&out, " subtask ",
                      Subtask::StateName(static_cast<const Subtask*>(w)->state()));
    }
  }
  return absl::StrCat(out, "}");
}

absl::Status WaitableSet::CheckDrop() const {
  if (!elems_.empty()) return Trap("cannot drop waitable set with members");
  if (num_waiting_ > 0) return Trap("cannot drop waitable set with waiters");
  return absl::OkStatus();
}

void Subtask::OnStart() {
  if (state_ != State::kStarting) return;
  state_ = State::kStarted;
  if (index() != 0) SetPendingEvent();
}

void Subtask::OnResolve() {
  state_ = State::kReturned;
  if (index() != 0) SetPendingEvent();
}

void Subtask::RequestCancellation() {
  cancellation_requested_ = true;
  if (cancel_) std::exchange(cancel_, nullptr)();
}

void Subtask::OnCancelled() {
  state_ = state_ == State::kStarting ? State::kCancelledBeforeStarted
                                      : State::kCancelledBeforeReturned;
  if (index() != 0) SetPendingEvent();
}

void Subtask::DeliverResolve() {
  if (resolve_delivered_) return;
  resolve_delivered_ = true;
  if (on_deliver_) std::exchange(on_deliver_, nullptr)();
}

Event Subtask::MakeEvent() {
  if (resolved()) DeliverResolve();
  return {EventCode::kSubtask, index(), static_cast<uint32_t>(state_)};
}

absl::Status Subtask::CheckDrop() const {
  if (!resolve_delivered_) return Trap("cannot drop a subtask which has not yet resolved");
  return absl::OkStatus();
}

const char* Subtask::StateName(State s) {
  switch (s) {
    case State::kStarting: return "STARTING";
    case State::kStarted: return "STARTED";
    case State::kReturned: return "RETURNED";
    case State::kCancelledBeforeStarted: return "CANCELLED_BEFORE_STARTED";
    case State::kCancelledBeforeReturned: return "CANCELLED_BEFORE_RETURNED";
  }
  return "?";
}

}  // namespace wasi_bridge::engine
