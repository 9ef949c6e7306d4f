// The wasi-bridge subcommands. Each returns the process exit code:
// 0 success, 1 invalid or malformed input, 2 usage error.
#ifndef WASI_BRIDGE_CLI_COMMANDS_H_
#define WASI_BRIDGE_CLI_COMMANDS_H_

#include <string_view>
#include <vector>

namespace wasi_bridge::cli {

using Args = std::vector<std::string_view>;

int RunInspect(const Args& args);
int RunValidate(const Args& args);
int RunRoundtrip(const Args& args);
int RunWit(const Args& args);
// `wast FILE.wast [--verbose]`: runs a component-model spec test script
// (assembled by wasm-tools json-from-wast) on the engine.
int RunWast(const Args& args);
// `upgrade IN -o OUT [--target 0.3.0] [--explain]`: WASI 0.2 -> 0.3.
int RunUpgrade(const Args& args);
// `conformance DIR [--runtime builtin|jco] [--upgrade] [--json F] [--junit F]`.
int RunConformance(const Args& args);
// `run FILE [--env K=V]... [--inherit-env] [--dir H::G]... [--invoke CALL]
// [--] [args...]`: runs a command component on the WASI 0.3 host (or, with
// --invoke 'f(1, "x")', calls that export); returns the guest's code.
int RunRun(const Args& args);

}  // namespace wasi_bridge::cli

#endif  // WASI_BRIDGE_CLI_COMMANDS_H_
