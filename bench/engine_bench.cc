// Engine baseline figures (interpreter tier), printed side by side:
//   - host -> guest: a sync call of an exported func(u32) -> u32, in ns;
//   - guest -> host: a lowered import called in a core loop, in ns per call;
//   - moving a 1 MiB list<u8> across the boundary both ways, in GB/s,
//     next to memcpy of the same size on this machine (lowering from the
//     packed form lifting produces, and from one Value per element).
// The figures are the baseline the AOT (wasm2c) tier is to improve.
// Async figures (the component of tests/unit/engine_host_async.wat):
//   - host -> guest async call round trip: Runtime::CallAsync of an async
//     export that task.returns at once, then Run until its promise is
//     ready; and the same with the guest waiting on a host promise the
//     host resolves from the event loop (STARTED -> RETURNED);
//   - guest -> host async call round trip: an async-lowered async host
//     function whose promise is already resolved (RETURNED at once);
//   - stream<u8> throughput in 64 KiB chunks, host -> guest (a host
//     writer into a guest reader) and guest -> guest (two instances),
//     next to memcpy of 64 KiB chunks;
//   - Wasmtime's published async call figures, printed as reference
//     constants (not measured here).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "adapter/binary/reader.h"
#include "adapter/binary/validator.h"
#include "engine/component/runtime.h"
#include "engine/task/event_loop.h"
#include "tests/unit/component_bytes.h"
#include "tests/unit/engine_host_async_component.h"
#include "tests/unit/wat.h"

