#include <string>

#include "engine/core/executor.h"
#include "engine/task/scheduler.h"
#include "gtest/gtest.h"
#include "tests/unit/wat.h"

namespace wasi_bridge::engine {
namespace {

using testing::Wat;

std::shared_ptr<CoreModule> Compile(CoreStore& store, std::string_view wat) {
  const std::vector<uint8_t> bytes = Wat(wat);
  EXPECT_FALSE(bytes.empty()) << "bad test WAT";
  auto module = store.Compile(bytes);
  EXPECT_TRUE(module.ok()) << module.status();
  return module.ok() ? *module : nullptr;
}

TEST(WabtStoreTest, CallsExportsWithEveryNumericType) {
  auto store = NewWabtStore();
  auto module = Compile(*store, R"(
    (module
      (func (export "add") (param i32 i32) (result i32)
        local.get 0 local.get 1 i32.add)
      (func (export "mix") (param i64 f32 f64) (result i64 f32 f64)
        local.get 0 i64.const 1 i64.add
        local.get 1
        local.get 2))
  )");
  ASSERT_NE(module, nullptr);
  auto exports = store->Instantiate(*module, {});
  ASSERT_TRUE(exports.ok()) << exports.status();
  auto sum = store->Call((*exports)[0], {CoreValue::I32(40), CoreValue::I32(2)});
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ((*sum)[0].i32(), 42u);
  // A signalling-NaN payload must pass through untouched.
  const CoreValue nan32 = CoreValue::F32Bits(0x7fa00001);
  const CoreValue nan64 = CoreValue::F64Bits(0x7ff4000000000001ull);
  auto mix = store->Call((*exports)[1], {CoreValue::I64(~0ull - 1), nan32, nan64});
  ASSERT_TRUE(mix.ok()) << mix.status();
  EXPECT_EQ((*mix)[0].i64(), ~0ull);
  EXPECT_EQ((*mix)[1], nan32);
  EXPECT_EQ((*mix)[2], nan64);
  auto type = store->FuncType((*exports)[1]);
  ASSERT_TRUE(type.ok());
  EXPECT_EQ(type->results,
            (std::vector<CoreType>{CoreType::kI64, CoreType::kF32, CoreType::kF64}));
}

TEST(WabtStoreTest, TrapsAreReportedNotFatal) {
  auto store = NewWabtStore();
  auto module = Compile(*store, R"(
    (module (memory 1)
      (func (export "boom") unreachable)
      (func (export "oob") (result i32) i32.const 70000 i32.load)
      (func (export "div") (param i32) (result i32) i32.const 1 local.get 0 i32.div_u))
  )");
  ASSERT_NE(module, nullptr);
  auto exports = store->Instantiate(*module, {});
  ASSERT_TRUE(exports.ok());
  ASSERT_EQ(exports->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    auto r = i == 2 ? store->Call((*exports)[i], {CoreValue::I32(0)})
                    : store->Call((*exports)[i], {});
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(IsTrap(r.status())) << r.status();
  }
  auto r = store->Call((*exports)[0], {});
  EXPECT_NE(std::string(r.status().message()).find("unreachable"),
            std::string::npos)
      << r.status();
  // The store stays usable after a trap.
  auto ok = store->Call((*exports)[2], {CoreValue::I32(1)});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)[0].i32(), 1u);
}

