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

  // Runs ready tasks until every task has finished (OK), or until no task
  // is ready and none can be woken: then returns FailedPrecondition naming
  // the blocked tasks and what they wait for (a deadlock report, not a
  // hang). `poll` is called whenever no task is ready; it may wake tasks
  // (host I/O completion) and returns false when it has nothing pending.
  absl::Status Run(std::function<bool()> poll = nullptr);

  // Inside a task: the running task, or nullptr on the scheduler's stack.
  Task* current() const { return current_; }

  // Inside a task: suspends it until Wake(task). `reason` appears in
  // deadlock reports.
  void Suspend(std::string reason);

  // Makes a suspended task ready again (callable from anywhere on the
  // scheduler's thread, including other tasks and the poll callback).
  void Wake(Task* task);

  size_t live_tasks() const { return tasks_.size(); }
  uint64_t switches() const { return switches_; }

 private:
  void RunOne(Task* task);
  void Reap(Task* task);

  std::unique_ptr<StackPool> stacks_;
  std::vector<std::unique_ptr<Task>> tasks_;
  std::deque<Task*> ready_;
  Task* current_ = nullptr;
  uint64_t switches_ = 0;
};

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_TASK_SCHEDULER_H_
