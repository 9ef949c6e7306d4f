// `wasi-bridge run FILE [--env K=V]... [--inherit-env] [--dir H::G]...
// [--invoke CALL] [--] [args...]`: runs a command component on the
// engine's WASI 0.3 host. A component that imports WASI 0.2 is upgraded in
// memory first. With `--invoke 'f(1, "x")'` (wasmtime's syntax: a WAVE
// function call, engine/component/wave.h) it calls that export instead of
// wasi:cli/run and prints the result in WAVE.
//
// Exit codes: the guest's (run returning ok -> 0, err -> 1, exit-with-code
// -> that code; an invoked function returning -> 0); 1 for a trap, an
// unreadable or invalid component, or an import the host does not provide
// (reported before anything runs); 2 for a usage error, including a bad
// --invoke call (syntax, unknown export, arity, argument types).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "adapter/binary/reader.h"
#include "adapter/binary/validator.h"
#include "adapter/upgrade/upgrade.h"
#include "cli/commands.h"
#include "cli/file_io.h"
#include "cli/invoke.h"
#include "engine/component/runtime.h"
#include "engine/component/wave.h"
#include "engine/wasi/host.h"

extern char** environ;

namespace wasi_bridge::cli {

namespace {

constexpr char kRunUsage[] =
    "usage: wasi-bridge run FILE [--env K=V]... [--inherit-env] [--dir HOST::GUEST]... "
    "[--invoke 'FUNC(ARGS)'] [--] [args...]\n";
constexpr char kRunExport[] = "wasi:cli/run@0.3.0";

std::vector<std::string_view> ImportNames(const binary::Component& c) {
  std::vector<std::string_view> names;
  for (const auto& section : c.sections) {
    if (const auto* imports = std::get_if<std::vector<binary::Import>>(&section.body)) {
      for (const auto& im : *imports) names.push_back(im.name.name);
    }
  }
  return names;
}

bool ImportsWasi02(const binary::Component& c) {
  for (std::string_view name : ImportNames(c)) {
    if (name.starts_with("wasi:") && name.find("@0.2.") != std::string_view::npos) return true;
  }
  return false;
}

int Fail(const std::string& file, const std::string& message) {
  std::fprintf(stderr, "wasi-bridge: %s: %s\n", file.c_str(), message.c_str());
  return 1;
}

}  // namespace

int RunRun(const Args& args) {
  std::string file;
  engine::wasi::WasiConfig config;
  bool inherit_env = false;
  std::vector<std::pair<std::string, std::string>> envs;
  std::vector<std::string> dirs;
  std::optional<std::string> invoke;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (!file.empty()) break;  // the guest's own arguments start here
    if (a.starts_with("--invoke=")) {
      invoke = std::string(a.substr(9));
      continue;
    }
    if (a == "--env" || a == "--dir" || a == "--invoke") {
      if (i + 1 == args.size()) {
        std::fprintf(stderr, "wasi-bridge: %s needs a value\n%s", std::string(a).c_str(),
                     kRunUsage);
        return 2;
      }
      const std::string_view v = args[++i];
      if (a == "--invoke") {
        invoke = std::string(v);
        continue;
      }
      if (a == "--dir") {
        dirs.emplace_back(v);
        continue;
      }
      const size_t eq = v.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        std::fprintf(stderr, "wasi-bridge: --env takes K=V, got `%s`\n", std::string(v).c_str());
        return 2;
      }
      envs.emplace_back(std::string(v.substr(0, eq)), std::string(v.substr(eq + 1)));
    } else if (a == "--inherit-env") {
      inherit_env = true;
    } else if (a == "-h" || a == "--help") {
      std::fputs(kRunUsage, stdout);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "wasi-bridge: unknown option `%s`\n%s", std::string(a).c_str(),
                   kRunUsage);
      return 2;
    } else {
      file = std::string(a);
    }
  }
  if (file.empty()) {
    if (i < args.size()) file = std::string(args[i++]);  // `run -- FILE args`
  }
  if (file.empty()) {
    std::fputs(kRunUsage, stderr);
    return 2;
  }
  // The call's syntax up to its arguments is checked before loading; the
  // arguments need the export's types.
  std::optional<engine::wave::CallText> invoke_call;
  if (invoke) {
    auto split = engine::wave::SplitCall(*invoke);
    if (!split.ok()) return InvokeUsage(split.status().message());
    invoke_call = std::move(*split);
  }
  for (const std::string& d : dirs) {
    // HOST::GUEST, or DIR meaning DIR::DIR (as wasmtime's --dir).
    const size_t sep = d.find("::");
    std::string host = sep == std::string::npos ? d : d.substr(0, sep);
    std::string guest = sep == std::string::npos ? d : d.substr(sep + 2);
    if (host.empty() || guest.empty()) {
      std::fprintf(stderr, "wasi-bridge: --dir takes HOST::GUEST or DIR, got `%s`\n%s",
                   d.c_str(), kRunUsage);
      return 2;
    }
    struct stat st{};
    if (::stat(host.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      std::fprintf(stderr, "wasi-bridge: --dir: `%s` is not a directory\n", host.c_str());
      return 1;
    }
    config.preopens.emplace_back(std::move(host), std::move(guest));
  }
  config.args.push_back(file);
  for (; i < args.size(); ++i) config.args.emplace_back(args[i]);
  if (inherit_env) {
    for (char** e = environ; e && *e; ++e) {
      const std::string kv(*e);
      const size_t eq = kv.find('=');
      if (eq == std::string::npos) continue;
      config.env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
  }
  for (auto& kv : envs) {  // --env overrides an inherited variable
    std::erase_if(config.env, [&](const auto& e) { return e.first == kv.first; });
    config.env.push_back(std::move(kv));
  }

  auto data = ReadFile(file);
  if (!data.ok()) return Fail(file, std::string(data.status().message()));
  std::vector<uint8_t> bytes = std::move(*data);
  auto component = binary::ReadComponent(binary::Bytes(bytes.data(), bytes.size()));
  if (!component.ok()) return Fail(file, std::string(component.status().message()));
  if (ImportsWasi02(*component)) {
    // The engine has multi-memory natively: one memory.copy per transfer
    // between the program's memory and the shim's instead of a load/store
    // loop (interpreted, that loop was most of the time of a large write).
    upgrade::UpgradeOptions options;
    options.multi_memory = true;
    auto upgraded = upgrade::UpgradeComponent(bytes, options);
    if (!upgraded.ok()) {
      return Fail(file, "cannot upgrade its WASI 0.2 imports: " +
                            std::string(upgraded.status().message()));
    }
    bytes = std::move(upgraded->component);
    component = binary::ReadComponent(binary::Bytes(bytes.data(), bytes.size()));
    if (!component.ok()) return Fail(file, std::string(component.status().message()));
    // UpgradeComponent validated its output (core modules included): a
    // second pass would double the start-up time of a large program.
  } else if (auto errors = binary::ValidateComponent(*component); !errors.empty()) {
    return Fail(file, "invalid component: " + errors.front().message);
  }

  // A closed stdout/stderr pipe must become the guest's `pipe` error, not
  // kill the process.
  ::signal(SIGPIPE, SIG_IGN);
  auto runtime = engine::NewRuntime();
  engine::wasi::WasiHost host(*runtime, std::move(config));
  std::vector<std::string> missing;
  for (std::string_view name : ImportNames(*component)) {
    if (!host.Provides(name)) missing.emplace_back(name);
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return Fail(file, "imports what the WASI 0.3 host does not provide: " + list);
  }
  auto instance = runtime->Instantiate(*component, host.imports());
  if (!instance.ok()) return Fail(file, std::string(instance.status().message()));
  if (invoke_call) {
    return Invoke(*runtime, host, **instance, *component, file, *invoke, *invoke_call);
  }
  auto run_instance = (*instance)->Export(kRunExport);
  if (!run_instance.ok() || !run_instance->instance) {
    return Fail(file, std::string("does not export ") + kRunExport +
                          " (not a command; --invoke 'FUNC(ARGS)' calls another export)");
  }
  auto run = run_instance->instance->Export("run");
  if (!run.ok() || !run->func) {
    return Fail(file, std::string(kRunExport) + " has no function `run`");
  }
  auto call = runtime->CallAsync(*run->func, {});
  absl::Status status = call.ok() ? runtime->Run([&] { return (*call)->ready(); })
                                  : call.status();
  host.Flush();
  std::fflush(stdout);
  if (host.exit_code()) return *host.exit_code();
  if (status.ok() && !(*call)->result().ok()) status = (*call)->result().status();
  if (!status.ok()) {
    std::fprintf(stderr, "wasi-bridge: %s: %s\n", file.c_str(),
                 std::string(status.message()).c_str());
    return 1;
  }
  const auto& result = *(*call)->result();
  if (result && result->Is<engine::cabi::VariantValue>() &&
      result->Get<engine::cabi::VariantValue>()->index != 0) {
    return 1;  // run returned err
  }
  return 0;
}

}  // namespace wasi_bridge::cli
