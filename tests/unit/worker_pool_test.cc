// The event loop's cross-thread wake-up and the worker pool behind the
// host's blocking file I/O.
#include "engine/task/worker_pool.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "engine/component/runtime.h"
#include "engine/task/event_loop.h"
#include "gtest/gtest.h"

namespace wasi_bridge::engine {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(EventLoopWakeUp, PostFromAnotherThreadWakesABlockedPoll) {
  EventLoop loop;
  loop.HoldPending();  // a post is expected: Poll waits for it
  bool ran = false;
  std::thread poster([&] {
    std::this_thread::sleep_for(milliseconds(30));
    loop.PostFromAnyThread([&] {
      ran = true;
      loop.ReleasePending();
    });
  });
  const auto start = Clock::now();
  while (!ran) ASSERT_TRUE(loop.Poll(/*block=*/true));
  poster.join();
  EXPECT_GE(Clock::now() - start, milliseconds(25));
  EXPECT_FALSE(loop.HasPending());
  EXPECT_FALSE(loop.Poll(true));  // nothing left: no wait
}

TEST(EventLoopWakeUp, PostsFromManyThreadsAllRunOnTheLoopThread) {
  EventLoop loop;
  constexpr int kThreads = 4, kEach = 200;
  for (int i = 0; i < kThreads * kEach; ++i) loop.HoldPending();
  const std::thread::id loop_thread = std::this_thread::get_id();
  int ran = 0;
  bool off_thread = false;
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        loop.PostFromAnyThread([&] {
          ++ran;
          off_thread |= std::this_thread::get_id() != loop_thread;
          loop.ReleasePending();
        });
      }
    });
  }
  while (ran < kThreads * kEach) ASSERT_TRUE(loop.Poll(true));
  for (auto& t : posters) t.join();
  EXPECT_FALSE(off_thread);
  EXPECT_FALSE(loop.HasPending());
}

TEST(WorkerPool, ManyJobsRunOnWorkersAndFinishOnTheLoop) {
  EventLoop loop;
  WorkerPool& pool = loop.workers();
  constexpr int kJobs = 1000;
  const std::thread::id loop_thread = std::this_thread::get_id();
  std::vector<int> results(kJobs, 0);
  std::atomic<int> on_loop_thread{0};
  int done = 0;
  bool done_off_thread = false;
  for (int i = 0; i < kJobs; ++i) {
    pool.Submit(
        [&results, &on_loop_thread, loop_thread, i] {
          if (std::this_thread::get_id() == loop_thread) ++on_loop_thread;
          results[static_cast<size_t>(i)] = i * 2;  // read by on_done only
        },
        [&, i] {
          EXPECT_EQ(results[static_cast<size_t>(i)], i * 2);
          done_off_thread |= std::this_thread::get_id() != loop_thread;
          ++done;
        });
  }
  EXPECT_TRUE(loop.HasPending());
  EXPECT_EQ(pool.in_flight(), static_cast<size_t>(kJobs));
  while (done < kJobs) ASSERT_TRUE(loop.Poll(true));
  EXPECT_EQ(on_loop_thread.load(), 0);
  EXPECT_FALSE(done_off_thread);
  EXPECT_EQ(pool.in_flight(), 0u);
  EXPECT_LE(pool.threads(), WorkerPool::kDefaultThreads);
  EXPECT_GE(pool.threads(), 1u);
  EXPECT_FALSE(loop.HasPending());
}

TEST(WorkerPool, StartsThreadsLazily) {
  EventLoop loop;
  WorkerPool pool(&loop, 3);
  EXPECT_EQ(pool.threads(), 0u);
  bool done = false;
  pool.Submit([] {}, [&] { done = true; });
  while (!done) ASSERT_TRUE(loop.Poll(true));
  EXPECT_EQ(pool.threads(), 1u);
}

// A job that never returns by itself (a read of a pipe nobody writes to,
// like an open(2) of a FIFO nobody opens): destroying the loop neither
// hangs nor runs its on_done; jobs queued behind it never start.
TEST(WorkerPool, DestroyingTheLoopWithAStuckJobDoesNotHang) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto queued_ran = std::make_shared<std::atomic<bool>>(false);
  auto stuck_returned = std::make_shared<std::atomic<bool>>(false);
  bool any_on_done = false;
  const auto start = Clock::now();
  {
    EventLoop loop;
    WorkerPool pool(&loop, 1);
    const int rfd = fds[0];
    pool.Submit(
        [rfd, stuck_returned] {
          char c;
          (void)::read(rfd, &c, 1);
          stuck_returned->store(true);
        },
        [&] { any_on_done = true; });
    pool.Submit([queued_ran] { queued_ran->store(true); }, [&] { any_on_done = true; });
    EXPECT_TRUE(loop.HasPending());
    // Give the worker time to enter read().
    std::this_thread::sleep_for(milliseconds(20));
    loop.Poll(/*block=*/false);
  }  // ~WorkerPool: waits kShutdownGrace, then detaches
  EXPECT_LT(Clock::now() - start, WorkerPool::kShutdownGrace + milliseconds(2000));
  EXPECT_FALSE(any_on_done);
  EXPECT_FALSE(queued_ran->load());
  // Unblock the detached worker: it finds the pool gone and exits quietly.
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  for (int i = 0; i < 200 && !stuck_returned->load(); ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_TRUE(stuck_returned->load());
  std::this_thread::sleep_for(milliseconds(20));  // let it leave its loop
  ::close(fds[0]);
  ::close(fds[1]);
}

// Jobs running when the loop goes, but finishing within the grace
// period: joined, their on_done dropped (not run) with the loop.
TEST(WorkerPool, DestroyingTheLoopJoinsJobsThatFinish) {
  std::atomic<int> finished{0};
  bool any_on_done = false;
  {
    EventLoop loop;
    WorkerPool& pool = loop.workers();
    for (int i = 0; i < 4; ++i) {
      pool.Submit(
          [&finished] {
            std::this_thread::sleep_for(milliseconds(30));
            ++finished;
          },
          [&] { any_on_done = true; });
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  // Joined: every started job is over (none ran after the loop went).
  const int after = finished.load();
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(finished.load(), after);
  EXPECT_FALSE(any_on_done);
}

// A store whose only pending work is a job waits for it; once nothing is
// pending, the deadlock is reported as before.
TEST(WorkerPool, RunWaitsForJobsAndStillReportsDeadlocks) {
  auto rt = NewRuntime();
  ASSERT_NE(rt->loop(), nullptr);
  bool done = false;
  rt->loop()->workers().Submit([] { std::this_thread::sleep_for(milliseconds(20)); },
                               [&] { done = true; });
  absl::Status s = rt->Run([&] { return done; });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_TRUE(done);
  EXPECT_FALSE(rt->loop()->HasPending());
  s = rt->Run([] { return false; });
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("deadlock"), absl::string_view::npos) << s;
}

}  // namespace
}  // namespace wasi_bridge::engine
