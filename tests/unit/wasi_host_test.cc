// The WASI 0.3 host's functions, called directly (no guest).
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "engine/cabi/value.h"
#include "engine/component/async_state.h"
#include "engine/component/host_call.h"
#include "engine/component/runtime.h"
#include "engine/wasi/host.h"
#include "gtest/gtest.h"
#include "tests/unit/wasi_host_functions.h"

namespace wasi_bridge::engine::wasi {
namespace {

using cabi::Value;


TEST(WasiHostTest, ProvidesTheCommandInterfaces) {
  auto rt = NewRuntime();
  WasiHost host(*rt, {});
  for (const char* name :
       {"wasi:cli/environment@0.3.0", "wasi:cli/exit@0.3.0", "wasi:cli/stdin@0.3.0",
        "wasi:cli/stdout@0.3.0", "wasi:cli/stderr@0.3.0", "wasi:cli/types@0.3.0",
        "wasi:cli/terminal-input@0.3.0", "wasi:cli/terminal-output@0.3.0",
        "wasi:cli/terminal-stdin@0.3.0", "wasi:cli/terminal-stdout@0.3.0",
        "wasi:cli/terminal-stderr@0.3.0", "wasi:clocks/types@0.3.0",
        "wasi:clocks/monotonic-clock@0.3.0", "wasi:clocks/system-clock@0.3.0",
        "wasi:random/random@0.3.0", "wasi:random/insecure@0.3.0",
        "wasi:random/insecure-seed@0.3.0", "wasi:filesystem/types@0.3.0",
        "wasi:filesystem/preopens@0.3.0"}) {
    EXPECT_TRUE(host.Provides(name)) << name;
  }
  EXPECT_FALSE(host.Provides("wasi:sockets/types@0.3.0"));
  EXPECT_FALSE(host.Provides("wasi:cli/stdout@0.2.0"));
}

TEST(WasiHostTest, EnvironmentIsExactlyWhatWasGranted) {
  auto rt = NewRuntime();
  WasiConfig config;
  config.args = {"prog", "a b"};
  config.env = {{"K", "V"}};
  WasiHost host(*rt, config);
  auto args = HostFunction(host, "wasi:cli/environment@0.3.0", "get-arguments")->Call({});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(**args, Value::List({Value::String("prog"), Value::String("a b")}));
  auto env = HostFunction(host, "wasi:cli/environment@0.3.0", "get-environment")->Call({});
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(**env, Value::List({Value::Tuple({Value::String("K"), Value::String("V")})}));
  auto cwd = HostFunction(host, "wasi:cli/environment@0.3.0", "get-initial-cwd")->Call({});
  ASSERT_TRUE(cwd.ok());
  EXPECT_EQ(**cwd, Value::None());
}

TEST(WasiHostTest, ExitRecordsTheCodeAndEndsTheCall) {
  auto rt = NewRuntime();
  WasiHost host(*rt, {});
  EXPECT_FALSE(host.exit_code());
  auto r = HostFunction(host, "wasi:cli/exit@0.3.0", "exit-with-code")->Call({Value::U8(42)});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), kExitMessage);
  EXPECT_EQ(host.exit_code(), 42);
  (void)HostFunction(host, "wasi:cli/exit@0.3.0", "exit")->Call({Value::Err()});
  EXPECT_EQ(host.exit_code(), 1);
}

