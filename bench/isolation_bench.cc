// Isolation of components sharing a store, measured side by side ("Engine
// III": a WASI 0.2 component blocked reading stdin must not cost a 0.3
// task of another component in the same store more than 5% throughput).
//
//   build/<dir>/bench/wb_isolation_bench [--reps N] [--steps N]
//
// Two stores run the same 0.3 worker (tests/unit/engine_isolation_harness.h:
// work(n, k) computes, waits on a 0 ms host timer, yields, step after step):
// `alone` holds only the worker; `shared` also holds the upgraded 0.2
// reader, blocked in its read of a pipe nobody writes to. Runs alternate
// between the two (drift hits both alike); the figures are the median and
// the minimum wall time of each and their ratios. The reader must still be
// blocked after every run, or the figures would not mean anything.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/component/runtime.h"
#include "tests/unit/engine_isolation_harness.h"

namespace {

using namespace wasi_bridge;  // NOLINT: benchmark driver

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int Fail(const std::string& what, const absl::Status& s) {
  std::fprintf(stderr, "isolation_bench: %s: %s\n", what.c_str(), std::string(s.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 31;
  uint32_t steps = 600;
  const uint32_t rounds = 1000;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--reps") == 0 && has_value) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--steps") == 0 && has_value) {
      steps = static_cast<uint32_t>(std::max(1, std::atoi(argv[++i])));
    } else {
      std::fprintf(stderr, "usage: wb_isolation_bench [--reps N] [--steps N]\n");
      return 2;
    }
  }
  auto reader_bytes = testing::UpgradedIsolationReader();
  if (!reader_bytes.ok()) return Fail("upgrade of the 0.2 reader", reader_bytes.status());
  auto reader = testing::ReadValidComponent(*reader_bytes);
  if (!reader.ok()) return Fail("the upgraded reader", reader.status());
  auto worker = testing::ReadValidComponent(testing::IsolationWorkerComponent());
  if (!worker.ok()) return Fail("the worker", worker.status());

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Fail("pipe2", absl::ErrnoToStatus(errno, ""));
  auto alone = engine::NewRuntime();
  auto shared = engine::NewRuntime();
  auto work_alone = testing::InstantiateIsolationWorker(*alone, *worker);
  auto work_shared = testing::InstantiateIsolationWorker(*shared, *worker);
  if (!work_alone.ok()) return Fail("worker (alone)", work_alone.status());
  if (!work_shared.ok()) return Fail("worker (shared)", work_shared.status());
  auto blocked = testing::StartBlockedReader(*shared, *reader, fds[0]);
  if (!blocked.ok()) return Fail("the 0.2 reader", blocked.status());

  std::vector<double> t_alone, t_shared;
  for (int i = -1; i < reps; ++i) {  // i = -1 warms both up
    auto a = testing::TimeIsolationWork(*alone, **work_alone, steps, rounds);
    if (!a.ok()) return Fail("work (alone)", a.status());
    auto s = testing::TimeIsolationWork(*shared, **work_shared, steps, rounds);
    if (!s.ok()) return Fail("work (shared)", s.status());
    if (blocked->call->ready()) {
      return Fail("the 0.2 reader", absl::InternalError("it stopped blocking"));
    }
    if (i >= 0) {
      t_alone.push_back(*a);
      t_shared.push_back(*s);
    }
  }
  const double med_a = Median(t_alone), med_s = Median(t_shared);
  const double min_a = *std::min_element(t_alone.begin(), t_alone.end());
  const double min_s = *std::min_element(t_shared.begin(), t_shared.end());
  std::printf("isolation_bench: work(%u steps, %u rounds) on the 0.3 worker, %d interleaved runs\n",
              steps, rounds, reps);
  std::printf("  %-44s %10s %10s\n", "store", "median ms", "min ms");
  std::printf("  %-44s %10.2f %10.2f\n", "worker alone", med_a * 1e3, min_a * 1e3);
  std::printf("  %-44s %10.2f %10.2f\n", "worker + 0.2 reader blocked on stdin", med_s * 1e3,
              min_s * 1e3);
  std::printf("  ratio shared/alone: median %.3f, min %.3f (goal: <= 1.05)\n", med_s / med_a,
              min_s / min_a);
  blocked->host->Flush();
  close(fds[1]);
  close(fds[0]);
  return 0;
}
