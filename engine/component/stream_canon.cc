#include "engine/component/stream_canon.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapter/support/status_macros.h"
#include "engine/cabi/layout.h"
#include "engine/component/copy_end.h"

namespace wasi_bridge::engine {

namespace bin = binary;

namespace {

constexpr uint32_t kBlocked = 0xffffffff;
constexpr uint32_t kMaxBufferLength = (uint32_t{1} << 28) - 1;

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
  if (end->readable() != readable || !same_type) {
    return Trap(absl::StrCat("handle index ", i, " used with the wrong type, expected ",
                             readable ? "readable " : "writable ", Noun(future), " end"));
  }
  return end;
}

// A sync op (copy or cancel) waits for its end's event; the end may not
// be in a waitable set meanwhile (the spec's sync-waiter rule).
absl::Status CheckSyncUse(const AsyncBuiltinSite& s, const CopyEnd& e) {
  if (!s.async->MayBlock()) return AsyncStore::CannotBlock();
  if (e.set() != nullptr) {
    return Trap("waitable cannot be used synchronously while added to a waitable set");
  }
  return absl::OkStatus();
}

absl::Status WaitForEvent(const AsyncBuiltinSite& s, const std::shared_ptr<CopyEnd>& e) {
  e->set_sync_waiter(true);
  absl::Status st = s.async->Block([e] { return e->has_pending_event(); },
                                   [e] { return absl::StrCat("an event on ", Noun(e->future()),
                                                             " end ", e->index()); });
  e->set_sync_waiter(false);
  return st;
}

// A sync copy (🚝) waits for its end's event. A callback-lifted task that
// holds its instance's exclusive lock lets go of it while blocked here and
// takes it back before going on: sync-streams.wast has the caller's next
// async call into the instance start (STARTED, not STARTING) while the
// blocked sync write's task is still suspended, and completes that write
// only after the caller dropped its end (DROPPED), i.e. once the caller
// itself waits.
absl::Status WaitForCopy(const AsyncBuiltinSite& s, const std::shared_ptr<CopyEnd>& e) {
  GuestTask* task = s.async->current();
  InstanceState* inst = task != nullptr ? task->instance : nullptr;
  const bool held = inst != nullptr && inst->exclusive == task;
  if (held) inst->exclusive = nullptr;
  e->set_sync_waiter(true);
  absl::Status st = s.async->Block(
      [e, held, inst] { return e->has_pending_event() && (!held || inst->exclusive == nullptr); },
      [e] { return absl::StrCat("an event on ", Noun(e->future()), " end ", e->index()); });
  e->set_sync_waiter(false);
  if (held && st.ok()) inst->exclusive = task;
  return st;
}

}  // namespace

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
        auto shared = std::make_shared<SharedCopy>(payload, future);
        auto rd = std::make_shared<CopyEnd>(shared, true);
        auto wr = std::make_shared<CopyEnd>(shared, false);
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
      // Without `async` (🚝, gated by the runtime) the copy blocks the
      // calling task until its event arrives (stream_copy, L2534-2576).
      const bool read = c.opcode == Op::kStreamRead || c.opcode == Op::kFutureRead;
      const EventCode code = future ? (read ? EventCode::kFutureRead : EventCode::kFutureWrite)
                                    : (read ? EventCode::kStreamRead : EventCode::kStreamWrite);
      Fn f = [s, payload, future, read, code, async_option](
                 absl::Span<const CoreValue> a, absl::Span<CoreValue> r) -> absl::Status {
        // A sync copy may block: like a sync cancel, it traps up front in a
        // task that may not (trap-if-block-and-sync.wast).
        if (!async_option && !s->async->MayBlock()) return AsyncStore::CannotBlock();
        WB_ASSIGN_OR_RETURN(auto e, GetEnd(*s->handles, a[0].i32(), future, read, payload));
        if (e->state_ == CopyState::kDone) return Trap(DoneMessage(future, read));
        if (e->state_ != CopyState::kIdle) {
          return Trap(absl::StrCat("cannot ", read ? "read from" : "write to", " a busy ",
                                   Noun(future)));
        }
        if (!async_option) WB_RETURN_IF_ERROR(CheckSyncUse(*s, *e));
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
        WB_RETURN_IF_ERROR(e->BeginCopy(read, code, GuestBuffer{payload, s->context, ptr, n, 0},
                                        s->instance.get()));
        if (!e->has_pending_event()) {
          if (async_option) {
            r[0] = CoreValue::I32(kBlocked);
            return absl::OkStatus();
          }
          WB_RETURN_IF_ERROR(WaitForCopy(*s, e));
        }
        r[0] = CoreValue::I32(e->TakeEvent().p2);
        return absl::OkStatus();
      };
      return s->store->NewHostFunc(
          future ? CoreFuncType{{i32, i32}, {i32}} : CoreFuncType{{i32, i32, i32}, {i32}},
          guarded(std::move(f)));
    }
    case Op::kStreamCancelRead:
    case Op::kStreamCancelWrite:
    case Op::kFutureCancelRead:
    case Op::kFutureCancelWrite: {
      // cancel_copy (L2640-2658): the op in flight ends with whatever it
      // reached (COMPLETED or DROPPED may have raced ahead), else CANCELLED.
      const bool read = c.opcode == Op::kStreamCancelRead || c.opcode == Op::kFutureCancelRead;
      const bool async_cancel = c.flag;
      Fn f = [s, payload, future, read, async_cancel](absl::Span<const CoreValue> a,
                                                      absl::Span<CoreValue> r) -> absl::Status {
        if (!async_cancel && !s->async->MayBlock()) return AsyncStore::CannotBlock();
        WB_ASSIGN_OR_RETURN(auto e, GetEnd(*s->handles, a[0].i32(), future, read, payload));
        if (e->state_ != CopyState::kCopying) {
          return Trap(absl::StrCat("cannot cancel a ", Noun(future), " ",
                                   read ? "read" : "write", " that is not pending"));
        }
        if (!async_cancel) WB_RETURN_IF_ERROR(CheckSyncUse(*s, *e));
        e->state_ = CopyState::kCancelling;
        e->shared_->Cancel(&e->buffer_);
        if (!e->has_pending_event()) {
          if (async_cancel) {
            r[0] = CoreValue::I32(kBlocked);
            return absl::OkStatus();
          }
          WB_RETURN_IF_ERROR(WaitForEvent(*s, e));
        }
        r[0] = CoreValue::I32(e->TakeEvent().p2);
        return absl::OkStatus();
      };
      return s->store->NewHostFunc(CoreFuncType{{i32}, {i32}}, guarded(std::move(f)));
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
        if (e->busy()) {
          // Wasmtime's wording: a readable end is "removed" from the table.
          return Trap(absl::StrCat("cannot ", readable ? "remove" : "drop", " busy ",
                                   Noun(future)));
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
      return std::nullopt;
  }
}

}  // namespace wasi_bridge::engine
