#include "engine/wasi/host.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <utility>

#include "engine/task/event_loop.h"

namespace wasi_bridge::engine::wasi {

WasiHost::WasiHost(Runtime& runtime, WasiConfig config)
    : ctx_(std::make_shared<WasiContext>()) {
  ctx_->config = std::move(config);
  ctx_->runtime = &runtime;
  // Pipes and sockets on stdout/stderr become non-blocking (a full one is
  // waited for on the loop); terminals and files stay as they are. Flags
  // are read for both fds before either changes (they may share one open
  // file description, as with 2>&1).
  for (int fd : {ctx_->config.stdout_fd, ctx_->config.stderr_fd}) {
    struct stat st{};
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0 && ::fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) &&
        !(flags & O_NONBLOCK)) {
      restore_flags_.emplace_back(fd, flags);
    }
  }
  for (const auto& [fd, flags] : restore_flags_) (void)::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  AddCli(ctx_, imports_);
  AddStdio(ctx_, imports_);
  AddClocks(ctx_, imports_);
  AddRandom(ctx_, imports_);
  AddFilesystem(ctx_, imports_);
}

WasiHost::~WasiHost() {
  for (auto& close : std::exchange(ctx_->close_ends, {})) close();
  for (const auto& [fd, flags] : restore_flags_) (void)::fcntl(fd, F_SETFL, flags);
  if (ctx_->stdin_flags_to_restore >= 0) {
    (void)::fcntl(ctx_->config.stdin_fd, F_SETFL, ctx_->stdin_flags_to_restore);
  }
}

void WasiHost::Flush() {
  for (auto& stop : std::exchange(ctx_->stop_stdin, {})) stop();
  EventLoop* loop = ctx_->runtime->loop();
  if (!loop) return;
  // A posted stream completion writes its chunk and starts the next read,
  // which the finished guest never answers: a few rounds drain them all.
  for (int round = 0; round < 8; ++round) (void)loop->Poll(false);
  // Chunks still waiting for a full pipe, or being written to a file on
  // the worker pool: wait for them (blocking).
  while ((ctx_->sinks_writing > 0 || ctx_->files_writing > 0) && loop->Poll(true)) {
  }
}

bool WasiHost::Provides(std::string_view name) const {
  for (const auto& [n, item] : imports_) {
    if (n == name) return true;
  }
  return false;
}

}  // namespace wasi_bridge::engine::wasi
