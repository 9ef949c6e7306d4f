#include "engine/task/worker_pool.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <utility>

#include "engine/task/event_loop.h"

namespace wasi_bridge::engine {

// What the workers share with the pool; it outlives the pool while a
// detached worker still runs.
struct WorkerPool::Shared {
  std::mutex mu;
  std::condition_variable work;     // a job was queued, or stopping
  std::condition_variable quiet;    // `running` fell to 0
  std::deque<std::pair<uint64_t, std::function<void()>>> queue;
  EventLoop* loop = nullptr;        // null once the pool shuts down
  WorkerPool* pool = nullptr;       // likewise; read on the loop's thread
  bool stopping = false;
  size_t idle = 0;
  size_t running = 0;
};

WorkerPool::WorkerPool(EventLoop* loop, size_t max_threads)
    : loop_(loop), max_threads_(max_threads == 0 ? 1 : max_threads),
      shared_(std::make_shared<Shared>()) {
  shared_->loop = loop;
  shared_->pool = this;
}

WorkerPool::~WorkerPool() {
  std::deque<std::pair<uint64_t, std::function<void()>>> dropped;
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->stopping = true;
    shared_->loop = nullptr;
    shared_->pool = nullptr;
    dropped.swap(shared_->queue);
  }
  shared_->work.notify_all();
  dropped.clear();
  bool quiet;
  {
    std::unique_lock<std::mutex> lock(shared_->mu);
    quiet = shared_->quiet.wait_for(lock, kShutdownGrace, [&] { return shared_->running == 0; });
  }
  // A job still running may never return (see the header): detach.
  for (std::thread& t : threads_) {
    if (quiet) {
      t.join();
    } else {
      t.detach();
    }
  }
  for (size_t i = 0; i < on_done_.size(); ++i) loop_->ReleasePending();
  on_done_.clear();
}

void WorkerPool::Submit(std::function<void()> job, std::function<void()> on_done) {
  const uint64_t id = ++next_id_;
  on_done_.emplace(id, std::move(on_done));
  loop_->HoldPending();
  bool spawn;
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->queue.emplace_back(id, std::move(job));
    spawn = shared_->queue.size() > shared_->idle && threads_.size() < max_threads_;
  }
  shared_->work.notify_one();
  if (spawn) threads_.emplace_back(&WorkerPool::WorkerMain, shared_);
}

void WorkerPool::Finished(uint64_t id) {
  auto it = on_done_.find(id);
  if (it == on_done_.end()) return;
  std::function<void()> done = std::move(it->second);
  on_done_.erase(it);
  loop_->ReleasePending();
  done();
}

void WorkerPool::WorkerMain(std::shared_ptr<Shared> shared) {
  for (;;) {
    std::pair<uint64_t, std::function<void()>> item;
    {
      std::unique_lock<std::mutex> lock(shared->mu);
      ++shared->idle;
      shared->work.wait(lock, [&] { return shared->stopping || !shared->queue.empty(); });
      --shared->idle;
      if (shared->stopping) return;
      item = std::move(shared->queue.front());
      shared->queue.pop_front();
      ++shared->running;
    }
    item.second();
    item.second = nullptr;  // what the job captured goes here, off the loop
    std::lock_guard<std::mutex> lock(shared->mu);
    --shared->running;
    if (shared->loop) {
      shared->loop->PostFromAnyThread([shared, id = item.first] {
        WorkerPool* pool;
        {
          std::lock_guard<std::mutex> l(shared->mu);
          pool = shared->pool;
        }
        if (pool) pool->Finished(id);
      });
    }
    if (shared->running == 0) shared->quiet.notify_all();
  }
}

}  // namespace wasi_bridge::engine
