// Core module validation through wabt (function bodies included).
//
// wabt 1.0.32 (Debian's) keeps assertions that malformed input can trip
// (e.g. an `end` without an open block in BinaryReaderIR), so validation of
// untrusted bytes runs in a forked child: a wabt abort becomes a validation
// error instead of taking the caller down.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
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

bool WriteAll(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Child side: validate, then send each error as offset, length, text.
[[noreturn]] void RunChild(Bytes module, uint32_t base_offset, int fd) {
  const int devnull = open("/dev/null", O_WRONLY);
  if (devnull >= 0) dup2(devnull, STDERR_FILENO);  // silence wabt's abort
  std::vector<ValidationError> errors;
  ValidateInProcess(module, base_offset, errors);
  for (const auto& e : errors) {
    const uint32_t len = static_cast<uint32_t>(e.message.size());
    if (!WriteAll(fd, &e.offset, sizeof(e.offset)) ||
        !WriteAll(fd, &len, sizeof(len)) ||
        !WriteAll(fd, e.message.data(), len)) {
      _exit(2);
    }
  }
  _exit(0);
}

}  // namespace

void ValidateCoreModuleBody(Bytes module, uint32_t base_offset,
                            std::vector<ValidationError>& errors) {
  int fds[2];
  if (pipe(fds) != 0) {
    ValidateInProcess(module, base_offset, errors);
    return;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    ValidateInProcess(module, base_offset, errors);
    return;
  }
  if (pid == 0) {
    close(fds[0]);
    RunChild(module, base_offset, fds[1]);
  }
  close(fds[1]);
  std::string buffer;
  char chunk[4096];
  ssize_t n;
  while ((n = read(fds[0], chunk, sizeof(chunk))) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    buffer.append(chunk, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  size_t pos = 0;
  while (pos + 8 <= buffer.size()) {
    uint32_t offset, len;
    std::memcpy(&offset, buffer.data() + pos, 4);
    std::memcpy(&len, buffer.data() + pos + 4, 4);
    pos += 8;
    if (pos + len > buffer.size()) break;
    errors.push_back({offset, buffer.substr(pos, len)});
    pos += len;
  }
  if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0)) {
    errors.push_back(
        {base_offset,
         absl::StrFormat("core module: malformed (wabt aborted while "
                         "validating it, %s %d)",
                         WIFSIGNALED(status) ? "signal" : "exit code",
                         WIFSIGNALED(status) ? WTERMSIG(status)
                                             : WEXITSTATUS(status))});
  }
}

}  // namespace wasi_bridge::binary::internal
