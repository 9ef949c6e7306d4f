// Readable stream and future ends in flight between two handle tables.
//
// Lifting an end (an argument, a result, a task.return value) takes it out
// of the sender's table; the lifted Value carries only a u32, so the end
// waits here under a ticket until the receiver lowers it into its own
// table (the spec's lift_async_value / lower_async_value pair). One per
// store, shared by every instance's table.
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_END_TRANSIT_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_END_TRANSIT_H_

#include <cstdint>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "engine/task/waitable.h"

namespace wasi_bridge::engine {

class EndTransit {
 public:
  // Parks `end` and returns its ticket (never 0).
  uint32_t Put(std::shared_ptr<AsyncObject> end) {
    if (++next_ == 0) ++next_;
    ends_[next_] = std::move(end);
    return next_;
  }
  // The end parked under `ticket`, removed; null if there is none.
  std::shared_ptr<AsyncObject> Take(uint32_t ticket) {
    auto it = ends_.find(ticket);
    if (it == ends_.end()) return nullptr;
    std::shared_ptr<AsyncObject> end = std::move(it->second);
    ends_.erase(it);
    return end;
  }
  // The end parked under `ticket`, left in place; null if there is none.
  const AsyncObject* Peek(uint32_t ticket) const {
    auto it = ends_.find(ticket);
    return it == ends_.end() ? nullptr : it->second.get();
  }
  size_t size() const { return ends_.size(); }

 private:
  absl::flat_hash_map<uint32_t, std::shared_ptr<AsyncObject>> ends_;
  uint32_t next_ = 0;
};

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_END_TRANSIT_H_
