// wasi:filesystem's blocking system calls run on the store's worker pool:
// an open-at that blocks for real (a FIFO nobody writes to) leaves the
// event loop free for other work (a timer here), and completes once a
// writer comes.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/cabi/value.h"
#include "engine/component/async_state.h"
#include "engine/component/host_call.h"
#include "engine/component/runtime.h"
#include "engine/task/event_loop.h"
#include "engine/wasi/host.h"
#include "gtest/gtest.h"
#include "tests/unit/wasi_host_functions.h"

namespace wasi_bridge::engine::wasi {
namespace {

using cabi::Value;


constexpr char kTypes[] = "wasi:filesystem/types@0.3.0";

class WasiFsAsyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wb-fs-async-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    rt_ = NewRuntime();
    WasiConfig config;
    config.preopens = {{dir_, "/"}};
    host_ = std::make_unique<WasiHost>(*rt_, config);
    auto dirs = HostFunction(*host_, "wasi:filesystem/preopens@0.3.0", "get-directories")->Call({});
    ASSERT_TRUE(dirs.ok()) << dirs.status();
    const auto* list = (*dirs)->Get<cabi::ListValue>();
    ASSERT_NE(list, nullptr);
    ASSERT_EQ(list->elems.size(), 1u);
    const auto* pair = list->elems[0].Get<cabi::RecordValue>();
    ASSERT_NE(pair, nullptr);
    const auto* own = pair->fields[0].Get<cabi::OwnValue>();
    ASSERT_NE(own, nullptr);
    root_ = Value::Borrow(own->rep);
  }
  void TearDown() override {
    host_.reset();
    rt_.reset();
    (void)std::system(("rm -rf " + dir_).c_str());
  }
  absl::StatusOr<std::optional<Value>> Method(const std::string& name, std::vector<Value> args) {
    auto f = HostFunction(*host_, kTypes, "[method]descriptor." + name);
    if (!f) return absl::NotFoundError(name);
    return f->Call(std::move(args));
  }
  // descriptor-flags: read = 1, write = 2.
  static Value OpenFlags(uint32_t read_write) { return Value::Flags(read_write); }

  std::string dir_;
  std::unique_ptr<Runtime> rt_;
  std::unique_ptr<WasiHost> host_;
  Value root_;
};

// open-at of a FIFO for reading blocks in open(2) until a writer opens
// it. Meanwhile a 1 ms timer keeps firing on the loop, and a stat of the
// directory completes; then the timer opens the writer and the open-at
// completes.
TEST_F(WasiFsAsyncTest, OpenOfAFifoDoesNotBlockTheLoop) {
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EventLoop* loop = rt_->loop();
  ASSERT_NE(loop, nullptr);

  // Should the open block the loop (as it did before the pool), this
  // thread opens the writer after 10 s so the test fails instead of hanging.
  std::mutex mu;
  std::condition_variable cv;
  bool over = false;
  std::thread rescue([&] {
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return over; })) {
      const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) ::close(fd);
    }
  });

  // The open-at, async-lowered as a guest's subtask would start it.
  auto* open_at = dynamic_cast<AsyncHostFunctionImpl*>(
      HostFunction(*host_, kTypes, "[method]descriptor.open-at").get());
  ASSERT_NE(open_at, nullptr);
  auto req = std::make_shared<CallRequest>();
  req->on_start = [root = root_]() -> absl::StatusOr<std::vector<Value>> {
    return std::vector<Value>{root, Value::Flags(0), Value::String("fifo"), Value::Flags(0),
                              Value::Flags(1 /*read*/)};
  };
  std::optional<Value> opened;
  req->on_resolve = [&opened, r = req.get()](std::optional<Value> v) {
    opened = std::move(v);
    r->resolved = true;
    return absl::OkStatus();
  };
  req->on_cancelled = [] { return absl::OkStatus(); };

  int ticks = 0;
  int ticks_when_writer_opened = -1;
  bool stat_done = false;
  int writer = -1;
  std::function<void()> tick = [&] {
    ++ticks;
    if (writer < 0 && ticks >= 20 && stat_done) {
      // The reader is waiting in open(2): a non-blocking writer may open.
      writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (writer >= 0) ticks_when_writer_opened = ticks;
    }
    if (writer < 0) loop->AddTimer(std::chrono::milliseconds(1), tick);
  };
  loop->AddTimer(std::chrono::milliseconds(1), tick);
  ASSERT_TRUE(open_at->Start(req).ok());
  EXPECT_FALSE(opened);

  // Another filesystem call goes through while the open is stuck.
  auto st = Method("stat", {root_});
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ((*st)->Get<cabi::VariantValue>()->index, 0u);
  EXPECT_FALSE(opened) << "open(2) of a FIFO returned without a writer";
  stat_done = true;

  absl::Status s = rt_->Run([&] { return opened.has_value(); });
  {
    std::lock_guard<std::mutex> lock(mu);
    over = true;
  }
  cv.notify_all();
  rescue.join();
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_TRUE(opened);
  const auto* result = opened->Get<cabi::VariantValue>();
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->index, 0u) << "open-at failed";
  EXPECT_GE(ticks_when_writer_opened, 20) << "the loop did not run while open(2) blocked";
  if (writer >= 0) ::close(writer);

  // The descriptor works: get-type says fifo (variant case 3).
  ASSERT_TRUE(result->payload);
  const auto* own = result->payload->Get<cabi::OwnValue>();
  ASSERT_NE(own, nullptr);
  auto type = Method("get-type", {Value::Borrow(own->rep)});
  ASSERT_TRUE(type.ok()) << type.status();
  EXPECT_EQ(**type, Value::Ok(Value::Variant(3)));
}

