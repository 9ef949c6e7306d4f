#include "engine/component/async_canon.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapter/support/status_macros.h"
#include "engine/cabi/layout.h"

namespace wasi_bridge::engine {

namespace bin = binary;

absl::Status AsyncStore::CannotBlock() {
  return Trap("cannot block a synchronous task before returning");
}

namespace {

// Runs `wait` (which suspends the current fiber) with the task's instances
// off the call stack: a blocked instance may be entered again.
void OffStack(AsyncStore& a, const std::function<void()>& wait) {
  FiberContext& f = a.fiber();
  std::vector<InstanceState*> mine(a.stack->begin() + static_cast<ptrdiff_t>(f.stack_base),
                                   a.stack->end());
  for (InstanceState* i : mine) i->entered = false;
  a.stack->resize(f.stack_base);
  wait();
  f.stack_base = a.stack->size();
  for (InstanceState* i : mine) {
    i->entered = true;
    a.stack->push_back(i);
  }
}

}  // namespace

absl::Status AsyncStore::Block(std::function<bool()> ready,
                               std::function<std::string()> what) {
  if (ready()) return absl::OkStatus();
  // Only an async-typed task on its own fiber can wait; a sync-typed one
  // (or a start function) must return without blocking.
  if (!MayBlock() || scheduler.current() == nullptr) return CannotBlock();
  OffStack(*this, [&] { scheduler.WaitUntil(std::move(ready), std::move(what)); });
  return absl::OkStatus();
}

absl::StatusOr<bool> AsyncStore::BlockCancellable(std::function<bool()> ready,
                                                  std::function<std::string()> what) {
  GuestTask* t = current();
  // deliver_pending_cancel: a cancellation requested while the task was
  // busy arrives at its next cancellable wait.
  if (t != nullptr && t->cancel == GuestTask::Cancel::kPending) {
    t->cancel = GuestTask::Cancel::kDelivered;
    return true;
  }
  if (ready()) return false;
  if (!MayBlock() || scheduler.current() == nullptr) return CannotBlock();
  t->cancellable = true;
  OffStack(*this, [&] {
    scheduler.WaitUntil([t, ready = std::move(ready)] { return t->cancel_wakeup || ready(); },
                        std::move(what));
  });
  t->cancellable = false;
  return std::exchange(t->cancel_wakeup, false);
}

void AsyncStore::RequestCancellation(GuestTask& task) {
  if (task.resolved || task.fiber == nullptr) return;
  auto deliver_now = [&] {
    task.cancel = GuestTask::Cancel::kDelivered;
    task.cancel_wakeup = true;
    scheduler.ResumeNow(task.fiber);
  };
  if (task.waiting_to_enter) return deliver_now();
  if (task.cancel != GuestTask::Cancel::kNone) return;
  const InstanceState& inst = *task.instance;
  // A task that needs the exclusive lock can only be resumed while no
  // other task holds it.
  const bool lock_free = !task.needs_exclusive || inst.exclusive == nullptr ||
                         inst.exclusive == &task;
  if (task.cancellable && lock_free) return deliver_now();
  task.cancel = GuestTask::Cancel::kPending;
}

void AsyncStore::AbandonAll() {
  for (GuestTask* t : live) {
    InstanceState* inst = t->instance;
    inst->poisoned = true;
    inst->entered = false;
    inst->num_waiting_to_enter = 0;
    if (inst->exclusive == t) inst->exclusive = nullptr;
  }
  live.clear();
  stack->clear();
  scheduler.AbandonAll();
}

bool AsyncStore::Yield(bool cancellable) {
  GuestTask* task = current();
  if (task == nullptr || !task->async_typed || scheduler.current() == nullptr) return false;
  if (cancellable && task->cancel == GuestTask::Cancel::kPending) {
    task->cancel = GuestTask::Cancel::kDelivered;
    return true;
  }
  task->cancellable = cancellable;
  OffStack(*this, [&] { scheduler.Yield(); });
  task->cancellable = false;
  return std::exchange(task->cancel_wakeup, false);
}

namespace {

absl::Status CannotLeave() { return Trap("cannot leave component instance"); }

// Writes an event's payload at `ptr` (two u32s) and returns its code.
absl::StatusOr<uint32_t> StoreEvent(CoreStore& store, CoreExtern memory, uint32_t ptr,
                                    const Event& e) {
  absl::Span<uint8_t> mem = store.MemoryBytes(memory);
  // The spec only asserts this; trapping is the safe reading (cm-async.md
  // §2.15 item 2).
  if (ptr % 4 != 0) return Trap("unaligned pointer");
  if (uint64_t{ptr} + 8 > mem.size()) return Trap("event pointer out of bounds of memory");
  for (int i = 0; i < 4; ++i) {
    mem[ptr + i] = static_cast<uint8_t>(e.p1 >> (8 * i));
    mem[ptr + 4 + i] = static_cast<uint8_t>(e.p2 >> (8 * i));
  }
  return static_cast<uint32_t>(e.code);
}

bool SameType(const cabi::TypeRef& a, const cabi::TypeRef& b) {
  if (!a || !b) return !a && !b;
  return cabi::ToString(a) == cabi::ToString(b);
}

using Fn = std::function<absl::Status(absl::Span<const CoreValue>, absl::Span<CoreValue>)>;

CoreFuncType Sig(std::vector<CoreType> params, std::vector<CoreType> results) {
  return CoreFuncType{std::move(params), std::move(results)};
}

}  // namespace

std::optional<CoreExtern> MakeAsyncBuiltin(const bin::Canon& c, AsyncBuiltinSite site) {
  auto s = std::make_shared<AsyncBuiltinSite>(std::move(site));
  const CoreType i32 = CoreType::kI32;
  // Every built-in here may not run during realloc or post-return, except
  // context.get/set.
  auto guarded = [s](Fn f) -> Fn {
    return [s, f = std::move(f)](absl::Span<const CoreValue> a,
                                 absl::Span<CoreValue> r) -> absl::Status {
      if (!s->instance->may_leave) return CannotLeave();
      return f(a, r);
    };
  };
  switch (c.opcode) {
    case bin::CanonOpcode::kContextGet:
    case bin::CanonOpcode::kContextSet: {
      const uint32_t slot = c.slot;
      const bool get = c.opcode == bin::CanonOpcode::kContextGet;
      Fn f = [s, slot, get](absl::Span<const CoreValue> a, absl::Span<CoreValue> r) -> absl::Status {
        GuestTask* t = s->async->current();
        if (t == nullptr) return Trap("context.get/set outside of a task");
        if (get) {
          r[0] = CoreValue::I32(t->context[slot]);
        } else {
          t->context[slot] = a[0].i32();
        }
        return absl::OkStatus();
      };
      return s->store->NewHostFunc(get ? Sig({}, {i32}) : Sig({i32}, {}), std::move(f));
    }
    case bin::CanonOpcode::kTaskReturn: {
      Fn f = [s](absl::Span<const CoreValue> a, absl::Span<CoreValue>) -> absl::Status {
        GuestTask* t = s->async->current();
        if (t == nullptr || !t->async_lift) {
          return Trap("task.return called from a task not lifted with `async`");
        }
        if (t->resolved) return Trap("task.return called more than once");
        if (!SameType(t->result, s->result) || t->encoding != s->encoding ||
            (s->memory && t->memory != s->memory->handle)) {
          return Trap("invalid `task.return` signature and/or options for current task");
        }
        if (t->borrows && *t->borrows > 0) return Trap("borrow handles still remain at the end of the call");
        cabi::CallContext ctx = s->context();
        std::vector<cabi::CoreValue> flat;
        for (const CoreValue& v : a) {
          switch (v.type) {
            case CoreType::kI64: flat.push_back(cabi::CoreValue::I64(v.bits)); break;
            case CoreType::kF32:
              flat.push_back(cabi::CoreValue::F32Bits(static_cast<uint32_t>(v.bits)));
              break;
            case CoreType::kF64: flat.push_back(cabi::CoreValue::F64Bits(v.bits)); break;
            default: flat.push_back(cabi::CoreValue::I32(v.i32()));
          }
        }
        std::vector<cabi::TypeRef> types;
        if (s->result) types.push_back(s->result);
        cabi::CoreValueIter it(flat);
        WB_ASSIGN_OR_RETURN(std::vector<cabi::Value> values,
                            cabi::LiftFlatValues(ctx, 16, it, types));
        t->resolved = true;
        std::optional<cabi::Value> result;
        if (!values.empty()) result = std::move(values.front());
        return t->request->on_resolve(std::move(result));
      };
      std::vector<cabi::TypeRef> types;
      if (s->result) types.push_back(s->result);
      auto flat = cabi::FlattenFunc(types, {}, cabi::FlattenContext::kLower);
      if (!flat.ok()) return std::nullopt;
      std::vector<CoreType> params;
      for (cabi::CoreType t : flat->params) {
        switch (t) {
          case cabi::CoreType::kI64: params.push_back(CoreType::kI64); break;
          case cabi::CoreType::kF32: params.push_back(CoreType::kF32); break;
          case cabi::CoreType::kF64: params.push_back(CoreType::kF64); break;
          default: params.push_back(CoreType::kI32);
        }
      }
      return s->store->NewHostFunc(Sig(std::move(params), {}), guarded(std::move(f)));
    }
    case bin::CanonOpcode::kThreadYield: {
      const bool cancellable = c.flag;
      Fn f = [s, cancellable](absl::Span<const CoreValue>, absl::Span<CoreValue> r)
          -> absl::Status {
        r[0] = CoreValue::I32(s->async->Yield(cancellable) ? 1 : 0);  // 1: cancelled
        return absl::OkStatus();
      };
      return s->store->NewHostFunc(Sig({}, {i32}), guarded(std::move(f)));
    }
    case bin::CanonOpcode::kSubtaskDrop: {
      Fn f = [s](absl::Span<const CoreValue> a, absl::Span<CoreValue>) -> absl::Status {
        WB_ASSIGN_OR_RETURN(auto obj, s->handles->GetAsync(a[0].i32(), AsyncKind::kSubtask));
        WB_RETURN_IF_ERROR(static_cast<Subtask*>(obj.get())->CheckDrop());
        static_cast<Subtask*>(obj.get())->Join(nullptr);
        return s->handles->RemoveAsync(a[0].i32(), AsyncKind::kSubtask).status();
      };
      return s->store->NewHostFunc(Sig({i32}, {}), guarded(std::move(f)));
    }
    case bin::CanonOpcode::kWaitableSetNew: {
      Fn f = [s](absl::Span<const CoreValue>, absl::Span<CoreValue> r) -> absl::Status {
        WB_ASSIGN_OR_RETURN(uint32_t h, s->handles->AddAsync(std::make_shared<WaitableSet>()));
        r[0] = CoreValue::I32(h);
        return absl::OkStatus();
      };
      return s->store->NewHostFunc(Sig({}, {i32}), guarded(std::move(f)));
    }
    case bin::CanonOpcode::kWaitableSetDrop: {
      Fn f = [s](absl::Span<const CoreValue> a, absl::Span<CoreValue>) -> absl::Status {
        WB_ASSIGN_OR_RETURN(auto obj, s->handles->GetAsync(a[0].i32(), AsyncKind::kWaitableSet));
        WB_RETURN_IF_ERROR(static_cast<WaitableSet*>(obj.get())->CheckDrop());
        return s->handles->RemoveAsync(a[0].i32(), AsyncKind::kWaitableSet).status();
      };
      return s->store->NewHostFunc(Sig({i32}, {}), guarded(std::move(f)));
    }
    case bin::CanonOpcode::kWaitableJoin: {
      Fn f = [s](absl::Span<const CoreValue> a, absl::Span<CoreValue>) -> absl::Status {
        WB_ASSIGN_OR_RETURN(Waitable * w, s->handles->GetWaitable(a[0].i32()));
        if (w->sync_waiter()) {
          return Trap("cannot join a waitable that a synchronous operation waits on");
        }
        if (a[1].i32() == 0) {
          w->Join(nullptr);
          return absl::OkStatus();
        }
        WB_ASSIGN_OR_RETURN(auto set, s->handles->GetAsync(a[1].i32(), AsyncKind::kWaitableSet));
        w->Join(static_cast<WaitableSet*>(set.get()));
        return absl::OkStatus();
      };
      return s->store->NewHostFunc(Sig({i32, i32}, {}), guarded(std::move(f)));
    }
    case bin::CanonOpcode::kWaitableSetWait:
    case bin::CanonOpcode::kWaitableSetPoll: {
      const bool cancellable = c.flag;
      const bool wait = c.opcode == bin::CanonOpcode::kWaitableSetWait;
      Fn f = [s, wait, cancellable](absl::Span<const CoreValue> a,
                                    absl::Span<CoreValue> r) -> absl::Status {
        const uint32_t si = a[0].i32();
        WB_ASSIGN_OR_RETURN(auto obj, s->handles->GetAsync(si, AsyncKind::kWaitableSet));
        auto* set = static_cast<WaitableSet*>(obj.get());
        Event e;
        bool cancelled = false;
        if (wait) {
          if (!s->async->MayBlock()) return AsyncStore::CannotBlock();
          set->AddWaiter();
          // The exclusive lock stays held while a callback waits here.
          auto ready = [obj, set] { return set->HasPendingEvent(); };
          auto what = [obj, set, si] { return set->Describe(si); };
          absl::StatusOr<bool> st = false;
          if (cancellable) {
            st = s->async->BlockCancellable(ready, what);
          } else if (absl::Status b = s->async->Block(ready, what); !b.ok()) {
            st = b;
          }
          set->RemoveWaiter();
          WB_RETURN_IF_ERROR(st.status());
          cancelled = *st;
        } else if (cancellable) {
          GuestTask* t = s->async->current();
          if (t != nullptr && t->cancel == GuestTask::Cancel::kPending) {
            t->cancel = GuestTask::Cancel::kDelivered;
            cancelled = true;
          }
        }
        if (cancelled) {
          e = Event{EventCode::kTaskCancelled, 0, 0};
        } else if (auto got = set->Poll()) {
          e = *got;
        }
        WB_ASSIGN_OR_RETURN(uint32_t code, StoreEvent(*s->store, *s->memory, a[1].i32(), e));
        r[0] = CoreValue::I32(code);
        return absl::OkStatus();
      };
      return s->store->NewHostFunc(Sig({i32, i32}, {i32}), guarded(std::move(f)));
    }
    case bin::CanonOpcode::kTaskCancel: {
      Fn f = [s](absl::Span<const CoreValue>, absl::Span<CoreValue>) -> absl::Status {
        GuestTask* t = s->async->current();
        if (t == nullptr || !t->async_lift) {
          return Trap("task.cancel called from a task not lifted with `async`");
        }
        if (t->resolved || t->cancel != GuestTask::Cancel::kDelivered) {
          return Trap("task.cancel called without a delivered cancellation request");
        }
        if (t->borrows && *t->borrows > 0) {
          return Trap("borrow handles still remain at the end of the call");
        }
        if (!t->request->on_cancelled) return Trap("the caller of this task cannot cancel it");
        t->resolved = true;
        return t->request->on_cancelled();
      };
      return s->store->NewHostFunc(Sig({}, {}), guarded(std::move(f)));
    }
    case bin::CanonOpcode::kSubtaskCancel: {
      const bool async_cancel = c.flag;
      Fn f = [s, async_cancel](absl::Span<const CoreValue> a,
                               absl::Span<CoreValue> r) -> absl::Status {
        if (!async_cancel && !s->async->MayBlock()) return AsyncStore::CannotBlock();
        WB_ASSIGN_OR_RETURN(auto obj, s->handles->GetAsync(a[0].i32(), AsyncKind::kSubtask));
        auto sub = std::static_pointer_cast<Subtask>(obj);
        if (sub->resolve_delivered()) {
          return Trap("cannot cancel a subtask whose resolution was already delivered");
        }
        if (sub->cancellation_requested()) return Trap("subtask cancellation already requested");
        if (!async_cancel && sub->set() != nullptr) {
          return Trap("waitable cannot be used synchronously while added to a waitable set");
        }
        if (!sub->resolved()) {
          sub->RequestCancellation();
          // The callee ran nested; a trap there ends this call too.
          if (!s->async->trap.ok()) return std::exchange(s->async->trap, absl::OkStatus());
          if (!sub->resolved()) {
            if (async_cancel) {
              r[0] = CoreValue::I32(0xffffffff);  // BLOCKED
              return absl::OkStatus();
            }
            // Until resolved, not just until the next event (cm-async.md
            // §2.15 item 1).
            sub->set_sync_waiter(true);
            absl::Status st = s->async->Block(
                [sub] { return sub->resolved(); },
                [sub] { return absl::StrCat("the cancellation of subtask ", sub->index()); });
            sub->set_sync_waiter(false);
            WB_RETURN_IF_ERROR(st);
          }
        }
        r[0] = CoreValue::I32(sub->TakeEvent().p2);
        return absl::OkStatus();
      };
      return s->store->NewHostFunc(Sig({i32}, {i32}), guarded(std::move(f)));
    }
    case bin::CanonOpcode::kBackpressureInc:
    case bin::CanonOpcode::kBackpressureDec: {
      // Allowed during realloc and post-return (no may_leave check).
      const bool inc = c.opcode == bin::CanonOpcode::kBackpressureInc;
      Fn f = [s, inc](absl::Span<const CoreValue>, absl::Span<CoreValue>) -> absl::Status {
        uint32_t& bp = s->instance->backpressure;
        if (inc) {
          if (bp + 1 >= (uint32_t{1} << 16)) return Trap("backpressure counter overflow");
          ++bp;
        } else {
          if (bp == 0) return Trap("backpressure counter underflow");
          --bp;
        }
        return absl::OkStatus();
      };
      return s->store->NewHostFunc(Sig({}, {}), std::move(f));
    }
    default:
      return std::nullopt;
  }
}

}  // namespace wasi_bridge::engine
