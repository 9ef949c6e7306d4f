#include "engine/component/copy_end.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapter/support/status_macros.h"
#include "engine/cabi/layout.h"
#include "engine/core/executor.h"

namespace wasi_bridge::engine {

namespace {

bool IsInteger(const cabi::CabiType& t) {
  switch (t.kind()) {
    case cabi::TypeKind::kU8: case cabi::TypeKind::kS8: case cabi::TypeKind::kU16:
    case cabi::TypeKind::kS16: case cabi::TypeKind::kU32: case cabi::TypeKind::kS32:
    case cabi::TypeKind::kU64: case cabi::TypeKind::kS64:
      return true;
    default:
      return false;
  }
}

// Moves `n` elements from `src` to `dst` (lift from one, lower into the
// other, as the spec's buffer read/write).
absl::Status Move(GuestBuffer& src, GuestBuffer& dst, uint32_t n) {
  if (src.t && IsInteger(*src.t)) {
    // Integers need no conversion: one memmove (the buffers were bounds
    // checked when their ops began, and memories only grow).
    const uint64_t size = cabi::ElemSize(src.t);
    absl::Span<uint8_t> from = src.context().memory->Bytes();
    absl::Span<uint8_t> to = dst.context().memory->Bytes();
    const uint64_t from_at = src.ptr + uint64_t{src.progress} * size;
    const uint64_t to_at = dst.ptr + uint64_t{dst.progress} * size;
    const uint64_t bytes = uint64_t{n} * size;
    if (from_at + bytes > from.size() || to_at + bytes > to.size()) {
      return Trap("stream buffer out of bounds of memory");
    }
    if (bytes > 0) std::memmove(to.data() + to_at, from.data() + from_at, bytes);
  } else if (src.t) {
    const uint32_t size = cabi::ElemSize(src.t);
    const cabi::CallContext from = src.context();
    const cabi::CallContext to = dst.context();
    // All values are read before any is written: the buffers may overlap.
    std::vector<cabi::Value> values;
    values.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      WB_ASSIGN_OR_RETURN(values.emplace_back(),
                          cabi::Load(from, src.t, src.ptr + (src.progress + i) * size));
    }
    for (uint32_t i = 0; i < n; ++i) {
      WB_RETURN_IF_ERROR(cabi::Store(to, dst.t, values[i], dst.ptr + (dst.progress + i) * size));
    }
  }
  src.progress += n;
  dst.progress += n;
  return absl::OkStatus();
}

bool NoneOrNumber(const cabi::TypeRef& t) {
  if (!t) return true;
  switch (t->kind()) {
    case cabi::TypeKind::kU8: case cabi::TypeKind::kS8: case cabi::TypeKind::kU16:
    case cabi::TypeKind::kS16: case cabi::TypeKind::kU32: case cabi::TypeKind::kS32:
    case cabi::TypeKind::kU64: case cabi::TypeKind::kS64: case cabi::TypeKind::kF32:
    case cabi::TypeKind::kF64:
      return true;
    default:
      return false;
  }
}

bool SamePayload(const cabi::TypeRef& a, const cabi::TypeRef& b) {
  if (!a || !b) return !a && !b;
  return cabi::ToString(a) == cabi::ToString(b);
}

}  // namespace

