// The async ABI's state machines (waitables, waitable sets, subtasks) and
// the scheduler features the async runtime stands on (nested Resume,
// WaitUntil, Yield, deadlock reports).
#include <string>
#include <vector>

#include "engine/core/executor.h"
#include "engine/task/scheduler.h"
#include "engine/task/waitable.h"
#include "gtest/gtest.h"

namespace wasi_bridge::engine {
namespace {

using State = Subtask::State;

TEST(SubtaskTest, StatesAdvanceAndEventsCoalesce) {
  WaitableSet set;
  Subtask sub;
  EXPECT_EQ(sub.state(), State::kStarting);
  // Progress before the subtask has a handle is reported by the lower's
  // return value, not by an event.
  sub.OnStart();
  EXPECT_EQ(sub.state(), State::kStarted);
  EXPECT_FALSE(sub.has_pending_event());

  sub.set_index(3);
  sub.Join(&set);
  EXPECT_FALSE(set.HasPendingEvent());
  EXPECT_FALSE(set.Poll().has_value());

  int delivered = 0;
  sub.set_on_deliver([&] { ++delivered; });
  sub.OnResolve();
  EXPECT_TRUE(set.HasPendingEvent());
  // The event is computed at delivery: RETURNED, which delivers the
  // resolution (once).
  EXPECT_EQ(set.Poll(), (Event{EventCode::kSubtask, 3, 2}));
  EXPECT_TRUE(sub.resolve_delivered());
  EXPECT_EQ(delivered, 1);
  EXPECT_FALSE(set.Poll().has_value());
  sub.DeliverResolve();
  EXPECT_EQ(delivered, 1);
}

TEST(SubtaskTest, StartedThenReturnedAreTwoEventsWhenPolledBetween) {
  WaitableSet set;
  Subtask sub;
  sub.set_index(1);
  sub.Join(&set);
  sub.OnStart();
  EXPECT_EQ(set.Poll(), (Event{EventCode::kSubtask, 1, 1}));
  EXPECT_FALSE(sub.resolve_delivered());
  sub.OnResolve();
  EXPECT_EQ(set.Poll(), (Event{EventCode::kSubtask, 1, 2}));
}

TEST(SubtaskTest, DropNeedsTheResolutionDelivered) {
  Subtask sub;
  sub.set_index(2);
  absl::Status s = sub.CheckDrop();
  ASSERT_TRUE(IsTrap(s));
  EXPECT_NE(s.message().find("cannot drop a subtask which has not yet resolved"),
            std::string::npos);
  sub.OnStart();
  sub.OnResolve();
  EXPECT_FALSE(sub.CheckDrop().ok());  // resolved, but not yet delivered
  sub.TakeEvent();
  EXPECT_TRUE(sub.CheckDrop().ok());
}

TEST(WaitableSetTest, JoinMovesBetweenSetsAndLeaves) {
  WaitableSet a, b;
  Subtask s1, s2;
  s1.set_index(1);
  s2.set_index(2);
  s1.Join(&a);
  s2.Join(&a);
  EXPECT_EQ(a.size(), 2u);
  s1.Join(&b);  // a waitable is in at most one set
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(s1.set(), &b);
  s1.Join(nullptr);
  EXPECT_EQ(b.size(), 0u);
  // Events of waitables outside the set are not seen.
  s1.OnStart();
  EXPECT_FALSE(b.HasPendingEvent());
  s2.OnStart();
  EXPECT_EQ(a.Poll(), (Event{EventCode::kSubtask, 2, 1}));
}

TEST(WaitableSetTest, PollDeliversInJoinOrder) {
  WaitableSet set;
  Subtask s1, s2;
  s1.set_index(5);
  s2.set_index(6);
  s1.Join(&set);
  s2.Join(&set);
  s2.OnStart();
  s1.OnStart();
  EXPECT_EQ(set.Poll()->p1, 5u);
  EXPECT_EQ(set.Poll()->p1, 6u);
  EXPECT_FALSE(set.Poll().has_value());
}

TEST(WaitableSetTest, DropTrapsWithMembersOrWaiters) {
  WaitableSet set;
  EXPECT_TRUE(set.CheckDrop().ok());
  set.AddWaiter();
  absl::Status s = set.CheckDrop();
  ASSERT_TRUE(IsTrap(s));
  EXPECT_NE(s.message().find("cannot drop waitable set with waiters"), std::string::npos);
  set.RemoveWaiter();
  {
    Subtask sub;
    sub.Join(&set);
    EXPECT_TRUE(IsTrap(set.CheckDrop()));
    EXPECT_NE(set.Describe(4).find("waitable set 4 {handle 0 subtask STARTING}"),
              std::string::npos)
        << set.Describe(4);
  }
  // A destroyed waitable leaves its set.
  EXPECT_EQ(set.size(), 0u);
  EXPECT_TRUE(set.CheckDrop().ok());
}

TEST(SchedulerAsyncTest, ResumeRunsATaskEagerlyUntilItBlocks) {
  Scheduler scheduler(64 * 1024);
  std::vector<std::string> trace;
  bool go = false;
  Task* callee = scheduler.Create("callee", [&] {
    trace.push_back("callee starts");
    scheduler.WaitUntil([&] { return go; }, [] { return std::string("go"); });
    trace.push_back("callee resumes");
  });
  // From the scheduler's own stack, Resume returns when the callee blocks.
  EXPECT_FALSE(scheduler.Resume(callee));
  trace.push_back("caller continues");
  EXPECT_EQ(scheduler.waiting_tasks(), 1u);
  go = true;
  ASSERT_TRUE(scheduler.RunUntil([&] { return scheduler.live_tasks() == 0; }).ok());
  EXPECT_EQ(trace, (std::vector<std::string>{"callee starts", "caller continues",
                                             "callee resumes"}));
}

TEST(SchedulerAsyncTest, NestedResumeReturnsToTheResumingTask) {
  Scheduler scheduler(64 * 1024);
  std::vector<std::string> trace;
  int slot = 0;
  scheduler.Spawn("caller", [&] {
    scheduler.set_local(&slot);
    Task* inner = scheduler.Create("inner", [&] {
      EXPECT_EQ(scheduler.local(), nullptr);  // locals are per task
      trace.push_back("inner");
    });
    EXPECT_TRUE(scheduler.Resume(inner));
    EXPECT_EQ(scheduler.local(), &slot);
    trace.push_back("caller");
  });
  ASSERT_TRUE(scheduler.Run().ok());
  EXPECT_EQ(trace, (std::vector<std::string>{"inner", "caller"}));
}

TEST(SchedulerAsyncTest, YieldLetsOthersRun) {
  Scheduler scheduler(64 * 1024);
  std::string trace;
  scheduler.Spawn("a", [&] {
    trace += "a1 ";
    scheduler.Yield();
    trace += "a2 ";
  });
  scheduler.Spawn("b", [&] { trace += "b "; });
  ASSERT_TRUE(scheduler.Run().ok());
  EXPECT_EQ(trace, "a1 b a2 ");
}

TEST(SchedulerAsyncTest, WaitUntilRechecksAfterAnotherTaskFalsifiesIt) {
  Scheduler scheduler(64 * 1024);
  bool lock_free = true;
  std::string trace;
  for (const char* name : {"x", "y"}) {
    scheduler.Spawn(name, [&, name] {
      scheduler.WaitUntil([&] { return lock_free; }, [] { return std::string("lock"); });
      lock_free = false;
      trace += name;
      scheduler.Yield();
      lock_free = true;
    });
  }
  ASSERT_TRUE(scheduler.Run().ok());
  EXPECT_EQ(trace, "xy");
}

TEST(SchedulerAsyncTest, DeadlockReportNamesWhatEachTaskWaitsFor) {
  Scheduler scheduler(64 * 1024);
  scheduler.Spawn("\"f\" (instance $d)", [&] {
    scheduler.WaitUntil([] { return false; },
                        [] { return std::string("waitable set 1 {handle 2 subtask STARTED}"); });
  });
  const absl::Status status = scheduler.RunUntil([] { return false; });
  ASSERT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find(
                "\"f\" (instance $d) waits for waitable set 1 {handle 2 subtask STARTED}"),
            std::string::npos)
      << status.message();
  // Abandoned tasks are never resumed again.
  scheduler.AbandonAll();
  EXPECT_EQ(scheduler.waiting_tasks(), 0u);
  EXPECT_TRUE(scheduler.Run().ok());
}

}  // namespace
}  // namespace wasi_bridge::engine
