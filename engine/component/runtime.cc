// Component instantiation: walks a component's sections in order, building
// runtime index spaces (core externs, component functions, instances,
// types), with canon lift/lower bridging through the Canonical ABI.
#include "engine/component/runtime.h"

#include <map>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "adapter/binary/canon_info.h"
#include "adapter/support/status_macros.h"
#include "engine/cabi/layout.h"
#include "engine/cabi/load_store.h"
#include "engine/component/async_canon.h"
#include "engine/component/async_state.h"
#include "engine/component/host_call.h"
#include "engine/component/host_ends.h"
#include "engine/component/handle_table.h"
#include "engine/component/names.h"
#include "engine/component/stream_canon.h"
#include "engine/core/executor.h"

namespace wasi_bridge::engine {
namespace {

namespace bin = binary;

// A resource type defined by some component instance.
struct RtResource {
  cabi::ResourceId id = 0;
  uint64_t owner = 0;  // the defining component instance
  std::optional<CoreExtern> destructor;
};

// An entry of a component's type index space.
struct RtType {
  cabi::TypeRef value;                      // value types
  std::shared_ptr<FuncSignature> func;      // function types
  std::shared_ptr<RtResource> resource;     // resource types
};

class MapInstance : public ComponentInstance {
 public:
  absl::StatusOr<ComponentItem> Export(std::string_view name) const override {
    for (const auto& [n, item] : items) {
      if (n == name) return item;
    }
    return absl::NotFoundError(absl::StrFormat("no export named `%s`", name));
  }
  std::vector<std::string> ExportNames() const override {
    std::vector<std::string> out;
    for (const auto& [n, item] : items) out.push_back(n);
    return out;
  }
  std::vector<std::pair<std::string, ComponentItem>> items;
};

cabi::CoreValue ToCabi(const CoreValue& v) {
  switch (v.type) {
    case CoreType::kI64: return cabi::CoreValue::I64(v.bits);
    case CoreType::kF32: return cabi::CoreValue::F32Bits(static_cast<uint32_t>(v.bits));
    case CoreType::kF64: return cabi::CoreValue::F64Bits(v.bits);
    default: return cabi::CoreValue::I32(static_cast<uint32_t>(v.bits));
  }
}

CoreValue FromCabi(const cabi::CoreValue& v) {
  switch (v.type) {
    case cabi::CoreType::kI64: return CoreValue::I64(v.bits);
    case cabi::CoreType::kF32: return CoreValue::F32Bits(static_cast<uint32_t>(v.bits));
    case cabi::CoreType::kF64: return CoreValue::F64Bits(v.bits);
    default: return CoreValue::I32(static_cast<uint32_t>(v.bits));
  }
}

CoreType CoreOf(cabi::CoreType t) {
  switch (t) {
    case cabi::CoreType::kI64: return CoreType::kI64;
    case cabi::CoreType::kF32: return CoreType::kF32;
    case cabi::CoreType::kF64: return CoreType::kF64;
    default: return CoreType::kI32;
  }
}

class StoreMemory : public cabi::GuestMemory {
 public:
  StoreMemory(CoreStore& store, CoreExtern memory)
      : store_(store), memory_(memory) {}
  absl::Span<uint8_t> Bytes() override { return store_.MemoryBytes(memory_); }

 private:
  CoreStore& store_;
  CoreExtern memory_;
};

// The canonical options of one lift or lower, resolved to core externs.
struct Options {
  std::optional<CoreExtern> memory, realloc, post_return;
  cabi::StringEncoding encoding = cabi::StringEncoding::kUtf8;
  bool async = false;
  bool callback = false;
  std::optional<CoreExtern> callback_func;
};

class RuntimeImpl;

// Clears may_leave for the duration of a realloc or post-return call.
class NoLeaveScope {
 public:
  explicit NoLeaveScope(InstanceState& state) : state_(state), saved_(state.may_leave) {
    state_.may_leave = false;
  }
  ~NoLeaveScope() { state_.may_leave = saved_; }
  NoLeaveScope(const NoLeaveScope&) = delete;
  NoLeaveScope& operator=(const NoLeaveScope&) = delete;

 private:
  InstanceState& state_;
  bool saved_;
};

absl::Status CannotLeave() { return Trap("cannot leave component instance"); }

// Prefixes a link error or trap with where it happened ("instance $d: ...").
// Unimplemented statuses stay as they are: callers group them by message.
absl::Status Within(const std::string& where, absl::Status s) {
  if (s.ok() || s.code() == absl::StatusCode::kUnimplemented) return s;
  return absl::Status(s.code(), absl::StrCat(where, ": ", s.message()));
}

// A trap located by an inner call keeps that location: traps lose their
// payloads on the way through the core executor, so the text marks it.
constexpr absl::string_view kTrapIn = "trap in ";

// Canonical ABI failures inside a call are traps of that call.
absl::Status AsTrap(absl::Status s) {
  if (s.ok() || IsTrap(s)) return s;
  return Trap(std::string_view(s.message().data(), s.message().size()));
}

// The state a lifted or lowered function needs at call time.
struct CallSite {
  CoreStore* store = nullptr;
  AsyncStore* async = nullptr;
  std::shared_ptr<InstanceState> instance;
  Options options;
  std::shared_ptr<ResourceHandleTable> handles;
  std::shared_ptr<StoreMemory> memory;

  cabi::CallContext Context() {
    cabi::CallContext ctx;
    ctx.memory = memory.get();
    ctx.encoding = options.encoding;
    ctx.handles = handles.get();
    if (options.realloc) {
      CoreStore* s = store;
      CoreExtern f = *options.realloc;
      InstanceState* inst = instance.get();
      ctx.realloc = [s, f, inst](uint32_t old_ptr, uint32_t old_size, uint32_t align,
                                 uint32_t new_size) -> absl::StatusOr<uint32_t> {
        NoLeaveScope no_leave(*inst);
        WB_ASSIGN_OR_RETURN(
            auto r, s->Call(f, {CoreValue::I32(old_ptr), CoreValue::I32(old_size),
                                CoreValue::I32(align), CoreValue::I32(new_size)}));
        if (r.size() != 1) return Trap("realloc returned no pointer");
        return r[0].i32();
      };
    }
    return ctx;
  }
};

std::vector<cabi::TypeRef> ParamTypes(const FuncSignature& sig) {
  std::vector<cabi::TypeRef> out;
  for (const auto& [n, t] : sig.params) out.push_back(t);
  return out;
}

std::vector<cabi::TypeRef> ResultTypes(const FuncSignature& sig) {
  if (!sig.result) return {};
  return {sig.result};
}

// `canon lift`: a component function backed by a core function.
class LiftedFunction : public ComponentFunction {
 public:
  // `func`, `core`, `instance`: how messages name the function, its core
  // function and its instance ("func $run", "core func 3", "" at the top).
  LiftedFunction(FuncSignature sig, CoreExtern core, CallSite site, std::string func,
                 std::string core_name, std::string instance)
      : sig_(std::move(sig)),
        core_(core),
        site_(std::move(site)),
        func_name_(std::move(func)),
        core_name_(std::move(core_name)),
        instance_name_(std::move(instance)) {}

  const FuncSignature& signature() const override { return sig_; }

  // The first export name is what callers know the function by.
  void NameByExport(std::string_view name) {
    if (exported_) return;
    exported_ = true;
    func_name_ = absl::StrCat("\"", absl::string_view(name.data(), name.size()), "\"");
  }

  absl::StatusOr<std::optional<cabi::Value>> Call(
      std::vector<cabi::Value> args) override {
    if (sig_.params.size() != args.size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "function takes %u arguments, %u given", sig_.params.size(),
          args.size()));
    }
    if (sig_.is_async) return CallAsyncTyped(std::move(args));
    WB_RETURN_IF_ERROR(CheckEnter());
    InstanceState& state = *site_.instance;
    // A sync-typed function never blocks (it traps instead), so it runs on
    // its caller's stack; it is still the current task for the built-ins.
    GuestTask task;
    task.name = func_name_;
    task.instance = &state;
    FiberContext& fiber = site_.async->fiber();
    GuestTask* const outer = std::exchange(fiber.task, &task);
    state.entered = true;
    state.stack->push_back(&state);
    auto result = CallInner(std::move(args));
    state.stack->pop_back();
    state.entered = false;
    fiber.task = outer;
    if (!result.ok()) {
      absl::Status trap = AsTrap(result.status());
      state.poisoned = true;
      return Located(trap);
    }
    return result;
  }

