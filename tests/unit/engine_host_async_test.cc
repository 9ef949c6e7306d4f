// The host side of the async ABI: the store's event loop (epoll, timers,
// posted callbacks), async host functions answering with promises, host
// calls of async exports (CallAsync + Run), host-held stream and future
// ends, and 10,000 concurrent guest tasks waiting on host promises.
#include <fcntl.h>
#include <malloc.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "adapter/binary/reader.h"
#include "adapter/binary/validator.h"
#include "engine/component/runtime.h"
#include "engine/core/executor.h"
#include "engine/task/event_loop.h"
#include "engine/task/scheduler.h"
#include "gtest/gtest.h"
#include "tests/unit/engine_host_async_component.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WB_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(WB_UNDER_ASAN)
#define WB_UNDER_ASAN 1
#endif
#ifndef WB_UNDER_ASAN
#define WB_UNDER_ASAN 0
#endif

namespace wasi_bridge::engine {
namespace {

using namespace std::chrono_literals;
using cabi::CabiType;
using cabi::Value;

TEST(EventLoopTest, PostedCallbacksThenTimersInDeadlineOrder) {
  EventLoop loop;
  EXPECT_FALSE(loop.Poll());
  std::vector<int> order;
  loop.AddTimer(2ms, [&] { order.push_back(2); });
  loop.AddTimer(1ms, [&] { order.push_back(1); });
  const EventLoop::TimerId cancelled = loop.AddTimer(1ms, [&] { order.push_back(9); });
  EXPECT_TRUE(loop.CancelTimer(cancelled));
  loop.Post([&] { order.push_back(0); });
  while (loop.Poll()) {
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_FALSE(loop.HasPending());
}

TEST(EventLoopTest, WaitsForAWatchedFd) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  std::string got;
  ASSERT_TRUE(loop.WatchFd(fds[0], EPOLLIN, [&](uint32_t) {
    char buf[16];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) got.append(buf, static_cast<size_t>(n));
    EXPECT_TRUE(loop.UnwatchFd(fds[0]).ok());
  }).ok());
  loop.AddTimer(1ms, [&] { ASSERT_EQ(write(fds[1], "hi", 2), 2); });
  while (loop.Poll()) {
  }
  EXPECT_EQ(got, "hi");
  close(fds[0]);
  close(fds[1]);
}

TEST(EventLoopTest, SchedulerWaitsForHostIoThenReportsDeadlock) {
  Scheduler sched;
  EventLoop loop;
  bool flag = false;
  sched.Spawn("waiter", [&] {
    sched.WaitUntil([&] { return flag; }, [] { return std::string("the flag"); });
  });
  loop.AddTimer(1ms, [&] { flag = true; });
  EXPECT_TRUE(sched.Run([&] { return loop.Poll(); }).ok());
  bool never = false;
  sched.Spawn("stuck", [&] {
    sched.WaitUntil([&] { return never; }, [] { return std::string("nothing"); });
  });
  absl::Status s = sched.Run([&] { return loop.Poll(); });
  EXPECT_NE(s.message().find("stuck waits for nothing"), std::string::npos) << s;
  sched.AbandonAll();
}

// A runtime with the component of engine_host_async.wat instantiated;
// `wait` answers with promises kept in `pending` (or at once, with x * 2,
// when `immediate`).
class HostAsyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<uint8_t>& bytes = testing::HostAsyncComponent();
    auto c = binary::ReadComponent(binary::Bytes(bytes.data(), bytes.size()));
    ASSERT_TRUE(c.ok()) << c.status();
    component_ = std::move(*c);
    ASSERT_TRUE(binary::ValidateComponent(component_).empty());
    runtime_ = NewRuntime();
    FuncSignature sig;
    sig.params = {{"x", CabiType::U32()}};
    sig.result = CabiType::U32();
    sig.is_async = true;
    auto wait = runtime_->AsyncHostFunc(sig, [this](std::vector<Value> args) {
      const uint32_t x = *args[0].Get<uint32_t>();
      if (immediate_) return HostPromise::Ready(Value::U32(x * 2));
      auto p = HostPromise::New();
      pending_.push_back({x, p});
      return p;
    });
    auto inst = runtime_->Instantiate(component_, {{"wait", wait}});
    ASSERT_TRUE(inst.ok()) << inst.status();
    instance_ = *inst;
  }

  std::shared_ptr<ComponentFunction> Export(const char* name) {
    auto item = instance_->Export(name);
    EXPECT_TRUE(item.ok()) << item.status();
    return item->func;
  }

  struct Pending {
    uint32_t x;
    HostPromiseRef promise;
  };
  binary::Component component_;
  std::unique_ptr<Runtime> runtime_;
  std::shared_ptr<ComponentInstance> instance_;
  std::vector<Pending> pending_;
  bool immediate_ = false;
};

