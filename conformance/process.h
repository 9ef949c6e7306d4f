// Running a child process with arguments, environment, stdin and a time
// limit, capturing its output (the conformance runners drive jco, Node and
// wasmtime this way).
#ifndef WASI_BRIDGE_CONFORMANCE_PROCESS_H_
#define WASI_BRIDGE_CONFORMANCE_PROCESS_H_

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace wasi_bridge::conformance {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  std::vector<std::string> env;   // "K=V"; the child sees only these
  std::string cwd;                // empty: inherit
  std::string stdin_data;
  std::chrono::milliseconds timeout{60000};
};

struct ProcessResult {
  int exit_code = 0;      // valid when !signaled && !timed_out
  bool signaled = false;  // killed by a signal (other than our timeout)
  bool timed_out = false;
  std::string stdout_data, stderr_data;
};

// Runs the process to completion (or kills its process group at the
// timeout). Fails only if the process cannot be started.
absl::StatusOr<ProcessResult> RunProcess(const ProcessSpec& spec);

}  // namespace wasi_bridge::conformance

#endif  // WASI_BRIDGE_CONFORMANCE_PROCESS_H_
