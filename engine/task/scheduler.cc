#include "engine/task/scheduler.h"

#include <algorithm>
#include <new>

#include <boost/context/fiber.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/task/stack_pool.h"

namespace wasi_bridge::engine {

namespace ctx = boost::context;

class Task {
 public:
  enum class State { kReady, kRunning, kSuspended, kDone };

  std::string name;
  std::function<void()> body;
  State state = State::kReady;
  std::string waiting_for;
  ctx::fiber fiber;            // the task's side, resumed by the scheduler
  ctx::fiber scheduler_side;   // resumed by the task to switch back
  bool started = false;
};

Scheduler::Scheduler(size_t stack_size)
    : stacks_(std::make_unique<StackPool>(stack_size)) {}

Scheduler::~Scheduler() {
  // Unwinding suspended fibers is not supported by the tasks' code paths
  // (they may hold guest state); dropping them releases their stacks.
  tasks_.clear();
}

Task* Scheduler::Spawn(std::string name, std::function<void()> body) {
  auto task = std::make_unique<Task>();
  task->name = std::move(name);
  task->body = std::move(body);
  Task* raw = task.get();
  tasks_.push_back(std::move(task));
  ready_.push_back(raw);
  return raw;
}

void Scheduler::Suspend(std::string reason) {
  Task* t = current_;
  t->state = Task::State::kSuspended;
  t->waiting_for = std::move(reason);
  ++switches_;
  t->scheduler_side = std::move(t->scheduler_side).resume();
  // Resumed by RunOne after a Wake().
}

void Scheduler::Wake(Task* task) {
  if (task->state != Task::State::kSuspended) return;
  task->state = Task::State::kReady;
  task->waiting_for.clear();
  ready_.push_back(task);
}

void Scheduler::RunOne(Task* task) {
  if (!task->started) {
    task->started = true;
    task->fiber = ctx::fiber(
        std::allocator_arg, PooledStack(*stacks_),
        [task](ctx::fiber&& scheduler) {
          task->scheduler_side = std::move(scheduler);
          task->body();
          task->state = Task::State::kDone;
          return std::move(task->scheduler_side);
        });
  }
  current_ = task;
  task->state = Task::State::kRunning;
  ++switches_;
  task->fiber = std::move(task->fiber).resume();
  current_ = nullptr;
  if (task->state == Task::State::kDone) Reap(task);
}

void Scheduler::Reap(Task* task) {
  auto it = std::find_if(tasks_.begin(), tasks_.end(),
                         [task](const auto& t) { return t.get() == task; });
  if (it != tasks_.end()) tasks_.erase(it);
}

absl::Status Scheduler::Run(std::function<bool()> poll) {
  while (!tasks_.empty()) {
    if (ready_.empty()) {
      if (poll && poll() && !ready_.empty()) continue;
      if (!ready_.empty()) continue;
      std::string report;
      for (const auto& t : tasks_) {
        absl::StrAppend(&report, report.empty() ? "" : "; ", t->name,
                        " waits for ", t->waiting_for);
      }
      return absl::FailedPreconditionError(
          absl::StrCat("deadlock: no task can make progress (", report, ")"));
    }
    Task* next = ready_.front();
    ready_.pop_front();
    try {
      RunOne(next);
    } catch (const std::bad_alloc&) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "cannot allocate a stack for task %s", next->name));
    }
  }
  return absl::OkStatus();
}

}  // namespace wasi_bridge::engine
