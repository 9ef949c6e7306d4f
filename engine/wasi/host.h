// The WASI 0.3.0 host: one implementation of the interfaces a command
// component imports, linked into a Runtime by interface name
// ("wasi:cli/stdout@0.3.0" -> an instance of host functions).
//
// Capability-based: the guest sees only the arguments and environment
// variables it is given, and only the directories granted in `preopens`.
#ifndef WASI_BRIDGE_ENGINE_WASI_HOST_H_
#define WASI_BRIDGE_ENGINE_WASI_HOST_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "engine/component/runtime.h"

namespace wasi_bridge::engine::wasi {

struct WasiConfig {
  std::vector<std::string> args;  // args[0] is the program name
  std::vector<std::pair<std::string, std::string>> env;
  std::optional<std::string> initial_cwd;
  int stdin_fd = 0;
  int stdout_fd = 1;
  int stderr_fd = 2;
  // Granted directories: (host path, guest path), as `--dir HOST::GUEST`.
  std::vector<std::pair<std::string, std::string>> preopens;
};

// State shared by the host functions of one run.
struct WasiContext {
  WasiConfig config;
  Runtime* runtime = nullptr;
  // Set by wasi:cli/exit; the guest is then ended with kExitMessage.
  std::optional<int> exit_code;
  // fd 0's flags before stdin made it non-blocking (restored at the end).
  int stdin_flags_to_restore = -1;
  // stdout/stderr sinks holding a chunk not yet written to their fd.
  int sinks_writing = 0;
  // Chunks of file write streams being written on the worker pool.
  int files_writing = 0;
  // Stops reading fd 0 (set while a stdin stream is being fed).
  std::vector<std::function<void()>> stop_stdin;
  // Closes the host's stream and future ends of one stdio stream (their
  // pending completions hold the sink or source: closing breaks the cycle).
  std::vector<std::function<void()>> close_ends;
  // wasi:filesystem's descriptor table (filesystem.cc).
  std::shared_ptr<void> fs;
};

// The trap message a host function uses to end the run on `exit`.
inline constexpr char kExitMessage[] = "wasi:cli/exit called";

using Imports = std::vector<std::pair<std::string, ComponentItem>>;

// Interfaces (name@0.3.0 -> instance). Each Add* appends its interfaces.
void AddCli(const std::shared_ptr<WasiContext>& ctx, Imports& out);
void AddStdio(const std::shared_ptr<WasiContext>& ctx, Imports& out);
void AddClocks(const std::shared_ptr<WasiContext>& ctx, Imports& out);
void AddRandom(const std::shared_ptr<WasiContext>& ctx, Imports& out);
void AddFilesystem(const std::shared_ptr<WasiContext>& ctx, Imports& out);

class WasiHost {
 public:
  WasiHost(Runtime& runtime, WasiConfig config);
  ~WasiHost();
  WasiHost(const WasiHost&) = delete;
  WasiHost& operator=(const WasiHost&) = delete;
  // Every interface the host provides, by import name.
  const Imports& imports() const { return imports_; }
  bool Provides(std::string_view name) const;
  // After the guest's call: stops reading stdin and lets the host write
  // out what the guest already handed over (stdout/stderr chunks whose
  // completions are still posted on the loop), without running guests.
  void Flush();
  // The code the guest asked for with wasi:cli/exit, if it did.
  std::optional<int> exit_code() const { return ctx_->exit_code; }

 private:
  std::shared_ptr<WasiContext> ctx_;
  Imports imports_;
  // Flags of stdout/stderr before the host made pipes non-blocking.
  std::vector<std::pair<int, int>> restore_flags_;
};

}  // namespace wasi_bridge::engine::wasi

#endif  // WASI_BRIDGE_ENGINE_WASI_HOST_H_