// The store is torn down while a job is stuck in open(2) of a FIFO: it
// neither hangs nor crashes, and the stuck open goes once a writer comes.
TEST_F(WasiFsAsyncTest, TeardownWithAnOpenStuckOnAFifo) {
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto* open_at = dynamic_cast<AsyncHostFunctionImpl*>(
      HostFunction(*host_, kTypes, "[method]descriptor.open-at").get());
  ASSERT_NE(open_at, nullptr);
  auto req = std::make_shared<CallRequest>();
  Value root = root_;
  req->on_start = [root]() -> absl::StatusOr<std::vector<Value>> {
    return std::vector<Value>{root, Value::Flags(0), Value::String("fifo"), Value::Flags(0),
                              Value::Flags(1)};
  };
  bool resolved = false;
  req->on_resolve = [&](std::optional<Value>) {
    resolved = true;
    return absl::OkStatus();
  };
  req->on_cancelled = [] { return absl::OkStatus(); };
  ASSERT_TRUE(open_at->Start(req).ok());
  EXPECT_TRUE(rt_->loop()->HasPending());  // the job counts as pending I/O
  (void)rt_->loop()->Poll(/*block=*/false);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // into open(2)
  const auto start = std::chrono::steady_clock::now();
  req.reset();
  host_.reset();
  rt_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_FALSE(resolved);
  // Let the detached worker's open return and drop its fd.
  const int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  EXPECT_GE(w, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (w >= 0) ::close(w);
}

// A stat asked for after write-via-stream took a chunk sees the chunk:
// the filesystem's jobs keep the order they had on the loop.
TEST_F(WasiFsAsyncTest, StreamedWriteThenStatSeesTheData) {
  auto opened = Method("open-at", {root_, Value::Flags(0), Value::String("data"),
                                   Value::Flags(1 /*create*/), OpenFlags(3)});
  ASSERT_TRUE(opened.ok()) << opened.status();
  const auto* result = (*opened)->Get<cabi::VariantValue>();
  ASSERT_NE(result, nullptr);
  ASSERT_EQ(result->index, 0u);
  const uint32_t rep = result->payload->Get<cabi::OwnValue>()->rep;

  auto stream = rt_->NewStream(cabi::CabiType::U8());
  ASSERT_TRUE(stream.ok()) << stream.status();
  auto future = Method("write-via-stream", {Value::Borrow(rep), stream->readable, Value::U64(0)});
  ASSERT_TRUE(future.ok()) << future.status();
  const std::string text(100, 'x');
  WriteToHostStream(*rt_, *stream->writer, text);
  // The sink took the chunk; its pwrite is on the descriptor's lane
  // before the stat asked for now.
  auto st = Method("stat", {Value::Borrow(rep)});
  ASSERT_TRUE(st.ok()) << st.status();
  const auto* ok = (*st)->Get<cabi::VariantValue>();
  ASSERT_NE(ok, nullptr);
  ASSERT_EQ(ok->index, 0u);
  const auto* rec = ok->payload->Get<cabi::RecordValue>();
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(*rec->fields[2].Get<uint64_t>(), text.size());
}

}  // namespace
}  // namespace wasi_bridge::engine::wasi
