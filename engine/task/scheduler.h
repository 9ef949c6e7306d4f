// Cooperative tasks on boost.context fibers, one event loop per store.
//
// Every guest task runs on its own fiber with a guard-paged stack from a
// pool, so a host import (or `waitable-set.wait`) can suspend just that
// task; the others keep running. The scheduler is single-threaded.
#ifndef WASI_BRIDGE_ENGINE_TASK_SCHEDULER_H_
#define WASI_BRIDGE_ENGINE_TASK_SCHEDULER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace wasi_bridge::engine {

class StackPool;
class Task;

class Scheduler {
 public:
  // `stack_size` is usable bytes per task stack (a guard page is added).
  explicit Scheduler(size_t stack_size = 256 * 1024);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Creates a task that will run `body`; it starts on the next Run().
  Task* Spawn(std::string name, std::function<void()> body);
  // Creates a task that is not queued: start it with Resume().
  Task* Create(std::string name, std::function<void()> body);

  // Runs `task` now, nested on the caller's stack (a task's or the
  // scheduler's), until it suspends or ends; then returns here. This is how
  // a call into an async callee runs it eagerly until it blocks. `task` must
  // be new (Create) or woken-but-unqueued; true if it ended.
  bool Resume(Task* task);

  // Runs ready tasks until every task has finished (OK), or until no task
  // is ready and none can be woken: then returns FailedPrecondition naming
  // the blocked tasks and what they wait for (a deadlock report, not a
  // hang). `poll` is called whenever no task is ready, again and again
  // until one is (or `done()` holds); it may wake tasks (host I/O
  // completion), may block waiting for host I/O, and returns false when it
  // has nothing pending (EventLoop::Poll).
  absl::Status Run(std::function<bool()> poll = nullptr);

  // Inside a task: the running task, or nullptr on the scheduler's stack.
  Task* current() const { return current_; }

  // Inside a task: suspends it until Wake(task). `reason` appears in
  // deadlock reports.
  void Suspend(std::string reason);

  // Inside a task: suspends it until `ready()` holds; the scheduler checks
  // waiting tasks' predicates when nothing else is ready. `describe` says
  // what it waits for in deadlock reports (evaluated when reporting).
  void WaitUntil(std::function<bool()> ready, std::function<std::string()> describe);

  // Inside a task: lets every other ready task run first.
  void Yield();

  // Runs `task` now, nested like Resume, though it is waiting (WaitUntil)
  // or queued after a Yield: it goes on once its wait predicate holds
  // (cancellation makes it hold). True if it ended.
  bool ResumeNow(Task* task);

  // Runs tasks until `done()` holds (OK), or until nothing can run: then a
  // FailedPrecondition deadlock report naming each blocked task and what
  // it waits for. Tasks still unfinished when `done()` holds stay for the
  // next call. Only from the scheduler's own stack.
  absl::Status RunUntil(std::function<bool()> done,
                        std::function<bool()> poll = nullptr);

  // Forgets every suspended or queued task (after a trap killed the store's
  // guest state): they are never resumed; their stacks go with the
  // scheduler.
  void AbandonAll();

  // A pointer the embedder keeps per task (and one for the scheduler's
  // own stack): the runtime's current-task context.
  void* local() const;
  void set_local(void* p);

  // Makes a suspended task ready again (callable from anywhere on the
  // scheduler's thread, including other tasks and the poll callback).
  void Wake(Task* task);

  size_t live_tasks() const { return tasks_.size(); }
  size_t waiting_tasks() const { return waiting_.size(); }
  uint64_t switches() const { return switches_; }

 private:
  bool RunOne(Task* task);  // true if the task ended
  void Reap(Task* task);
  // Moves waiting tasks whose predicate holds to the ready queue.
  bool WakeReadyWaiters();
  std::string DeadlockReport() const;

  std::unique_ptr<StackPool> stacks_;
  std::vector<std::unique_ptr<Task>> tasks_;
  std::deque<Task*> ready_;
  std::vector<Task*> waiting_;  // in WaitUntil, in the order they waited
  std::vector<std::unique_ptr<Task>> abandoned_;
  Task* current_ = nullptr;
  void* main_local_ = nullptr;
  uint64_t switches_ = 0;
};

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_TASK_SCHEDULER_H_
