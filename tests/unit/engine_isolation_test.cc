// Isolation between components sharing a store ("Engine III"): a WASI 0.2
// command blocked reading stdin (upgraded in memory, run through the WASI
// 0.3 host) does not stall a 0.3 task of another component in the same
// Runtime. The 0.3 task (engine_isolation_worker.wat) computes, then either
// waits on a host promise resolved by a 0 ms timer or yields to the event
// loop, step after step; its wall time with the reader blocked alongside
// is compared with its wall time alone.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "adapter/binary/reader.h"
#include "adapter/binary/validator.h"
#include "adapter/upgrade/upgrade.h"
#include "engine/component/runtime.h"
#include "engine/task/event_loop.h"
#include "engine/wasi/host.h"
#include "gtest/gtest.h"
#include "tests/unit/engine_isolation_components.h"
#include "tests/unit/engine_isolation_harness.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WB_ISOLATION_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(WB_ISOLATION_UNDER_ASAN)
#define WB_ISOLATION_UNDER_ASAN 1
#endif
#ifndef WB_ISOLATION_UNDER_ASAN
#define WB_ISOLATION_UNDER_ASAN 0
#endif

namespace wasi_bridge::engine {
namespace {

using namespace std::chrono_literals;
using cabi::CabiType;
using cabi::Value;

binary::Component Read(const std::vector<uint8_t>& bytes) {
  auto c = testing::ReadValidComponent(bytes);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(*c) : binary::Component{};
}

std::shared_ptr<ComponentFunction> InstantiateWorker(Runtime& rt,
                                                     const binary::Component& component) {
  auto work = testing::InstantiateIsolationWorker(rt, component);
  EXPECT_TRUE(work.ok()) << work.status();
  return work.ok() ? *work : nullptr;
}

// One checked call of work(n, k); its wall time in seconds.
double TimeWork(Runtime& rt, ComponentFunction& work, uint32_t n, uint32_t k) {
  auto secs = testing::TimeIsolationWork(rt, work, n, k);
  EXPECT_TRUE(secs.ok()) << secs.status();
  return secs.ok() ? *secs : 0;
}

// Writes a byte to `fd` unless stopped within `limit` (see its use).
class Watchdog {
 public:
  Watchdog(int fd, std::chrono::seconds limit)
      : thread_([this, fd, limit] {
          std::unique_lock lock(mu_);
          if (!cv_.wait_for(lock, limit, [this] { return stopped_; })) {
            std::fprintf(stderr, "[isolation] watchdog: the store stalled; writing to stdin\n");
            (void)!write(fd, "x", 1);
          }
        }) {}
  ~Watchdog() { Stop(); }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::thread thread_;  // last: starts once the rest is constructed
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

TEST(EngineIsolationTest, BlockedP2StdinReaderDoesNotStallA03Task) {
  // A: the 0.2 reader, upgraded to 0.3 in memory as `wasi-bridge run` does.
  auto reader_bytes = testing::UpgradedIsolationReader();
  ASSERT_TRUE(reader_bytes.ok()) << reader_bytes.status();
  const binary::Component reader = Read(*reader_bytes);
  const binary::Component worker = Read(testing::IsolationWorkerComponent());

  // Its stdin: a pipe whose write end the test keeps open (no data).
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);

  // `alone`: a store with the worker only. `shared`: the worker and the
  // blocked reader in one store (one Runtime, one event loop).
  auto alone = NewRuntime();
  auto shared = NewRuntime();
  auto work_alone = InstantiateWorker(*alone, worker);
  auto work_shared = InstantiateWorker(*shared, worker);
  ASSERT_TRUE(work_alone && work_shared);

  // A watchdog: if the store stalled (a host read blocking the thread, say),
  // B would never finish; after 120 s it writes to the pipe, which unblocks
  // such a read, and the checks below that A is still blocked then fail
  // instead of the test hanging.
  Watchdog watchdog(fds[1], 120s);

