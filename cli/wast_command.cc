// `wasi-bridge wast FILE.wast [--verbose] [--more-async-builtins]`: runs a
// component-model spec test script on the engine. --more-async-builtins
// enables the 🚝 gate (sync stream/future read and write); without it,
// commands needing it are skipped ("sync stream.read needs 🚝 ...").
//
// The script is assembled by `wasm-tools json-from-wast` (found on PATH, as
// $WASM_TOOLS, or under $ORACLES/cargo/bin or
// ~/.cache/wasi-bridge-oracles/cargo/bin) into JSON commands and component
// binaries in a temporary directory, which are then executed in order on
// one Runtime. Output: one line per failed command (`FILE:LINE: command:
// why`; every command with --verbose) and a summary line
//   wast: N passed, M failed [(T trap with different message)], K skipped [(reasons)]
// Exit 0 iff nothing failed; 2 for usage errors or a missing wasm-tools.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "adapter/binary/reader.h"
#include "adapter/binary/validator.h"
#include "adapter/wit/decode.h"
#include "cli/commands.h"
#include "cli/wit_labels.h"
#include "cli/file_io.h"
#include "engine/cabi/value.h"
#include "engine/component/json.h"
#include "engine/component/runtime.h"
#include "engine/component/wast_values.h"
#include "engine/core/executor.h"

extern char** environ;

namespace wasi_bridge::cli {
namespace {

namespace fs = std::filesystem;
using engine::JsonValue;

// ------------------------------------------------------------ processes ---

struct ProcessResult {
  int exit_code = -1;  // -1: could not run or killed
  std::string output;  // stdout and stderr interleaved
};

ProcessResult RunProcess(const std::vector<std::string>& argv) {
  ProcessResult result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    result.output = std::strerror(errno);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid;
  const int rc = posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    result.output = absl::StrCat("cannot run ", argv[0], ": ", std::strerror(rc));
    return result;
  }
  char buf[4096];
  while (true) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      result.output.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

bool IsExecutable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
}

// wasm-tools: $WASM_TOOLS, PATH, $ORACLES/cargo/bin, the default oracles dir.
std::optional<std::string> FindWasmTools() {
  if (const char* env = std::getenv("WASM_TOOLS"); env != nullptr && *env != '\0') {
    if (IsExecutable(env)) return std::string(env);
  }
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
      fs::path p = fs::path(std::string(dir)) / "wasm-tools";
      if (IsExecutable(p)) return p.string();
    }
  }
  std::vector<fs::path> dirs;
  if (const char* o = std::getenv("ORACLES"); o != nullptr && *o != '\0') dirs.push_back(o);
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    dirs.push_back(fs::path(h) / ".cache/wasi-bridge-oracles");
  }
  for (const fs::path& d : dirs) {
    fs::path p = d / "cargo/bin/wasm-tools";
    if (IsExecutable(p)) return p.string();
  }
  return std::nullopt;
}

// A temporary directory removed on destruction.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                                     "/wasi-bridge-wast-XXXXXX");
    if (mkdtemp(templ.data()) != nullptr) path_ = templ;
  }
  ~TempDir() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ------------------------------------------------------------- the script ---

// A component binary and its model; the model refers into `bytes`, so a
// Loaded never moves (held by unique_ptr) and outlives the runtime.
struct Loaded {
  std::vector<uint8_t> bytes;
  std::optional<binary::Component> component;
  bool core_module = false;
  // Flags labels of exported functions, decoded from the WIT world on first
  // need: export name -> (params..., result).
  bool labels_decoded = false;
  absl::Status labels_status;
  std::map<std::string, std::vector<engine::TypeLabels>> labels;
};

// Where an instance came from, for messages.
struct InstanceSlot {
  std::shared_ptr<engine::ComponentInstance> instance;
  Loaded* loaded = nullptr;
  // When `instance` is null: why (a skip reason or a failure).
  bool skipped = false;
  std::string why;
};

enum class Outcome { kPass, kFail, kSkip };

struct Result {
  Outcome outcome = Outcome::kPass;
  std::string message;  // failure text or skip reason
  bool trap_message_mismatch = false;

