#include "conformance/suite.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_format.h"
#include "adapter/support/status_macros.h"
#include "engine/component/json.h"

namespace wasi_bridge::conformance {
namespace {

namespace fs = std::filesystem;
using engine::JsonValue;

absl::Status Expect(bool ok, std::string_view what) {
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(std::string(what));
}

absl::Status ReadRun(const JsonValue& v, TestCase& c) {
  if (const JsonValue* args = v.Find("args")) {
    WB_RETURN_IF_ERROR(Expect(args->is_array(), "\"args\" must be an array"));
    for (const JsonValue& a : args->array()) {
      WB_RETURN_IF_ERROR(Expect(a.is_string(), "\"args\" must hold strings"));
      c.args.push_back(a.string_value());
    }
  }
  if (const JsonValue* env = v.Find("env")) {
    WB_RETURN_IF_ERROR(Expect(env->is_object(), "\"env\" must be an object"));
    for (const auto& [k, val] : env->object()) {
      WB_RETURN_IF_ERROR(Expect(val.is_string(), "\"env\" values must be strings"));
      c.env.emplace_back(k, val.string_value());
    }
  }
  if (const std::string* root = v.FindString("root")) c.root = *root;
  if (const JsonValue* dirs = v.Find("dirs")) {
    // Legacy form: a list of directories preopened under their own names.
    WB_RETURN_IF_ERROR(Expect(dirs->is_array() && dirs->array().size() <= 1,
                              "\"dirs\" with more than one directory is not supported"));
    if (!dirs->array().empty() && dirs->array()[0].is_string()) {
      c.root = dirs->array()[0].string_value();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ExitCode(const JsonValue& v) {
  const JsonValue* code = v.Find("exit_code");
  if (code == nullptr) return 0;
  WB_ASSIGN_OR_RETURN(int64_t n, code->AsInt64());
  return static_cast<int>(n);
}

}  // namespace

absl::StatusOr<TestCase> ParseCase(std::string_view json, TestCase c) {
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) return c;
  WB_ASSIGN_OR_RETURN(JsonValue v, engine::ParseJson(json));
  WB_RETURN_IF_ERROR(Expect(v.is_object(), "the case must be a JSON object"));
  if (const JsonValue* proposals = v.Find("proposals")) {
    WB_RETURN_IF_ERROR(Expect(proposals->is_array(), "\"proposals\" must be an array"));
    for (const JsonValue& p : proposals->array()) {
      WB_RETURN_IF_ERROR(Expect(p.is_string(), "\"proposals\" must hold strings"));
      c.proposals.push_back(p.string_value());
    }
  }
  const JsonValue* ops = v.Find("operations");
  if (ops == nullptr) {
    WB_RETURN_IF_ERROR(ReadRun(v, c));
    WB_ASSIGN_OR_RETURN(c.exit_code, ExitCode(v));
    if (const std::string* out = v.FindString("stdout")) c.stdout_expected = *out;
    if (const std::string* err = v.FindString("stderr")) c.stderr_expected = *err;
    return c;
  }
  WB_RETURN_IF_ERROR(Expect(ops->is_array(), "\"operations\" must be an array"));
  for (const JsonValue& op : ops->array()) {
    const std::string* type = op.FindString("type");
    WB_RETURN_IF_ERROR(Expect(type != nullptr, "an operation without \"type\""));
    if (*type == "run") {
      WB_RETURN_IF_ERROR(ReadRun(op, c));
    } else if (*type == "write") {
      if (const std::string* p = op.FindString("payload")) c.stdin_data += *p;
    } else if (*type == "read") {
      const std::string* id = op.FindString("id");
      const std::string* p = op.FindString("payload");
      std::optional<std::string>& slot =
          id != nullptr && *id == "stderr" ? c.stderr_expected : c.stdout_expected;
      slot = slot.value_or("") + (p ? *p : "");
    } else if (*type == "wait") {
      WB_ASSIGN_OR_RETURN(c.exit_code, ExitCode(op));
    } else if (c.skip.empty()) {
      c.skip = absl::StrFormat("operation \"%s\" is not supported", *type);
    }
  }
  return c;
}

absl::StatusOr<std::vector<TestCase>> LoadSuite(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrFormat("%s: not a directory", dir));
  }
  std::vector<TestCase> cases;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".wasm" || !entry.is_regular_file()) continue;
    TestCase base;
    base.name = entry.path().stem().string();
    base.wasm = entry.path().string();
    std::ifstream wasm(entry.path(), std::ios::binary);
    char head[8] = {};
    wasm.read(head, sizeof head);
    base.is_core_module = wasm.gcount() == 8 && head[4] == 1 && head[5] == 0 &&
                          head[6] == 0 && head[7] == 0;
    fs::path json = entry.path();
    json.replace_extension(".json");
    std::string text;
    if (fs::exists(json, ec)) {
      std::ifstream in(json, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    auto parsed = ParseCase(text, std::move(base));
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: %s", json.string(), parsed.status().message()));
    }
    cases.push_back(std::move(*parsed));
  }
  if (ec) return absl::InternalError(absl::StrFormat("%s: %s", dir, ec.message()));
  std::sort(cases.begin(), cases.end(),
            [](const TestCase& a, const TestCase& b) { return a.name < b.name; });
  return cases;
}

}  // namespace wasi_bridge::conformance