  // Starts a call of this async-typed function on its own task and runs it
  // until it blocks or ends (the spec's Store.lift + canon_lift). Traps of
  // that eager part come back here; later ones go to AsyncStore::trap.
  absl::Status Start(std::shared_ptr<CallRequest> req) {
    WB_RETURN_IF_ERROR(CheckEnter());
    auto task = std::make_shared<GuestTask>();
    task->name = func_name_;
    task->instance = site_.instance.get();
    task->async_typed = true;
    task->async_lift = site_.options.async;
    task->borrows = std::make_shared<uint32_t>(0);
    task->result = sig_.result;
    if (site_.options.memory) task->memory = site_.options.memory->handle;
    task->encoding = site_.options.encoding;
    task->request = req;
    AsyncStore* async = site_.async;
    // Callback and sync lifts serialise on the instance's exclusive lock.
    task->needs_exclusive = !site_.options.async || site_.options.callback;
    Task* fiber = async->scheduler.Create(
        absl::StrCat(func_name_, site_.instance->label.empty() ? "" : " (",
                     site_.instance->label, site_.instance->label.empty() ? "" : ")"),
        [this, task, async] { RunOnFiber(*task, *async); });
    task->fiber = fiber;
    std::weak_ptr<GuestTask> weak = task;
    req->cancel = [weak, async] {
      if (auto t = weak.lock()) async->RequestCancellation(*t);
    };
    try {
      async->scheduler.Resume(fiber);
    } catch (const std::bad_alloc&) {
      return absl::ResourceExhaustedError("cannot allocate a stack for a task");
    }
    if (!async->trap.ok()) return std::exchange(async->trap, absl::OkStatus());
    return absl::OkStatus();
  }

  // Runtime::CallAsync: starts the task and hands back a promise the
  // task's return resolves.
  absl::StatusOr<HostPromiseRef> StartFromHost(std::vector<cabi::Value> args) {
    AsyncStore* async = site_.async;
    auto req = std::make_shared<CallRequest>();
    auto promise = HostPromise::New();
    auto shared_args = std::make_shared<std::vector<cabi::Value>>(std::move(args));
    req->on_start = [shared_args]() -> absl::StatusOr<std::vector<cabi::Value>> {
      return std::move(*shared_args);
    };
    CallRequest* raw = req.get();
    req->on_resolve = [raw, promise](std::optional<cabi::Value> v) -> absl::Status {
      raw->resolved = true;
      promise->Resolve(std::move(v));
      return absl::OkStatus();
    };
    absl::Status started = Start(req);
    if (!started.ok()) {
      async->AbandonAll();
      return started;
    }
    if (!promise->ready()) async->host_calls.push_back(promise);
    return promise;
  }

 private:
  // Reentrance: the spec's may_enter, with the conservative parent/child
  // rule; a trapped instance stays poisoned.
  absl::Status CheckEnter() const {
    InstanceState& state = *site_.instance;
    if (state.poisoned) {
      return Trap("cannot enter component instance: a trap left it poisoned");
    }
    if (state.entered) {
      return Trap("cannot enter component instance: it is already on the "
                  "call stack");
    }
    // Calls between a component instance and its ancestors or descendants
    // trap (the spec's conservative recursion check).
    for (const InstanceState* on_stack : *state.stack) {
      if (on_stack->IsAncestorOf(&state) || state.IsAncestorOf(on_stack)) {
        return Trap("cannot enter component instance: a parent or child "
                    "instance is on the call stack");
      }
    }
    return absl::OkStatus();
  }

  // An async-typed function called synchronously (by the host or a sync
  // lower): start it, then wait for its result.
  absl::StatusOr<std::optional<cabi::Value>> CallAsyncTyped(std::vector<cabi::Value> args) {
    AsyncStore* async = site_.async;
    const bool from_host = async->current() == nullptr && async->scheduler.current() == nullptr;
    if (from_host) async->trap = absl::OkStatus();
    auto req = std::make_shared<CallRequest>();
    auto result = std::make_shared<std::optional<cabi::Value>>();
    auto shared_args = std::make_shared<std::vector<cabi::Value>>(std::move(args));
    req->on_start = [shared_args]() -> absl::StatusOr<std::vector<cabi::Value>> {
      return std::move(*shared_args);
    };
    CallRequest* raw = req.get();
    req->on_resolve = [raw, result](std::optional<cabi::Value> v) -> absl::Status {
      *result = std::move(v);
      raw->resolved = true;
      return absl::OkStatus();
    };
    absl::Status started = Start(req);
    if (!started.ok()) {
      if (from_host) async->AbandonAll();
      return started;
    }
    if (!req->resolved) {
      if (from_host) {
        // The host's event loop (the spec's Store.tick until resolved).
        WB_RETURN_IF_ERROR(async->RunHost([req] { return req->resolved; }));
      } else {
        const std::string name = func_name_;
        WB_RETURN_IF_ERROR(async->Block([req] { return req->resolved; },
                                        [name] { return absl::StrCat("the result of ", name); }));
      }
    }
    return std::move(*result);
  }

  // The body of an async-typed function's task (canon_lift's thread_func).
  void RunOnFiber(GuestTask& task, AsyncStore& async) {
    FiberContext ctx;
    ctx.task = &task;
    ctx.stack_base = async.stack->size();
    async.scheduler.set_local(&ctx);
    async.live.push_back(&task);
    InstanceState& state = *site_.instance;
    state.entered = true;
    state.stack->push_back(&state);
    absl::Status st = RunTask(task, async);
    std::erase(async.live, &task);
    async.stack->resize(ctx.stack_base);
    state.entered = false;
    if (state.exclusive == &task) state.exclusive = nullptr;
    if (!st.ok()) {
      state.poisoned = true;
      if (async.trap.ok()) async.trap = Located(AsTrap(st));
    }
  }