TEST_F(HostAsyncTest, AsyncLoweredHostCallResolvedFromATimer) {
  auto call = runtime_->CallAsync(*Export("task"), {Value::U32(21)});
  ASSERT_TRUE(call.ok()) << call.status();
  ASSERT_EQ(pending_.size(), 1u);
  EXPECT_FALSE((*call)->ready());  // the guest got STARTED and waits
  HostPromiseRef p = pending_[0].promise;
  runtime_->loop()->AddTimer(1ms, [p] { p->Resolve(Value::U32(42)); });
  ASSERT_TRUE(runtime_->Run([&] { return (*call)->ready(); }).ok());
  ASSERT_TRUE((*call)->result().ok()) << (*call)->result().status();
  EXPECT_EQ(**(*call)->result(), Value::U32(42));
}

// The host may keep only a weak reference to the promise it returned (a
// timer's callback, say): the store keeps it alive while the guest's
// subtask waits for it.
TEST_F(HostAsyncTest, PromiseHeldOnlyWeaklyByTheHostStillResolves) {
  auto call = runtime_->CallAsync(*Export("task"), {Value::U32(21)});
  ASSERT_TRUE(call.ok()) << call.status();
  ASSERT_EQ(pending_.size(), 1u);
  std::weak_ptr<HostPromise> weak = pending_[0].promise;
  pending_.clear();
  ASSERT_FALSE(weak.expired());
  runtime_->loop()->AddTimer(1ms, [weak] {
    if (auto p = weak.lock()) p->Resolve(Value::U32(42));
  });
  absl::Status s = runtime_->Run([&] { return (*call)->ready(); });
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_TRUE((*call)->result().ok()) << (*call)->result().status();
  EXPECT_EQ(**(*call)->result(), Value::U32(42));
  EXPECT_TRUE(weak.expired());  // released once delivered
}

