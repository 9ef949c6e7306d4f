// wasi:clocks/{types,monotonic-clock,system-clock}@0.3.0. Waits are async
// host functions resolved by the store's event-loop timers.
#include <time.h>

#include <chrono>
#include <memory>
#include <vector>

#include "engine/task/event_loop.h"
#include "engine/wasi/host.h"
#include "engine/wasi/instance.h"
#include "engine/wasi/types.h"

namespace wasi_bridge::engine::wasi {

using cabi::CabiType;
using cabi::Value;

namespace {

uint64_t Nanos(const timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t MonotonicNow() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Nanos(ts);
}

uint64_t Resolution(clockid_t id) {
  timespec ts{};
  clock_getres(id, &ts);
  uint64_t ns = Nanos(ts);
  return ns == 0 ? 1 : ns;
}

// A promise resolved (with no value) after `ns` nanoseconds; cancellable.
HostPromiseRef Sleep(Runtime& rt, uint64_t ns) {
  if (ns == 0) return HostPromise::Ready(std::optional<Value>());
  auto p = HostPromise::New();
  EventLoop* loop = rt.loop();
  if (!loop) return HostPromise::Ready(absl::UnimplementedError("waits need an event loop"));
  // Capped so that the duration arithmetic cannot overflow (~292 years).
  const uint64_t capped = ns > (uint64_t{1} << 62) ? (uint64_t{1} << 62) : ns;
  std::weak_ptr<HostPromise> weak = p;
  EventLoop::TimerId id = loop->AddTimer(std::chrono::nanoseconds(capped), [weak] {
    if (auto q = weak.lock(); q && !q->ready()) q->Resolve(std::optional<Value>());
  });
  p->OnCancel([loop, id, weak] {
    loop->CancelTimer(id);
    if (auto q = weak.lock(); q && !q->ready()) q->ResolveCancelled();
  });
  return p;
}

}  // namespace

void AddClocks(const std::shared_ptr<WasiContext>& ctx, Imports& out) {
  Runtime& rt = *ctx->runtime;
  auto types = NewHostInstance();
  types->AddType("duration", CabiType::U64());
  Provide(out, "wasi:clocks/types@0.3.0", types);

  auto mono = NewHostInstance();
  mono->AddType("duration", CabiType::U64());
  mono->AddType("mark", CabiType::U64());
  {
    FuncSignature sig;
    sig.result = CabiType::U64();
    mono->Add("now", rt.HostFunc(sig, [](std::vector<Value>) -> CallResult {
      return Value::U64(MonotonicNow());
    }));
    mono->Add("get-resolution", rt.HostFunc(sig, [](std::vector<Value>) -> CallResult {
      return Value::U64(Resolution(CLOCK_MONOTONIC));
    }));
  }
  {
    FuncSignature sig;
    sig.params = {{"when", CabiType::U64()}};
    sig.is_async = true;
    mono->Add("wait-until", rt.AsyncHostFunc(sig, [ctx](std::vector<Value> args) {
      const uint64_t when = *args.at(0).Get<uint64_t>();
      const uint64_t now = MonotonicNow();
      return Sleep(*ctx->runtime, when > now ? when - now : 0);
    }));
  }
  {
    FuncSignature sig;
    sig.params = {{"how-long", CabiType::U64()}};
    sig.is_async = true;
    mono->Add("wait-for", rt.AsyncHostFunc(sig, [ctx](std::vector<Value> args) {
      return Sleep(*ctx->runtime, *args.at(0).Get<uint64_t>());
    }));
  }
  Provide(out, "wasi:clocks/monotonic-clock@0.3.0", mono);

  auto sys = NewHostInstance();
  sys->AddType("duration", CabiType::U64());
  sys->AddType("instant", Instant());
  {
    FuncSignature sig;
    sig.result = Instant();
    sys->Add("now", rt.HostFunc(sig, [](std::vector<Value>) -> CallResult {
      timespec ts{};
      clock_gettime(CLOCK_REALTIME, &ts);
      return Value::Record({Value::S64(static_cast<int64_t>(ts.tv_sec)),
                            Value::U32(static_cast<uint32_t>(ts.tv_nsec))});
    }));
  }
  {
    FuncSignature sig;
    sig.result = CabiType::U64();
    sys->Add("get-resolution", rt.HostFunc(sig, [](std::vector<Value>) -> CallResult {
      return Value::U64(Resolution(CLOCK_REALTIME));
    }));
  }
  Provide(out, "wasi:clocks/system-clock@0.3.0", sys);
}

}  // namespace wasi_bridge::engine::wasi
