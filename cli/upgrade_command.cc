// `wasi-bridge upgrade IN -o OUT [--target 0.3.0] [--explain]`: rewrite a
// WASI 0.2 component to import WASI 0.3 only. Nothing is written unless the
// whole upgrade succeeds.
#include <cstdio>
#include <string>

#include "adapter/upgrade/upgrade.h"
#include "cli/commands.h"
#include "cli/file_io.h"

namespace wasi_bridge::cli {

int RunUpgrade(const Args& args) {
  std::string input, output;
  upgrade::UpgradeOptions options;
  bool explain = false;
  std::string shim_path;
  std::vector<uint8_t> shim;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "-o" || a == "--output" || a == "--target" || a == "--shim") {
      if (i + 1 == args.size()) {
        std::fprintf(stderr, "wasi-bridge: %s needs a value\n", std::string(a).c_str());
        return 2;
      }
      (a == "--target" ? options.target : a == "--shim" ? shim_path : output) =
          std::string(args[++i]);
    } else if (a == "--explain") {
      explain = true;
    } else if (a == "--async-exports") {
      options.async_exports = true;
    } else if (a == "--multi-memory") {
      options.multi_memory = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "wasi-bridge: unknown option `%s`\n", std::string(a).c_str());
      return 2;
    } else if (input.empty()) {
      input = std::string(a);
    } else {
      std::fprintf(stderr, "wasi-bridge: upgrade takes one input file\n");
      return 2;
    }
  }
  if (options.target != "0.3.0" && options.target != "0.3.1") {
    std::fprintf(stderr, "wasi-bridge: --target must be 0.3.0 or 0.3.1\n");
    return 2;
  }
  if (input.empty() || (output.empty() && !explain)) {
    std::fprintf(stderr,
                 "usage: wasi-bridge upgrade IN.wasm -o OUT.wasm "
                 "[--target 0.3.0] [--explain] [--async-exports] [--multi-memory]\n");
    return 2;
  }
  if (!shim_path.empty()) {
    auto bytes = ReadFile(shim_path);
    if (!bytes.ok()) {
      std::fprintf(stderr, "wasi-bridge: %s\n", std::string(bytes.status().message()).c_str());
      return 1;
    }
    shim = std::move(*bytes);
    options.shim = shim;
  }
  auto data = ReadFile(input);
  if (!data.ok()) {
    std::fprintf(stderr, "wasi-bridge: %s\n", std::string(data.status().message()).c_str());
    return 1;
  }
  auto result = upgrade::UpgradeComponent(*data, options);
  if (!result.ok()) {
    std::fprintf(stderr, "%s: %s\n", input.c_str(),
                 std::string(result.status().message()).c_str());
    return 1;
  }
  if (explain) {
    for (const std::string& line : result->explain) std::printf("%s\n", line.c_str());
  }
  if (!output.empty()) {
    auto status = WriteFileAtomically(output, result->component);
    if (!status.ok()) {
      std::fprintf(stderr, "wasi-bridge: %s\n", std::string(status.message()).c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace wasi_bridge::cli