TEST(WabtStoreTest, HostFunctionsSeeArgumentsAndMemory) {
  auto store = NewWabtStore();
  auto module = Compile(*store, R"(
    (module
      (import "host" "log" (func $log (param i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 16) "hello")
      (func (export "run") (result i32)
        i32.const 16 i32.const 5 call $log))
  )");
  ASSERT_NE(module, nullptr);
  std::string seen;
  CoreExtern memory;
  CoreExtern log = store->NewHostFunc(
      {{CoreType::kI32, CoreType::kI32}, {CoreType::kI32}},
      [&](absl::Span<const CoreValue> args, absl::Span<CoreValue> results) {
        auto bytes = store->MemoryBytes(memory);
        seen.assign(reinterpret_cast<const char*>(bytes.data()) + args[0].i32(),
                    args[1].i32());
        results[0] = CoreValue::I32(7);
        return absl::OkStatus();
      });
  auto exports = store->Instantiate(*module, {log});
  ASSERT_TRUE(exports.ok()) << exports.status();
  memory = (*exports)[0];
  auto r = store->Call((*exports)[1], {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].i32(), 7u);
  EXPECT_EQ(seen, "hello");
}

TEST(WabtStoreTest, HostErrorsBecomeTraps) {
  auto store = NewWabtStore();
  auto module = Compile(*store, R"(
    (module (import "host" "fail" (func $f))
      (func (export "run") call $f))
  )");
  CoreExtern fail = store->NewHostFunc(
      {}, [](absl::Span<const CoreValue>, absl::Span<CoreValue>) {
        return Trap("host said no");
      });
  auto exports = store->Instantiate(*module, {fail});
  ASSERT_TRUE(exports.ok());
  auto r = store->Call((*exports)[0], {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsTrap(r.status()));
  EXPECT_NE(std::string(r.status().message()).find("host said no"),
            std::string::npos);
}

TEST(WabtStoreTest, InstantiateChecksImportCount) {
  auto store = NewWabtStore();
  auto module = Compile(*store, R"((module (import "a" "b" (func))))");
  auto r = store->Instantiate(*module, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("needs 1 imports"),
            std::string::npos);
}

// Two guest tasks share one instance; each recurses in wasm, then blocks in
// a host import. The scheduler interleaves them: a blocked task suspends
// only itself.
TEST(SchedulerTest, TwoTasksInterleaveThroughABlockingHostImport) {
  auto store = NewWabtStore();
  auto module = Compile(*store, R"(
    (module
      (import "host" "wait" (func $wait (param i32) (result i32)))
      (func $run (export "run") (param $id i32) (param $rounds i32) (param $depth i32)
                 (result i32)
        (local $sum i32)
        (if (i32.gt_u (local.get $depth) (i32.const 0))
          (then (return (call $run (local.get $id) (local.get $rounds)
                                   (i32.sub (local.get $depth) (i32.const 1))))))
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $rounds)))
            (local.set $sum (i32.add (local.get $sum) (call $wait (local.get $id))))
            (local.set $rounds (i32.sub (local.get $rounds) (i32.const 1)))
            (br $next)))
        (local.get $sum)))
  )");
  ASSERT_NE(module, nullptr);
  Scheduler scheduler(64 * 1024);
  std::vector<std::string> trace;
  std::vector<std::pair<Task*, uint32_t>> waiting;  // task, id
  CoreExtern wait = store->NewHostFunc(
      {{CoreType::kI32}, {CoreType::kI32}},
      [&](absl::Span<const CoreValue> args, absl::Span<CoreValue> results) {
        const uint32_t id = args[0].i32();
        trace.push_back("wait " + std::to_string(id));
        waiting.push_back({scheduler.current(), id});
        scheduler.Suspend("host.wait");
        trace.push_back("resume " + std::to_string(id));
        results[0] = CoreValue::I32(id * 10 + 1);
        return absl::OkStatus();
      });
  auto exports = store->Instantiate(*module, {wait});
  ASSERT_TRUE(exports.ok()) << exports.status();
  const CoreExtern run = (*exports)[0];
  uint32_t results[2] = {0, 0};
  for (uint32_t id = 0; id < 2; ++id) {
    scheduler.Spawn("task" + std::to_string(id), [&, id] {
      auto r = store->Call(run, {CoreValue::I32(id), CoreValue::I32(3),
                                 CoreValue::I32(20)});
      results[id] = r.ok() ? (*r)[0].i32() : 0xdeadu;
    });
  }
  // The "host I/O": wake waiters newest first, so the order differs from
  // the order they blocked in.
  auto poll = [&] {
    if (waiting.empty()) return false;
    auto [task, id] = waiting.back();
    waiting.pop_back();
    scheduler.Wake(task);
    return true;
  };
  ASSERT_TRUE(scheduler.Run(poll).ok());
  EXPECT_EQ(results[0], 3u * 1);
  EXPECT_EQ(results[1], 3u * 11);
  // Both tasks were blocked at the same time (interleaving), and each
  // resumed with its own frames intact.
  ASSERT_GE(trace.size(), 4u);
  EXPECT_EQ(trace[0], "wait 0");
  EXPECT_EQ(trace[1], "wait 1");
  EXPECT_EQ(trace[2], "resume 1");
  EXPECT_EQ(scheduler.live_tasks(), 0u);
}

TEST(SchedulerTest, ReportsDeadlockInsteadOfHanging) {
  Scheduler scheduler;
  scheduler.Spawn("reader", [&] { scheduler.Suspend("stream read on fd 3"); });
  scheduler.Spawn("writer", [&] { scheduler.Suspend("future 7"); });
  const absl::Status status = scheduler.Run();
  ASSERT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  const std::string m(status.message());
  EXPECT_NE(m.find("reader waits for stream read on fd 3"), std::string::npos) << m;
  EXPECT_NE(m.find("writer waits for future 7"), std::string::npos) << m;
}

TEST(SchedulerTest, ManyTasksReuseStacks) {
  Scheduler scheduler(16 * 1024);
  int done = 0;
  std::vector<Task*> blocked;
  for (int i = 0; i < 2000; ++i) {
    scheduler.Spawn("t", [&] {
      blocked.push_back(scheduler.current());
      scheduler.Suspend("tick");
      ++done;
    });
  }
  auto poll = [&] {
    if (blocked.empty()) return false;
    for (Task* t : blocked) scheduler.Wake(t);
    blocked.clear();
    return true;
  };
  ASSERT_TRUE(scheduler.Run(poll).ok());
  EXPECT_EQ(done, 2000);
}

}  // namespace
}  // namespace wasi_bridge::engine
