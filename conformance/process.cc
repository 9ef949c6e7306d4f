#include "conformance/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"

namespace wasi_bridge::conformance {
namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd) {
      if (f >= 0) close(f);
    }
  }
  bool Open() { return pipe2(fd, O_CLOEXEC) == 0; }
  void CloseEnd(int i) {
    if (fd[i] >= 0) close(fd[i]);
    fd[i] = -1;
  }
};

std::vector<char*> CStrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const std::string& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

absl::StatusOr<ProcessResult> RunProcess(const ProcessSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("no program to run");
  // A child that exits before reading its stdin must not kill us.
  signal(SIGPIPE, SIG_IGN);
  Pipe in, out, err, exec_error;
  if (!in.Open() || !out.Open() || !err.Open() || !exec_error.Open()) {
    return absl::InternalError(absl::StrFormat("pipe: %s", std::strerror(errno)));
  }
  std::vector<char*> argv = CStrings(spec.argv);
  std::vector<char*> envp = CStrings(spec.env);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrFormat("fork: %s", std::strerror(errno)));
  if (pid == 0) {
    // Child: own process group, so the timeout can kill what it starts too.
    setpgid(0, 0);
    dup2(in.fd[0], 0);
    dup2(out.fd[1], 1);
    dup2(err.fd[1], 2);
    if (!spec.cwd.empty() && chdir(spec.cwd.c_str()) != 0) {
      const int e = errno;
      (void)!write(exec_error.fd[1], &e, sizeof e);
      _exit(127);
    }
    execvpe(argv[0], argv.data(), envp.data());
    const int e = errno;
    (void)!write(exec_error.fd[1], &e, sizeof e);
    _exit(127);
  }
  in.CloseEnd(0);
  out.CloseEnd(1);
  err.CloseEnd(1);
  exec_error.CloseEnd(1);
  int child_errno = 0;
  if (read(exec_error.fd[0], &child_errno, sizeof child_errno) == sizeof child_errno) {
    waitpid(pid, nullptr, 0);
    return absl::NotFoundError(absl::StrFormat("cannot run %s: %s", spec.argv[0],
                                               std::strerror(child_errno)));
  }

  ProcessResult result;
  size_t written = 0;
  if (spec.stdin_data.empty()) in.CloseEnd(1);
  else fcntl(in.fd[1], F_SETFL, O_NONBLOCK);
  const auto deadline = std::chrono::steady_clock::now() + spec.timeout;
  char buf[65536];
  while (out.fd[0] >= 0 || err.fd[0] >= 0) {
    pollfd fds[3];
    int n = 0;
    for (int fd : {out.fd[0], err.fd[0]}) {
      if (fd >= 0) fds[n++] = {fd, POLLIN, 0};
    }
    if (in.fd[1] >= 0) fds[n++] = {in.fd[1], POLLOUT, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    if (poll(fds, n, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in.fd[1]) {
        const ssize_t w = write(in.fd[1], spec.stdin_data.data() + written,
                                spec.stdin_data.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 || written == spec.stdin_data.size()) in.CloseEnd(1);
        continue;
      }
      const ssize_t r = read(fds[i].fd, buf, sizeof buf);
      std::string& sink = fds[i].fd == out.fd[0] ? result.stdout_data : result.stderr_data;
      if (r > 0) {
        sink.append(buf, static_cast<size_t>(r));
      } else {
        (fds[i].fd == out.fd[0] ? out : err).CloseEnd(0);
      }
    }
  }
  // The child may close its output and keep running: the deadline holds.
  int status = 0;
  while (!result.timed_out && waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      result.timed_out = true;
      break;
    }
    usleep(2000);
  }
  if (result.timed_out) {
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  if (!result.timed_out) {
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    else result.signaled = true;
  }
  return result;
}

}  // namespace wasi_bridge::conformance
