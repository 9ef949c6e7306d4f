// Runtimes driven through a `run` command line: the builtin one
// (`wasi-bridge run`, the project's own engine and WASI 0.3 host, which
// upgrades 0.2 components in memory itself) and Wasmtime (`wasmtime run`,
// whose flags `run` mirrors: --env K=V, --dir HOST::GUEST, -- FILE ARGS).
#include <filesystem>
#include <map>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "adapter/support/status_macros.h"
#include "conformance/runtime.h"

namespace wasi_bridge::conformance {
namespace {

namespace fs = std::filesystem;

std::string EnvPath() {
  const char* path = getenv("PATH");
  return "PATH=" + std::string(path ? path : "/usr/bin:/bin");
}

// A proposal a runtime grants, and the flags that grant it.
using ProposalFlags = std::map<std::string, std::vector<std::string>, std::less<>>;

class CommandLineRuntime : public Runtime {
 public:
  // `executable run ...`; `upgrades_itself`: the runtime upgrades 0.2
  // components on its own, so --upgrade needs no file rewrite.
  CommandLineRuntime(RuntimeOptions options, std::string name, std::string executable,
                     bool upgrades_itself, ProposalFlags proposals = {})
      : options_(std::move(options)),
        name_(std::move(name)),
        executable_(std::move(executable)),
        upgrades_itself_(upgrades_itself),
        proposals_(std::move(proposals)) {}

  bool Supports(std::string_view proposal) const override {
    return proposals_.find(proposal) != proposals_.end();
  }

  std::string name() const override {
    return options_.upgrade && !upgrades_itself_ ? name_ + "+upgrade" : name_;
  }

  std::string Unavailable() const override {
    std::error_code ec;
    if (executable_.empty() || !fs::exists(executable_, ec)) {
      return absl::StrFormat("%s not found (%s)", name_,
                             executable_.empty() ? "not on PATH" : executable_);
    }
    return "";
  }

  std::string CannotRun(const TestCase& c) const override {
    std::error_code ec;
    if (c.is_core_module && !fs::exists(options_.jco, ec)) {
      return "a p1 module needs the preview1 adapter, applied with jco (not found)";
    }
    return Runtime::CannotRun(c);
  }

  absl::StatusOr<ProcessResult> Run(const TestCase& c, const std::string& suite_dir) override {
    std::error_code ec;
    fs::create_directories(options_.work_dir, ec);
    // Run it as <name>.wasm so the guest's argv[0] is what the suite expects.
    const std::string file = c.name + ".wasm";
    const std::string path = options_.work_dir + "/" + file;
    if (c.is_core_module) {
      ProcessSpec adapt;
      adapt.argv = {options_.jco, "new", c.wasm, "--wasi-command", "-o", path};
      adapt.env = {EnvPath(), "HOME=" + std::string(getenv("HOME") ? getenv("HOME") : "/tmp")};
      WB_ASSIGN_OR_RETURN(ProcessResult r, RunProcess(adapt));
      if (r.exit_code != 0 || r.timed_out || r.signaled) {
        return absl::FailedPreconditionError("jco new (preview1 adapter) failed: " +
                                             r.stderr_data);
      }
    } else {
      fs::copy_file(c.wasm, path, fs::copy_options::overwrite_existing, ec);
      if (ec) return absl::InternalError(absl::StrFormat("copying %s: %s", c.wasm, ec.message()));
    }
    if (options_.upgrade && !upgrades_itself_) {
      WB_RETURN_IF_ERROR(UpgradeComponentFile(path, path).status());
    }
    ProcessSpec spec;
    spec.argv = {executable_, "run"};
    for (const std::string& p : c.proposals) {
      if (auto it = proposals_.find(p); it != proposals_.end()) {
        spec.argv.insert(spec.argv.end(), it->second.begin(), it->second.end());
      }
    }
    for (const auto& [k, v] : c.env) {
      spec.argv.push_back("--env");
      spec.argv.push_back(k + "=" + v);
    }
    std::string root;
    if (c.root) {
      // A fresh copy per case (cases write into their directory), granted
      // as the guest's "/" (symlinks are copied as symlinks).
      root = options_.work_dir + "/" + c.name + "-root";
      fs::remove_all(root, ec);
      fs::copy(fs::path(suite_dir) / *c.root, root,
               fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
      if (ec) return absl::InternalError(absl::StrFormat("copying %s: %s", *c.root, ec.message()));
      spec.argv.push_back("--dir");
      spec.argv.push_back(root + "::/");
    }
    spec.argv.push_back("--");
    spec.argv.push_back(file);
    spec.argv.insert(spec.argv.end(), c.args.begin(), c.args.end());
    spec.env = {EnvPath()};
    spec.cwd = options_.work_dir;
    spec.stdin_data = c.stdin_data;
    spec.timeout = options_.timeout;
    auto result = RunProcess(spec);
    fs::remove(path, ec);
    if (!root.empty()) fs::remove_all(root, ec);
    return result;
  }

 private:
  RuntimeOptions options_;
  std::string name_;
  std::string executable_;
  bool upgrades_itself_;
  ProposalFlags proposals_;
};

}  // namespace

std::string Runtime::CannotRun(const TestCase& c) const {
  std::vector<std::string> missing;
  for (const std::string& p : c.proposals) {
    if (!Supports(p)) missing.push_back(p);
  }
  return missing.empty() ? "" : "needs " + absl::StrJoin(missing, ", ");
}

std::unique_ptr<Runtime> MakeBuiltinRuntime(const RuntimeOptions& options) {
  return std::make_unique<CommandLineRuntime>(options, "builtin", options.wasi_bridge, true);
}

std::unique_ptr<Runtime> MakeWasmtimeRuntime(const RuntimeOptions& options) {
  // wasi:http's run+wait cases (fields, request, response types) need no
  // network. Sockets are not granted: `-S inherit-network` would hand a
  // guest every address of the host, not only the loopback the cases use.
  return std::make_unique<CommandLineRuntime>(options, "wasmtime", options.wasmtime, false,
                                              ProposalFlags{{"http", {"-S", "http"}}});
}

absl::StatusOr<std::unique_ptr<Runtime>> MakeRuntime(const std::string& name,
                                                     const RuntimeOptions& options) {
  if (name == "jco") return MakeJcoRuntime(options);
  if (name == "builtin") return MakeBuiltinRuntime(options);
  if (name == "wasmtime") return MakeWasmtimeRuntime(options);
  return absl::InvalidArgumentError(
      absl::StrFormat("unknown runtime \"%s\" (builtin, jco, wasmtime)", name));
}

}  // namespace wasi_bridge::conformance