  absl::Status RunTask(GuestTask& task, AsyncStore& async) {
    InstanceState& inst = *site_.instance;
    CallRequest& req = *task.request;
    // Callback and sync lifts of async-typed functions serialise on the
    // instance's exclusive lock (Task.enter_implicit_thread); until the
    // task has it, its caller sees STARTING.
    // Backpressure (backpressure.inc) holds every new task back, the lock
    // only those that need it (Task.enter, L481-499).
    const bool needs_exclusive = task.needs_exclusive;
    InstanceState* ip = &inst;
    auto has_backpressure = [ip, needs_exclusive] {
      return ip->backpressure > 0 || (needs_exclusive && ip->exclusive != nullptr);
    };
    if (has_backpressure() || inst.num_waiting_to_enter > 0) {
      ++inst.num_waiting_to_enter;
      task.waiting_to_enter = true;
      absl::StatusOr<bool> cancelled = async.BlockCancellable(
          [has_backpressure] { return !has_backpressure(); },
          [ip] { return absl::StrCat("backpressure or the exclusive lock of ",
                                     ip->label.empty() ? "the top instance" : ip->label); });
      task.waiting_to_enter = false;
      --inst.num_waiting_to_enter;
      WB_RETURN_IF_ERROR(cancelled.status());
      if (*cancelled) {
        // Cancelled before it started: CANCELLED_BEFORE_STARTED.
        task.resolved = true;
        if (!req.on_cancelled) return Trap("the caller of this task cannot cancel it");
        return req.on_cancelled();
      }
    }
    if (needs_exclusive) inst.exclusive = &task;
    WB_ASSIGN_OR_RETURN(std::vector<cabi::Value> args, req.on_start());
    if (!site_.options.async) {
      WB_ASSIGN_OR_RETURN(std::optional<cabi::Value> r, CallInner(std::move(args), &req));
      (void)r;
      if (inst.exclusive == &task) inst.exclusive = nullptr;
      return absl::OkStatus();
    }
    cabi::CallContext ctx = site_.Context();
    site_.handles->set_borrow_scope(task.borrows);
    auto lowered = cabi::LowerFunctionArgs(ctx, ParamTypes(sig_), args);
    site_.handles->set_borrow_scope(nullptr);
    WB_ASSIGN_OR_RETURN(std::vector<cabi::CoreValue> flat, std::move(lowered));
    std::vector<CoreValue> core_args;
    for (const auto& v : flat) core_args.push_back(FromCabi(v));
    WB_ASSIGN_OR_RETURN(std::vector<CoreValue> out, site_.store->Call(core_, core_args));
    uint32_t packed = out.empty() ? 0 : out[0].i32();
    // The stackless callback loop (canon_lift, L2196-2216).
    for (;;) {
      const uint32_t code = packed & 0xf;
      if (code > 2) return Trap("unsupported callback code");
      if (code == 0) break;  // EXIT
      if (inst.exclusive == &task) inst.exclusive = nullptr;
      // Both waits are cancellable: a cancellation arrives as
      // TASK_CANCELLED (once).
      const Event cancelled_event{EventCode::kTaskCancelled, 0, 0};
      Event event;
      if (code == 1) {  // YIELD
        if (async.Yield(/*cancellable=*/true)) {
          event = cancelled_event;
        } else {
          WB_ASSIGN_OR_RETURN(
              bool cancelled,
              async.BlockCancellable([ip] { return ip->exclusive == nullptr; },
                                     [] { return std::string("a yield to finish"); }));
          if (cancelled) event = cancelled_event;
        }
      } else {  // WAIT on the set packed >> 4
        const uint32_t si = packed >> 4;
        WB_ASSIGN_OR_RETURN(auto obj, site_.handles->GetAsync(si, AsyncKind::kWaitableSet));
        auto* set = static_cast<WaitableSet*>(obj.get());
        set->AddWaiter();
        absl::StatusOr<bool> cancelled = async.BlockCancellable(
            [obj, set, ip] { return set->HasPendingEvent() && ip->exclusive == nullptr; },
            [obj, set, si] { return set->Describe(si); });
        set->RemoveWaiter();
        WB_RETURN_IF_ERROR(cancelled.status());
        event = *cancelled ? cancelled_event : *set->Poll();
      }
      inst.exclusive = &task;
      WB_ASSIGN_OR_RETURN(
          out, site_.store->Call(*site_.options.callback_func,
                                 {CoreValue::I32(static_cast<uint32_t>(event.code)),
                                  CoreValue::I32(event.p1), CoreValue::I32(event.p2)}));
      packed = out.empty() ? 0 : out[0].i32();
    }
    if (inst.exclusive == &task) inst.exclusive = nullptr;
    if (!task.resolved) return Trap("async task exited without calling task.return");
    return absl::OkStatus();
  }

  // `req`: deliver the result through it (a sync lift of an async-typed
  // function) instead of returning it.
  absl::StatusOr<std::optional<cabi::Value>> CallInner(
      std::vector<cabi::Value> args, CallRequest* req = nullptr) {
    cabi::CallContext ctx = site_.Context();
    const size_t mark = site_.handles->Mark();
    WB_ASSIGN_OR_RETURN(std::vector<cabi::CoreValue> flat,
                        cabi::LowerFunctionArgs(ctx, ParamTypes(sig_), args));
    std::vector<CoreValue> core_args;
    for (const auto& v : flat) core_args.push_back(FromCabi(v));
    WB_ASSIGN_OR_RETURN(std::vector<CoreValue> core_results,
                        site_.store->Call(core_, core_args));
    std::vector<cabi::CoreValue> results;
    for (const auto& v : core_results) results.push_back(ToCabi(v));
    auto lifted = cabi::LiftFunctionResults(ctx, ResultTypes(sig_), results);
    // The callee must drop every borrow it was given before returning.
    const bool borrows_remain = site_.handles->Mark() > mark;
    site_.handles->ReleaseBorrowsSince(mark);
    if (!lifted.ok()) return lifted.status();
    if (borrows_remain) {
      return Trap("borrow handles still remain at the end of the call");
    }
    std::optional<cabi::Value> value;
    if (!lifted->empty()) value = std::move(lifted->front());
    if (req != nullptr) {
      WB_RETURN_IF_ERROR(req->on_resolve(std::move(value)));
      value.reset();
    }
    if (site_.options.post_return) {
      NoLeaveScope no_leave(*site_.instance);
      WB_RETURN_IF_ERROR(
          site_.store->Call(*site_.options.post_return, core_results).status());
    }
    return value;
  }

  // `trap in "run" (core func $foo, instance $d): <reason>`.
  absl::Status Located(const absl::Status& trap) const {
    if (absl::StartsWith(trap.message(), kTrapIn)) return trap;
    return Trap(absl::StrCat(kTrapIn, func_name_, " (", core_name_,
                             instance_name_.empty() ? "" : ", ", instance_name_, "): ",
                             trap.message()));
  }

  FuncSignature sig_;
  CoreExtern core_;
  CallSite site_;
  std::string func_name_, core_name_, instance_name_;
  bool exported_ = false;
};

class HostFunctionImpl : public ComponentFunction {
 public:
  HostFunctionImpl(FuncSignature sig, HostFunction fn)
      : sig_(std::move(sig)), fn_(std::move(fn)) {}
  const FuncSignature& signature() const override { return sig_; }
  absl::StatusOr<std::optional<cabi::Value>> Call(
      std::vector<cabi::Value> args) override {
    return fn_(std::move(args));
  }

 private:
  FuncSignature sig_;
  HostFunction fn_;
};

struct OuterView;

}  // namespace

// A component definition with what its outer aliases can see of the
// enclosing components (a snapshot: only earlier definitions are visible,
// and holding the scopes themselves would make ownership cycles).
class ComponentDefinition {
 public:
  const bin::Component* component = nullptr;
  std::shared_ptr<const OuterView> parent;
};

namespace {

// The index spaces an outer alias can name: types, components, modules.
struct OuterView {
  std::vector<RtType> types;
  std::vector<std::shared_ptr<ComponentDefinition>> components;
  std::vector<std::shared_ptr<CoreModule>> core_modules;
  std::shared_ptr<const OuterView> parent;
};

struct Scope {
  std::shared_ptr<const OuterView> parent;
  ComponentNames names;
  std::string label;  // "instance $d" for nested instances, "" at the top
  std::shared_ptr<InstanceState> state = std::make_shared<InstanceState>();
  uint64_t instance_id = 0;
  std::shared_ptr<ResourceHandleTable> handles;
  std::vector<CoreExtern> core_funcs, core_tables, core_memories, core_globals,
      core_tags;
  std::vector<std::shared_ptr<CoreModule>> core_modules;
  std::vector<std::map<std::string, CoreExtern, std::less<>>> core_instances;
  std::vector<RtType> types;
  std::vector<std::shared_ptr<ComponentFunction>> funcs;
  std::vector<std::shared_ptr<ComponentInstance>> instances;
  std::vector<std::shared_ptr<ComponentDefinition>> components;
};

class RuntimeImpl : public Runtime {
 public:
  explicit RuntimeImpl(RuntimeOptions options) : options_(options), store_(NewWabtStore()) {}

  absl::StatusOr<std::shared_ptr<ComponentInstance>> Instantiate(
      const bin::Component& component,
      const std::vector<std::pair<std::string, ComponentItem>>& imports)
      override {
    // Start functions run as a synchronous task: they may not block.
    GuestTask start;
    start.name = "start function";
    FiberContext& fiber = async_->fiber();
    GuestTask* const outer = std::exchange(fiber.task, &start);
    auto r = InstantiateIn(component, nullptr, imports);
    fiber.task = outer;
    return r;
  }

