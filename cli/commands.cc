#include "cli/commands.h"

#include <cstdio>
#include <optional>
#include <string>

#include "adapter/binary/reader.h"
#include "adapter/binary/summary.h"
#include "adapter/binary/validator.h"
#include "adapter/binary/writer.h"
#include "cli/file_io.h"

namespace wasi_bridge::cli {
namespace {

using binary::Bytes;

int Usage(const char* message) {
  std::fprintf(stderr, "wasi-bridge: %s (see wasi-bridge --help)\n", message);
  return 2;
}

// Splits args into one positional file and the recognised flags.
struct Parsed {
  std::string file;
  std::string output;
  bool json = false;
  bool no_core = false;
};

bool Parse(const Args& args, bool allow_json, bool allow_no_core,
           bool allow_output, Parsed& out) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (allow_json && a == "--json") {
      out.json = true;
    } else if (allow_no_core && a == "--no-core") {
      out.no_core = true;
    } else if (allow_output && (a == "-o" || a == "--output")) {
      if (i + 1 == args.size()) return false;
      out.output = std::string(args[++i]);
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      std::fprintf(stderr, "wasi-bridge: unknown option `%s`\n",
                   std::string(a).c_str());
      return false;
    } else if (out.file.empty()) {
      out.file = std::string(a);
    } else {
      return false;
    }
  }
  return !out.file.empty() && (!allow_output || !out.output.empty());
}

void PrintError(const std::string& file, const absl::Status& status) {
  std::printf("%s: error %s\n", file.c_str(),
              std::string(status.message()).c_str());
}

// A file read and decoded; `component` is set for components. The model
// refers into `data`, so an Input is filled in place and never moved.
struct Input {
  std::vector<uint8_t> data;
  binary::BinaryKind kind = binary::BinaryKind::kComponent;
  std::optional<binary::Component> component;

  binary::Bytes bytes() const { return Bytes(data.data(), data.size()); }
};

// Reads `path`; returns 0, or the exit code after reporting the problem
// (2: unreadable file, 1: malformed binary).
int Load(const std::string& path, bool require_component, Input& in) {
  auto data = ReadFile(path);
  if (!data.ok()) return Usage(std::string(data.status().message()).c_str());
  in.data = std::move(*data);
  auto kind = binary::DetectBinaryKind(in.bytes());
  if (!kind.ok()) {
    PrintError(path, kind.status());
    return 1;
  }
  in.kind = *kind;
  if (in.kind == binary::BinaryKind::kCoreModule && !require_component) {
    return 0;
  }
  auto component = binary::ReadComponent(in.bytes());
  if (!component.ok()) {
    PrintError(path, component.status());
    return 1;
  }
  in.component = std::move(*component);
  return 0;
}

}  // namespace

int RunInspect(const Args& args) {
  Parsed p;
  if (!Parse(args, true, false, false, p)) {
    return Usage("inspect needs exactly one FILE");
  }
  Input in;
  if (int rc = Load(p.file, /*require_component=*/false, in)) return rc;
  const binary::Summary summary = binary::Summarize(
      in.component ? &*in.component : nullptr, in.data.size());
  const std::string out = p.json ? binary::SummaryToJson(summary, p.file)
                                 : binary::SummaryToText(summary, p.file);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

int RunValidate(const Args& args) {
  Parsed p;
  if (!Parse(args, false, true, false, p)) {
    return Usage("validate needs exactly one FILE");
  }
  Input in;
  if (int rc = Load(p.file, /*require_component=*/false, in)) return rc;
  binary::ValidateOptions options;
  options.core_modules = !p.no_core;
  const std::vector<binary::ValidationError> errors =
      in.component ? binary::ValidateComponent(*in.component, options)
                   : binary::ValidateCoreModule(in.bytes(), options);
  for (const auto& e : errors) {
    std::printf("%s: error at byte %u (0x%x): %s\n", p.file.c_str(), e.offset,
                e.offset, e.message.c_str());
  }
  if (!errors.empty()) return 1;
  std::printf("%s: valid\n", p.file.c_str());
  return 0;
}

int RunRoundtrip(const Args& args) {
  Parsed p;
  if (!Parse(args, false, false, true, p)) {
    return Usage("roundtrip needs IN and -o OUT");
  }
  Input in;
  if (int rc = Load(p.file, /*require_component=*/true, in)) return rc;
  auto status =
      WriteFileAtomically(p.output, binary::WriteComponent(*in.component));
  if (!status.ok()) {
    std::fprintf(stderr, "wasi-bridge: %s\n",
                 std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace wasi_bridge::cli