TEST_F(HostAsyncTest, ImmediatePromiseReturnsAtOnce) {
  immediate_ = true;
  auto r = Export("task")->Call({Value::U32(5)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(**r, Value::U32(10));
  auto loop = Export("call-loop")->Call({Value::U32(3)});
  ASSERT_TRUE(loop.ok()) << loop.status();
  EXPECT_EQ(**loop, Value::U32(2 * (3 + 2 + 1)));
}

TEST_F(HostAsyncTest, SyncLowerSuspendsOnlyItsTask) {
  auto blocked = runtime_->CallAsync(*Export("task-sync"), {Value::U32(1)});
  ASSERT_TRUE(blocked.ok()) << blocked.status();
  EXPECT_FALSE((*blocked)->ready());
  // Other instances run while it waits (a task of its own instance waits
  // for the exclusive lock its callback lift holds).
  auto inst2 = runtime_->Instantiate(component_, {{"wait", runtime_->AsyncHostFunc(
      Export("task")->signature(), [](std::vector<Value>) { return HostPromise::New(); })}});
  ASSERT_TRUE(inst2.ok()) << inst2.status();
  auto echo = (*inst2)->Export("echo")->func->Call({Value::U32(7)});
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(**echo, Value::U32(7));
  auto same = runtime_->CallAsync(*Export("echo"), {Value::U32(8)});
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE((*same)->ready());
  EXPECT_FALSE((*blocked)->ready());
  // The host resolves from an fd callback.
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  HostPromiseRef p = pending_.at(0).promise;
  EventLoop* loop = runtime_->loop();
  ASSERT_TRUE(loop->WatchFd(fds[0], EPOLLIN, [&](uint32_t) {
    char c;
    ASSERT_EQ(read(fds[0], &c, 1), 1);
    ASSERT_TRUE(loop->UnwatchFd(fds[0]).ok());
    p->Resolve(Value::U32(99));
  }).ok());
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  ASSERT_TRUE(runtime_->Run([&] { return (*blocked)->ready() && (*same)->ready(); }).ok());
  EXPECT_EQ(**(*blocked)->result(), Value::U32(99));
  EXPECT_EQ(**(*same)->result(), Value::U32(8));
  close(fds[0]);
  close(fds[1]);
}

TEST_F(HostAsyncTest, UnresolvedPromiseWithNoHostIoIsADeadlock) {
  auto call = runtime_->CallAsync(*Export("task"), {Value::U32(3)});
  ASSERT_TRUE(call.ok());
  absl::Status s = runtime_->Run([&] { return (*call)->ready(); });
  ASSERT_TRUE(IsTrap(s)) << s;
  EXPECT_NE(s.message().find("deadlock detected"), std::string::npos) << s;
  EXPECT_NE(s.message().find("subtask STARTED"), std::string::npos) << s;
  // The host call fails with it.
  ASSERT_TRUE((*call)->ready());
  EXPECT_FALSE((*call)->result().ok());
}

TEST_F(HostAsyncTest, HostErrorTrapsTheCaller) {
  auto call = runtime_->CallAsync(*Export("task"), {Value::U32(3)});
  ASSERT_TRUE(call.ok());
  pending_.at(0).promise->Resolve(absl::InternalError("disk on fire"));
  absl::Status s = runtime_->Run([&] { return (*call)->ready(); });
  ASSERT_TRUE(IsTrap(s)) << s;
  EXPECT_NE(s.message().find("disk on fire"), std::string::npos) << s;
}

TEST_F(HostAsyncTest, HostStreamIntoGuestWithBackpressure) {
  auto pair = runtime_->NewStream(CabiType::U8());
  ASSERT_TRUE(pair.ok()) << pair.status();
  auto call = runtime_->CallAsync(*Export("consume"), {pair->readable});
  ASSERT_TRUE(call.ok()) << call.status();
  // Writes of 100 KiB: the guest reads 64 KiB at a time, so each write
  // completes partially and the host writes the rest again.
  std::shared_ptr<HostStreamEnd> w = pair->writer;
  uint64_t sent = 0;
  int writes = 0;
  std::function<void(std::vector<uint8_t>)> write_some = [&](std::vector<uint8_t> buf) {
    if (sent >= 300 * 1024) {
      w->Close();
      return;
    }
    buf.assign(100 * 1024, 7);
    ++writes;
    ASSERT_TRUE(w->Write(std::move(buf), [&](HostCopyResult r, uint32_t n,
                                             std::vector<uint8_t> back) {
      ASSERT_EQ(r, HostCopyResult::kCompleted);
      EXPECT_LE(n, 65536u);
      sent += n;
      write_some(std::move(back));
    }).ok());
  };
  write_some({});
  ASSERT_TRUE(runtime_->Run([&] { return (*call)->ready(); }).ok());
  ASSERT_TRUE((*call)->result().ok()) << (*call)->result().status();
  EXPECT_EQ(**(*call)->result(), Value::U64(sent));
  EXPECT_GE(sent, 300u * 1024);
  EXPECT_GT(writes, 3);
}

TEST_F(HostAsyncTest, GuestStreamReadByTheHostInSmallBuffers) {
  auto call = runtime_->CallAsync(*Export("produce"), {Value::U32(200000)});
  ASSERT_TRUE(call.ok()) << call.status();
  ASSERT_TRUE((*call)->ready());  // task.return came before the writes
  auto r = runtime_->TakeStream(**(*call)->result());
  ASSERT_TRUE(r.ok()) << r.status();
  std::shared_ptr<HostStreamEnd> rd = *r;
  uint64_t got = 0;
  bool dropped = false;
  std::function<void(std::vector<uint8_t>)> read_some = [&](std::vector<uint8_t> buf) {
    buf.resize(4096);  // the host's whole buffer: the guest's writes wait
    ASSERT_TRUE(rd->Read(std::move(buf), [&](HostCopyResult res, uint32_t n,
                                             std::vector<uint8_t> back) {
      EXPECT_LE(n, 4096u);
      got += n;
      if (res == HostCopyResult::kDropped) {
        dropped = true;
        return;
      }
      read_some(std::move(back));
    }).ok());
  };
  read_some({});
  ASSERT_TRUE(runtime_->Run([&] { return dropped; }).ok());
  EXPECT_EQ(got, 200000u);
}

TEST_F(HostAsyncTest, GuestToGuestStreamThroughTheHost) {
  auto produced = runtime_->CallAsync(*Export("produce"), {Value::U32(150000)});
  ASSERT_TRUE(produced.ok());
  // The host passes the stream on without reading it (the end moves from
  // one table to the other through the store's transit).
  auto inst2 = runtime_->Instantiate(component_, {{"wait", runtime_->AsyncHostFunc(
      Export("task")->signature(), [](std::vector<Value>) { return HostPromise::New(); })}});
  ASSERT_TRUE(inst2.ok()) << inst2.status();
  auto consume = (*inst2)->Export("consume");
  ASSERT_TRUE(consume.ok());
  auto total = consume->func->Call({**(*produced)->result()});
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ(**total, Value::U64(150000));
}

TEST_F(HostAsyncTest, HostFutureAndStreamBetweenHostEnds) {
  auto fut = runtime_->NewFuture(CabiType::U32());
  ASSERT_TRUE(fut.ok()) << fut.status();
  auto rd = runtime_->TakeFuture(fut->readable);
  ASSERT_TRUE(rd.ok()) << rd.status();
  std::optional<Value> got;
  HostCopyResult wrote = HostCopyResult::kCancelled;
  ASSERT_TRUE((*rd)->Read([&](HostCopyResult r, std::optional<Value> v) {
    EXPECT_EQ(r, HostCopyResult::kCompleted);
    got = std::move(v);
  }).ok());
  ASSERT_TRUE(fut->writer->Write(Value::U32(1234), [&](HostCopyResult r) { wrote = r; }).ok());
  ASSERT_TRUE(runtime_->Run([&] { return got.has_value(); }).ok());
  EXPECT_EQ(*got, Value::U32(1234));
  ASSERT_TRUE(runtime_->Run([&] { return wrote == HostCopyResult::kCompleted; }).ok());

  // Lists need a guest's allocator: the host cannot hold such ends. The
  // host can write strings (they follow the elements in its buffer) but
  // not read them.
  EXPECT_FALSE(runtime_->NewStream(CabiType::List(CabiType::U32())).ok());
  auto strings = runtime_->NewStream(CabiType::String());
  ASSERT_TRUE(strings.ok()) << strings.status();
  EXPECT_FALSE(runtime_->TakeStream(strings->readable).ok());
  EXPECT_FALSE(strings->writer->Write({0, 0, 0, 0, 0, 0, 0, 0}, [](auto...) {}).ok());
  auto s = runtime_->NewStream(CabiType::U32());
  ASSERT_TRUE(s.ok());
  auto sr = runtime_->TakeStream(s->readable);
  ASSERT_TRUE(sr.ok());
  auto bytes = EncodeElements(CabiType::U32(), {Value::U32(1), Value::U32(2), Value::U32(3)});
  ASSERT_TRUE(bytes.ok());
  std::vector<Value> values;
  ASSERT_TRUE((*sr)->Read(std::vector<uint8_t>(8), [&](HostCopyResult, uint32_t n,
                                                      std::vector<uint8_t> b) {
    values = *DecodeElements(CabiType::U32(), b, n);
  }).ok());
  uint32_t written = 0;
  ASSERT_TRUE(s->writer->Write(*bytes, [&](HostCopyResult r, uint32_t n, std::vector<uint8_t>) {
    EXPECT_EQ(r, HostCopyResult::kCompleted);
    written = n;
  }).ok());
  ASSERT_TRUE(runtime_->Run([&] { return !values.empty() && written > 0; }).ok());
  EXPECT_EQ(values, (std::vector<Value>{Value::U32(1), Value::U32(2)}));
  // The reader took two of the three: the writer writes the rest again.
  EXPECT_EQ(written, 2u);
  EXPECT_FALSE(s->writer->busy());
  // Dropping the reader: the next write ends DROPPED.
  (*sr)->Close();
  HostCopyResult last = HostCopyResult::kCompleted;
  ASSERT_TRUE(s->writer->Write(std::vector<uint8_t>(4), [&](HostCopyResult r, uint32_t,
                                                           std::vector<uint8_t>) { last = r; })
                  .ok());
  ASSERT_TRUE(runtime_->Run([&] { return last == HostCopyResult::kDropped; }).ok());
  EXPECT_TRUE(s->writer->closed());
}

size_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages_total = 0, pages_rss = 0;
  statm >> pages_total >> pages_rss;
  return pages_rss * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

TEST_F(HostAsyncTest, TenThousandTasksWaitOnHostPromisesWithBoundedMemory) {
  constexpr uint32_t kTasks = 10000;
  auto task = Export("task");
  // Warm up (first-use allocations), then measure.
  {
    auto warm = runtime_->CallAsync(*task, {Value::U32(kTasks)});
    ASSERT_TRUE(warm.ok());
    pending_.at(0).promise->Resolve(Value::U32(0));
    ASSERT_TRUE(runtime_->Run([&] { return (*warm)->ready(); }).ok());
    pending_.clear();
  }
  malloc_trim(0);
  const size_t rss_before = RssBytes();
  const size_t heap_before = mallinfo2().uordblks;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<HostPromiseRef> calls;
  calls.reserve(kTasks);
  for (uint32_t i = 0; i < kTasks; ++i) {
    auto c = runtime_->CallAsync(*task, {Value::U32(i)});
    ASSERT_TRUE(c.ok()) << c.status();
    calls.push_back(*c);
  }
  ASSERT_EQ(pending_.size(), kTasks);
  const size_t rss_peak = RssBytes();
  const size_t heap_peak = mallinfo2().uordblks;
  // Resolve in a shuffled order, 100 per event-loop turn.
  std::vector<Pending> order = std::move(pending_);
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  size_t next = 0;
  std::function<void()> resolve_batch = [&] {
    for (size_t end = std::min(next + 100, order.size()); next < end; ++next) {
      order[next].promise->Resolve(Value::U32(order[next].x + 1));
    }
    if (next < order.size()) runtime_->loop()->Post(resolve_batch);
  };
  runtime_->loop()->Post(resolve_batch);
  size_t done = 0;
  ASSERT_TRUE(runtime_->Run([&] {
    while (done < calls.size() && calls[done]->ready()) ++done;
    return done == calls.size();
  }).ok());
  const auto t1 = std::chrono::steady_clock::now();
  for (uint32_t i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(calls[i]->result().ok()) << calls[i]->result().status();
    ASSERT_EQ(**calls[i]->result(), Value::U32(i + 1));
  }
  order.clear();
  calls.clear();
  malloc_trim(0);
  const size_t rss_after = RssBytes();
  const double per_task_rss =
      static_cast<double>(rss_peak - std::min(rss_peak, rss_before)) / kTasks;
  const double per_task_heap =
      static_cast<double>(heap_peak - std::min(heap_peak, heap_before)) / kTasks;
  std::printf("10000 tasks waiting on host promises: %.0f bytes RSS/task, %.0f bytes heap/task; "
              "RSS after completion %+.1f MiB vs before; %.0f ms\n",
              per_task_rss, per_task_heap,
              (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / (1 << 20),
              std::chrono::duration<double, std::milli>(t1 - t0).count());
#if WB_UNDER_ASAN
  // AddressSanitizer keeps freed memory in quarantine and adds redzones and
  // shadow pages: RSS says nothing about the engine there.
  GTEST_SKIP() << "memory bounds are measured without AddressSanitizer";
#endif
  EXPECT_LT(per_task_rss, 64 * 1024);
  // Bounded: what the tasks held is given back (stacks beyond the pool's
  // cache are unmapped).
  EXPECT_LT(rss_after, rss_before + 32 * (size_t{1} << 20));
}

}  // namespace
}  // namespace wasi_bridge::engine