  ComponentItem HostFunc(FuncSignature signature,
                         HostFunction function) override {
    ComponentItem item;
    item.kind = ComponentItem::Kind::kFunc;
    item.func = std::make_shared<HostFunctionImpl>(std::move(signature),
                                                   std::move(function));
    return item;
  }

  ComponentItem AsyncHostFunc(FuncSignature signature, AsyncHostFunction function) override {
    ComponentItem item;
    item.kind = ComponentItem::Kind::kFunc;
    signature.is_async = true;
    item.func = std::make_shared<AsyncHostFunctionImpl>(std::move(signature),
                                                        std::move(function), async_.get());
    return item;
  }

  absl::StatusOr<HostPromiseRef> CallAsync(ComponentFunction& func,
                                           std::vector<cabi::Value> args) override {
    if (async_->scheduler.current() != nullptr) {
      return absl::FailedPreconditionError("CallAsync is for the host's own stack");
    }
    if (auto* lifted = dynamic_cast<LiftedFunction*>(&func);
        lifted != nullptr && func.signature().is_async) {
      return lifted->StartFromHost(std::move(args));
    }
    return HostPromise::Ready(func.Call(std::move(args)));
  }

  absl::Status Run(std::function<bool()> done) override {
    return async_->RunHost(std::move(done));
  }

  EventLoop* loop() override { return &async_->loop; }
  void SetHostResourceDrop(cabi::ResourceId id, std::function<void(uint32_t)> on_drop) override {
    (*host_drops_)[id] = std::move(on_drop);
  }

  absl::StatusOr<HostStreamPair> NewStream(cabi::TypeRef payload) override {
    return NewHostStream(*async_, std::move(payload));
  }
  absl::StatusOr<HostFuturePair> NewFuture(cabi::TypeRef payload) override {
    return NewHostFuture(*async_, std::move(payload));
  }
  absl::StatusOr<std::shared_ptr<HostStreamEnd>> TakeStream(const cabi::Value& value) override {
    return TakeHostStream(*async_, value);
  }
  absl::StatusOr<std::shared_ptr<HostFutureEnd>> TakeFuture(const cabi::Value& value) override {
    return TakeHostFuture(*async_, value);
  }

 private:
  absl::StatusOr<std::shared_ptr<ComponentInstance>> InstantiateIn(
      const bin::Component& c, std::shared_ptr<const OuterView> parent,
      const std::vector<std::pair<std::string, ComponentItem>>& imports,
      std::shared_ptr<InstanceState> parent_state = nullptr, std::string label = "");

  absl::Status Section(Scope& s, const bin::Section& section,
                       const std::vector<std::pair<std::string, ComponentItem>>&
                           imports,
                       MapInstance& exports);

  absl::StatusOr<cabi::TypeRef> Val(Scope& s, const bin::ValType& t);
  absl::StatusOr<RtType> TypeDef(Scope& s, const bin::TypeDef& def);
  absl::StatusOr<Options> ResolveOptions(Scope& s,
                                         const std::vector<bin::CanonOption>& opts);
  absl::Status Canon(Scope& s, const bin::Canon& c);
  absl::Status LowerAsync(Scope& s, const bin::Canon& c, const Options& o);
  absl::Status Alias(Scope& s, const bin::Alias& a);
  absl::StatusOr<ComponentItem> ItemOf(Scope& s, const bin::SortIndex& si);
  void Push(Scope& s, const ComponentItem& item, bin::SortKind kind);
  absl::StatusOr<std::shared_ptr<CoreModule>> Compile(bin::Bytes bytes);

  RuntimeOptions options_;
  std::unique_ptr<CoreStore> store_;
  std::unique_ptr<AsyncStore> async_ = std::make_unique<AsyncStore>();
  uint64_t next_instance_ = 1;
  cabi::ResourceId next_resource_ = 1;
  absl::flat_hash_map<const uint8_t*, std::shared_ptr<CoreModule>> modules_;
  // Resource id -> defining instance, for handle tables' `owns`.
  absl::flat_hash_map<cabi::ResourceId, std::shared_ptr<RtResource>> resources_;
  // Host-defined resources' drop hooks (SetHostResourceDrop).
  std::shared_ptr<absl::flat_hash_map<cabi::ResourceId, std::function<void(uint32_t)>>>
      host_drops_ = std::make_shared<
          absl::flat_hash_map<cabi::ResourceId, std::function<void(uint32_t)>>>();
};

absl::StatusOr<std::shared_ptr<CoreModule>> RuntimeImpl::Compile(
    bin::Bytes bytes) {
  auto it = modules_.find(bytes.data());
  if (it != modules_.end()) return it->second;
  WB_ASSIGN_OR_RETURN(auto module, store_->Compile(bytes));
  modules_[bytes.data()] = module;
  return module;
}

absl::StatusOr<cabi::TypeRef> RuntimeImpl::Val(Scope& s,
                                              const bin::ValType& t) {
  using P = bin::PrimValType;
  if (!t.is_index) {
    switch (t.prim) {
      case P::kBool: return cabi::CabiType::Bool();
      case P::kS8: return cabi::CabiType::S8();
      case P::kU8: return cabi::CabiType::U8();
      case P::kS16: return cabi::CabiType::S16();
      case P::kU16: return cabi::CabiType::U16();
      case P::kS32: return cabi::CabiType::S32();
      case P::kU32: return cabi::CabiType::U32();
      case P::kS64: return cabi::CabiType::S64();
      case P::kU64: return cabi::CabiType::U64();
      case P::kF32: return cabi::CabiType::F32();
      case P::kF64: return cabi::CabiType::F64();
      case P::kChar: return cabi::CabiType::Char();
      case P::kString: return cabi::CabiType::String();
      case P::kErrorContext: return cabi::CabiType::ErrorContext();
    }
  }
  if (t.index >= s.types.size() || !s.types[t.index].value) {
    return absl::InvalidArgumentError(
        absl::StrFormat("type %u is not a value type", t.index));
  }
  return s.types[t.index].value;
}

absl::StatusOr<RtType> RuntimeImpl::TypeDef(Scope& s,
                                            const bin::TypeDef& def) {
  RtType out;
  auto val = [&](const bin::ValType& t) { return Val(s, t); };
  auto opt = [&](const std::optional<bin::ValType>& t)
      -> absl::StatusOr<cabi::TypeRef> {
    if (!t) return cabi::TypeRef();
    return Val(s, *t);
  };
  auto resource = [&](uint32_t i) -> absl::StatusOr<cabi::ResourceId> {
    if (i >= s.types.size() || !s.types[i].resource) {
      return absl::InvalidArgumentError("not a resource type");
    }
    return s.types[i].resource->id;
  };
  absl::Status status = absl::OkStatus();
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        auto set = [&](absl::StatusOr<cabi::TypeRef> r) {
          if (r.ok()) {
            out.value = *r;
          } else {
            status = r.status();
          }
        };
        if constexpr (std::is_same_v<T, bin::PrimType>) {
          set(val(bin::ValType::Prim(v.prim)));
        } else if constexpr (std::is_same_v<T, bin::RecordType>) {
          std::vector<cabi::Field> fields;
          for (const auto& f : v.fields) {
            auto t = val(f.type);
            if (!t.ok()) return set(t.status());
            fields.push_back({std::string(f.name), *t});
          }
          set(cabi::CabiType::Record(std::move(fields)));
        } else if constexpr (std::is_same_v<T, bin::VariantType>) {
          std::vector<cabi::Case> cases;
          for (const auto& c : v.cases) {
            auto t = opt(c.type);
            if (!t.ok()) return set(t.status());
            cases.push_back({std::string(c.name), *t});
          }
          set(cabi::CabiType::Variant(std::move(cases)));
        } else if constexpr (std::is_same_v<T, bin::ListType>) {
          auto e = val(v.element);
          if (!e.ok()) return set(e.status());
          set(v.fixed_length ? cabi::CabiType::FixedList(*e, *v.fixed_length)
                             : cabi::CabiType::List(*e));
        } else if constexpr (std::is_same_v<T, bin::TupleType>) {
          std::vector<cabi::TypeRef> elems;
          for (const auto& e : v.elements) {
            auto t = val(e);
            if (!t.ok()) return set(t.status());
            elems.push_back(*t);
          }
          set(cabi::CabiType::Tuple(std::move(elems)));
        } else if constexpr (std::is_same_v<T, bin::FlagsType>) {
          set(cabi::CabiType::Flags(static_cast<uint32_t>(v.names.size())));
        } else if constexpr (std::is_same_v<T, bin::EnumType>) {
          std::vector<std::string> labels(v.names.begin(), v.names.end());
          set(cabi::CabiType::Enum(std::move(labels)));
        } else if constexpr (std::is_same_v<T, bin::OptionType>) {
          auto e = val(v.element);
          if (!e.ok()) return set(e.status());
          set(cabi::CabiType::Option(*e));
        } else if constexpr (std::is_same_v<T, bin::ResultType>) {
          auto ok = opt(v.ok);
          auto err = opt(v.err);
          if (!ok.ok()) return set(ok.status());
          if (!err.ok()) return set(err.status());
          set(cabi::CabiType::Result(*ok, *err));
        } else if constexpr (std::is_same_v<T, bin::OwnType> ||
                             std::is_same_v<T, bin::BorrowType>) {
          auto r = resource(v.resource);
          if (!r.ok()) return set(r.status());
          set(std::is_same_v<T, bin::OwnType> ? cabi::CabiType::Own(*r)
                                              : cabi::CabiType::Borrow(*r));
        } else if constexpr (std::is_same_v<T, bin::StreamType> ||
                             std::is_same_v<T, bin::FutureType>) {
          auto e = opt(v.element);
          if (!e.ok()) return set(e.status());
          set(std::is_same_v<T, bin::StreamType> ? cabi::CabiType::Stream(*e)
                                                 : cabi::CabiType::Future(*e));
        } else if constexpr (std::is_same_v<T, bin::MapType>) {
          auto k = val(v.key);
          auto m = val(v.value);
          if (!k.ok()) return set(k.status());
          if (!m.ok()) return set(m.status());
          set(cabi::CabiType::Map(*k, *m));
        } else if constexpr (std::is_same_v<T, bin::FuncType>) {
          auto sig = std::make_shared<FuncSignature>();
          sig->is_async = v.is_async;
          for (const auto& p : v.params) {
            auto t = val(p.type);
            if (!t.ok()) {
              status = t.status();
              return;
            }
            sig->params.push_back({std::string(p.name), *t});
          }
          auto r = opt(v.result);
          if (!r.ok()) {
            status = r.status();
            return;
          }
          sig->result = *r;
          out.func = std::move(sig);
        } else if constexpr (std::is_same_v<T, bin::ResourceType>) {
          auto r = std::make_shared<RtResource>();
          r->id = next_resource_++;
          r->owner = s.instance_id;
          if (v.destructor) {
            if (*v.destructor >= s.core_funcs.size()) {
              status = absl::InvalidArgumentError("bad destructor index");
              return;
            }
            r->destructor = s.core_funcs[*v.destructor];
          }
          resources_[r->id] = r;
          out.resource = std::move(r);
        }
        // Component and instance types describe imports; nothing to build.
      },
      def.value);
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<Options> RuntimeImpl::ResolveOptions(
    Scope& s, const std::vector<bin::CanonOption>& opts) {
  Options o;
  for (const auto& opt : opts) {
    switch (opt.code) {
      case bin::CanonOptionCode::kUtf8: o.encoding = cabi::StringEncoding::kUtf8; break;
      case bin::CanonOptionCode::kUtf16: o.encoding = cabi::StringEncoding::kUtf16; break;
      case bin::CanonOptionCode::kLatin1Utf16:
        o.encoding = cabi::StringEncoding::kLatin1Utf16;
        break;
      case bin::CanonOptionCode::kMemory: o.memory = s.core_memories.at(opt.index); break;
      case bin::CanonOptionCode::kRealloc: o.realloc = s.core_funcs.at(opt.index); break;
      case bin::CanonOptionCode::kPostReturn:
        o.post_return = s.core_funcs.at(opt.index);
        break;
      case bin::CanonOptionCode::kAsync: o.async = true; break;
      case bin::CanonOptionCode::kCallback:
        o.callback = true;
        o.callback_func = s.core_funcs.at(opt.index);
        break;
    }
  }
  return o;
}