namespace {

using namespace wasi_bridge;  // NOLINT: benchmark driver
using binary::testing::AddSection;
using binary::testing::ByteVec;
using binary::testing::Cat;
using binary::testing::Name;
using Clock = std::chrono::steady_clock;

// Imports `tick: func(x: u32) -> u32`; exports `id: func(x: u32) -> u32`,
// `loop: func(n: u32) -> u32` (calls `tick` n times), `sum: func(l:
// list<u8>) -> u32` and `make: func(n: u32) -> list<u8>`.
ByteVec BenchComponent() {
  const std::vector<uint8_t> core = testing::Wat(R"(
    (module
      (import "host" "tick" (func $tick (param i32) (result i32)))
      (memory (export "memory") 64)
      (global $bump (mut i32) (i32.const 1024))
      (func (export "id") (param i32) (result i32) local.get 0)
      (func (export "loop") (param $n i32) (result i32)
        (local $acc i32)
        (block $done (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $acc (call $tick (local.get $acc)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
        local.get $acc)
      (func (export "sum") (param i32 i32) (result i32) local.get 1)
      (func (export "make") (param $n i32) (result i32)
        ;; a (ptr, len) pair at 16 describing n bytes at 4096
        (i32.store (i32.const 16) (i32.const 4096))
        (i32.store (i32.const 20) (local.get $n))
        i32.const 16)
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        global.get $bump local.set $p
        global.get $bump local.get 3 i32.add global.set $bump
        local.get $p)
      (func (export "reset") (i32.const 1024) global.set $bump))
  )");
  ByteVec c = binary::testing::Preamble();
  // type 0: func(x: u32) -> u32; import "tick" -> func 0.
  AddSection(c, 7, Cat({{0x01, 0x40, 0x01}, Name("x"), {0x79, 0x00, 0x79}}));
  AddSection(c, 10, Cat({{0x01, 0x00}, Name("tick"), {0x01, 0x00}}));
  AddSection(c, 8, {0x01, 0x01, 0x00, 0x00, 0x00});  // core func 0 = lower tick
  // Core instance 0 = { tick }.
  AddSection(c, 2, Cat({{0x01, 0x01, 0x01}, Name("tick"), {0x00, 0x00}}));
  AddSection(c, 1, core);
  // Core instance 1 = instantiate module 0 with "host" = instance 0.
  AddSection(c, 2, Cat({{0x01, 0x00, 0x00, 0x01}, Name("host"), {0x12, 0x00}}));
  // Core funcs 1..6: id, loop, sum, make, realloc, reset; memory 0.
  ByteVec aliases = {0x07};
  for (const char* n : {"id", "loop", "sum", "make", "realloc", "reset"}) {
    aliases = Cat({aliases, {0x00, 0x00, 0x01, 0x01}, Name(n)});
  }
  aliases = Cat({aliases, {0x00, 0x02, 0x01, 0x01}, Name("memory")});
  AddSection(c, 6, aliases);
  // types 1: list<u8>; 2: func(l: list<u8>) -> u32; 3: func(n: u32) -> list<u8>;
  // 4: func()
  AddSection(c, 7, Cat({{0x04, 0x70, 0x7d, 0x40, 0x01}, Name("l"),
                        {0x01, 0x00, 0x79, 0x40, 0x01}, Name("n"),
                        {0x79, 0x00, 0x01, 0x40, 0x00, 0x01, 0x00}}));
  // Lifts (funcs 1..5): id (t0), loop (t0), sum (t2; memory, realloc),
  // make (t3; memory, realloc), reset (t4).
  AddSection(c, 8, {0x05,
                    0x00, 0x00, 0x01, 0x00, 0x00,
                    0x00, 0x00, 0x02, 0x00, 0x00,
                    0x00, 0x00, 0x03, 0x02, 0x03, 0x00, 0x04, 0x05, 0x02,
                    0x00, 0x00, 0x04, 0x02, 0x03, 0x00, 0x04, 0x05, 0x03,
                    0x00, 0x00, 0x06, 0x00, 0x04});
  ByteVec exports = {0x05};
  uint8_t f = 1;
  for (const char* n : {"id", "loop", "sum", "make", "reset"}) {
    exports = Cat({exports, {0x00}, Name(n), {0x01, f++, 0x00}});
  }
  AddSection(c, 11, exports);
  return c;
}

template <typename F>
double SecondsFor(F&& f) {
  const auto start = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct AsyncFigures {
  double host_to_guest_ns = 0;      // CallAsync + Run, resolved at once
  double host_to_guest_wait_ns = 0; // the guest waits on a host promise
  double guest_to_host_ns = 0;      // async lower of a host function
  double stream_host_gbps = 0;      // host writer -> guest reader
  double stream_guest_gbps = 0;     // guest writer -> guest reader
  double memcpy_gbps = 0;           // memcpy of 64 KiB chunks
};

// Wasmtime's published figures (reference constants, not measured here).
constexpr double kWasmtimeHostToGuestAsyncNs = 1410;
constexpr double kWasmtimeGuestToHostAsyncNs = 280;

absl::StatusOr<AsyncFigures> MeasureAsync() {
  using engine::HostPromise;
  using engine::cabi::Value;
  const std::vector<uint8_t>& bytes = testing::HostAsyncComponent();
  auto component = binary::ReadComponent(binary::Bytes(bytes.data(), bytes.size()));
  if (!component.ok()) return component.status();
  auto runtime = engine::NewRuntime();
  engine::FuncSignature sig;
  sig.params = {{"x", engine::cabi::CabiType::U32()}};
  sig.result = engine::cabi::CabiType::U32();
  sig.is_async = true;
  bool immediate = true;
  std::vector<engine::HostPromiseRef> pending;
  auto wait = runtime->AsyncHostFunc(sig, [&](std::vector<Value> args) {
    const uint32_t x = *args[0].Get<uint32_t>();
    if (immediate) return HostPromise::Ready(Value::U32(x));
    auto p = HostPromise::New();
    pending.push_back(p);
    return p;
  });
  auto a = runtime->Instantiate(*component, {{"wait", wait}});
  if (!a.ok()) return a.status();
  auto b = runtime->Instantiate(*component, {{"wait", wait}});
  if (!b.ok()) return b.status();
  auto fn = [](const std::shared_ptr<engine::ComponentInstance>& i, const char* name) {
    return i->Export(name)->func;
  };
  AsyncFigures f;

  constexpr int kCalls = 50000;
  auto echo = fn(*a, "echo");
  absl::Status st;
  f.host_to_guest_ns = SecondsFor([&] {
    for (int i = 0; i < kCalls && st.ok(); ++i) {
      auto p = runtime->CallAsync(*echo, {Value::U32(i)});
      if (!p.ok()) { st = p.status(); break; }
      st = runtime->Run([&] { return (*p)->ready(); });
    }
  }) / kCalls * 1e9;
  if (!st.ok()) return st;

  immediate = false;
  auto task = fn(*a, "task");
  f.host_to_guest_wait_ns = SecondsFor([&] {
    for (int i = 0; i < kCalls && st.ok(); ++i) {
      auto p = runtime->CallAsync(*task, {Value::U32(i)});
      if (!p.ok()) { st = p.status(); break; }
      pending.back()->Resolve(Value::U32(i));
      pending.clear();
      st = runtime->Run([&] { return (*p)->ready(); });
    }
  }) / kCalls * 1e9;
  if (!st.ok()) return st;
  immediate = true;

  constexpr uint32_t kLoop = 200000;
  auto loop = fn(*a, "call-loop");
  f.guest_to_host_ns = SecondsFor([&] {
    auto r = loop->Call({Value::U32(kLoop)});
    if (!r.ok()) st = r.status();
  }) / kLoop * 1e9;
  if (!st.ok()) return st;

  constexpr uint32_t kChunk = 64 * 1024;
  constexpr uint32_t kChunks = 2048;  // 128 MiB
  const double gb = static_cast<double>(kChunk) * kChunks / 1e9;
  {
    auto pair = runtime->NewStream(engine::cabi::CabiType::U8());
    if (!pair.ok()) return pair.status();
    auto consume = fn(*b, "consume");
    std::shared_ptr<engine::HostStreamEnd> w = pair->writer;
    uint64_t left = uint64_t{kChunk} * kChunks;
    std::function<void(std::vector<uint8_t>)> write = [&](std::vector<uint8_t> buf) {
      if (left == 0) {
        w->Close();
        return;
      }
      buf.resize(std::min<uint64_t>(left, kChunk));
      absl::Status ws = w->Write(std::move(buf), [&](engine::HostCopyResult, uint32_t n,
                                                     std::vector<uint8_t> back) {
        left -= n;
        write(std::move(back));
      });
      if (!ws.ok()) st = ws;
    };
    std::vector<uint8_t> first(kChunk, 7);
    f.stream_host_gbps = gb / SecondsFor([&] {
      auto p = runtime->CallAsync(*consume, {pair->readable});
      if (!p.ok()) { st = p.status(); return; }
      write(std::move(first));
      absl::Status r = runtime->Run([&] { return (*p)->ready(); });
      if (!r.ok()) st = r;
    });
    if (!st.ok()) return st;
  }
  {
    auto produce = fn(*a, "produce");
    auto consume = fn(*b, "consume");
    f.stream_guest_gbps = gb / SecondsFor([&] {
      auto s = runtime->CallAsync(*produce, {Value::U32(kChunk * kChunks)});
      if (!s.ok()) { st = s.status(); return; }
      auto total = consume->Call({**(*s)->result()});
      if (!total.ok()) st = total.status();
    });
    if (!st.ok()) return st;
  }
  std::vector<uint8_t> src(kChunk, 1), dst(kChunk);
  f.memcpy_gbps = gb * 10 / SecondsFor([&] {
    for (uint32_t i = 0; i < kChunks * 10; ++i) {
      std::memcpy(dst.data(), src.data(), kChunk);
      src[i % kChunk] = dst[(i * 7) % kChunk];
    }
  });
  return f;
}

}  // namespace

int main() {
  const ByteVec bytes = BenchComponent();
  auto component = binary::ReadComponent(binary::Bytes(bytes.data(), bytes.size()));
  if (!component.ok()) {
    std::fprintf(stderr, "bench component: %s\n",
                 std::string(component.status().message()).c_str());
    return 1;
  }
  for (const auto& e : binary::ValidateComponent(*component)) {
    std::fprintf(stderr, "bench component invalid: %s\n", e.message.c_str());
    return 1;
  }
  auto runtime = engine::NewRuntime();
  engine::FuncSignature tick_sig;
  tick_sig.params = {{"x", engine::cabi::CabiType::U32()}};
  tick_sig.result = engine::cabi::CabiType::U32();
  auto tick = runtime->HostFunc(
      tick_sig, [](std::vector<engine::cabi::Value> args)
                    -> absl::StatusOr<std::optional<engine::cabi::Value>> {
        const uint32_t* x = args[0].Get<uint32_t>();
        return engine::cabi::Value::U32((x ? *x : 0) + 1);
      });
  auto instance = runtime->Instantiate(*component, {{"tick", tick}});
  if (!instance.ok()) {
    std::fprintf(stderr, "instantiate: %s\n",
                 std::string(instance.status().message()).c_str());
    return 1;
  }
  auto fn = [&](const char* name) { return (*instance)->Export(name)->func; };
  auto id = fn("id"), loop = fn("loop"), sum = fn("sum"), make = fn("make"),
       reset = fn("reset");

  constexpr int kCalls = 200000;
  const double host_to_guest = SecondsFor([&] {
    for (int i = 0; i < kCalls; ++i) (void)id->Call({engine::cabi::Value::U32(i)});
  });
  const double guest_to_host = SecondsFor([&] {
    (void)loop->Call({engine::cabi::Value::U32(kCalls)});
  });

  constexpr size_t kBytes = 1 << 20;
  constexpr int kRounds = 20;
  // The packed form (what lifting produces), and one Value per element.
  // Arguments are built before the clock starts and moved into the call:
  // the figure is the ABI's work, not the host copying its own buffer.
  using Args = std::vector<engine::cabi::Value>;
  const engine::cabi::Value list = engine::cabi::Value::Bytes(std::vector<uint8_t>(kBytes, 7));
  std::vector<Args> packed_args(kRounds, Args{list});
  const double lower_list = SecondsFor([&] {
    for (int i = 0; i < kRounds; ++i) {
      (void)reset->Call({});
      (void)sum->Call(std::move(packed_args[i]));
    }
  });
  constexpr int kElemRounds = 2;  // 48 MiB of Values each
  std::vector<Args> elem_args(
      kElemRounds, Args{engine::cabi::Value::List(
                       std::vector<engine::cabi::Value>(kBytes, engine::cabi::Value::U8(7)))});
  const double lower_elems = SecondsFor([&] {
    for (int i = 0; i < kElemRounds; ++i) {
      (void)reset->Call({});
      (void)sum->Call(std::move(elem_args[i]));
    }
  }) * kRounds / kElemRounds;
  const double lift_list = SecondsFor([&] {
    for (int i = 0; i < kRounds; ++i) (void)make->Call({engine::cabi::Value::U32(kBytes)});
  });
  std::vector<uint8_t> a(kBytes, 1), b(kBytes);
  const double copy = SecondsFor([&] {
    for (int i = 0; i < kRounds * 10; ++i) {
      std::memcpy(b.data(), a.data(), kBytes);
      a[i % kBytes] = b[(i * 7) % kBytes];
    }
  }) / 10;

  const double gb = static_cast<double>(kBytes) * kRounds / 1e9;
  std::printf("engine_bench (wabt interpreter tier)\n");
  std::printf("  host->guest call func(u32)->u32     %8.0f ns/call\n",
              host_to_guest / kCalls * 1e9);
  std::printf("  guest->host call (lowered import)   %8.0f ns/call\n",
              guest_to_host / kCalls * 1e9);
  std::printf("  lower 1 MiB list<u8> host->guest    %8.3f GB/s\n", gb / lower_list);
  std::printf("    (from one Value per element)      %8.3f GB/s\n", gb / lower_elems);
  std::printf("  lift 1 MiB list<u8> guest->host     %8.3f GB/s\n", gb / lift_list);
  std::printf("  memcpy 1 MiB                        %8.3f GB/s\n", gb / copy);
  std::printf("  ratios: lower/memcpy %.4f, lift/memcpy %.4f\n",
              (gb / lower_list) / (gb / copy), (gb / lift_list) / (gb / copy));
  auto af = MeasureAsync();
  if (!af.ok()) {
    std::fprintf(stderr, "async figures: %s\n", std::string(af.status().message()).c_str());
    return 1;
  }
  std::printf("async (event loop, callback lifts)\n");
  std::printf("  host->guest async call round trip   %8.0f ns/call"
              "   [Wasmtime, published (reference constant): %.0f ns]\n",
              af->host_to_guest_ns, kWasmtimeHostToGuestAsyncNs);
  std::printf("    (guest waits on a host promise)   %8.0f ns/call\n",
              af->host_to_guest_wait_ns);
  std::printf("  guest->host async call round trip   %8.0f ns/call"
              "   [Wasmtime, published (reference constant): %.0f ns]\n",
              af->guest_to_host_ns, kWasmtimeGuestToHostAsyncNs);
  std::printf("  stream<u8> 64 KiB chunks host->guest %7.3f GB/s\n", af->stream_host_gbps);
  std::printf("  stream<u8> 64 KiB chunks guest->guest %6.3f GB/s\n", af->stream_guest_gbps);
  std::printf("  memcpy 64 KiB chunks                %8.3f GB/s\n", af->memcpy_gbps);
  return 0;
}
