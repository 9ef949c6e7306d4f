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
  // WaitUntil: the condition to resume on and its description.
  std::function<bool()> ready;
  std::function<std::string()> describe;
  void* local = nullptr;
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

Task* Scheduler::Create(std::string name, std::function<void()> body) {
  auto task = std::make_unique<Task>();
  task->name = std::move(name);
  task->body = std::move(body);
  Task* raw = task.get();
  tasks_.push_back(std::move(task));
  return raw;
}

bool Scheduler::Resume(Task* task) { return RunOne(task); }

bool Scheduler::ResumeNow(Task* task) {
  waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), task), waiting_.end());
  ready_.erase(std::remove(ready_.begin(), ready_.end(), task), ready_.end());
  return RunOne(task);
}

void* Scheduler::local() const { return current_ ? current_->local : main_local_; }

void Scheduler::set_local(void* p) {
  if (current_) {
    current_->local = p;
  } else {
    main_local_ = p;
  }
}

void Scheduler::WaitUntil(std::function<bool()> ready,
                          std::function<std::string()> describe) {
  Task* t = current_;
  // Re-checked on every resumption: a predicate that held when the task was
  // woken may have been falsified by a task that ran first.
  while (!ready()) {
    t->ready = ready;
    t->describe = describe;
    t->state = Task::State::kSuspended;
    waiting_.push_back(t);
    ++switches_;
    t->scheduler_side = std::move(t->scheduler_side).resume();
  }
  t->ready = nullptr;
  t->describe = nullptr;
}

void Scheduler::Yield() {
  Task* t = current_;
  t->state = Task::State::kReady;
  ready_.push_back(t);
  ++switches_;
  t->scheduler_side = std::move(t->scheduler_side).resume();
}

bool Scheduler::WakeReadyWaiters() {
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    Task* t = *it;
    if (t->ready && t->ready()) {
      waiting_.erase(it);
      t->state = Task::State::kReady;
      ready_.push_back(t);
      return true;
    }
  }
  return false;
}

void Scheduler::AbandonAll() {
  ready_.clear();
  waiting_.clear();
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    if ((*it).get() != current_) {
      abandoned_.push_back(std::move(*it));
      it = tasks_.erase(it);
    } else {
      ++it;
    }
  }
}

std::string Scheduler::DeadlockReport() const {
  std::string report;
  for (const auto& t : tasks_) {
    if (t->state != Task::State::kSuspended) continue;
    absl::StrAppend(&report, report.empty() ? "" : "; ", t->name, " waits for ",
                    t->describe ? t->describe() : t->waiting_for);
  }
  return absl::StrCat("deadlock: no task can make progress (", report, ")");
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

bool Scheduler::RunOne(Task* task) {
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
  Task* const resumer = current_;  // set when resumed nested (Resume)
  current_ = task;
  task->state = Task::State::kRunning;
  ++switches_;
  task->fiber = std::move(task->fiber).resume();
  current_ = resumer;
  if (task->state != Task::State::kDone) return false;
  Reap(task);
  return true;
}

void Scheduler::Reap(Task* task) {
  auto it = std::find_if(tasks_.begin(), tasks_.end(),
                         [task](const auto& t) { return t.get() == task; });
  if (it != tasks_.end()) tasks_.erase(it);
}

absl::Status Scheduler::Run(std::function<bool()> poll) {
  return RunUntil([this] { return tasks_.empty(); }, std::move(poll));
}

absl::Status Scheduler::RunUntil(std::function<bool()> done,
                                 std::function<bool()> poll) {
  if (current_ != nullptr) {
    return absl::FailedPreconditionError("RunUntil called inside a task");
  }
  while (!done()) {
    if (ready_.empty()) WakeReadyWaiters();
    // Host I/O: poll until a task is ready, `done()` holds, or nothing is
    // pending on the host side either.
    while (ready_.empty() && poll) {
      if (!poll()) break;
      if (done()) return absl::OkStatus();
      WakeReadyWaiters();
    }
    if (ready_.empty()) return absl::FailedPreconditionError(DeadlockReport());
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
