// The host side of a store's event loop: file descriptors watched with
// epoll, timers and posted callbacks. The scheduler (scheduler.h) runs
// ready tasks and calls Poll() when none is ready; Poll() runs host
// callbacks (which resolve host promises, complete host stream ops...) and
// blocks in epoll_wait only when it has nothing else to do. When no task
// is ready and Poll() has nothing pending (no fd, timer or posted
// callback, no job on the worker pool), the scheduler reports a deadlock
// instead of waiting forever.
//
// Single-threaded: every method is called on the store's thread, except
// PostFromAnyThread, which other threads (the worker pool's) use to hand
// results back; an eventfd in the epoll set wakes the loop for them.
#ifndef WASI_BRIDGE_ENGINE_TASK_EVENT_LOOP_H_
#define WASI_BRIDGE_ENGINE_TASK_EVENT_LOOP_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

namespace wasi_bridge::engine {

class WorkerPool;  // engine/task/worker_pool.h

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using FdCallback = std::function<void(uint32_t epoll_events)>;
  using TimerId = uint64_t;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Watches `fd` for `events` (EPOLLIN, EPOLLOUT...; level-triggered):
  // `callback` runs from Poll() while the fd is ready, until UnwatchFd.
  // The fd counts as pending host I/O (the loop waits for it rather than
  // reporting a deadlock). Re-watching an fd replaces its callback.
  absl::Status WatchFd(int fd, uint32_t events, FdCallback callback);
  absl::Status UnwatchFd(int fd);

  // Runs `callback` from Poll() once `delay` has passed.
  TimerId AddTimer(Clock::duration delay, std::function<void()> callback);
  bool CancelTimer(TimerId id);

  // Runs `callback` from the next Poll(), in posting order. Host promises
  // and host stream ends deliver their completions this way, so host code
  // never runs inside a guest's call.
  void Post(std::function<void()> callback);

  // Thread-safe: queues `callback` and wakes the loop; it runs on the
  // loop's thread from a later Poll(), in posting order. Only work the
  // loop was told about (HoldPending) keeps it waiting for such posts.
  void PostFromAnyThread(std::function<void()> callback);

  // Work outside the loop whose completion will arrive through
  // PostFromAnyThread (a worker's job): while any is held the loop waits
  // for it rather than reporting a deadlock. Loop thread only.
  void HoldPending() { ++held_; }
  void ReleasePending() { --held_; }

  // The store's worker pool for blocking host I/O, started on first use
  // (worker_pool.h); shut down before the loop goes.
  WorkerPool& workers();

  // Whether anything can still happen: posted callbacks, timers, watched
  // fds or work held outside the loop.
  bool HasPending() const {
    return !posted_.empty() || !timers_.empty() || !fds_.empty() || held_ > 0;
  }

  // Runs posted callbacks and due timers; if none ran and `block`, waits
  // for a watched fd or the next timer and runs what became ready. False
  // if nothing was pending (nothing ran and nothing can).
  bool Poll(bool block = true);

  size_t watched_fds() const { return fds_.size(); }
  size_t timers() const { return timers_.size(); }

 private:
  // Moves callbacks posted from other threads to `posted_`.
  size_t DrainRemote();
  size_t RunPosted();
  size_t RunDueTimers();
  // Waits up to `timeout_ms` (-1: forever) and runs fd callbacks.
  size_t WaitFds(int timeout_ms);

  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: written by PostFromAnyThread
  std::mutex remote_mu_;
  std::vector<std::function<void()>> remote_;  // guarded by remote_mu_
  size_t held_ = 0;
  std::unique_ptr<WorkerPool> workers_;
  std::deque<std::function<void()>> posted_;
  // (deadline, id) -> callback: ordered by deadline, then creation.
  std::map<std::pair<Clock::time_point, TimerId>, std::function<void()>> timers_;
  absl::flat_hash_map<TimerId, Clock::time_point> timer_deadlines_;
  absl::flat_hash_map<int, FdCallback> fds_;
  TimerId next_timer_ = 0;
};

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_TASK_EVENT_LOOP_H_