  static Result Pass() { return {}; }
  static Result Fail(std::string m) { return {Outcome::kFail, std::move(m), false}; }
  static Result Skip(std::string reason) { return {Outcome::kSkip, std::move(reason), false}; }
};

// `s` cut to at most `n` bytes, on a UTF-8 character boundary.
absl::string_view Truncate(absl::string_view s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<uint8_t>(s[n]) & 0xc0) == 0x80) --n;
  return s.substr(0, n);
}

// The short form of an Unimplemented message used to group skips: the text
// before the first ':' (e.g. "canon lift async"), at most 60 bytes.
std::string SkipReason(const absl::Status& status) {
  absl::string_view m = status.message();
  if (const size_t colon = m.find(':'); colon != std::string_view::npos) m = m.substr(0, colon);
  return std::string(Truncate(m, 60));
}

// The skip reason for a validation error about a feature the validator
// rejects on purpose (🧵 cooperative threads, 🚟 stackful lifts, pre-0.3.0
// encodings, value/start sections, ...), or "" for a real error.
std::string UnsupportedFeature(absl::string_view message) {
  if (absl::StrContains(message, "\xf0\x9f\xa7\xb5")) return "needs cooperative threads (🧵)";
  if (absl::StrContains(message, "\xf0\x9f\x9a\x9f")) return "needs stackful lift (🚟)";
  if (absl::StrContains(message, "not supported") ||
      absl::StrContains(message, "does not support") ||
      absl::StrContains(message, "removed before WASI 0.3.0") ||
      absl::StrContains(message, "pre-0.3.0 encoding")) {
    return absl::StrCat("unsupported: ", Truncate(message, 60));
  }
  return "";
}

// Wasmtime prefixes trap messages with "wasm trap: "; the spec tests use
// either form.
absl::string_view NormalizeTrapText(absl::string_view text) {
  absl::ConsumePrefix(&text, "wasm trap: ");
  return text;
}


class WastRunner {
 public:
  WastRunner(std::string script, std::string dir, bool verbose,
             engine::RuntimeOptions options)
      : script_(std::move(script)), dir_(std::move(dir)), verbose_(verbose),
        options_(options) {}

  int Run(const JsonValue& doc) {
    const JsonValue* commands = doc.Find("commands");
    if (commands == nullptr || !commands->is_array()) {
      std::printf("%s: wasm-tools output has no \"commands\" array\n", script_.c_str());
      return 1;
    }
    runtime_ = engine::NewRuntime(options_);
    for (const JsonValue& cmd : commands->array()) Execute(cmd);
    PrintSummary();
    // Instances and the runtime go before the bytes they refer to.
    instances_.clear();
    current_ = InstanceSlot();
    runtime_.reset();
    return failed_ == 0 ? 0 : 1;
  }

 private:
  void Execute(const JsonValue& cmd) {
    const std::string* type = cmd.FindString("type");
    uint64_t line = 0;
    if (const JsonValue* l = cmd.Find("line"); l != nullptr && l->is_number()) {
      line = l->AsUint64().value_or(0);
    }
    std::string what = type != nullptr ? *type : "?";
    const JsonValue* action = cmd.Find("action");
    if (action != nullptr) {
      if (const std::string* field = action->FindString("field")) {
        absl::StrAppend(&what, " \"", *field, "\"");
      }
    }
    Result r = Dispatch(type != nullptr ? *type : "", cmd);
    // One line per command, whatever the messages hold.
    for (char& c : r.message) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    switch (r.outcome) {
      case Outcome::kPass:
        ++passed_;
        if (verbose_) std::printf("%s:%llu: %s: ok\n", script_.c_str(),
                                  static_cast<unsigned long long>(line), what.c_str());
        break;
      case Outcome::kFail:
        ++failed_;
        if (r.trap_message_mismatch) ++trap_mismatches_;
        std::printf("%s:%llu: %s: %s\n", script_.c_str(), static_cast<unsigned long long>(line),
                    what.c_str(), r.message.c_str());
        break;
      case Outcome::kSkip:
        ++skipped_;
        ++skip_reasons_[r.message];
        if (verbose_) std::printf("%s:%llu: %s: skipped (%s)\n", script_.c_str(),
                                  static_cast<unsigned long long>(line), what.c_str(),
                                  r.message.c_str());
        break;
    }
    std::fflush(stdout);
  }

