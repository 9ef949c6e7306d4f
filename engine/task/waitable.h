// Waitables, waitable sets and subtasks of the async Canonical ABI
// (definitions.py `Waitable`, `WaitableSet`, `Subtask`, L771-918).
//
// These are plain state machines: they know nothing of fibers. A task that
// waits on a set asks the scheduler to suspend it until the set has a
// pending event (engine/task/scheduler.h WaitUntil), so delivering an event
// only has to mark it pending. Stream and future ends will be further
// Waitable subclasses with their own MakeEvent().
#ifndef WASI_BRIDGE_ENGINE_TASK_WAITABLE_H_
#define WASI_BRIDGE_ENGINE_TASK_WAITABLE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace wasi_bridge::engine {

enum class EventCode : uint32_t {
  kNone = 0,
  kSubtask = 1,
  kStreamRead = 2,
  kStreamWrite = 3,
  kFutureRead = 4,
  kFutureWrite = 5,
  kTaskCancelled = 6,
};

struct Event {
  EventCode code = EventCode::kNone;
  uint32_t p1 = 0;  // the waitable's handle index
  uint32_t p2 = 0;  // payload (a subtask's state, a copy's result...)
  bool operator==(const Event&) const = default;
};

// What an instance's handle table can hold besides resource handles.
enum class AsyncKind : uint8_t { kSubtask, kWaitableSet, kStreamEnd, kFutureEnd };

class AsyncObject {
 public:
  virtual ~AsyncObject() = default;
  virtual AsyncKind kind() const = 0;
};

class WaitableSet;

class Waitable : public AsyncObject {
 public:
  ~Waitable() override;

  bool has_pending_event() const { return pending_; }
  // Delivers the pending event: computed now (so coalesced progress shows
  // the latest state) and cleared.
  Event TakeEvent();

  // Moves this waitable into `set` (nullptr: out of any set).
  void Join(WaitableSet* set);
  WaitableSet* set() const { return set_; }

  // A sync built-in blocks on this waitable's event: it may not join a set
  // meanwhile (the spec's has_sync_waiter).
  bool sync_waiter() const { return sync_waiter_; }
  void set_sync_waiter(bool v) { sync_waiter_ = v; }

  // The handle index the owner knows it by (0 until it has one).
  uint32_t index() const { return index_; }
  void set_index(uint32_t index) { index_ = index; }

 protected:
  void SetPendingEvent() { pending_ = true; }
  virtual Event MakeEvent() = 0;

 private:
  bool pending_ = false;
  bool sync_waiter_ = false;
  WaitableSet* set_ = nullptr;
  uint32_t index_ = 0;
};

class WaitableSet : public AsyncObject {
 public:
  ~WaitableSet() override;
  AsyncKind kind() const override { return AsyncKind::kWaitableSet; }

  bool HasPendingEvent() const;
  // The first pending event in join order, delivered; nullopt if none.
  std::optional<Event> Poll();

  // Tasks blocked on this set (waitable-set.wait or a callback's WAIT).
  void AddWaiter() { ++num_waiting_; }
  void RemoveWaiter() { --num_waiting_; }
  uint32_t num_waiting() const { return num_waiting_; }
  size_t size() const { return elems_.size(); }
  // "3 (subtask 2: STARTED)" style, for deadlock reports.
  std::string Describe(uint32_t index) const;

  // waitable-set.drop: a set with members or waiters cannot go.
  absl::Status CheckDrop() const;

 private:
  friend class Waitable;
  std::vector<Waitable*> elems_;
  uint32_t num_waiting_ = 0;
};

// A call made with an async `canon lower` (the caller's view of it).
class Subtask : public Waitable {
 public:
  enum class State : uint32_t {
    kStarting = 0,
    kStarted = 1,
    kReturned = 2,
    kCancelledBeforeStarted = 3,
    kCancelledBeforeReturned = 4,
  };

  AsyncKind kind() const override { return AsyncKind::kSubtask; }
  State state() const { return state_; }
  bool resolved() const { return state_ >= State::kReturned; }
  bool resolve_delivered() const { return resolve_delivered_; }

  // The callee read its arguments / delivered its result.
  void OnStart();
  void OnResolve();
  // The resolution reached the caller (in the status of the async lower
  // or in a SUBTASK event): lent handles go back then.
  void DeliverResolve();
  // Runs once the resolution is delivered.
  void set_on_deliver(std::function<void()> f) { on_deliver_ = std::move(f); }

  // subtask.cancel: asks the callee to cancel (once; `cancel` is the
  // callee's Task.request_cancellation), and the callee's task.cancel
  // ends it CANCELLED_BEFORE_STARTED or _RETURNED.
  void set_cancel(std::function<void()> cancel) { cancel_ = std::move(cancel); }
  bool cancellation_requested() const { return cancellation_requested_; }
  void RequestCancellation();
  void OnCancelled();

  // subtask.drop.
  absl::Status CheckDrop() const;

  static const char* StateName(State s);

 protected:
  Event MakeEvent() override;

 private:
  State state_ = State::kStarting;
  bool resolve_delivered_ = false;
  bool cancellation_requested_ = false;
  std::function<void()> on_deliver_;
  std::function<void()> cancel_;
};

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_TASK_WAITABLE_H_
