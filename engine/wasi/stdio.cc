// wasi:cli/{stdin,stdout,stderr}@0.3.0: host streams over fds 0, 1, 2.
//
// stdout/stderr: the host reads the guest's stream<u8> into one 64 KiB
// buffer at a time and writes it to the fd before reading again, so a
// guest writing faster than the fd drains just waits (bounded memory). A
// pipe or socket is made non-blocking for the run and a full one waited
// for with EPOLLOUT; terminals and files are written as they are. The
// returned future resolves when the guest drops its writable end.
//
// stdin: a host stream fed from fd 0. Reads are non-blocking and driven
// by the loop's epoll watch (a regular file or /dev/null, which epoll
// refuses, is read from posted callbacks: it never blocks). End of file
// closes the stream and resolves the future with ok. Each call gives a new
// stream over the same fd 0; while one watches it, another one polls it
// every 10 ms.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <vector>

#include <sys/epoll.h>
#include <sys/select.h>

#include "adapter/support/status_macros.h"
#include "engine/task/event_loop.h"
#include "engine/wasi/host.h"
#include "engine/wasi/instance.h"
#include "engine/wasi/types.h"

namespace wasi_bridge::engine::wasi {

using cabi::CabiType;
using cabi::Value;

namespace {

constexpr size_t kChunk = 64 * 1024;

Value CliErr(uint32_t code) { return Value::Err(Value::Enum(code)); }

// Drains a guest stream into `fd`: one chunk at a time, the next read only
// once the chunk is written. A non-blocking fd that is full (EAGAIN) is
// waited for with the loop's EPOLLOUT watch, so other tasks keep running.
struct Sink : std::enable_shared_from_this<Sink> {
  int fd = 1;
  std::shared_ptr<WasiContext> ctx;
  std::shared_ptr<HostStreamEnd> in;
  std::shared_ptr<HostFutureEnd> result;
  bool finished = false;
  // The chunk being written: pending[off, end); then DROPPED ends the sink.
  std::vector<uint8_t> pending;
  size_t off = 0, end = 0;
  bool dropped = false;
  bool writing = false;
  bool watched = false;

  void Finish(Value v) {
    if (finished) return;
    finished = true;
    SetWriting(false);
    StopWatching();
    in->Close();
    // The future end lives until the guest took the value or dropped its
    // end (or the host closes it: close_ends).
    auto keep = result;
    (void)result->Write(std::move(v), [keep](HostCopyResult) {});
  }
  void SetWriting(bool w) {
    if (w != writing) ctx->sinks_writing += w ? 1 : -1;
    writing = w;
  }
  void StopWatching() {
    if (watched) (void)ctx->runtime->loop()->UnwatchFd(fd);
    watched = false;
  }
  void ReadNext(std::vector<uint8_t> buffer) {
    buffer.resize(kChunk);
    auto self = shared_from_this();
    absl::Status s = in->Read(std::move(buffer), [self](HostCopyResult r, uint32_t count,
                                                         std::vector<uint8_t> buf) {
      self->pending = std::move(buf);
      self->off = 0;
      self->end = count;
      self->dropped = r == HostCopyResult::kDropped;
      self->SetWriting(true);
      self->Drain();
    });
    if (!s.ok()) Finish(CliErr(kCliErrorIo));
  }
  void Drain() {
    while (off < end && !finished) {
      ssize_t w = ::write(fd, pending.data() + off, end - off);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          if (watched) return;
          EventLoop* loop = ctx->runtime->loop();
          auto self = shared_from_this();
          if (loop && loop->WatchFd(fd, EPOLLOUT, [self](uint32_t) {
                            auto keep = self;  // Drain may unwatch: this callback goes
                            keep->Drain();
                          }).ok()) {
            watched = true;
            return;
          }
          fd_set set;  // no loop to wait with (or epoll refuses the fd)
          FD_ZERO(&set);
          FD_SET(fd, &set);
          (void)::select(fd + 1, nullptr, &set, nullptr, nullptr);
          continue;
        }
        Finish(CliErr(errno == EPIPE ? kCliErrorPipe : kCliErrorIo));
        return;
      }
      off += static_cast<size_t>(w);
    }
    if (finished) return;
    StopWatching();
    SetWriting(false);
    if (dropped) {
      Finish(Value::Ok());
    } else {
      ReadNext(std::move(pending));
    }
  }
};

