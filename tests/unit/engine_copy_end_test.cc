// Streams and futures' shared state (copy_end.h), ends in transit between
// handle tables (end_transit.h, ResourceHandleTable::Lift/LowerStream),
// subtask cancellation states and the scheduler's ResumeNow (what
// subtask.cancel uses to run a cancellably waiting callee at once).
#include <memory>
#include <string>
#include <vector>

#include "engine/cabi/types.h"
#include "engine/component/copy_end.h"
#include "engine/component/handle_table.h"
#include "engine/core/executor.h"
#include "engine/task/scheduler.h"
#include "engine/task/waitable.h"
#include "gtest/gtest.h"

namespace wasi_bridge::engine {
namespace {

// A payload-less stream: copies only count elements.
GuestBuffer Buffer(uint32_t length) { return GuestBuffer{nullptr, nullptr, 0, length, 0}; }

TEST(SharedCopyTest, CancelOnlyEndsTheCallersOwnPendingOp) {
  SharedCopy shared(nullptr, /*future=*/false);
  GuestBuffer write = Buffer(8), read = Buffer(4);
  std::vector<CopyResult> writer_done, reader_done;
  int writer_copies = 0;
  ASSERT_TRUE(shared.Copy(false, &write, nullptr, [&](auto) { ++writer_copies; },
                          [&](CopyResult r) { writer_done.push_back(r); }).ok());
  // The reader is second: it copies 4 and completes; the writer's buffer
  // stays registered with 4 left.
  ASSERT_TRUE(shared.Copy(true, &read, nullptr, [](auto) {},
                          [&](CopyResult r) { reader_done.push_back(r); }).ok());
  EXPECT_EQ(reader_done, std::vector<CopyResult>{CopyResult::kCompleted});
  EXPECT_EQ(writer_copies, 1);
  EXPECT_EQ(write.progress, 4u);
  // Cancelling the reader (not pending) touches nothing; the writer's
  // cancel ends its partial op CANCELLED (cancel-stream.wast's 0x42).
  shared.Cancel(&read);
  EXPECT_TRUE(writer_done.empty());
  shared.Cancel(&write);
  EXPECT_EQ(writer_done, std::vector<CopyResult>{CopyResult::kCancelled});
}

TEST(SharedCopyTest, ZeroLengthWriteMeetingZeroLengthReadLeavesTheReadPending) {
  SharedCopy shared(nullptr, false);
  GuestBuffer read = Buffer(0), write = Buffer(0);
  std::vector<CopyResult> reader_done, writer_done;
  ASSERT_TRUE(shared.Copy(true, &read, nullptr, [](auto) {},
                          [&](CopyResult r) { reader_done.push_back(r); }).ok());
  ASSERT_TRUE(shared.Copy(false, &write, nullptr, [](auto) {},
                          [&](CopyResult r) { writer_done.push_back(r); }).ok());
  EXPECT_EQ(writer_done, std::vector<CopyResult>{CopyResult::kCompleted});
  EXPECT_TRUE(reader_done.empty());
  shared.Drop();
  EXPECT_EQ(reader_done, std::vector<CopyResult>{CopyResult::kDropped});
}

class TransitTest : public ::testing::Test {
 protected:
  std::shared_ptr<EndTransit> transit = std::make_shared<EndTransit>();
  ResourceHandleTable sender{nullptr}, receiver{nullptr};
  cabi::TypeRef type = cabi::CabiType::Stream(cabi::CabiType::U8());
  std::shared_ptr<SharedCopy> shared = std::make_shared<SharedCopy>(cabi::CabiType::U8(), false);