absl::Status RuntimeImpl::Canon(Scope& s, const bin::Canon& c) {
  const bin::CanonInfo* info = bin::FindCanonInfo(static_cast<uint8_t>(c.opcode));
  auto site = [&](const Options& o) {
    CallSite cs;
    cs.store = store_.get();
    cs.async = async_.get();
    cs.instance = s.state;
    cs.options = o;
    cs.handles = s.handles;
    if (o.memory) cs.memory = std::make_shared<StoreMemory>(*store_, *o.memory);
    return cs;
  };
  auto resource_of = [&](uint32_t type) -> absl::StatusOr<std::shared_ptr<RtResource>> {
    if (type >= s.types.size() || !s.types[type].resource) {
      return absl::InvalidArgumentError("not a resource type");
    }
    return s.types[type].resource;
  };
  switch (c.opcode) {
    case bin::CanonOpcode::kLift: {
      WB_ASSIGN_OR_RETURN(Options o, ResolveOptions(s, c.options));
      if (o.async && !o.callback) {
        return absl::UnimplementedError(
            "canon lift async without callback: stackful lifts (🚟) are not "
            "implemented");
      }
      const RtType& t = s.types.at(c.type_index);
      if (!t.func) return absl::InvalidArgumentError("lift of a non-function type");
      s.funcs.push_back(std::make_shared<LiftedFunction>(
          *t.func, s.core_funcs.at(c.func_index), site(o),
          s.names.Describe(NameSort::kFunc, static_cast<uint32_t>(s.funcs.size())),
          s.names.Describe(NameSort::kCoreFunc, c.func_index), s.label));
      return absl::OkStatus();
    }
    case bin::CanonOpcode::kLower: {
      WB_ASSIGN_OR_RETURN(Options o, ResolveOptions(s, c.options));
      if (o.async) return LowerAsync(s, c, o);
      std::shared_ptr<ComponentFunction> callee = s.funcs.at(c.func_index);
      const FuncSignature& sig = callee->signature();
      WB_ASSIGN_OR_RETURN(cabi::CoreFuncType flat,
                          cabi::FlattenFunc(ParamTypes(sig), ResultTypes(sig),
                                            cabi::FlattenContext::kLower));
      CoreFuncType core;
      for (auto t : flat.params) core.params.push_back(CoreOf(t));
      for (auto t : flat.results) core.results.push_back(CoreOf(t));
      CallSite cs = site(o);
      s.core_funcs.push_back(store_->NewHostFunc(
          core, [callee, cs](absl::Span<const CoreValue> args,
                             absl::Span<CoreValue> results) mutable -> absl::Status {
            if (!cs.instance->may_leave) return CannotLeave();
            const FuncSignature& sig = callee->signature();
            // A task that may not block cannot wait for an async callee
            // (checked before the call, as canon_lower does).
            if (sig.is_async && !cs.async->MayBlock()) return AsyncStore::CannotBlock();
            cabi::CallContext ctx = cs.Context();
            std::vector<cabi::CoreValue> flat_args;
            for (const auto& a : args) flat_args.push_back(ToCabi(a));
            // Handles lent to the callee stay lent until it returns.
            const size_t lends = cs.handles->LendMark();
            std::vector<uint32_t> lent;
            auto call = [&]() -> absl::Status {
              WB_ASSIGN_OR_RETURN(cabi::LiftedArgs lifted,
                                  cabi::LiftFunctionArgs(ctx, ParamTypes(sig),
                                                         ResultTypes(sig),
                                                         flat_args));
              // The callee may suspend while other calls lend and return:
              // its lends end with it, not with whoever returns first.
              lent = cs.handles->TakeLendsSince(lends);
              WB_ASSIGN_OR_RETURN(std::optional<cabi::Value> r,
                                  callee->Call(std::move(lifted.args)));
              cs.handles->EndLends(std::exchange(lent, {}));
              std::vector<cabi::Value> values;
              if (r) values.push_back(std::move(*r));
              WB_ASSIGN_OR_RETURN(
                  std::vector<cabi::CoreValue> out,
                  cabi::LowerFunctionResults(ctx, ResultTypes(sig), values,
                                             lifted.out_ptr));
              for (size_t i = 0; i < out.size() && i < results.size(); ++i) {
                results[i] = FromCabi(out[i]);
              }
              return absl::OkStatus();
            };
            absl::Status status = call();
            cs.handles->EndLends(lent);
            cs.handles->EndLendsSince(lends);
            return AsTrap(status);
          }));
      return absl::OkStatus();
    }
    case bin::CanonOpcode::kResourceNew:
    case bin::CanonOpcode::kResourceRep:
    case bin::CanonOpcode::kResourceDrop: {
      WB_ASSIGN_OR_RETURN(std::shared_ptr<RtResource> r, resource_of(c.type_index));
      auto handles = s.handles;
      CoreStore* store = store_.get();
      const bin::CanonOpcode op = c.opcode;
      std::shared_ptr<InstanceState> state = s.state;
      auto host_drops = host_drops_;
      const CoreFuncType type =
          op == bin::CanonOpcode::kResourceDrop
              ? CoreFuncType{{CoreType::kI32}, {}}
              : CoreFuncType{{CoreType::kI32}, {CoreType::kI32}};
      s.core_funcs.push_back(store_->NewHostFunc(
          type, [r, handles, store, op, state, host_drops](absl::Span<const CoreValue> args,
                                               absl::Span<CoreValue> results) -> absl::Status {
            // resource.rep is the one handle built-in allowed during
            // realloc and post-return.
            if (op != bin::CanonOpcode::kResourceRep && !state->may_leave) return CannotLeave();
            const uint32_t x = args[0].i32();
            if (op == bin::CanonOpcode::kResourceNew) {
              WB_ASSIGN_OR_RETURN(uint32_t h, handles->New(r->id, x));
              results[0] = CoreValue::I32(h);
            } else if (op == bin::CanonOpcode::kResourceRep) {
              WB_ASSIGN_OR_RETURN(uint32_t rep, handles->Rep(r->id, x));
              results[0] = CoreValue::I32(rep);
            } else {
              WB_ASSIGN_OR_RETURN(std::optional<uint32_t> rep, handles->Drop(r->id, x));
              if (rep && r->destructor) {
                WB_RETURN_IF_ERROR(
                    store->Call(*r->destructor, {CoreValue::I32(*rep)}).status());
              } else if (rep && r->owner == 0) {
                auto it = host_drops->find(r->id);
                if (it != host_drops->end() && it->second) it->second(*rep);
              }
            }
            return absl::OkStatus();
          }));
      return absl::OkStatus();
    }
    default: {
      AsyncBuiltinSite b;
      b.async = async_.get();
      b.store = store_.get();
      b.instance = s.state;
      b.handles = s.handles;
      if (c.opcode == bin::CanonOpcode::kWaitableSetWait ||
          c.opcode == bin::CanonOpcode::kWaitableSetPoll) {
        b.memory = s.core_memories.at(c.memory);
      }
      if (c.opcode == bin::CanonOpcode::kTaskReturn) {
        WB_ASSIGN_OR_RETURN(Options o, ResolveOptions(s, c.options));
        if (c.result) {
          WB_ASSIGN_OR_RETURN(b.result, Val(s, *c.result));
        }
        b.memory = o.memory;
        b.encoding = o.encoding;
        CallSite cs = site(o);
        b.context = [cs]() mutable { return cs.Context(); };
      }
      if (c.opcode >= bin::CanonOpcode::kStreamNew &&
          c.opcode <= bin::CanonOpcode::kFutureDropWritable) {
        if (c.type_index >= s.types.size() || !s.types[c.type_index].value) {
          return absl::InvalidArgumentError("not a stream or future type");
        }
        WB_ASSIGN_OR_RETURN(Options o, ResolveOptions(s, c.options));
        b.memory = o.memory;
        CallSite cs = site(o);
        b.context = [cs]() mutable { return cs.Context(); };
        cabi::TypeRef payload = s.types[c.type_index].value->elem();
        const bool copy = c.opcode == bin::CanonOpcode::kStreamRead ||
                          c.opcode == bin::CanonOpcode::kStreamWrite ||
                          c.opcode == bin::CanonOpcode::kFutureRead ||
                          c.opcode == bin::CanonOpcode::kFutureWrite;
        if (copy && !o.async && !options_.more_async_builtins) {
          // Sync copies are gated by 🚝 (Explainer "Gated features").
          return absl::UnimplementedError(absl::StrFormat(
              "sync %s needs 🚝 (--more-async-builtins): `canon %s` without `async` is a "
              "\"more async builtins\" feature; enable RuntimeOptions::more_async_builtins",
              info->name, info->name));
        }
        if (std::optional<CoreExtern> f = MakeCopyBuiltin(c, std::move(b), payload, o.async)) {
          s.core_funcs.push_back(*f);
          return absl::OkStatus();
        }
      } else if (std::optional<CoreExtern> f = MakeAsyncBuiltin(c, std::move(b))) {
        s.core_funcs.push_back(*f);
        return absl::OkStatus();
      }
      return absl::UnimplementedError(absl::StrFormat(
          "canon %s%s: the engine does not implement this built-in yet (error contexts "
          "and threads come next)",
          info->name, c.flag ? " cancellable" : ""));
    }
  }
}

