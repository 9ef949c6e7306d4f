// Core module validation through wabt (function bodies included).
//
// wabt 1.0.32 (Debian's) keeps assertions that malformed input can trip
// (e.g. an `if` left open in a constant expression pops an empty list in
// BinaryReaderIR::OnEndExpr), so untrusted modules are validated in a
// worker process: a wabt abort becomes a validation error instead of taking
// the caller down. The worker is forked once and reused (a fork per module
// cost 2-4 ms); if it dies it is replaced on the next request.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapter/binary/validator_internal.h"
#include "wabt/binary-reader-ir.h"
#include "wabt/binary-reader.h"
#include "wabt/error.h"
#include "wabt/feature.h"
#include "wabt/ir.h"
#include "wabt/validator.h"

namespace wasi_bridge::binary::internal {
namespace {

wabt::Features CoreFeatures() {
  wabt::Features features;
  // Toolchains emit post-MVP features freely; accept those wabt implements
  // completely. Its function-references and GC support is partial (typed
  // `call_ref` trips an assertion), and no component toolchain emits them.
  features.EnableAll();
  features.disable_function_references();
  features.disable_gc();
  return features;
}

void ValidateInProcess(Bytes module, uint32_t base_offset,
                       std::vector<ValidationError>& errors) {
  const wabt::Features features = CoreFeatures();
  wabt::Errors wabt_errors;
  wabt::Module ir;
  const wabt::ReadBinaryOptions read_options(
      features, /*log_stream=*/nullptr, /*read_debug_names=*/false,
      /*stop_on_first_error=*/true, /*fail_on_custom_section_error=*/false);
  wabt::Result result =
      wabt::ReadBinaryIr("core module", module.data(), module.size(),
                         read_options, &wabt_errors, &ir);
  if (wabt::Succeeded(result)) {
    const wabt::ValidateOptions validate_options(features);
    result = wabt::ValidateModule(&ir, &wabt_errors, validate_options);
  }
  if (wabt::Succeeded(result)) return;
  for (const wabt::Error& e : wabt_errors) {
    uint32_t offset = base_offset;
    if (e.loc.offset != wabt::kInvalidOffset) {
      offset += static_cast<uint32_t>(e.loc.offset);
    }
    errors.push_back({offset, absl::StrCat("core module: ", e.message)});
  }
  if (wabt_errors.empty()) {
    errors.push_back({base_offset, "core module: invalid (wabt)"});
  }
}

bool SendAll(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool RecvAll(int fd, void* data, size_t n) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = recv(fd, p, n, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

constexpr uint32_t kEndOfErrors = 0xffffffff;

// The worker's loop. Request: u32 base, u32 size, bytes. Response: errors
// as (u32 offset, u32 length, text), then (kEndOfErrors, 0).
[[noreturn]] void WorkerMain(int fd) {
  std::string module;
  while (true) {
    uint32_t header[2];
    if (!RecvAll(fd, header, sizeof(header))) _exit(0);  // caller is gone
    module.resize(header[1]);
    if (!RecvAll(fd, module.data(), module.size())) _exit(0);
    std::vector<ValidationError> errors;
    ValidateInProcess(
        Bytes(reinterpret_cast<const uint8_t*>(module.data()), module.size()),
        header[0], errors);
    for (const auto& e : errors) {
      const uint32_t head[2] = {e.offset,
                                static_cast<uint32_t>(e.message.size())};
      if (!SendAll(fd, head, sizeof(head)) ||
          !SendAll(fd, e.message.data(), e.message.size())) {
        _exit(0);
      }
    }
    const uint32_t end[2] = {kEndOfErrors, 0};
    if (!SendAll(fd, end, sizeof(end))) _exit(0);
  }
}

class Worker {
 public:
  // Validates in the worker; nullopt when the worker died on this module.
  std::optional<std::vector<ValidationError>> Validate(Bytes module,
                                                       uint32_t base) {
    if (pid_ < 0 && !Start()) {
      std::vector<ValidationError> errors;
      ValidateInProcess(module, base, errors);  // no fork available
      return errors;
    }
    const uint32_t header[2] = {base, static_cast<uint32_t>(module.size())};
    if (!SendAll(fd_, header, sizeof(header)) ||
        !SendAll(fd_, module.data(), module.size())) {
      Reap();
      return std::nullopt;
    }
    std::vector<ValidationError> errors;
    while (true) {
      uint32_t head[2];
      if (!RecvAll(fd_, head, sizeof(head))) {
        Reap();
        return std::nullopt;
      }
      if (head[0] == kEndOfErrors && head[1] == 0) return errors;
      std::string text(head[1], '\0');
      if (!RecvAll(fd_, text.data(), text.size())) {
        Reap();
        return std::nullopt;
      }
      errors.push_back({head[0], std::move(text)});
    }
  }

 private:
  bool Start() {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      return false;
    }
    const pid_t pid = fork();
    if (pid < 0) {
      close(fds[0]);
      close(fds[1]);
      return false;
    }
    if (pid == 0) {
      close(fds[0]);
      // wabt prints its assertion before aborting; keep that off the
      // caller's terminal (the caller reports the failure itself).
      const int devnull = open("/dev/null", O_WRONLY);
      if (devnull >= 0) dup2(devnull, STDERR_FILENO);
      WorkerMain(fds[1]);
    }
    close(fds[1]);
    fd_ = fds[0];
    pid_ = pid;
    return true;
  }

  void Reap() {
    close(fd_);
    fd_ = -1;
    int status;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
};

}  // namespace

void ValidateCoreModuleBody(Bytes module, uint32_t base_offset,
                            std::vector<ValidationError>& errors,
                            bool isolate) {
  if (!isolate) {
    ValidateInProcess(module, base_offset, errors);
    return;
  }
  static std::mutex mutex;
  static Worker* worker = new Worker();  // lives as long as the process
  std::lock_guard<std::mutex> lock(mutex);
  auto result = worker->Validate(module, base_offset);
  if (result) {
    errors.insert(errors.end(), result->begin(), result->end());
    return;
  }
  errors.push_back({base_offset,
                    "core module: malformed (the wabt validator aborted on "
                    "it)"});
}

}  // namespace wasi_bridge::binary::internal
