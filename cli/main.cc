// wasi-bridge: command-line entry point. Parses flags and calls the
// libraries; no logic of its own beyond I/O and exit codes.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"

namespace {

constexpr char kUsage[] =
    "usage: wasi-bridge <command> [options]\n"
    "\n"
    "commands:\n"
    "  inspect FILE [--json]     summarise a component: imports, exports,\n"
    "                            WASI versions, modules, canon built-ins\n"
    "  validate FILE [--no-core] validate a component (core modules too,\n"
    "                            unless --no-core); errors carry byte offsets\n"
    "  roundtrip IN -o OUT       decode IN into the model and encode it again\n"
    "  wit FILE.wasm             print the WIT world of a component\n"
    "  wit PATH... [--world W]   resolve WIT packages (files or directories\n"
    "                            with deps/) and print their worlds\n"
    "  upgrade IN -o OUT [--explain] [--async-exports] [--target 0.3.0]\n"
    "                            rewrite a WASI 0.2 component to import WASI\n"
    "                            0.3 only (the shim is spliced in)\n"
    "  conformance DIR [--runtime builtin|jco|wasmtime] [--upgrade] [--json F] [--junit F]\n"
    "                            run a wasi-testsuite directory and report\n"
    "  run FILE [--dir HOST::GUEST]... [--env K=V]... [--inherit-env] [--invoke CALL]\n"
    "      [--] [args...]\n"
    "                            run a command component (WASI 0.2 or 0.3) on\n"
    "                            the engine's WASI 0.3 host, or call one\n"
    "                            export (--invoke); exits with the\n"
    "                            guest's code\n"
    "  wast FILE.wast [--verbose] [--more-async-builtins]\n"
    "                            run a component-model spec test script on\n"
    "                            the engine (needs wasm-tools to assemble it)\n"
    "\n"
    "options:\n"
    "  -h, --help                show this help\n"
    "  -V, --version             show the version\n"
    "\n"
    "exit codes: 0 success, 1 invalid or malformed input, 2 usage error\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string_view command = args.front();
  args.erase(args.begin());
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "-V" || command == "--version") {
    std::printf("wasi-bridge %s\n", WB_VERSION);
    return 0;
  }
  if (command == "inspect") return wasi_bridge::cli::RunInspect(args);
  if (command == "validate") return wasi_bridge::cli::RunValidate(args);
  if (command == "roundtrip") return wasi_bridge::cli::RunRoundtrip(args);
  if (command == "wit") return wasi_bridge::cli::RunWit(args);
  if (command == "upgrade") return wasi_bridge::cli::RunUpgrade(args);
  if (command == "conformance") return wasi_bridge::cli::RunConformance(args);
  if (command == "wast") return wasi_bridge::cli::RunWast(args);
  if (command == "run") return wasi_bridge::cli::RunRun(args);
  std::fprintf(stderr, "wasi-bridge: unknown command `%s`\n\n%s",
               std::string(command).c_str(), kUsage);
  return 2;
}