// `canon lower ... async`: the call returns a packed status at once
// (`state | subtask << 4`, or RETURNED alone) and goes on as a subtask.
absl::Status RuntimeImpl::LowerAsync(Scope& s, const bin::Canon& c, const Options& o) {
  std::shared_ptr<ComponentFunction> callee = s.funcs.at(c.func_index);
  const FuncSignature& sig = callee->signature();
  const std::vector<cabi::TypeRef> params = ParamTypes(sig);
  const std::vector<cabi::TypeRef> results = ResultTypes(sig);
  // Parameters beyond MAX_FLAT_ASYNC_PARAMS travel as a pointer; a result
  // always goes through a trailing out-pointer.
  constexpr size_t kMaxFlatAsyncParams = 4;
  CoreFuncType core;
  WB_ASSIGN_OR_RETURN(cabi::CoreFuncType flat,
                      cabi::FlattenFunc(params, {}, cabi::FlattenContext::kLower));
  size_t nflat = 0;
  for (const auto& t : params) nflat += cabi::Flatten(t).size();
  if (nflat > kMaxFlatAsyncParams) {
    core.params.push_back(CoreType::kI32);
  } else {
    for (auto t : flat.params) core.params.push_back(CoreOf(t));
  }
  if (!results.empty()) core.params.push_back(CoreType::kI32);
  core.results.push_back(CoreType::kI32);
  CallSite cs;
  cs.store = store_.get();
  cs.async = async_.get();
  cs.instance = s.state;
  cs.options = o;
  cs.handles = s.handles;
  if (o.memory) cs.memory = std::make_shared<StoreMemory>(*store_, *o.memory);
  const size_t nparams = core.params.size() - (results.empty() ? 0 : 1);
  s.core_funcs.push_back(store_->NewHostFunc(
      core, [callee, cs, params, results, nparams](
                absl::Span<const CoreValue> args,
                absl::Span<CoreValue> out) mutable -> absl::Status {
        if (!cs.instance->may_leave) return CannotLeave();
        auto sub = std::make_shared<Subtask>();
        auto flat_args = std::make_shared<std::vector<cabi::CoreValue>>();
        for (size_t i = 0; i < nparams; ++i) flat_args->push_back(ToCabi(args[i]));
        const std::optional<uint32_t> out_ptr =
            results.empty() ? std::nullopt : std::optional<uint32_t>(args[nparams].i32());
        auto req = std::make_shared<CallRequest>();
        CallRequest* raw = req.get();
        Subtask* subp = sub.get();
        // Arguments are read from the caller when the callee starts, which
        // may be after this call returned STARTING.
        // Handles lent to the callee (borrows in its arguments) stay lent
        // until it resolves.
        auto lent = std::make_shared<std::vector<uint32_t>>();
        req->on_start = [cs, params, flat_args, subp, sub, lent]() mutable
            -> absl::StatusOr<std::vector<cabi::Value>> {
          cabi::CallContext ctx = cs.Context();
          cabi::CoreValueIter it(*flat_args);
          const size_t mark = cs.handles->LendMark();
          auto lifted = cabi::LiftFlatValues(ctx, kMaxFlatAsyncParams, it, params);
          *lent = cs.handles->TakeLendsSince(mark);
          if (!lifted.ok()) {
            cs.handles->EndLends(std::exchange(*lent, {}));
            return lifted.status();
          }
          subp->OnStart();
          return std::move(*lifted);
        };
        req->on_resolve = [cs, results, out_ptr, subp, raw, lent](
                              std::optional<cabi::Value> v) mutable -> absl::Status {
          cs.handles->EndLends(std::exchange(*lent, {}));
          if (out_ptr) {
            if (!v) return Trap("async callee returned no result");
            cabi::CallContext ctx = cs.Context();
            std::vector<cabi::CoreValue> ptr{cabi::CoreValue::I32(*out_ptr)};
            cabi::CoreValueIter it(ptr);
            std::vector<cabi::Value> values{std::move(*v)};
            WB_RETURN_IF_ERROR(cabi::LowerFlatValues(ctx, 0, values, results, &it).status());
          }
          subp->OnResolve();
          raw->resolved = true;
          return absl::OkStatus();
        };
        // The callee's task.cancel (its on_resolve(None)).
        req->on_cancelled = [subp, raw, cs, lent]() -> absl::Status {
          cs.handles->EndLends(std::exchange(*lent, {}));
          subp->OnCancelled();
          raw->resolved = true;
          return absl::OkStatus();
        };
        std::weak_ptr<CallRequest> weak_req = req;
        sub->set_cancel([weak_req] {
          if (auto r = weak_req.lock(); r && r->cancel) r->cancel();
        });
        absl::Status status;
        if (auto* lifted = dynamic_cast<LiftedFunction*>(callee.get());
            lifted != nullptr && callee->signature().is_async) {
          status = lifted->Start(req);
        } else if (auto* host = dynamic_cast<AsyncHostFunctionImpl*>(callee.get())) {
          status = host->Start(req);
        } else {
          // Host functions (and sync-typed callees) complete during the call.
          auto run = [&]() -> absl::Status {
            WB_ASSIGN_OR_RETURN(std::vector<cabi::Value> a, req->on_start());
            WB_ASSIGN_OR_RETURN(std::optional<cabi::Value> r, callee->Call(std::move(a)));
            return req->on_resolve(std::move(r));
          };
          status = run();
        }
        WB_RETURN_IF_ERROR(AsTrap(status));
        if (sub->state() == Subtask::State::kReturned) {
          sub->DeliverResolve();
          out[0] = CoreValue::I32(static_cast<uint32_t>(Subtask::State::kReturned));
          return absl::OkStatus();
        }
        WB_ASSIGN_OR_RETURN(uint32_t index, cs.handles->AddAsync(sub));
        sub->set_index(index);
        out[0] = CoreValue::I32(static_cast<uint32_t>(sub->state()) | (index << 4));
        return absl::OkStatus();
      }));
  return absl::OkStatus();
}

