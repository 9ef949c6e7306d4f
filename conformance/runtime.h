// The runtimes a conformance run can use. Each takes a test case (a
// component, or a p1 module it adapts first) and runs its wasi:cli/run
// export with the case's arguments, environment, preopen and stdin.
#ifndef WASI_BRIDGE_CONFORMANCE_RUNTIME_H_
#define WASI_BRIDGE_CONFORMANCE_RUNTIME_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "conformance/process.h"
#include "conformance/suite.h"

namespace wasi_bridge::conformance {

struct RuntimeOptions {
  // Upgrade every WASI 0.2 component to 0.3 (in memory) before running it.
  bool upgrade = false;
  std::chrono::milliseconds timeout{60000};
  std::string work_dir;  // scratch space, removed by the caller
  // jco: the jco CLI, Node (26+ for WASI 0.3: JSPI) and the node_modules
  // holding preview2-shim and preview3-shim. The builtin runtime uses jco
  // only to adapt p1 modules.
  std::string jco, node, node_modules;
  // builtin: the wasi-bridge executable whose `run` command runs a case.
  std::string wasi_bridge;
  // wasmtime: the `wasmtime` CLI (46+: WASI 0.3 on by default); empty when
  // none was found.
  std::string wasmtime;
};

class Runtime {
 public:
  virtual ~Runtime() = default;
  virtual std::string name() const = 0;
  // Why no case can run on this runtime here ("" when it can).
  virtual std::string Unavailable() const { return ""; }
  // The proposals of TestCase::proposals ("http", "sockets") whose
  // interfaces this runtime grants a case that needs them.
  virtual bool Supports(std::string_view /*proposal*/) const { return false; }
  // Why this case cannot run on this runtime ("" when it can); by default
  // the proposals it needs that the runtime does not support ("needs http").
  virtual std::string CannotRun(const TestCase& c) const;
  // Prepares and runs one case. An error means the case could not be run
  // (adapting, upgrading or transpiling failed), with the reason.
  virtual absl::StatusOr<ProcessResult> Run(const TestCase& c,
                                            const std::string& suite_dir) = 0;
};

std::unique_ptr<Runtime> MakeJcoRuntime(const RuntimeOptions& options);
std::unique_ptr<Runtime> MakeBuiltinRuntime(const RuntimeOptions& options);
std::unique_ptr<Runtime> MakeWasmtimeRuntime(const RuntimeOptions& options);

// Upgrades the component file `in` into `out` (which may be `in`); false,
// with nothing written, when it imports no WASI 0.2 interface.
absl::StatusOr<bool> UpgradeComponentFile(const std::string& in, const std::string& out);

// "builtin", "jco" or "wasmtime"; anything else is an InvalidArgument error.
absl::StatusOr<std::unique_ptr<Runtime>> MakeRuntime(const std::string& name,
                                                     const RuntimeOptions& options);

}  // namespace wasi_bridge::conformance

#endif  // WASI_BRIDGE_CONFORMANCE_RUNTIME_H_