  Result Dispatch(const std::string& type, const JsonValue& cmd) {
    if (type == "module") return DoModule(cmd);
    if (type == "module_definition") return DoDefinition(cmd);
    if (type == "module_instance") return DoInstance(cmd);
    if (type == "assert_invalid" || type == "assert_malformed") return DoAssertInvalid(cmd);
    if (type == "assert_return") return DoAssertReturn(cmd);
    if (type == "assert_trap") return DoAssertTrap(cmd);
    if (type == "action") return DoAction(cmd);
    if (type == "assert_uninstantiable") return DoAssertUninstantiable(cmd, /*trap=*/true);
    if (type == "assert_unlinkable") return DoAssertUninstantiable(cmd, /*trap=*/false);
    return Result::Skip(absl::StrCat("command ", type.empty() ? "?" : type));
  }

  // Reads the command's binary into a new Loaded (kept for the run).
  // `text` modules return nullptr with a skip.
  absl::StatusOr<Loaded*> Load(const JsonValue& cmd, bool* is_text) {
    *is_text = false;
    const std::string* file = cmd.FindString("filename");
    if (file == nullptr) return absl::InvalidArgumentError("command has no filename");
    const std::string* mtype = cmd.FindString("module_type");
    if (mtype != nullptr && *mtype == "text") {
      // Quoted text; wasm-tools adds the binary when it could encode it.
      file = cmd.FindString("binary_filename");
      if (file == nullptr) {
        *is_text = true;
        return nullptr;
      }
    }
    auto data = ReadFile((fs::path(dir_) / *file).string());
    if (!data.ok()) return data.status();
    auto loaded = std::make_unique<Loaded>();
    loaded->bytes = std::move(*data);
    const binary::Bytes bytes(loaded->bytes.data(), loaded->bytes.size());
    auto kind = binary::DetectBinaryKind(bytes);
    if (!kind.ok()) return kind.status();
    if (*kind == binary::BinaryKind::kCoreModule) {
      std::vector<binary::ValidationError> errors = binary::ValidateCoreModule(bytes);
      if (!errors.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("at byte ", errors[0].offset, ": ",
                                                       errors[0].message));
      }
      loaded->core_module = true;
    } else {
      auto component = binary::ReadComponent(bytes);
      if (!component.ok()) return component.status();
      loaded->component = std::move(*component);
      std::vector<binary::ValidationError> errors =
          binary::ValidateComponent(*loaded->component);
      if (!errors.empty()) {
        // Only features wasi-bridge leaves out on purpose: a skip.
        const binary::ValidationError* real = nullptr;
        for (const auto& e : errors) {
          if (UnsupportedFeature(e.message).empty()) {
            real = &e;
            break;
          }
        }
        if (real == nullptr) {
          return absl::UnimplementedError(UnsupportedFeature(errors[0].message));
        }
        return absl::InvalidArgumentError(absl::StrCat("at byte ", real->offset, ": ",
                                                       real->message));
      }
    }
    loaded_.push_back(std::move(loaded));
    return loaded_.back().get();
  }

  // Instantiates `loaded`; a skip or failure is recorded in the slot.
  InstanceSlot Instantiate(Loaded* loaded, Result* result) {
    InstanceSlot slot;
    slot.loaded = loaded;
    if (loaded->core_module) {
      *result = Result::Skip("core module at top level");
      slot.skipped = true;
      slot.why = result->message;
      return slot;
    }
    auto inst = runtime_->Instantiate(*loaded->component, {});
    if (inst.ok()) {
      slot.instance = std::move(*inst);
      *result = Result::Pass();
      return slot;
    }
    if (inst.status().code() == absl::StatusCode::kUnimplemented) {
      *result = Result::Skip(SkipReason(inst.status()));
      slot.skipped = true;
    } else {
      *result = Result::Fail(absl::StrCat("instantiation failed: ", inst.status().message()));
    }
    slot.why = result->message;
    return slot;
  }

  Result DoModule(const JsonValue& cmd) {
    bool is_text;
    auto loaded = Load(cmd, &is_text);
    InstanceSlot slot;
    Result result;
    if (is_text) {
      result = Result::Skip("text module");
      slot.skipped = true;
      slot.why = result.message;
    } else if (!loaded.ok()) {
      if (loaded.status().code() == absl::StatusCode::kUnimplemented) {
        result = Result::Skip(std::string(loaded.status().message()));
        slot.skipped = true;
      } else {
        result = Result::Fail(absl::StrCat("invalid component: ", loaded.status().message()));
      }
      slot.why = result.message;
    } else {
      slot = Instantiate(*loaded, &result);
    }
    if (const std::string* name = cmd.FindString("name")) instances_[*name] = slot;
    current_ = std::move(slot);
    return result;
  }

  Result DoDefinition(const JsonValue& cmd) {
    bool is_text;
    auto loaded = Load(cmd, &is_text);
    const std::string* name = cmd.FindString("name");
    if (is_text) {
      if (name != nullptr) definitions_[*name] = {nullptr, "text module", true};
      return Result::Skip("text module");
    }
    if (!loaded.ok()) {
      if (loaded.status().code() == absl::StatusCode::kUnimplemented) {
        std::string why(loaded.status().message());
        if (name != nullptr) definitions_[*name] = {nullptr, why, true};
        return Result::Skip(std::move(why));
      }
      std::string why = absl::StrCat("invalid component: ", loaded.status().message());
      if (name != nullptr) definitions_[*name] = {nullptr, why, false};
      return Result::Fail(std::move(why));
    }
    if (name != nullptr) definitions_[*name] = {*loaded, "", false};
    return Result::Pass();
  }

  Result DoInstance(const JsonValue& cmd) {
    const std::string* module = cmd.FindString("module");
    const std::string* instance = cmd.FindString("instance");
    InstanceSlot slot;
    Result result;
    auto def = module != nullptr ? definitions_.find(*module) : definitions_.end();
    if (def == definitions_.end()) {
      result = Result::Fail(absl::StrCat("unknown definition ", module ? *module : "(none)"));
      slot.why = result.message;
    } else if (def->second.loaded == nullptr) {
      result = def->second.skipped ? Result::Skip(def->second.why)
                                   : Result::Fail(absl::StrCat("definition unavailable: ",
                                                               def->second.why));
      slot.skipped = def->second.skipped;
      slot.why = result.message;
    } else {
      slot = Instantiate(def->second.loaded, &result);
    }
    if (instance != nullptr) instances_[*instance] = slot;
    current_ = std::move(slot);
    return result;
  }

  Result DoAssertInvalid(const JsonValue& cmd) {
    bool is_text;
    auto loaded = Load(cmd, &is_text);
    if (is_text) return Result::Skip("text module");
    if (!loaded.ok()) return Result::Pass();
    const std::string* text = cmd.FindString("text");
    return Result::Fail(absl::StrCat("the component is valid, expected an error: ",
                                     text != nullptr ? *text : ""));
  }

  Result DoAssertUninstantiable(const JsonValue& cmd, bool trap) {
    bool is_text;
    auto loaded = Load(cmd, &is_text);
    if (is_text) return Result::Skip("text module");
    if (!loaded.ok()) {
      if (loaded.status().code() == absl::StatusCode::kUnimplemented) {
        return Result::Skip(std::string(loaded.status().message()));
      }
      return Result::Fail(absl::StrCat("invalid component: ", loaded.status().message()));
    }
    if ((*loaded)->core_module) return Result::Skip("core module at top level");
    auto inst = runtime_->Instantiate(*(*loaded)->component, {});
    const std::string* text = cmd.FindString("text");
    const std::string expected = text != nullptr ? *text : "";
    if (inst.ok()) {
      return Result::Fail(absl::StrCat("instantiated, expected ", trap ? "a trap: " : "an error: ",
                                       expected));
    }
    return ExpectError(inst.status(), expected, trap);
  }

  // Checks a failed status against an expected trap whose message contains
  // `expected` (with !trap: any link error passes).
  static Result ExpectError(const absl::Status& status, const std::string& expected, bool trap) {
    if (status.code() == absl::StatusCode::kUnimplemented) return Result::Skip(SkipReason(status));
    // Link errors are the engine's own wording; any one will do.
    if (!trap) return Result::Pass();
    if (!engine::IsTrap(status)) {
      return Result::Fail(absl::StrCat("expected trap \"", expected, "\", got error: ",
                                       status.message()));
    }
    if (!absl::StrContains(NormalizeTrapText(status.message()), NormalizeTrapText(expected))) {
      Result r = Result::Fail(absl::StrCat("trap with different message: got \"",
                                           status.message(), "\", expected \"", expected, "\""));
      r.trap_message_mismatch = true;
      return r;
    }
    return Result::Pass();
  }

  // The instance an action addresses, or a result explaining why not.
  const InstanceSlot* Target(const JsonValue& action, Result* why) {
    const InstanceSlot* slot = &current_;
    if (const std::string* name = action.FindString("module")) {
      auto it = instances_.find(*name);
      if (it == instances_.end()) {
        *why = Result::Fail(absl::StrCat("unknown instance ", *name));
        return nullptr;
      }
      slot = &it->second;
    }
    if (slot->instance == nullptr) {
      if (slot->skipped) {
        *why = Result::Skip(slot->why);
      } else if (slot->why.empty()) {
        *why = Result::Fail("no component instantiated yet");
      } else {
        *why = Result::Fail(absl::StrCat("no instance (", slot->why, ")"));
      }
      return nullptr;
    }
    return slot;
  }

  // Flags labels for export `field` of `loaded` (params..., result); empty
  // if unknown.
  const std::vector<engine::TypeLabels>* Labels(Loaded& loaded, const std::string& field) {
    if (!loaded.labels_decoded) {
      loaded.labels_decoded = true;
      auto world = wit::DecodeComponentWorld(*loaded.component);
      if (!world.ok()) {
        loaded.labels_status = world.status();
      } else {
        const wit::Resolve& r = world->resolve;
        for (const wit::WorldItem& item : r.worlds[world->world].exports) {
          if (item.kind != wit::WorldItem::Kind::kFunction) continue;
          loaded.labels[item.key] = FunctionLabels(r, item.function);
        }
      }
    }
    auto it = loaded.labels.find(field);
    return it == loaded.labels.end() ? nullptr : &it->second;
  }

  struct Invocation {
    absl::StatusOr<std::optional<engine::cabi::Value>> result = absl::UnknownError("not called");
    engine::FuncSignature signature;
    const std::vector<engine::TypeLabels>* labels = nullptr;
  };

  // Runs an invoke action; returns a Result unless the call happened.
  std::optional<Result> Invoke(const JsonValue* action, Invocation& out) {
    if (action == nullptr || !action->is_object()) return Result::Fail("command has no action");
    const std::string* type = action->FindString("type");
    if (type == nullptr || *type != "invoke") {
      return Result::Skip(absl::StrCat("action ", type != nullptr ? *type : "?"));
    }
    Result why;
    const InstanceSlot* slot = Target(*action, &why);
    if (slot == nullptr) return why;
    const std::string* field = action->FindString("field");
    if (field == nullptr) return Result::Fail("invoke without a field");
    auto item = slot->instance->Export(*field);
    if (!item.ok()) return Result::Fail(absl::StrCat("no export: ", item.status().message()));
    if (item->kind != engine::ComponentItem::Kind::kFunc || item->func == nullptr) {
      return Result::Fail(absl::StrCat("export \"", *field, "\" is not a function"));
    }
    out.signature = item->func->signature();
    const engine::FuncSignature& sig = out.signature;
    bool needs_labels = sig.result != nullptr && engine::ContainsFlags(*sig.result);
    for (const auto& p : sig.params) needs_labels |= p.second && engine::ContainsFlags(*p.second);
    if (needs_labels && slot->loaded != nullptr && slot->loaded->component) {
      out.labels = Labels(*slot->loaded, *field);
    }
    const JsonValue* args = action->Find("args");
    const size_t nargs = args != nullptr && args->is_array() ? args->array().size() : 0;
    if (nargs != sig.params.size()) {
      return Result::Fail(absl::StrCat("\"", *field, "\" takes ", sig.params.size(),
                                       " arguments, the script passes ", nargs));
    }
    std::vector<engine::cabi::Value> values;
    for (size_t i = 0; i < nargs; ++i) {
      const engine::TypeLabels* l =
          out.labels != nullptr && i < out.labels->size() ? &(*out.labels)[i] : nullptr;
      auto v = engine::ValueFromJson(args->array()[i], sig.params[i].second, l);
      if (!v.ok()) {
        if (v.status().code() == absl::StatusCode::kUnimplemented) {
          return Result::Skip(SkipReason(v.status()));
        }
        return Result::Fail(absl::StrCat("argument ", i, " (", sig.params[i].first,
                                         "): ", v.status().message()));
      }
      values.push_back(std::move(*v));
    }
    out.result = item->func->Call(std::move(values));
    return std::nullopt;
  }

  // A call that did not return: unsupported by the engine (skip), or a trap
  // or error the command did not expect.
  static Result FailedCall(const absl::Status& st) {
    if (st.code() == absl::StatusCode::kUnimplemented) return Result::Skip(SkipReason(st));
    return Result::Fail(absl::StrCat(engine::IsTrap(st) ? "trapped: " : "error: ",
                                     st.message()));
  }

  Result DoAssertReturn(const JsonValue& cmd) {
    Invocation call;
    if (auto r = Invoke(cmd.Find("action"), call)) return *r;
    if (!call.result.ok()) return FailedCall(call.result.status());
    const JsonValue* expected = cmd.Find("expected");
    const size_t nexpected =
        expected != nullptr && expected->is_array() ? expected->array().size() : 0;
    const std::optional<engine::cabi::Value>& got = *call.result;
    if (nexpected == 0) {
      if (got.has_value()) {
        return Result::Fail(absl::StrCat("got ", engine::cabi::ToString(*got),
                                         ", expected no result"));
      }
      return Result::Pass();
    }
    if (nexpected > 1) return Result::Fail("more than one expected value");
    if (!got.has_value()) return Result::Fail("got no result, expected one");
    const engine::TypeLabels* l =
        call.labels != nullptr && !call.labels->empty() ? &call.labels->back() : nullptr;
    std::string why;
    if (!engine::ValuesMatch(*got, expected->array()[0], call.signature.result, &why, l)) {
      return Result::Fail(why);
    }
    return Result::Pass();
  }

  Result DoAssertTrap(const JsonValue& cmd) {
    Invocation call;
    if (auto r = Invoke(cmd.Find("action"), call)) return *r;
    const std::string* text = cmd.FindString("text");
    const std::string expected = text != nullptr ? *text : "";
    if (call.result.ok()) {
      return Result::Fail(absl::StrCat(
          "returned ",
          call.result->has_value() ? engine::cabi::ToString(**call.result) : "nothing",
          ", expected trap \"", expected, "\""));
    }
    return ExpectError(call.result.status(), expected, /*trap=*/true);
  }

  Result DoAction(const JsonValue& cmd) {
    Invocation call;
    if (auto r = Invoke(cmd.Find("action"), call)) return *r;
    if (!call.result.ok()) return FailedCall(call.result.status());
    return Result::Pass();
  }

  void PrintSummary() {
    std::string line = absl::StrCat("wast: ", passed_, " passed, ", failed_, " failed");
    if (trap_mismatches_ > 0) {
      absl::StrAppend(&line, " (", trap_mismatches_, " trap with different message)");
    }
    absl::StrAppend(&line, ", ", skipped_, " skipped");
    if (!skip_reasons_.empty()) {
      std::vector<std::pair<int, std::string>> reasons;
      for (const auto& [reason, n] : skip_reasons_) reasons.emplace_back(-n, reason);
      std::sort(reasons.begin(), reasons.end());
      std::vector<std::string> parts;
      for (const auto& [n, reason] : reasons) parts.push_back(absl::StrCat(-n, " ", reason));
      absl::StrAppend(&line, " (", absl::StrJoin(parts, "; "), ")");
    }
    std::printf("%s\n", line.c_str());
  }

  struct Definition {
    Loaded* loaded = nullptr;
    std::string why;  // when loaded is null
    bool skipped = false;
  };

  std::string script_;
  std::string dir_;
  bool verbose_;
  // Declared before the runtime: the bytes outlive it.
  std::vector<std::unique_ptr<Loaded>> loaded_;
  std::unique_ptr<engine::Runtime> runtime_;
  std::map<std::string, Definition> definitions_;
  std::map<std::string, InstanceSlot> instances_;
  InstanceSlot current_;
  int passed_ = 0;
  int failed_ = 0;
  int skipped_ = 0;
  int trap_mismatches_ = 0;
  std::map<std::string, int> skip_reasons_;
  engine::RuntimeOptions options_;
};

