// The jco runtime: `jco new` (p1 modules, with the preview1 adapter), an
// optional in-memory upgrade, `jco transpile`, then Node running the
// transpiled module with preview2-shim / preview3-shim.
#include <filesystem>
#include <fstream>

#include "absl/strings/str_format.h"
#include "adapter/support/embedded.h"
#include "adapter/support/status_macros.h"
#include "conformance/runtime.h"

namespace wasi_bridge::conformance {
namespace {

namespace fs = std::filesystem;

absl::Status WriteAll(const std::string& path, std::span<const uint8_t> data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()),
            static_cast<std::streamsize>(data.size()));
  if (!out) return absl::InternalError(absl::StrFormat("cannot write %s", path));
  return absl::OkStatus();
}

std::string Tail(const std::string& s) {
  return s.size() <= 600 ? s : s.substr(s.size() - 600);
}

class JcoRuntime : public Runtime {
 public:
  explicit JcoRuntime(RuntimeOptions options) : options_(std::move(options)) {}

  std::string name() const override { return options_.upgrade ? "jco+upgrade" : "jco"; }

  std::string Unavailable() const override {
    std::error_code ec;
    for (const auto& [what, path] : {std::pair{"jco", options_.jco},
                                     std::pair{"node", options_.node},
                                     std::pair{"node_modules", options_.node_modules}}) {
      if (path.empty() || !fs::exists(path, ec)) {
        return absl::StrFormat("%s not found (%s); set JCO/NODE26/ORACLES or use "
                               "--jco/--node (install-oracles.sh installs them)",
                               what, path.empty() ? "unset" : path);
      }
    }
    return "";
  }

  absl::StatusOr<ProcessResult> Run(const TestCase& c, const std::string& suite_dir) override {
    WB_RETURN_IF_ERROR(PrepareWorkDir());
    const std::string tag = Tag(c.name);
    std::string component = c.wasm;
    if (c.is_core_module) {
      component = Scratch(tag + ".p2.wasm");
      WB_RETURN_IF_ERROR(Tool({options_.jco, "new", c.wasm, "--wasi-command", "-o", component},
                              "jco new (preview1 adapter)"));
    }
    if (options_.upgrade) {
      const std::string upgraded = Scratch(tag + ".p3.wasm");
      WB_ASSIGN_OR_RETURN(bool written, UpgradeComponentFile(component, upgraded));
      if (written) component = upgraded;
    }
    const std::string out_dir = Scratch(tag);
    WB_RETURN_IF_ERROR(Tool({options_.jco, "transpile", component, "-o", out_dir, "--name", tag,
                             "-q", "--no-typescript"},
                            "jco transpile"));
    ProcessSpec spec;
    spec.argv = {options_.node, Scratch("run_component.mjs"), out_dir + "/" + tag + ".js"};
    spec.argv.insert(spec.argv.end(), c.args.begin(), c.args.end());
    spec.env = {"PATH=" + std::string(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin"),
                "ARGV0=" + c.name + ".wasm"};
    for (const auto& [k, v] : c.env) spec.env.push_back(k + "=" + v);
    std::string root;
    if (c.root) {
      // A fresh copy: cases write into their directory.
      root = Scratch(tag + "-root");
      std::error_code ec;
      fs::remove_all(root, ec);
      fs::copy(fs::path(suite_dir) / *c.root, root, fs::copy_options::recursive, ec);
      if (ec) return absl::InternalError(absl::StrFormat("copying %s: %s", *c.root, ec.message()));
      spec.env.push_back("JCO_PREOPENS=/=" + root);
    }
    spec.cwd = options_.work_dir;
    spec.stdin_data = c.stdin_data;
    spec.timeout = options_.timeout;
    auto result = RunProcess(spec);
    if (!root.empty()) {
      std::error_code ec;
      fs::remove_all(root, ec);
    }
    return result;
  }

 private:
  std::string Scratch(const std::string& name) const { return options_.work_dir + "/" + name; }
  static std::string Tag(const std::string& name) {
    std::string t = "case_";
    for (char ch : name) t += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    return t;
  }

  absl::Status PrepareWorkDir() {
    if (prepared_) return absl::OkStatus();
    std::error_code ec;
    fs::create_directories(options_.work_dir, ec);
    fs::create_directory_symlink(options_.node_modules, Scratch("node_modules"), ec);
    for (const embedded::EmbeddedFile& f : embedded::ConformanceRunners()) {
      WB_RETURN_IF_ERROR(WriteAll(Scratch(std::string(f.path)), f.data));
    }
    prepared_ = true;
    return absl::OkStatus();
  }

  absl::Status Tool(std::vector<std::string> argv, const char* what) const {
    ProcessSpec spec;
    spec.argv = std::move(argv);
    spec.env = {"PATH=" + std::string(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin"),
                "HOME=" + std::string(getenv("HOME") ? getenv("HOME") : "/tmp")};
    spec.timeout = std::chrono::minutes(5);
    WB_ASSIGN_OR_RETURN(ProcessResult r, RunProcess(spec));
    if (r.timed_out || r.signaled || r.exit_code != 0) {
      return absl::FailedPreconditionError(
          absl::StrFormat("%s failed: %s", what, Tail(r.stderr_data + r.stdout_data)));
    }
    return absl::OkStatus();
  }

  RuntimeOptions options_;
  bool prepared_ = false;
};

}  // namespace

std::unique_ptr<Runtime> MakeJcoRuntime(const RuntimeOptions& options) {
  return std::make_unique<JcoRuntime>(options);
}

}  // namespace wasi_bridge::conformance
