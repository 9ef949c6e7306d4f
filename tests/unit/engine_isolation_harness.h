// The two sides of the isolation check ("Engine III": a WASI 0.2 command
// blocked reading stdin must not stall a 0.3 task of another component in
// the same store), shared by tests/unit/engine_isolation_test.cc, which
// checks the behaviour, and bench/isolation_bench.cc, which measures it.
//
//   - the worker (engine_isolation_worker.wat): work(n, k) runs n steps of
//     k xorshift32 rounds, alternately waiting on the host's `tick` (a
//     promise resolved by a 0 ms timer of the store's loop) and yielding;
//   - the reader (engine_isolation_reader_p2.wat): a WASI 0.2 command
//     whose run blocks in stdin's blocking-read, upgraded in memory as
//     `wasi-bridge run` does and run on the WASI 0.3 host.
#ifndef WASI_BRIDGE_TESTS_UNIT_ENGINE_ISOLATION_HARNESS_H_
#define WASI_BRIDGE_TESTS_UNIT_ENGINE_ISOLATION_HARNESS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "adapter/binary/reader.h"
#include "adapter/binary/validator.h"
#include "adapter/upgrade/upgrade.h"
#include "engine/component/runtime.h"
#include "engine/task/event_loop.h"
#include "engine/wasi/host.h"
#include "tests/unit/engine_isolation_components.h"

namespace wasi_bridge::testing {

// What work(n, k) returns: n * k rounds of xorshift32 from 0x9e3779b9.
inline uint32_t IsolationExpectedWork(uint32_t n, uint32_t k) {
  uint32_t x = 0x9e3779b9u;
  for (uint64_t i = 0; i < uint64_t{n} * k; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
  }
  return x;
}

inline absl::StatusOr<binary::Component> ReadValidComponent(const std::vector<uint8_t>& bytes) {
  auto c = binary::ReadComponent(binary::Bytes(bytes.data(), bytes.size()));
  if (!c.ok()) return c.status();
  if (auto errors = binary::ValidateComponent(*c); !errors.empty()) {
    return absl::InvalidArgumentError(errors.front().message);
  }
  return c;
}

// The reader's bytes after the in-memory upgrade (kept alive by the caller:
// a Component refers to them).
inline absl::StatusOr<std::vector<uint8_t>> UpgradedIsolationReader() {
  auto upgraded = upgrade::UpgradeComponent(IsolationReaderP2Component());
  if (!upgraded.ok()) return upgraded.status();
  return std::move(upgraded->component);
}

// The worker instantiated in `rt`; its `work` export.
inline absl::StatusOr<std::shared_ptr<engine::ComponentFunction>> InstantiateIsolationWorker(
    engine::Runtime& rt, const binary::Component& component) {
  using namespace std::chrono_literals;
  engine::FuncSignature sig;
  sig.result = engine::cabi::CabiType::U32();
  sig.is_async = true;
  engine::Runtime* r = &rt;
  auto tick = rt.AsyncHostFunc(sig, [r](std::vector<engine::cabi::Value>) {
    auto p = engine::HostPromise::New();
    r->loop()->AddTimer(0ms, [p] { p->Resolve(engine::cabi::Value::U32(1)); });
    return p;
  });
  auto inst = rt.Instantiate(component, {{"tick", tick}});
  if (!inst.ok()) return inst.status();
  auto work = (*inst)->Export("work");
  if (!work.ok()) return work.status();
  return work->func;
}

// One call of work(n, k) through CallAsync + Run, checked against
// IsolationExpectedWork; its wall time in seconds.
inline absl::StatusOr<double> TimeIsolationWork(engine::Runtime& rt,
                                                engine::ComponentFunction& work, uint32_t n,
                                                uint32_t k) {
  const auto start = std::chrono::steady_clock::now();
  auto call = rt.CallAsync(work, {engine::cabi::Value::U32(n), engine::cabi::Value::U32(k)});
  if (!call.ok()) return call.status();
  if (absl::Status s = rt.Run([&] { return (*call)->ready(); }); !s.ok()) return s;
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto result = (*call)->result();
  if (!result.ok()) return result.status();
  const engine::cabi::Value want = engine::cabi::Value::U32(IsolationExpectedWork(n, k));
  if (!result->has_value() || !(**result == want)) {
    return absl::InternalError(absl::StrCat("work(", n, ", ", k, ") returned a wrong value"));
  }
  return secs;
}

// The reader running in a store, blocked in its read of `stdin_fd`.
struct BlockedReader {
  std::unique_ptr<engine::wasi::WasiHost> host;
  // Held for the task in flight: CallAsync takes the function by reference.
  std::shared_ptr<engine::ComponentInstance> instance;
  std::shared_ptr<engine::ComponentFunction> run;
  engine::HostPromiseRef call;  // its run: not ready while it is blocked
};

// Instantiates the upgraded reader in `rt` with `stdin_fd` as its stdin,
// calls its run and lets the store go as far as it can (into the read of
// fd 0, watched by epoll). Fails if the reader did not block.
inline absl::StatusOr<BlockedReader> StartBlockedReader(engine::Runtime& rt,
                                                        const binary::Component& reader,
                                                        int stdin_fd) {
  using namespace std::chrono_literals;
  engine::wasi::WasiConfig config;
  config.args = {"reader"};
  config.stdin_fd = stdin_fd;
  BlockedReader out;
  out.host = std::make_unique<engine::wasi::WasiHost>(rt, config);
  auto inst = rt.Instantiate(reader, out.host->imports());
  if (!inst.ok()) return inst.status();
  auto run_instance = (*inst)->Export("wasi:cli/run@0.3.0");
  if (!run_instance.ok()) return run_instance.status();
  if (!run_instance->instance) return absl::NotFoundError("wasi:cli/run@0.3.0 is no instance");
  auto run = run_instance->instance->Export("run");
  if (!run.ok()) return run.status();
  if (!run->func) return absl::NotFoundError("wasi:cli/run@0.3.0 has no run function");
  out.instance = *inst;
  out.run = run->func;
  auto call = rt.CallAsync(*out.run, {});
  if (!call.ok()) return call.status();
  out.call = *call;
  for (int i = 0; i < 10; ++i) {
    bool tick = false;
    rt.loop()->AddTimer(1ms, [&] { tick = true; });
    if (absl::Status s = rt.Run([&] { return tick; }); !s.ok()) return s;
  }
  if (out.call->ready()) return absl::InternalError("the reader did not block on stdin");
  return out;
}

}  // namespace wasi_bridge::testing

#endif  // WASI_BRIDGE_TESTS_UNIT_ENGINE_ISOLATION_HARNESS_H_