absl::Status SharedCopy::Copy(bool is_read, GuestBuffer* buffer, const InstanceState* inst,
                              OnCopy on_copy, OnCopyDone on_copy_done) {
  if (dropped_) {
    on_copy_done(CopyResult::kDropped);
    return absl::OkStatus();
  }
  if (!pending_) {
    pending_ = Pending{buffer, inst, std::move(on_copy), std::move(on_copy_done)};
    return absl::OkStatus();
  }
  // A temporary restriction of the spec (same-component-stream-future).
  if (pending_->inst == inst && !NoneOrNumber(t_)) {
    return Trap(absl::StrCat("cannot read from and write to intra-component ",
                             future_ ? "future" : "stream"));
  }
  GuestBuffer* pend = pending_->buffer;
  GuestBuffer& src = is_read ? *pend : *buffer;
  GuestBuffer& dst = is_read ? *buffer : *pend;
  if (future_) {
    WB_RETURN_IF_ERROR(Move(src, dst, 1));
    ResetAndNotify(CopyResult::kCompleted);
    on_copy_done(CopyResult::kCompleted);
    return absl::OkStatus();
  }
  if (pend->remain() > 0) {
    if (buffer->remain() > 0) {
      WB_RETURN_IF_ERROR(Move(src, dst, std::min(src.remain(), dst.remain())));
      // The pending buffer stays registered until its owner sees the
      // event, so later ops can fill or drain it further.
      pending_->on_copy([this, pend] {
        if (pending_ && pending_->buffer == pend) pending_.reset();
      });
    }
    on_copy_done(CopyResult::kCompleted);
  } else if (!is_read && buffer->length == 0 && pend->length == 0) {
    // A zero-length write meeting a zero-length read completes the write
    // and leaves the read pending (readiness signalling).
    on_copy_done(CopyResult::kCompleted);
  } else {
    ResetAndNotify(CopyResult::kCompleted);
    pending_ = Pending{buffer, inst, std::move(on_copy), std::move(on_copy_done)};
  }
  return absl::OkStatus();
}

void SharedCopy::Cancel(const GuestBuffer* mine) {
  if (pending_ && pending_->buffer == mine) ResetAndNotify(CopyResult::kCancelled);
}

void SharedCopy::Drop() {
  if (dropped_) return;
  dropped_ = true;
  if (pending_) ResetAndNotify(CopyResult::kDropped);
}

void SharedCopy::ResetAndNotify(CopyResult r) {
  OnCopyDone done = std::move(pending_->on_copy_done);
  pending_.reset();
  done(r);
}

absl::Status CopyEnd::CheckLift(const cabi::CabiType& t) const {
  const char* noun = future() ? "future" : "stream";
  if (!readable_ || !SamePayload(shared_->t(), t.elem())) {
    return Trap(absl::StrCat("handle index ", index(), " used with the wrong type, expected ",
                             "readable ", noun, " end"));
  }
  if (state_ == CopyState::kDone) {
    return Trap(future() ? "cannot lift future after previous read succeeded"
                         : "cannot lift stream after being notified that the writable end "
                           "dropped");
  }
  if (set() != nullptr) {
    return Trap(absl::StrCat("cannot lift ", noun, " while it's in a waitable set"));
  }
  if (state_ != CopyState::kIdle) return Trap(absl::StrCat("cannot remove busy ", noun));
  return absl::OkStatus();
}

absl::Status CopyEnd::BeginCopy(bool read, EventCode code, GuestBuffer buffer,
                                const InstanceState* inst) {
  buffer_ = std::move(buffer);
  state_ = CopyState::kCopying;
  const bool fut = future();
  auto on_copy = [this, code](std::function<void()> reclaim) {
    SetEvent([this, code, reclaim = std::move(reclaim)] {
      reclaim();
      state_ = CopyState::kIdle;
      return Event{code, index(), buffer_.progress << 4};
    });
  };
  auto on_copy_done = [this, code, fut](CopyResult result) {
    SetEvent([this, code, fut, result] {
      const bool done = result == CopyResult::kDropped ||
                        (fut && result == CopyResult::kCompleted);
      state_ = done ? CopyState::kDone : CopyState::kIdle;
      const uint32_t payload_bits =
          fut ? static_cast<uint32_t>(result)
              : static_cast<uint32_t>(result) | (buffer_.progress << 4);
      return Event{code, index(), payload_bits};
    });
  };
  return shared_->Copy(read, &buffer_, inst, std::move(on_copy), std::move(on_copy_done));
}

Event CopyEnd::MakeEvent() { return std::exchange(thunk_, nullptr)(); }

}  // namespace wasi_bridge::engine
