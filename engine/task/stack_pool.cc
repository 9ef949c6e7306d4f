#include "engine/task/stack_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <new>

namespace wasi_bridge::engine {

StackPool::StackPool(size_t usable_size, size_t max_cached)
    : page_(static_cast<size_t>(sysconf(_SC_PAGESIZE))),
      max_cached_(max_cached) {
  usable_ = (usable_size + page_ - 1) / page_ * page_;
}

StackPool::~StackPool() {
  for (void* base : free_) munmap(base, usable_ + page_);
}

boost::context::stack_context StackPool::allocate() {
  void* base;
  if (!free_.empty()) {
    base = free_.back();
    free_.pop_back();
  } else {
    base = mmap(nullptr, usable_ + page_, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();  // boost's contract
    // Stacks grow down: the guard page is the lowest page.
    mprotect(base, page_, PROT_NONE);
  }
  boost::context::stack_context sc;
  sc.size = usable_;
  sc.sp = static_cast<char*>(base) + page_ + usable_;
  return sc;
}

void StackPool::deallocate(boost::context::stack_context& sc) noexcept {
  void* base = static_cast<char*>(sc.sp) - usable_ - page_;
  if (free_.size() < max_cached_) {
    free_.push_back(base);
  } else {
    munmap(base, usable_ + page_);
  }
}

}  // namespace wasi_bridge::engine
