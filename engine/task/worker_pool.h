// A small pool of threads for the host's blocking system calls (file
// I/O), so that they never block a store's event loop.
//
// Submit(job, on_done) runs `job` on a worker and then `on_done` on the
// loop's thread (posted with EventLoop::PostFromAnyThread). Between the
// two the loop holds the job as pending host I/O (EventLoop::HoldPending):
// the scheduler waits for it instead of reporting a deadlock.
//
// Rules for jobs: a job touches no guest memory and no engine object; it
// works on what it captured (fds, paths, buffers it owns) and leaves its
// results in memory `on_done` reads. `on_done` stays on the loop's side
// (it may hold engine objects): it runs, or is destroyed, on that thread.
//
// Threads start lazily, up to a fixed number. Jobs start in submission
// order; with more than one thread they may finish in any order.
//
// Shutdown (the destructor, on the loop's thread): jobs not yet started
// are dropped, idle threads exit and are joined. A job already running is
// waited for up to kShutdownGrace; if one is still running then (open(2)
// of a FIFO nobody writes to can block forever, and POSIX offers no
// non-blocking open for every case), the threads are detached rather than
// joined: the stuck thread keeps only what its job captured and the
// pool's shared state, drops its result when its syscall returns, and
// never blocks process exit (exit(2) ends it).
#ifndef WASI_BRIDGE_ENGINE_TASK_WORKER_POOL_H_
#define WASI_BRIDGE_ENGINE_TASK_WORKER_POOL_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace wasi_bridge::engine {

class EventLoop;

class WorkerPool {
 public:
  static constexpr size_t kDefaultThreads = 4;
  static constexpr std::chrono::milliseconds kShutdownGrace{200};

  explicit WorkerPool(EventLoop* loop, size_t max_threads = kDefaultThreads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Loop thread only. `job` runs on a worker (and is destroyed there, or
  // at shutdown if it never started); `on_done` runs from the loop's
  // Poll() once the job has returned.
  void Submit(std::function<void()> job, std::function<void()> on_done);

  // Jobs submitted whose on_done has not run yet.
  size_t in_flight() const { return on_done_.size(); }
  // Threads started so far (at most max_threads).
  size_t threads() const { return threads_.size(); }

 private:
  struct Shared;
  static void WorkerMain(std::shared_ptr<Shared> shared);
  // On the loop's thread, posted by a worker: job `id` has returned.
  void Finished(uint64_t id);

  EventLoop* loop_;
  size_t max_threads_;
  std::shared_ptr<Shared> shared_;
  std::vector<std::thread> threads_;
  absl::flat_hash_map<uint64_t, std::function<void()>> on_done_;
  uint64_t next_id_ = 0;
};

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_TASK_WORKER_POOL_H_
