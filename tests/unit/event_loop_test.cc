// The per-store event loop: ready fds are served even while callbacks keep
// the loop busy.
#include <sys/epoll.h>
#include <unistd.h>

#include <functional>

#include "engine/task/event_loop.h"
#include "gtest/gtest.h"

namespace wasi_bridge::engine {
namespace {

TEST(EventLoop, ReadyFdIsServedWhileCallbacksKeepTheLoopBusy) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  bool readable = false;
  ASSERT_TRUE(loop.WatchFd(fds[0], EPOLLIN, [&](uint32_t) { readable = true; }).ok());
  // A callback that re-posts itself forever, like a task yielding on 0 ms work.
  std::function<void()> busy = [&] { loop.Post(busy); };
  loop.Post(busy);
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  for (int turn = 0; turn < 3 && !readable; ++turn) loop.Poll(/*block=*/false);
  EXPECT_TRUE(readable);
  ASSERT_TRUE(loop.UnwatchFd(fds[0]).ok());
  close(fds[0]);
  close(fds[1]);
}

TEST(EventLoop, ReadyFdIsServedWhileZeroDelayTimersFire) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  bool readable = false;
  ASSERT_TRUE(loop.WatchFd(fds[0], EPOLLIN, [&](uint32_t) { readable = true; }).ok());
  std::function<void()> tick = [&] { loop.AddTimer(EventLoop::Clock::duration::zero(), tick); };
  loop.AddTimer(EventLoop::Clock::duration::zero(), tick);
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  for (int turn = 0; turn < 3 && !readable; ++turn) loop.Poll(/*block=*/false);
  EXPECT_TRUE(readable);
  ASSERT_TRUE(loop.UnwatchFd(fds[0]).ok());
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace wasi_bridge::engine
