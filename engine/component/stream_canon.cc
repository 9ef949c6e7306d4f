#include "engine/component/stream_canon.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapter/support/status_macros.h"
#include "engine/cabi/layout.h"

namespace wasi_bridge::engine {

namespace bin = binary;

namespace {

enum class CopyResult : uint32_t { kCompleted = 0, kDropped = 1, kCancelled = 2 };
enum class CopyState { kIdle, kCopying, kDone };
constexpr uint32_t kBlocked = 0xffffffff;
constexpr uint32_t kMaxBufferLength = (uint32_t{1} << 28) - 1;

// One read or write's span of guest memory.
struct GuestBuffer {
  cabi::TypeRef t;  // null: no payload, only a count
  std::function<cabi::CallContext()> context;
  uint32_t ptr = 0;
  uint32_t length = 0;
  uint32_t progress = 0;
  uint32_t remain() const { return length - progress; }
};

// Moves `n` elements from `src` to `dst` (lift from one, lower into the
// other, as the spec's buffer read/write).
absl::Status Move(GuestBuffer& src, GuestBuffer& dst, uint32_t n) {
  if (src.t) {
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

// The state both ends of one stream or future share.
class Shared {
 public:
  using OnCopy = std::function<void(std::function<void()> reclaim)>;
  using OnCopyDone = std::function<void(CopyResult)>;

  Shared(cabi::TypeRef t, bool future) : t_(std::move(t)), future_(future) {}
  const cabi::TypeRef& t() const { return t_; }

  absl::Status Copy(bool is_read, GuestBuffer* buffer, const InstanceState* inst,
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
    } else {
      ResetAndNotify(CopyResult::kCompleted);
      pending_ = Pending{buffer, inst, std::move(on_copy), std::move(on_copy_done)};
    }
    return absl::OkStatus();
  }

  void Drop() {
    if (dropped_) return;
    dropped_ = true;
    if (pending_) ResetAndNotify(CopyResult::kDropped);
  }

 private:
  struct Pending {
    GuestBuffer* buffer;
    const InstanceState* inst;
    OnCopy on_copy;
    OnCopyDone on_copy_done;
  };
  void ResetAndNotify(CopyResult r) {
    OnCopyDone done = std::move(pending_->on_copy_done);
    pending_.reset();
    done(r);
  }

  cabi::TypeRef t_;
  bool future_;
  bool dropped_ = false;
  std::optional<Pending> pending_;
};

// A readable or writable end in an instance's table.
class CopyEnd : public Waitable {
 public:
  CopyEnd(std::shared_ptr<Shared> shared, bool readable, bool future)
      : shared_(std::move(shared)), readable_(readable), future_(future) {}
  AsyncKind kind() const override {
    return future_ ? AsyncKind::kFutureEnd : AsyncKind::kStreamEnd;
  }

  std::shared_ptr<Shared> shared_;
  const bool readable_;
  const bool future_;
  CopyState state_ = CopyState::kIdle;
  GuestBuffer buffer_;  // the op in flight (stable while COPYING)
  std::function<Event()> thunk_;

  void SetEvent(std::function<Event()> f) {
    thunk_ = std::move(f);
    SetPendingEvent();
  }

 protected:
  Event MakeEvent() override { return std::exchange(thunk_, nullptr)(); }
};

const char* Noun(bool future) { return future ? "future" : "stream"; }

// The message for an op on an end that is DONE.
std::string DoneMessage(bool future, bool read) {
  if (future) {
    return read ? "cannot read from future after previous read succeeded or writable end dropped"
                : "cannot write to future after previous write succeeded or readable end dropped";
  }
  return read ? "cannot read from stream after being notified that the writable end dropped"
              : "cannot write to stream after being notified that the readable end dropped";
}

using Fn = std::function<absl::Status(absl::Span<const CoreValue>, absl::Span<CoreValue>)>;

absl::StatusOr<std::shared_ptr<CopyEnd>> GetEnd(ResourceHandleTable& handles, uint32_t i,
                                                bool future, bool readable,
                                                const cabi::TypeRef& payload) {
  WB_ASSIGN_OR_RETURN(auto obj, handles.GetAsync(i, future ? AsyncKind::kFutureEnd
                                                           : AsyncKind::kStreamEnd));
  auto end = std::static_pointer_cast<CopyEnd>(obj);
  const bool same_type = (!end->shared_->t() && !payload) ||
                         (end->shared_->t() && payload &&
                          cabi::ToString(end->shared_->t()) == cabi::ToString(payload));
  if (end->readable_ != readable || !same_type) {
    return Trap(absl::StrCat("handle index ", i, " used with the wrong type, expected ",
                             readable ? "readable " : "writable ", Noun(future), " end"));
  }
  return end;
}

}  // namespace

bool ContainsStreamOrFuture(const cabi::TypeRef& t) {
  if (!t) return false;
  switch (t->kind()) {
    case cabi::TypeKind::kStream:
    case cabi::TypeKind::kFuture:
      return true;
    default:
      break;
  }
  if (ContainsStreamOrFuture(t->elem()) || ContainsStreamOrFuture(t->err())) return true;
  for (const auto& f : t->fields()) {
    if (ContainsStreamOrFuture(f.type)) return true;
  }
  for (const auto& e : t->elems()) {
    if (ContainsStreamOrFuture(e)) return true;
  }
  for (const auto& c : t->cases()) {
    if (ContainsStreamOrFuture(c.type)) return true;
  }
  return false;
}

std::optional<CoreExtern> MakeCopyBuiltin(const bin::Canon& c, AsyncBuiltinSite site,
                                          cabi::TypeRef payload, bool async_option) {
  auto s = std::make_shared<AsyncBuiltinSite>(std::move(site));
  const CoreType i32 = CoreType::kI32;
  using Op = bin::CanonOpcode;
  const bool future = c.opcode >= Op::kFutureNew && c.opcode <= Op::kFutureDropWritable;
  auto guarded = [s](Fn f) -> Fn {
    return [s, f = std::move(f)](absl::Span<const CoreValue> a,
                                 absl::Span<CoreValue> r) -> absl::Status {
      if (!s->instance->may_leave) return Trap("cannot leave component instance");
      return f(a, r);
    };
  };
  switch (c.opcode) {
    case Op::kStreamNew:
    case Op::kFutureNew: {
      Fn f = [s, payload, future](absl::Span<const CoreValue>, absl::Span<CoreValue> r)
          -> absl::Status {
        auto shared = std::make_shared<Shared>(payload, future);
        auto rd = std::make_shared<CopyEnd>(shared, true, future);
        auto wr = std::make_shared<CopyEnd>(shared, false, future);
        WB_ASSIGN_OR_RETURN(uint32_t ri, s->handles->AddAsync(rd));
        WB_ASSIGN_OR_RETURN(uint32_t wi, s->handles->AddAsync(wr));
        rd->set_index(ri);
        wr->set_index(wi);
        r[0] = CoreValue::I64(uint64_t{ri} | (uint64_t{wi} << 32));
        return absl::OkStatus();
      };
      return s->store->NewHostFunc(CoreFuncType{{}, {CoreType::kI64}}, guarded(std::move(f)));
    }
    case Op::kStreamRead:
    case Op::kStreamWrite:
    case Op::kFutureRead:
    case Op::kFutureWrite: {
      if (!async_option) return std::nullopt;  // sync copies need 🚝
      const bool read = c.opcode == Op::kStreamRead || c.opcode == Op::kFutureRead;
      const EventCode code = future ? (read ? EventCode::kFutureRead : EventCode::kFutureWrite)
                                    : (read ? EventCode::kStreamRead : EventCode::kStreamWrite);
      Fn f = [s, payload, future, read, code](absl::Span<const CoreValue> a,
                                               absl::Span<CoreValue> r) -> absl::Status {
        WB_ASSIGN_OR_RETURN(auto e, GetEnd(*s->handles, a[0].i32(), future, read, payload));
        if (e->state_ == CopyState::kDone) return Trap(DoneMessage(future, read));
        if (e->state_ != CopyState::kIdle) {
          return Trap(absl::StrCat("cannot ", read ? "read from" : "write to", " a busy ",
                                   Noun(future)));
        }
        const uint32_t ptr = a[1].i32();
        const uint32_t n = future ? 1 : a[2].i32();
        if (n > kMaxBufferLength) return Trap("buffer length too large");
        if (payload && n > 0) {
          const uint64_t size = cabi::ElemSize(payload);
          if (ptr % cabi::Alignment(payload) != 0) return Trap("unaligned pointer");
          const cabi::CallContext ctx = s->context();
          if (ptr + size * n > ctx.memory->Bytes().size()) {
            return Trap("buffer out of bounds of memory");
          }
        }
        e->buffer_ = GuestBuffer{payload, s->context, ptr, n, 0};
        e->state_ = CopyState::kCopying;
        CopyEnd* end = e.get();
        auto on_copy = [end, code](std::function<void()> reclaim) {
          end->SetEvent([end, code, reclaim = std::move(reclaim)] {
            reclaim();
            end->state_ = CopyState::kIdle;
            return Event{code, end->index(), end->buffer_.progress << 4};
          });
        };
        auto on_copy_done = [end, code, future](CopyResult result) {
          end->SetEvent([end, code, future, result] {
            const bool done = result == CopyResult::kDropped ||
                              (future && result == CopyResult::kCompleted);
            end->state_ = done ? CopyState::kDone : CopyState::kIdle;
            const uint32_t payload_bits =
                future ? static_cast<uint32_t>(result)
                       : static_cast<uint32_t>(result) | (end->buffer_.progress << 4);
            return Event{code, end->index(), payload_bits};
          });
        };
        WB_RETURN_IF_ERROR(e->shared_->Copy(read, &e->buffer_, s->instance.get(),
                                            std::move(on_copy), std::move(on_copy_done)));
        r[0] = CoreValue::I32(e->has_pending_event() ? e->TakeEvent().p2 : kBlocked);
        return absl::OkStatus();
      };
      return s->store->NewHostFunc(
          future ? CoreFuncType{{i32, i32}, {i32}} : CoreFuncType{{i32, i32, i32}, {i32}},
          guarded(std::move(f)));
    }
    case Op::kStreamDropReadable:
    case Op::kStreamDropWritable:
    case Op::kFutureDropReadable:
    case Op::kFutureDropWritable: {
      const bool readable = c.opcode == Op::kStreamDropReadable ||
                            c.opcode == Op::kFutureDropReadable;
      Fn f = [s, payload, future, readable](absl::Span<const CoreValue> a,
                                             absl::Span<CoreValue>) -> absl::Status {
        WB_ASSIGN_OR_RETURN(auto e, GetEnd(*s->handles, a[0].i32(), future, readable, payload));
        if (e->state_ == CopyState::kCopying) {
          return Trap(absl::StrCat("cannot drop busy ", Noun(future)));
        }
        if (future && !readable && e->state_ != CopyState::kDone) {
          return Trap("cannot drop future write end without first writing a value");
        }
        e->shared_->Drop();
        e->Join(nullptr);
        return s->handles->RemoveAsync(a[0].i32(), e->kind()).status();
      };
      return s->store->NewHostFunc(CoreFuncType{{i32}, {}}, guarded(std::move(f)));
    }
    default:
      return std::nullopt;  // cancellation: the next slice
  }
}

}  // namespace wasi_bridge::engine