TEST(WasiHostTest, NoTerminals) {
  auto rt = NewRuntime();
  WasiHost host(*rt, {});
  auto r = HostFunction(host, "wasi:cli/terminal-stdout@0.3.0", "get-terminal-stdout")->Call({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(**r, Value::None());
}

TEST(WasiHostTest, RandomBytesAreCappedPerCall) {
  auto rt = NewRuntime();
  WasiHost host(*rt, {});
  auto f = HostFunction(host, "wasi:random/random@0.3.0", "get-random-bytes");
  auto small = f->Call({Value::U64(16)});
  ASSERT_TRUE(small.ok());
  EXPECT_EQ((*small)->ListSize(), 16u);
  auto huge = f->Call({Value::U64(uint64_t{1} << 40)});
  ASSERT_TRUE(huge.ok());
  EXPECT_EQ((*huge)->ListSize(), size_t{1} << 20);
  auto a = HostFunction(host, "wasi:random/random@0.3.0", "get-random-u64")->Call({});
  auto b = HostFunction(host, "wasi:random/random@0.3.0", "get-random-u64")->Call({});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(**a, **b);  // 2^-64
}

TEST(WasiHostTest, Clocks) {
  auto rt = NewRuntime();
  WasiHost host(*rt, {});
  auto now = HostFunction(host, "wasi:clocks/monotonic-clock@0.3.0", "now");
  auto t0 = now->Call({});
  auto t1 = now->Call({});
  ASSERT_TRUE(t0.ok() && t1.ok());
  EXPECT_LE(*(*t0)->Get<uint64_t>(), *(*t1)->Get<uint64_t>());
  auto res = HostFunction(host, "wasi:clocks/monotonic-clock@0.3.0", "get-resolution")->Call({});
  ASSERT_TRUE(res.ok());
  EXPECT_GE(*(*res)->Get<uint64_t>(), 1u);
  auto wall = HostFunction(host, "wasi:clocks/system-clock@0.3.0", "now")->Call({});
  ASSERT_TRUE(wall.ok());
  const auto* rec = (*wall)->Get<cabi::RecordValue>();
  ASSERT_NE(rec, nullptr);
  EXPECT_GT(*rec->fields.at(0).Get<int64_t>(), 1600000000);
  EXPECT_LT(*rec->fields.at(1).Get<uint32_t>(), 1000000000u);
}

TEST(WasiHostTest, InsecureSeedIsFixedPerInstance) {
  auto rt = NewRuntime();
  WasiHost host(*rt, {});
  auto seed = HostFunction(host, "wasi:random/insecure-seed@0.3.0", "get-insecure-seed");
  auto a = seed->Call({});
  auto b = seed->Call({});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(**a, **b);
  WasiHost other(*rt, {});
  auto c = HostFunction(other, "wasi:random/insecure-seed@0.3.0", "get-insecure-seed")->Call({});
  ASSERT_TRUE(c.ok());
  EXPECT_NE(**a, **c);  // 2^-128
}

// An async-lowered call of `wait-for` (as a guest's subtask would start
// it): the timer resolves it, and subtask.cancel reaches the host, which
// answers CANCELLED, though nobody but the store holds the promise.
TEST(WasiHostTest, MonotonicWaitForResolvesAndCancels) {
  auto rt = NewRuntime();
  WasiHost host(*rt, {});
  auto* wait = dynamic_cast<AsyncHostFunctionImpl*>(
      HostFunction(host, "wasi:clocks/monotonic-clock@0.3.0", "wait-for").get());
  ASSERT_NE(wait, nullptr);
  struct Outcome {
    bool returned = false;
    bool cancelled = false;
  };
  auto start = [&](uint64_t ns, Outcome& out) {
    auto req = std::make_shared<CallRequest>();
    req->on_start = [ns]() -> absl::StatusOr<std::vector<Value>> {
      return std::vector<Value>{Value::U64(ns)};
    };
    req->on_resolve = [&out, r = req.get()](std::optional<Value>) {
      out.returned = true;
      r->resolved = true;
      return absl::OkStatus();
    };
    req->on_cancelled = [&out, r = req.get()] {
      out.cancelled = true;
      r->resolved = true;
      return absl::OkStatus();
    };
    EXPECT_TRUE(wait->Start(req).ok());
    return req;
  };
  Outcome soon;
  std::shared_ptr<CallRequest> req = start(1000000, soon);  // 1 ms
  EXPECT_FALSE(soon.returned);
  absl::Status s = rt->Run([&] { return soon.returned; });
  ASSERT_TRUE(s.ok()) << s;

  Outcome never;
  req = start(uint64_t{3600} * 1000000000, never);  // an hour
  ASSERT_EQ(rt->loop()->timers(), 1u);
  req->cancel();
  s = rt->Run([&] { return never.cancelled; });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_FALSE(never.returned);
  EXPECT_EQ(rt->loop()->timers(), 0u);  // the timer went with it
}

TEST(WasiHostTest, NoPreopensWithoutDir) {
  auto rt = NewRuntime();
  WasiHost host(*rt, {});
  auto r = HostFunction(host, "wasi:filesystem/preopens@0.3.0", "get-directories")->Call({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->ListSize(), 0u);
}

// stdout drains a stream (written here by the host itself) into its fd.
TEST(WasiHostTest, StdoutDrainsAStreamIntoItsFd) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
  auto rt = NewRuntime();
  WasiConfig config;
  config.stdout_fd = fds[1];
  WasiHost host(*rt, config);
  auto stream = rt->NewStream(cabi::CabiType::U8());
  ASSERT_TRUE(stream.ok()) << stream.status();
  auto future = HostFunction(host, "wasi:cli/stdout@0.3.0", "write-via-stream")
                    ->Call({stream->readable});
  ASSERT_TRUE(future.ok()) << future.status();
  // (The future cannot be read here: the host holds both of its ends, and
  // the engine forbids a future within one instance. test_run.py reads it
  // from guests.)
  ASSERT_TRUE((*future)->Is<cabi::FutureValue>());

  const std::string text = "hello from the host\n";
  WriteToHostStream(*rt, *stream->writer, text);
  char buf[64] = {};
  ASSERT_EQ(::read(fds[0], buf, sizeof buf), static_cast<ssize_t>(text.size()));
  EXPECT_EQ(std::string(buf, text.size()), text);
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace wasi_bridge::engine::wasi
