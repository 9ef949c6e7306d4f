// Fiber stacks: mmap'ed, with an inaccessible guard page below each stack
// so an overflow faults instead of corrupting memory, and pooled because
// mmap+mprotect per task costs ~15 us (reference/engine.md 2c).
#ifndef WASI_BRIDGE_ENGINE_TASK_STACK_POOL_H_
#define WASI_BRIDGE_ENGINE_TASK_STACK_POOL_H_

#include <cstddef>
#include <vector>

#include <boost/context/stack_context.hpp>

namespace wasi_bridge::engine {

class StackPool {
 public:
  explicit StackPool(size_t usable_size, size_t max_cached = 64);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // The boost.context StackAllocator concept.
  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& sc) noexcept;

  size_t cached() const { return free_.size(); }

 private:
  size_t usable_;
  size_t page_;
  size_t max_cached_;
  std::vector<void*> free_;  // base addresses (guard page first)
};

// A copyable handle to a pool, as boost's fiber constructor wants.
class PooledStack {
 public:
  explicit PooledStack(StackPool& pool) : pool_(&pool) {}
  boost::context::stack_context allocate() { return pool_->allocate(); }
  void deallocate(boost::context::stack_context& sc) noexcept {
    pool_->deallocate(sc);
  }

 private:
  StackPool* pool_;
};

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_TASK_STACK_POOL_H_