absl::StatusOr<ComponentItem> RuntimeImpl::ItemOf(Scope& s,
                                                 const bin::SortIndex& si) {
  ComponentItem item;
  switch (si.sort.kind) {
    case bin::SortKind::kFunc:
      item.kind = ComponentItem::Kind::kFunc;
      item.func = s.funcs.at(si.index);
      return item;
    case bin::SortKind::kInstance:
      item.kind = ComponentItem::Kind::kInstance;
      item.instance = s.instances.at(si.index);
      return item;
    case bin::SortKind::kType: {
      item.kind = ComponentItem::Kind::kType;
      const RtType& t = s.types.at(si.index);
      // A resource travels as own<r>: the resource's identity.
      item.type = t.resource ? cabi::CabiType::Own(t.resource->id) : t.value;
      return item;
    }
    case bin::SortKind::kComponent:
      item.kind = ComponentItem::Kind::kComponent;
      item.component = s.components.at(si.index);
      return item;
    case bin::SortKind::kCore:
      if (si.sort.core == bin::CoreSort::kModule) {
        item.kind = ComponentItem::Kind::kCoreModule;
        item.core_module = s.core_modules.at(si.index);
        return item;
      }
      return absl::InvalidArgumentError("only core modules can be passed");
    default:
      return absl::UnimplementedError("values are not supported");
  }
}

void RuntimeImpl::Push(Scope& s, const ComponentItem& item, bin::SortKind kind) {
  switch (kind) {
    case bin::SortKind::kComponent: s.components.push_back(item.component); break;
    case bin::SortKind::kCore:
      if (item.core_module) s.core_modules.push_back(item.core_module);
      break;
    case bin::SortKind::kFunc: s.funcs.push_back(item.func); break;
    case bin::SortKind::kInstance: s.instances.push_back(item.instance); break;
    case bin::SortKind::kType: {
      RtType t;
      if (item.type && item.type->kind() == cabi::TypeKind::kOwn) {
        auto it = resources_.find(item.type->resource());
        if (it != resources_.end()) {
          t.resource = it->second;
        } else {
          auto r = std::make_shared<RtResource>();
          r->id = item.type->resource();
          t.resource = r;
        }
      } else {
        t.value = item.type;
      }
      s.types.push_back(t);
      break;
    }
    default:
      break;
  }
}

