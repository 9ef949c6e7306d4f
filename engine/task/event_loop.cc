#include "engine/task/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/task/worker_pool.h"

namespace wasi_bridge::engine {

namespace {

absl::Status Errno(const char* what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

EventLoop::EventLoop()
    : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  // The wake-up fd is not in `fds_`: by itself it is nothing to wait for.
  if (epoll_fd_ >= 0 && wake_fd_ >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_fd_;
    (void)epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  }
}

EventLoop::~EventLoop() {
  // Workers post to this loop: they stop first.
  workers_.reset();
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

WorkerPool& EventLoop::workers() {
  if (!workers_) workers_ = std::make_unique<WorkerPool>(this);
  return *workers_;
}

absl::Status EventLoop::WatchFd(int fd, uint32_t events, FdCallback callback) {
  if (epoll_fd_ < 0) return Errno("epoll_create1");
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  const bool known = fds_.contains(fd);
  if (epoll_ctl(epoll_fd_, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) {
    return Errno("epoll_ctl");
  }
  fds_[fd] = std::move(callback);
  return absl::OkStatus();
}

absl::Status EventLoop::UnwatchFd(int fd) {
  if (fds_.erase(fd) == 0) return absl::NotFoundError(absl::StrCat("fd ", fd, " is not watched"));
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr) != 0) return Errno("epoll_ctl");
  return absl::OkStatus();
}

EventLoop::TimerId EventLoop::AddTimer(Clock::duration delay, std::function<void()> callback) {
  const TimerId id = ++next_timer_;
  const Clock::time_point at = Clock::now() + delay;
  timers_.emplace(std::make_pair(at, id), std::move(callback));
  timer_deadlines_[id] = at;
  return id;
}

bool EventLoop::CancelTimer(TimerId id) {
  auto it = timer_deadlines_.find(id);
  if (it == timer_deadlines_.end()) return false;
  timers_.erase(std::make_pair(it->second, id));
  timer_deadlines_.erase(it);
  return true;
}

void EventLoop::Post(std::function<void()> callback) { posted_.push_back(std::move(callback)); }

void EventLoop::PostFromAnyThread(std::function<void()> callback) {
  {
    std::lock_guard<std::mutex> lock(remote_mu_);
    remote_.push_back(std::move(callback));
  }
  // After the push: a loop woken by this write finds the callback queued.
  const uint64_t one = 1;
  ssize_t n;
  do {
    n = write(wake_fd_, &one, sizeof one);
  } while (n < 0 && errno == EINTR);
}

size_t EventLoop::DrainRemote() {
  std::vector<std::function<void()>> got;
  {
    std::lock_guard<std::mutex> lock(remote_mu_);
    got.swap(remote_);
  }
  for (auto& f : got) posted_.push_back(std::move(f));
  return got.size();
}

size_t EventLoop::RunPosted() {
  // Only what was posted before this round: callbacks that post again run
  // on the next Poll(), after the scheduler had a chance to run tasks.
  size_t n = posted_.size();
  for (size_t i = 0; i < n; ++i) {
    std::function<void()> f = std::move(posted_.front());
    posted_.pop_front();
    f();
  }
  return n;
}

size_t EventLoop::RunDueTimers() {
  size_t ran = 0;
  const Clock::time_point now = Clock::now();
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    auto node = timers_.extract(timers_.begin());
    timer_deadlines_.erase(node.key().second);
    node.mapped()();
    ++ran;
  }
  return ran;
}

size_t EventLoop::WaitFds(int timeout_ms) {
  if (epoll_fd_ < 0) return 0;
  epoll_event events[64];
  int n = epoll_wait(epoll_fd_, events, 64, timeout_ms);
  if (n <= 0) return 0;
  size_t ran = 0;
  for (int i = 0; i < n; ++i) {
    if (events[i].data.fd == wake_fd_) {
      uint64_t count;
      while (read(wake_fd_, &count, sizeof count) < 0 && errno == EINTR) {
      }
      ran += DrainRemote();
      continue;
    }
    auto it = fds_.find(events[i].data.fd);
    if (it == fds_.end()) continue;  // unwatched by an earlier callback
    FdCallback f = it->second;       // the callback may unwatch its fd
    f(events[i].events);
    ++ran;
  }
  return ran;
}

bool EventLoop::Poll(bool block) {
  DrainRemote();
  size_t ran = RunPosted() + RunDueTimers();
  // Ready fds are served on every turn, even a busy one: a task that keeps
  // posting work or arming 0 ms timers must not starve another task's I/O.
  if (!fds_.empty()) ran += WaitFds(0);
  if (ran > 0) return true;
  if (!HasPending()) return false;
  if (!block) return true;
  int timeout_ms = -1;
  if (!timers_.empty()) {
    auto wait = timers_.begin()->first.first - Clock::now();
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
    timeout_ms = static_cast<int>(std::clamp<int64_t>(ms, 0, 1 << 30));
  }
  // With no fd watched, a timer or held work is pending: epoll_wait
  // sleeps until the timer or the wake-up fd.
  WaitFds(timeout_ms);
  RunDueTimers();
  return true;
}

}  // namespace wasi_bridge::engine
