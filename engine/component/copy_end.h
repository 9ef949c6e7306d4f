// The state of one stream or future (definitions.py SharedStreamImpl,
// SharedFutureImpl, CopyEnd, L1001-1189): the rendezvous both ends share
// and the ends that live in instances' handle tables. Shared by the
// stream/future built-ins (stream_canon.cc) and the handle table, which
// moves readable ends across calls.
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_COPY_END_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_COPY_END_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "engine/cabi/load_store.h"
#include "engine/cabi/types.h"
#include "engine/task/waitable.h"

namespace wasi_bridge::engine {

struct InstanceState;

enum class CopyResult : uint32_t { kCompleted = 0, kDropped = 1, kCancelled = 2 };
// The spec's SYNC_COPYING and ASYNC_COPYING are one state here: sync
// copies block inside the built-in, so nothing else sees the difference.
enum class CopyState { kIdle, kCopying, kCancelling, kDone };

// One read or write's span of guest memory.
struct GuestBuffer {
  cabi::TypeRef t;  // null: no payload, only a count
  std::function<cabi::CallContext()> context;
  uint32_t ptr = 0;
  uint32_t length = 0;
  uint32_t progress = 0;
  uint32_t remain() const { return length - progress; }
};

// The state both ends of one stream or future share.
class SharedCopy {
 public:
  using OnCopy = std::function<void(std::function<void()> reclaim)>;
  using OnCopyDone = std::function<void(CopyResult)>;

  SharedCopy(cabi::TypeRef t, bool future) : t_(std::move(t)), future_(future) {}
  const cabi::TypeRef& t() const { return t_; }
  bool future() const { return future_; }

  // A read (`is_read`) or write of `buffer` by instance `inst`: the second
  // arriver copies, the first is told through on_copy / on_copy_done.
  absl::Status Copy(bool is_read, GuestBuffer* buffer, const InstanceState* inst,
                    OnCopy on_copy, OnCopyDone on_copy_done);
  // If `mine` is still registered (no rendezvous yet, or a partial copy
  // whose event is undelivered), its op ends CANCELLED with the progress
  // made so far (cancel-stream.wast expects CANCELLED | 4 << 4 after a
  // partial copy, not the pending COMPLETED).
  void Cancel(const GuestBuffer* mine);
  void Drop();

 private:
  struct Pending {
    GuestBuffer* buffer;
    const InstanceState* inst;
    OnCopy on_copy;
    OnCopyDone on_copy_done;
  };
  void ResetAndNotify(CopyResult r);

  cabi::TypeRef t_;
  bool future_;
  bool dropped_ = false;
  std::optional<Pending> pending_;
};

// A readable or writable end in an instance's table.
class CopyEnd : public Waitable {
 public:
  CopyEnd(std::shared_ptr<SharedCopy> shared, bool readable)
      : shared_(std::move(shared)), readable_(readable) {}
  AsyncKind kind() const override {
    return future() ? AsyncKind::kFutureEnd : AsyncKind::kStreamEnd;
  }
  bool future() const { return shared_->future(); }
  bool readable() const { return readable_; }
  bool busy() const { return state_ == CopyState::kCopying || state_ == CopyState::kCancelling; }

  // Trap unless this end can leave its table as a lifted value (the
  // spec's lift_async_value): a readable end of type `t`, IDLE and in no
  // waitable set.
  absl::Status CheckLift(const cabi::CabiType& t) const;

  void SetEvent(std::function<Event()> f) {
    thunk_ = std::move(f);
    SetPendingEvent();
    if (on_event_) on_event_();
  }
  // Runs whenever an event becomes pending: a host-held end (host_stream.h)
  // has no task waiting on it, so it posts its delivery to the event loop.
  void set_on_event(std::function<void()> f) { on_event_ = std::move(f); }

  // Starts a read (`read`) or write of `buffer` (state IDLE -> COPYING)
  // and registers it with the shared rendezvous; its completion becomes
  // this end's pending event (`code`, progress << 4 | result).
  absl::Status BeginCopy(bool read, EventCode code, GuestBuffer buffer,
                         const InstanceState* inst);

  std::shared_ptr<SharedCopy> shared_;
  CopyState state_ = CopyState::kIdle;
  GuestBuffer buffer_;  // the op in flight (stable while COPYING)

 protected:
  Event MakeEvent() override;

 private:
  const bool readable_;
  std::function<Event()> thunk_;
  std::function<void()> on_event_;
};

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_COPY_END_H_