absl::Status RuntimeImpl::Alias(Scope& s, const bin::Alias& a) {
  switch (a.target) {
    case bin::Alias::Target::kCoreExport: {
      const auto& inst = s.core_instances.at(a.instance);
      auto it = inst.find(a.name);
      if (it == inst.end()) {
        return absl::InvalidArgumentError(
            absl::StrFormat("core instance has no export `%s`", a.name));
      }
      switch (it->second.kind) {
        case CoreExternKind::kFunc: s.core_funcs.push_back(it->second); break;
        case CoreExternKind::kTable: s.core_tables.push_back(it->second); break;
        case CoreExternKind::kMemory: s.core_memories.push_back(it->second); break;
        case CoreExternKind::kGlobal: s.core_globals.push_back(it->second); break;
        case CoreExternKind::kTag: s.core_tags.push_back(it->second); break;
      }
      return absl::OkStatus();
    }
    case bin::Alias::Target::kExport: {
      absl::StatusOr<ComponentItem> item = s.instances.at(a.instance)->Export(a.name);
      if (!item.ok()) {
        return Within(s.names.Describe(NameSort::kInstance, a.instance), item.status());
      }
      Push(s, *item, a.sort.kind);
      return absl::OkStatus();
    }
    case bin::Alias::Target::kOuter: {
      if (a.outer_count == 0) {
        if (a.sort.kind == bin::SortKind::kType) {
          s.types.push_back(s.types.at(a.outer_index));
        } else if (a.sort.kind == bin::SortKind::kComponent) {
          s.components.push_back(s.components.at(a.outer_index));
        } else if (a.sort.core == bin::CoreSort::kModule) {
          s.core_modules.push_back(s.core_modules.at(a.outer_index));
        }
        return absl::OkStatus();
      }
      const OuterView* target = s.parent.get();
      for (uint32_t i = 1; i < a.outer_count && target; ++i) {
        target = target->parent.get();
      }
      if (!target) return absl::InvalidArgumentError("outer alias out of range");
      if (a.sort.kind == bin::SortKind::kType) {
        s.types.push_back(target->types.at(a.outer_index));
      } else if (a.sort.kind == bin::SortKind::kComponent) {
        s.components.push_back(target->components.at(a.outer_index));
      } else if (a.sort.core == bin::CoreSort::kModule) {
        s.core_modules.push_back(target->core_modules.at(a.outer_index));
      }
      // Outer core types need nothing at run time.
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::Status RuntimeImpl::Section(
    Scope& s, const bin::Section& section,
    const std::vector<std::pair<std::string, ComponentItem>>& imports,
    MapInstance& exports) {
  absl::Status status = absl::OkStatus();
  auto fail = [&](absl::Status st) {
    if (status.ok()) status = std::move(st);
  };
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, bin::CoreModuleSection>) {
          auto m = Compile(body.bytes);
          if (!m.ok()) return fail(m.status());
          s.core_modules.push_back(*m);
        } else if constexpr (std::is_same_v<T, std::vector<bin::CoreInstance>>) {
          for (const auto& ci : body) {
            std::map<std::string, CoreExtern, std::less<>> exp;
            if (ci.is_instantiate) {
              const std::string where = absl::StrCat(
                  s.names.Describe(NameSort::kCoreInstance,
                                   static_cast<uint32_t>(s.core_instances.size())),
                  " (", s.names.Describe(NameSort::kCoreModule, ci.module), ")");
              const auto& module = s.core_modules.at(ci.module);
              std::vector<CoreExtern> args;
              for (const auto& im : module->imports()) {
                const std::map<std::string, CoreExtern, std::less<>>* from = nullptr;
                for (const auto& a : ci.args) {
                  if (a.name == im.module) from = &s.core_instances.at(a.instance);
                }
                if (!from || !from->contains(im.name)) {
                  return fail(Within(where, absl::InvalidArgumentError(absl::StrFormat(
                      "core import %s.%s not provided", im.module, im.name))));
                }
                args.push_back(from->at(im.name));
              }
              auto externs = store_->Instantiate(*module, args);
              if (!externs.ok()) return fail(Within(where, externs.status()));
              for (size_t i = 0; i < externs->size(); ++i) {
                exp[module->exports()[i].name] = (*externs)[i];
              }
            } else {
              for (const auto& e : ci.exports) {
                CoreExtern x;
                switch (e.sort) {
                  case bin::CoreSort::kFunc: x = s.core_funcs.at(e.index); break;
                  case bin::CoreSort::kTable: x = s.core_tables.at(e.index); break;
                  case bin::CoreSort::kMemory: x = s.core_memories.at(e.index); break;
                  case bin::CoreSort::kGlobal: x = s.core_globals.at(e.index); break;
                  case bin::CoreSort::kTag: x = s.core_tags.at(e.index); break;
                  default: continue;
                }
                exp[std::string(e.name)] = x;
              }
            }
            s.core_instances.push_back(std::move(exp));
          }
        } else if constexpr (std::is_same_v<T, std::shared_ptr<bin::Component>>) {
          auto view = std::make_shared<OuterView>();
          view->types = s.types;
          view->components = s.components;
          view->core_modules = s.core_modules;
          view->parent = s.parent;
          auto def = std::make_shared<ComponentDefinition>();
          def->component = body.get();
          def->parent = std::move(view);
          s.components.push_back(std::move(def));
        } else if constexpr (std::is_same_v<T, std::vector<bin::Instance>>) {
          for (const auto& inst : body) {
            if (inst.is_instantiate) {
              const ComponentDefinition& def = *s.components.at(inst.component);
              std::vector<std::pair<std::string, ComponentItem>> args;
              for (const auto& a : inst.args) {
                auto item = ItemOf(s, a.item);
                if (!item.ok()) return fail(item.status());
                args.push_back({std::string(a.name), *item});
              }
              const std::string label = s.names.Describe(
                  NameSort::kInstance, static_cast<uint32_t>(s.instances.size()));
              auto child = InstantiateIn(*def.component, def.parent, args, s.state, label);
              if (!child.ok()) return fail(Within(label, child.status()));
              s.instances.push_back(*child);
            } else {
              auto bag = std::make_shared<MapInstance>();
              for (const auto& e : inst.exports) {
                auto item = ItemOf(s, e.item);
                if (!item.ok()) return fail(item.status());
                bag->items.push_back({std::string(e.name.name), *item});
              }
              s.instances.push_back(bag);
            }
          }
        } else if constexpr (std::is_same_v<T, std::vector<bin::Alias>>) {
          for (const auto& a : body) {
            absl::Status st = Alias(s, a);
            if (!st.ok()) return fail(st);
          }
        } else if constexpr (std::is_same_v<T, std::vector<bin::TypeDef>>) {
          for (const auto& t : body) {
            auto rt = TypeDef(s, t);
            if (!rt.ok()) return fail(rt.status());
            s.types.push_back(*rt);
          }
        } else if constexpr (std::is_same_v<T, std::vector<bin::Canon>>) {
          for (const auto& c : body) {
            absl::Status st = Canon(s, c);
            if (!st.ok()) return fail(st);
          }
        } else if constexpr (std::is_same_v<T, std::vector<bin::Import>>) {
          for (const auto& im : body) {
            const ComponentItem* found = nullptr;
            for (const auto& [name, item] : imports) {
              if (name == im.name.name) found = &item;
            }
            if (!found) {
              return fail(absl::NotFoundError(absl::StrFormat(
                  "import `%s` was not provided", im.name.name)));
            }
            switch (im.desc.kind) {
              case bin::ExternKind::kFunc: Push(s, *found, bin::SortKind::kFunc); break;
              case bin::ExternKind::kInstance: Push(s, *found, bin::SortKind::kInstance); break;
              case bin::ExternKind::kType: Push(s, *found, bin::SortKind::kType); break;
              case bin::ExternKind::kComponent:
                Push(s, *found, bin::SortKind::kComponent);
                break;
              case bin::ExternKind::kCoreModule:
                Push(s, *found, bin::SortKind::kCore);
                break;
              default:
                return fail(absl::UnimplementedError(
                    "importing values is not supported"));
            }
          }
        } else if constexpr (std::is_same_v<T, std::vector<bin::Export>>) {
          for (const auto& ex : body) {
            auto item = ItemOf(s, ex.item);
            if (!item.ok()) return fail(item.status());
            if (auto* lifted = dynamic_cast<LiftedFunction*>(item->func.get())) {
              lifted->NameByExport(ex.name.name);
            }
            exports.items.push_back({std::string(ex.name.name), *item});
            Push(s, *item, ex.item.sort.kind);  // exports add an index too
          }
        } else if constexpr (std::is_same_v<T, bin::Start> ||
                             std::is_same_v<T, std::vector<bin::Value>>) {
          fail(absl::UnimplementedError("value and start sections are not "
                                        "supported"));
        }
        // Custom sections and core types need nothing at run time.
      },
      section.body);
  return status;
}

absl::StatusOr<std::shared_ptr<ComponentInstance>> RuntimeImpl::InstantiateIn(
    const bin::Component& c, std::shared_ptr<const OuterView> parent,
    const std::vector<std::pair<std::string, ComponentItem>>& imports,
    std::shared_ptr<InstanceState> parent_state, std::string label) {
  Scope s;
  s.parent = std::move(parent);
  s.names = ComponentNames::Read(c);
  s.label = std::move(label);
  s.state->parent = std::move(parent_state);
  s.state->stack = async_->stack;
  s.state->label = s.label;
  s.instance_id = next_instance_++;
  const uint64_t id = s.instance_id;
  auto resources = &resources_;
  s.handles = std::make_shared<ResourceHandleTable>(
      [id, resources](cabi::ResourceId r) {
        auto it = resources->find(r);
        return it != resources->end() && it->second->owner == id;
      });
  s.handles->set_transit(async_->transit);
  auto exports = std::make_shared<MapInstance>();
  for (const bin::Section& section : c.sections) {
    WB_RETURN_IF_ERROR(Section(s, section, imports, *exports));
  }
  return exports;
}

}  // namespace

std::unique_ptr<Runtime> NewRuntime(RuntimeOptions options) {
  return std::make_unique<RuntimeImpl>(options);
}

}  // namespace wasi_bridge::engine