int Usage(const char* message) {
  std::fprintf(stderr, "wasi-bridge: %s (see wasi-bridge --help)\n", message);
  return 2;
}

}  // namespace

int RunWast(const Args& args) {
  std::string file;
  bool verbose = false;
  engine::RuntimeOptions options;
  for (std::string_view a : args) {
    if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else if (a == "--more-async-builtins") {
      options.more_async_builtins = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "wasi-bridge: unknown option `%s`\n", std::string(a).c_str());
      return Usage("wast takes FILE.wast [--verbose] [--more-async-builtins]");
    } else if (file.empty()) {
      file = std::string(a);
    } else {
      return Usage("wast takes exactly one FILE.wast");
    }
  }
  if (file.empty()) return Usage("wast needs a FILE.wast");
  if (std::error_code ec; !fs::is_regular_file(file, ec)) {
    std::fprintf(stderr, "wasi-bridge: cannot read %s\n", file.c_str());
    return 2;
  }

  const std::optional<std::string> tools = FindWasmTools();
  if (!tools) {
    std::fprintf(stderr,
                 "wasi-bridge: wast needs wasm-tools to assemble the script, and it was not "
                 "found (looked at $WASM_TOOLS, PATH, $ORACLES/cargo/bin, "
                 "~/.cache/wasi-bridge-oracles/cargo/bin; install it with "
                 "`cargo install wasm-tools` or ../shared/tools/install-oracles.sh)\n");
    return 2;
  }
  ProcessResult version = RunProcess({*tools, "--version"});
  if (version.exit_code != 0) {
    std::fprintf(stderr, "wasi-bridge: %s --version failed: %s\n", tools->c_str(),
                 version.output.c_str());
    return 2;
  }
  std::printf("assembler: %s\n",
              std::string(absl::StripAsciiWhitespace(version.output)).c_str());

  TempDir tmp;
  if (tmp.path().empty()) {
    std::fprintf(stderr, "wasi-bridge: cannot create a temporary directory: %s\n",
                 std::strerror(errno));
    return 2;
  }
  const std::string json_path = (fs::path(tmp.path()) / "script.json").string();
  ProcessResult conv = RunProcess(
      {*tools, "json-from-wast", file, "-o", json_path, "--wasm-dir", tmp.path()});
  if (conv.exit_code != 0) {
    std::printf("%s: wasm-tools json-from-wast failed:\n%s", file.c_str(), conv.output.c_str());
    std::printf("wast: 0 passed, 1 failed, 0 skipped\n");
    return 1;
  }
  auto text = ReadFile(json_path);
  if (!text.ok()) {
    std::printf("%s: %s\n", file.c_str(), std::string(text.status().message()).c_str());
    return 1;
  }
  auto doc = engine::ParseJson(
      std::string_view(reinterpret_cast<const char*>(text->data()), text->size()));
  if (!doc.ok()) {
    std::printf("%s: wasm-tools output: %s\n", file.c_str(),
                std::string(doc.status().message()).c_str());
    return 1;
  }
  std::fflush(stdout);
  return WastRunner(file, tmp.path(), verbose, options).Run(*doc);
}

}  // namespace wasi_bridge::cli