  {
    auto started = testing::StartBlockedReader(*shared, reader, fds[0]);
    ASSERT_TRUE(started.ok()) << started.status();
    wasi::WasiHost& host = *started->host;
    const HostPromiseRef reader_call = started->call;

    // B: n steps of k xorshift rounds, alternately waiting on a 0 ms timer
    // and yielding.
    const uint32_t n = WB_ISOLATION_UNDER_ASAN ? 200 : 600;
    const uint32_t k = 1000;
    const int reps = WB_ISOLATION_UNDER_ASAN ? 5 : 9;
    // Warm up both (stack pools, timer heap, caches).
    TimeWork(*alone, *work_alone, n, k);
    TimeWork(*shared, *work_shared, n, k);
    std::vector<double> t_alone, t_shared;
    for (int i = 0; i < reps; ++i) {  // interleaved, so drift hits both alike
      t_alone.push_back(TimeWork(*alone, *work_alone, n, k));
      t_shared.push_back(TimeWork(*shared, *work_shared, n, k));
      // A is still blocked, not finished and not trapped, after each run of B.
      ASSERT_FALSE(reader_call->ready()) << "rep " << i;
    }
    const double m_alone = Median(t_alone), m_shared = Median(t_shared);
    const double ratio = m_shared / m_alone;
    std::printf("[isolation] work(%u, %u): alone median %.2f ms, with a blocked 0.2 stdin "
                "reader %.2f ms, ratio %.3f (%d reps)\n",
                n, k, m_alone * 1e3, m_shared * 1e3, ratio, reps);
    // The 5% figure is measured by bench/isolation_bench.cc (more reps, on
    // an idle machine). Wall-clock medians on a shared 2-core CI VM (and
    // under ASan) move by more than that between runs of the same code, so
    // the test asserts a bound that only a real stall would break (a
    // stalled loop makes the ratio unbounded: B would not finish).
    EXPECT_LT(ratio, 1.25);
    watchdog.Stop();

    // Ending the run: EOF on stdin ends A's blocking-read with `closed`, so
    // its run returns err, cleanly (no trap, no deadlock).
    ASSERT_EQ(close(fds[1]), 0);
    fds[1] = -1;
    absl::Status s = shared->Run([&] { return reader_call->ready(); });
    ASSERT_TRUE(s.ok()) << s;
    auto result = reader_call->result();
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_TRUE(result->has_value());
    ASSERT_TRUE((*result)->Is<cabi::VariantValue>());
    EXPECT_EQ((*result)->Get<cabi::VariantValue>()->index, 1u);  // err: stdin closed
    host.Flush();
    EXPECT_FALSE(host.exit_code().has_value());
    // The store still runs B afterwards.
    TimeWork(*shared, *work_shared, 10, k);
  }
  close(fds[0]);
}

// Ending a run while the reader is still blocked (an embedder giving up on
// it once the other component's work is done): the host stops reading
// stdin (Flush), and the store is torn down with the reader's task still
// in flight, without a trap or a leak (the ASan build checks the latter).
TEST(EngineIsolationTest, TearingDownWithTheReaderStillBlocked) {
  auto reader_bytes = testing::UpgradedIsolationReader();
  ASSERT_TRUE(reader_bytes.ok()) << reader_bytes.status();
  const binary::Component reader = Read(*reader_bytes);
  const binary::Component worker = Read(testing::IsolationWorkerComponent());
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  {
    auto rt = NewRuntime();
    auto work = InstantiateWorker(*rt, worker);
    ASSERT_TRUE(work);
    auto started = testing::StartBlockedReader(*rt, reader, fds[0]);
    ASSERT_TRUE(started.ok()) << started.status();
    wasi::WasiHost& host = *started->host;
    const HostPromiseRef call = started->call;
    TimeWork(*rt, *work, 50, 100);
    EXPECT_FALSE(call->ready());
    host.Flush();
    EXPECT_FALSE(call->ready());
  }
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace wasi_bridge::engine