// Feeds fd 0 into a host stream.
struct Source : std::enable_shared_from_this<Source> {
  int fd = 0;
  EventLoop* loop = nullptr;
  std::shared_ptr<HostStreamEnd> out;
  std::shared_ptr<HostFutureEnd> result;
  bool watched = false;
  bool finished = false;
  bool pollable = true;  // epoll accepts the fd (not a regular file, /dev/null)
  std::shared_ptr<WasiContext> ctx;
  void Finish(Value v) {
    if (finished) return;
    finished = true;
    StopWatching();
    out->Close();
    auto keep = result;
    (void)result->Write(std::move(v), [keep](HostCopyResult) {});
  }
  void StopWatching() {
    if (watched) (void)loop->UnwatchFd(fd);
    watched = false;
  }
  void Start() {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK)) {
      if (::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0) ctx->stdin_flags_to_restore = flags;
    }
    pollable = Pollable(fd);
    WaitReadable();
  }
  static bool Pollable(int fd) {
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) return false;
    epoll_event ev{};
    ev.events = EPOLLIN;
    const bool ok = ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0;
    ::close(ep);
    return ok;
  }
  void WaitReadable() {
    auto self = shared_from_this();
    if (!pollable) {
      loop->Post([self] { self->ReadOnce(); });  // regular files never block
      return;
    }
    if (loop->WatchFd(fd, EPOLLIN, [self](uint32_t) {
          auto keep = self;  // unwatching destroys this callback
          keep->StopWatching();
          keep->ReadOnce();
        }).ok()) {
      watched = true;
    } else {
      // Another stdin stream is watching fd 0 now: look again shortly.
      loop->AddTimer(std::chrono::milliseconds(10), [self] { self->ReadOnce(); });
    }
  }
  void ReadOnce() {
    if (finished) return;
    std::vector<uint8_t> buf(kChunk);
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) {
        WaitReadable();
      } else {
        Finish(CliErr(kCliErrorIo));
      }
      return;
    }
    if (n == 0) {
      Finish(Value::Ok());
      return;
    }
    buf.resize(static_cast<size_t>(n));
    Offer(std::move(buf), 0);
  }
  // Offers buf[from..] to the guest; reads more once all was taken.
  void Offer(std::vector<uint8_t> buf, size_t from) {
    std::vector<uint8_t> data(buf.begin() + static_cast<std::ptrdiff_t>(from), buf.end());
    auto self = shared_from_this();
    absl::Status s = out->Write(std::move(data), [self](HostCopyResult r, uint32_t count,
                                                         std::vector<uint8_t> rest) {
      if (r == HostCopyResult::kDropped) {
        self->Finish(Value::Ok());
        return;
      }
      if (count < rest.size()) {
        self->Offer(std::move(rest), count);
      } else {
        self->WaitReadable();
      }
    });
    if (!s.ok()) Finish(CliErr(kCliErrorIo));
  }
};

ComponentItem WriteViaStream(const std::shared_ptr<WasiContext>& ctx, int fd) {
  FuncSignature sig;
  sig.params = {{"data", CabiType::Stream(CabiType::U8())}};
  sig.result = CliStreamResult();
  return ctx->runtime->HostFunc(sig, [ctx, fd](std::vector<Value> args) -> CallResult {
    Runtime& rt = *ctx->runtime;
    auto sink = std::make_shared<Sink>();
    sink->fd = fd;
    sink->ctx = ctx;
    WB_ASSIGN_OR_RETURN(sink->in, rt.TakeStream(args.at(0)));
    WB_ASSIGN_OR_RETURN(HostFuturePair future,
                        rt.NewFuture(CabiType::Result(nullptr, CliErrorCode())));
    sink->result = future.writer;
    ctx->close_ends.push_back([in = std::weak_ptr(sink->in), out = std::weak_ptr(sink->result)] {
      if (auto e = in.lock()) e->Close();
      if (auto e = out.lock()) e->Close();
    });
    sink->ReadNext({});
    return future.readable;
  });
}

}  // namespace

void AddStdio(const std::shared_ptr<WasiContext>& ctx, Imports& out) {
  for (auto [name, fd] : {std::pair{"stdout", ctx->config.stdout_fd},
                          std::pair{"stderr", ctx->config.stderr_fd}}) {
    auto inst = NewHostInstance();
    inst->AddType("error-code", CliErrorCode());
    inst->Add("write-via-stream", WriteViaStream(ctx, fd));
    Provide(out, std::string("wasi:cli/") + name + "@0.3.0", inst);
  }

  auto in = NewHostInstance();
  in->AddType("error-code", CliErrorCode());
  FuncSignature sig;
  sig.result = CabiType::Tuple({CabiType::Stream(CabiType::U8()), CliStreamResult()});
  in->Add("read-via-stream",
          ctx->runtime->HostFunc(sig, [ctx](std::vector<Value>) -> CallResult {
            Runtime& rt = *ctx->runtime;
            auto src = std::make_shared<Source>();
            src->fd = ctx->config.stdin_fd;
            src->ctx = ctx;
            src->loop = rt.loop();
            if (!src->loop) return absl::UnimplementedError("stdin needs an event loop");
            WB_ASSIGN_OR_RETURN(HostStreamPair stream, rt.NewStream(CabiType::U8()));
            WB_ASSIGN_OR_RETURN(HostFuturePair future,
                                rt.NewFuture(CabiType::Result(nullptr, CliErrorCode())));
            src->out = stream.writer;
            src->result = future.writer;
            ctx->close_ends.push_back(
                [out = std::weak_ptr(src->out), result = std::weak_ptr(src->result)] {
                  if (auto e = out.lock()) e->Close();
                  if (auto e = result.lock()) e->Close();
                });
            std::weak_ptr<Source> weak = src;
            ctx->stop_stdin.push_back([weak] {
              if (auto s = weak.lock()) {
                s->StopWatching();
                s->finished = true;
              }
            });
            src->Start();
            return Value::Tuple({stream.readable, future.readable});
          }));
  Provide(out, "wasi:cli/stdin@0.3.0", in);
}

}  // namespace wasi_bridge::engine::wasi