  void SetUp() override {
    sender.set_transit(transit);
    receiver.set_transit(transit);
  }
  uint32_t Add(ResourceHandleTable& t, std::shared_ptr<CopyEnd> e) {
    uint32_t h = *t.AddAsync(e);
    e->set_index(h);
    return h;
  }
};

TEST_F(TransitTest, AReadableEndMovesBetweenTables) {
  auto rd = std::make_shared<CopyEnd>(shared, true);
  const uint32_t h = Add(sender, rd);
  auto ticket = sender.LiftStream(*type, h);
  ASSERT_TRUE(ticket.ok()) << ticket.status();
  EXPECT_FALSE(sender.GetAsync(h, AsyncKind::kStreamEnd).ok());  // gone
  EXPECT_EQ(transit->size(), 1u);
  auto lowered = receiver.LowerStream(*type, *ticket);
  ASSERT_TRUE(lowered.ok()) << lowered.status();
  EXPECT_EQ(rd->index(), *lowered);
  EXPECT_EQ(transit->size(), 0u);
  // A ticket is good once.
  EXPECT_TRUE(IsTrap(receiver.LowerStream(*type, *ticket).status()));
}

TEST_F(TransitTest, LiftTrapsForWritableBusyDoneOrJoinedEnds) {
  auto expect_trap = [&](std::shared_ptr<CopyEnd> e, const std::string& message) {
    const uint32_t h = Add(sender, e);
    absl::Status s = sender.LiftStream(*type, h).status();
    ASSERT_TRUE(IsTrap(s));
    EXPECT_NE(s.message().find(message), std::string::npos) << s;
  };
  expect_trap(std::make_shared<CopyEnd>(shared, false), "expected readable stream end");
  auto busy = std::make_shared<CopyEnd>(shared, true);
  busy->state_ = CopyState::kCopying;
  expect_trap(busy, "cannot remove busy stream");
  auto done = std::make_shared<CopyEnd>(shared, true);
  done->state_ = CopyState::kDone;
  expect_trap(done, "cannot lift stream after being notified that the writable end dropped");
  WaitableSet set;
  auto joined = std::make_shared<CopyEnd>(shared, true);
  joined->Join(&set);
  expect_trap(joined, "cannot lift stream while it's in a waitable set");
  joined->Join(nullptr);
  auto other = std::make_shared<CopyEnd>(std::make_shared<SharedCopy>(nullptr, false), true);
  expect_trap(other, "used with the wrong type");
}

TEST(SubtaskCancelTest, CancelledStateDependsOnWhetherItStarted) {
  Subtask before, after;
  int requests = 0;
  before.set_cancel([&] { ++requests; });
  before.RequestCancellation();
  EXPECT_TRUE(before.cancellation_requested());
  EXPECT_EQ(requests, 1);
  before.OnCancelled();
  EXPECT_EQ(before.state(), Subtask::State::kCancelledBeforeStarted);
  EXPECT_TRUE(before.resolved());
  after.OnStart();
  after.OnCancelled();
  EXPECT_EQ(after.state(), Subtask::State::kCancelledBeforeReturned);
}

TEST(SchedulerResumeNowTest, RunsAWaitingTaskNestedOnceItsPredicateHolds) {
  Scheduler scheduler(64 * 1024);
  std::vector<std::string> trace;
  bool cancelled = false;
  Task* callee = scheduler.Create("callee", [&] {
    scheduler.WaitUntil([&] { return cancelled; }, [] { return std::string("cancel"); });
    trace.push_back("callee cancelled");
  });
  Task* caller = scheduler.Create("caller", [&] {
    cancelled = true;
    EXPECT_TRUE(scheduler.ResumeNow(callee));  // runs to its end, right here
    trace.push_back("caller continues");
  });
  EXPECT_FALSE(scheduler.Resume(callee));
  EXPECT_EQ(scheduler.waiting_tasks(), 1u);
  EXPECT_TRUE(scheduler.Resume(caller));
  EXPECT_EQ(scheduler.waiting_tasks(), 0u);
  EXPECT_EQ(trace, (std::vector<std::string>{"callee cancelled", "caller continues"}));
}

}  // namespace
}  // namespace wasi_bridge::engine
