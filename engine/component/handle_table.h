// The per-component-instance table of resource handles (CanonicalABI.md
// "Handle state"): index 0 is never used, freed indices are reused
// last-in first-out, and every handle records its resource type, its
// representation and whether it is owned or borrowed.
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_HANDLE_TABLE_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_HANDLE_TABLE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/cabi/memory.h"
#include "engine/component/end_transit.h"
#include "engine/task/waitable.h"

namespace wasi_bridge::engine {

class ResourceHandleTable : public cabi::HandleTable {
 public:
  // `owns(resource)` is true for resources this instance defines: a borrow
  // of those is passed to it as the bare representation.
  explicit ResourceHandleTable(std::function<bool(cabi::ResourceId)> owns)
      : owns_(std::move(owns)) {}

  absl::StatusOr<uint32_t> LiftOwn(cabi::ResourceId resource,
                                   uint32_t handle) override;
  absl::StatusOr<uint32_t> LiftBorrow(cabi::ResourceId resource,
                                      uint32_t handle) override;
  absl::StatusOr<uint32_t> LowerOwn(cabi::ResourceId resource,
                                    uint32_t rep) override;
  absl::StatusOr<uint32_t> LowerBorrow(cabi::ResourceId resource,
                                       uint32_t rep) override;

  // Stream and future values move their readable end between tables: a
  // lift takes it out of this table into `transit` (the value carries the
  // ticket), a lower adds it to the receiver's table.
  void set_transit(std::shared_ptr<EndTransit> transit) { transit_ = std::move(transit); }
  absl::StatusOr<uint32_t> LiftStream(const cabi::CabiType& t, uint32_t i) override;
  absl::StatusOr<uint32_t> LowerStream(const cabi::CabiType& t, uint32_t ticket) override;
  absl::StatusOr<uint32_t> LiftFuture(const cabi::CabiType& t, uint32_t i) override;
  absl::StatusOr<uint32_t> LowerFuture(const cabi::CabiType& t, uint32_t ticket) override;

  // resource.new / resource.rep / resource.drop. Drop returns the rep of a
  // dropped own handle (the caller runs the destructor), else nullopt.
  absl::StatusOr<uint32_t> New(cabi::ResourceId resource, uint32_t rep);
  absl::StatusOr<uint32_t> Rep(cabi::ResourceId resource, uint32_t handle);
  absl::StatusOr<std::optional<uint32_t>> Drop(cabi::ResourceId resource,
                                               uint32_t handle);

  // Async objects (subtasks, waitable sets, later stream/future ends)
  // share the index space with resource handles, as in the spec's Table.
  absl::StatusOr<uint32_t> AddAsync(std::shared_ptr<AsyncObject> object);
  // The object at `handle`; traps if there is none or it is another kind.
  absl::StatusOr<std::shared_ptr<AsyncObject>> GetAsync(uint32_t handle,
                                                        AsyncKind kind);
  // Any waitable (a subtask or a stream/future end).
  absl::StatusOr<Waitable*> GetWaitable(uint32_t handle);
  absl::StatusOr<std::shared_ptr<AsyncObject>> RemoveAsync(uint32_t handle,
                                                           AsyncKind kind);

  // While set, borrows lowered into this table belong to an async task
  // (the spec's borrow_scope): they count in `*scope` until dropped, by
  // whichever task drops them, instead of ending with the call.
  void set_borrow_scope(std::shared_ptr<uint32_t> scope) { scope_ = std::move(scope); }

  // Borrows lowered into this table during a call end with the call.
  size_t Mark() const { return call_borrows_.size(); }
  void ReleaseBorrowsSince(size_t mark);

  // Handles of this table lent out (lifted as borrows) to a callee stay
  // lent until that call returns: they cannot be dropped or moved meanwhile.
  size_t LendMark() const { return call_lends_.size(); }
  void EndLendsSince(size_t mark);
  // For a call that may outlive others (an async or suspending callee):
  // takes the lends recorded since `mark` off the call stack, to end them
  // with EndLends when that call resolves.
  std::vector<uint32_t> TakeLendsSince(size_t mark);
  void EndLends(const std::vector<uint32_t>& handles);

 private:
  struct Entry {
    cabi::ResourceId resource = 0;
    uint32_t rep = 0;
    bool own = false;
    uint32_t lends = 0;
    bool live = false;
    std::shared_ptr<AsyncObject> async;  // set for non-resource entries
    std::shared_ptr<uint32_t> scope;     // a task-scoped borrow's counter
  };
  absl::StatusOr<Entry*> Get(cabi::ResourceId resource, uint32_t handle);
  uint32_t Add(Entry e);
  void Remove(uint32_t handle);
  absl::StatusOr<uint32_t> LiftEnd(const cabi::CabiType& t, uint32_t i, AsyncKind kind);
  absl::StatusOr<uint32_t> LowerEnd(uint32_t ticket, AsyncKind kind);

  std::function<bool(cabi::ResourceId)> owns_;
  std::vector<Entry> entries_{Entry{}};  // slot 0 reserved
  std::vector<uint32_t> free_;
  std::vector<uint32_t> call_borrows_;
  std::vector<uint32_t> call_lends_;
  std::shared_ptr<uint32_t> scope_;
  std::shared_ptr<EndTransit> transit_ = std::make_shared<EndTransit>();
};

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_HANDLE_TABLE_H_
