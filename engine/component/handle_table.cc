#include "engine/component/handle_table.h"

#include "absl/strings/str_format.h"
#include "adapter/support/status_macros.h"
#include "engine/component/copy_end.h"
#include "engine/core/executor.h"

namespace wasi_bridge::engine {

absl::StatusOr<ResourceHandleTable::Entry*> ResourceHandleTable::Get(
    cabi::ResourceId resource, uint32_t handle) {
  if (handle == 0 || handle >= entries_.size() || !entries_[handle].live) {
    return Trap(absl::StrFormat("unknown handle index %u", handle));
  }
  Entry& e = entries_[handle];
  if (e.async != nullptr) {
    return Trap(absl::StrFormat("handle index %u used with the wrong type, "
                                "expected guest-defined resource", handle));
  }
  if (e.resource != resource) {
    return Trap(absl::StrFormat("handle index %u used with the wrong type, "
                                "expected guest-defined resource but found a "
                                "different guest-defined resource",
                                handle));
  }
  return &e;
}

uint32_t ResourceHandleTable::Add(Entry e) {
  e.live = true;
  if (!free_.empty()) {
    const uint32_t i = free_.back();
    free_.pop_back();
    entries_[i] = e;
    return i;
  }
  entries_.push_back(e);
  return static_cast<uint32_t>(entries_.size() - 1);
}

namespace {
const char* KindName(AsyncKind k) {
  switch (k) {
    case AsyncKind::kSubtask: return "subtask";
    case AsyncKind::kWaitableSet: return "waitable set";
    case AsyncKind::kStreamEnd: return "stream end";
    case AsyncKind::kFutureEnd: return "future end";
  }
  return "?";
}
}  // namespace

absl::StatusOr<uint32_t> ResourceHandleTable::AddAsync(std::shared_ptr<AsyncObject> object) {
  // The spec's Table.MAX_LENGTH.
  if (free_.empty() && entries_.size() >= (size_t{1} << 28) - 1) {
    return Trap("handle table is full");
  }
  Entry e;
  e.async = std::move(object);
  return Add(std::move(e));
}

absl::StatusOr<std::shared_ptr<AsyncObject>> ResourceHandleTable::GetAsync(uint32_t handle,
                                                                          AsyncKind kind) {
  if (handle == 0 || handle >= entries_.size() || !entries_[handle].live) {
    return Trap(absl::StrFormat("unknown handle index %u", handle));
  }
  const Entry& e = entries_[handle];
  if (e.async == nullptr || e.async->kind() != kind) {
    return Trap(absl::StrFormat("handle index %u used with the wrong type, expected %s",
                                handle, KindName(kind)));
  }
  return e.async;
}

absl::StatusOr<Waitable*> ResourceHandleTable::GetWaitable(uint32_t handle) {
  if (handle == 0 || handle >= entries_.size() || !entries_[handle].live) {
    return Trap(absl::StrFormat("unknown handle index %u", handle));
  }
  const Entry& e = entries_[handle];
  if (e.async == nullptr || e.async->kind() == AsyncKind::kWaitableSet) {
    return Trap(absl::StrFormat("handle index %u used with the wrong type, expected waitable",
                                handle));
  }
  return static_cast<Waitable*>(e.async.get());
}

absl::StatusOr<std::shared_ptr<AsyncObject>> ResourceHandleTable::RemoveAsync(uint32_t handle,
                                                                             AsyncKind kind) {
  auto o = GetAsync(handle, kind);
  if (o.ok()) Remove(handle);
  return o;
}

absl::StatusOr<uint32_t> ResourceHandleTable::LiftEnd(const cabi::CabiType& t, uint32_t i,
                                                      AsyncKind kind) {
  WB_ASSIGN_OR_RETURN(auto obj, GetAsync(i, kind));
  WB_RETURN_IF_ERROR(static_cast<const CopyEnd*>(obj.get())->CheckLift(t));
  Remove(i);
  static_cast<CopyEnd*>(obj.get())->set_index(0);
  return transit_->Put(std::move(obj));
}

absl::StatusOr<uint32_t> ResourceHandleTable::LowerEnd(uint32_t ticket, AsyncKind kind) {
  std::shared_ptr<AsyncObject> obj = transit_->Take(ticket);
  if (obj == nullptr || obj->kind() != kind) {
    return Trap(absl::StrFormat("no %s in transit under %u", KindName(kind), ticket));
  }
  auto* end = static_cast<CopyEnd*>(obj.get());
  WB_ASSIGN_OR_RETURN(uint32_t h, AddAsync(std::move(obj)));
  end->set_index(h);
  return h;
}

absl::StatusOr<uint32_t> ResourceHandleTable::LiftStream(const cabi::CabiType& t, uint32_t i) {
  return LiftEnd(t, i, AsyncKind::kStreamEnd);
}
absl::StatusOr<uint32_t> ResourceHandleTable::LowerStream(const cabi::CabiType&,
                                                          uint32_t ticket) {
  return LowerEnd(ticket, AsyncKind::kStreamEnd);
}
absl::StatusOr<uint32_t> ResourceHandleTable::LiftFuture(const cabi::CabiType& t, uint32_t i) {
  return LiftEnd(t, i, AsyncKind::kFutureEnd);
}
absl::StatusOr<uint32_t> ResourceHandleTable::LowerFuture(const cabi::CabiType&,
                                                          uint32_t ticket) {
  return LowerEnd(ticket, AsyncKind::kFutureEnd);
}

void ResourceHandleTable::Remove(uint32_t handle) {
  entries_[handle] = Entry{};
  free_.push_back(handle);
}

absl::StatusOr<uint32_t> ResourceHandleTable::LiftOwn(
    cabi::ResourceId resource, uint32_t handle) {
  auto e = Get(resource, handle);
  if (!e.ok()) return e.status();
  if (!(*e)->own) {
    return Trap(absl::StrFormat("cannot lift own from a borrow (handle %u)",
                                handle));
  }
  if ((*e)->lends != 0) {
    return Trap(absl::StrFormat("cannot remove owned resource while borrowed "
                                "(handle %u)",
                                handle));
  }
  const uint32_t rep = (*e)->rep;
  Remove(handle);
  return rep;
}

absl::StatusOr<uint32_t> ResourceHandleTable::LiftBorrow(
    cabi::ResourceId resource, uint32_t handle) {
  auto e = Get(resource, handle);
  if (!e.ok()) return e.status();
  if ((*e)->own) {
    ++(*e)->lends;
    call_lends_.push_back(handle);
  }
  return (*e)->rep;
}

void ResourceHandleTable::EndLendsSince(size_t mark) {
  while (call_lends_.size() > mark) {
    const uint32_t h = call_lends_.back();
    call_lends_.pop_back();
    if (h < entries_.size() && entries_[h].live && entries_[h].lends > 0) {
      --entries_[h].lends;
    }
  }
}

std::vector<uint32_t> ResourceHandleTable::TakeLendsSince(size_t mark) {
  std::vector<uint32_t> out;
  if (call_lends_.size() > mark) {
    out.assign(call_lends_.begin() + static_cast<std::ptrdiff_t>(mark), call_lends_.end());
    call_lends_.resize(mark);
  }
  return out;
}

void ResourceHandleTable::EndLends(const std::vector<uint32_t>& handles) {
  for (uint32_t h : handles) {
    if (h < entries_.size() && entries_[h].live && entries_[h].lends > 0) --entries_[h].lends;
  }
}

absl::StatusOr<uint32_t> ResourceHandleTable::LowerOwn(
    cabi::ResourceId resource, uint32_t rep) {
  return Add(Entry{resource, rep, /*own=*/true});
}

absl::StatusOr<uint32_t> ResourceHandleTable::LowerBorrow(
    cabi::ResourceId resource, uint32_t rep) {
  if (owns_ && owns_(resource)) return rep;
  Entry e{resource, rep, /*own=*/false};
  if (scope_) {
    ++*scope_;
    e.scope = scope_;
    return Add(std::move(e));
  }
  const uint32_t h = Add(std::move(e));
  call_borrows_.push_back(h);
  return h;
}

absl::StatusOr<uint32_t> ResourceHandleTable::New(cabi::ResourceId resource,
                                                  uint32_t rep) {
  return Add(Entry{resource, rep, /*own=*/true});
}

absl::StatusOr<uint32_t> ResourceHandleTable::Rep(cabi::ResourceId resource,
                                                  uint32_t handle) {
  auto e = Get(resource, handle);
  if (!e.ok()) return e.status();
  return (*e)->rep;
}

absl::StatusOr<std::optional<uint32_t>> ResourceHandleTable::Drop(
    cabi::ResourceId resource, uint32_t handle) {
  auto e = Get(resource, handle);
  if (!e.ok()) return e.status();
  if ((*e)->lends != 0) {
    return Trap(absl::StrFormat("cannot drop resource %u while borrowed",
                                handle));
  }
  const bool own = (*e)->own;
  const uint32_t rep = (*e)->rep;
  if ((*e)->scope && *(*e)->scope > 0) --*(*e)->scope;
  Remove(handle);
  if (!own) {
    for (auto it = call_borrows_.begin(); it != call_borrows_.end(); ++it) {
      if (*it == handle) {
        call_borrows_.erase(it);
        break;
      }
    }
    return std::optional<uint32_t>();
  }
  return std::optional<uint32_t>(rep);
}

void ResourceHandleTable::ReleaseBorrowsSince(size_t mark) {
  while (call_borrows_.size() > mark) {
    const uint32_t h = call_borrows_.back();
    call_borrows_.pop_back();
    if (h < entries_.size() && entries_[h].live && !entries_[h].own) Remove(h);
  }
}

}  // namespace wasi_bridge::engine
