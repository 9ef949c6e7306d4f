#include "conformance/report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/component/json.h"

namespace wasi_bridge::conformance {
namespace {

using engine::JsonValue;

std::string Excerpt(const std::string& s) {
  std::string t = s.size() <= 300 ? s : "..." + s.substr(s.size() - 300);
  for (char& ch : t) {
    if (ch == '\n') ch = '|';
  }
  return t;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        // XML 1.0 forbids most control characters, even escaped.
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t') out += ' ';
        else out += ch;
    }
  }
  return out;
}

}  // namespace

const char* StatusName(Status s) {
  switch (s) {
    case Status::kPass: return "pass";
    case Status::kFail: return "fail";
    default: return "skip";
  }
}

std::string Judge(const TestCase& c, const ProcessResult& r) {
  std::vector<std::string> problems;
  if (r.timed_out) {
    problems.push_back("timed out");
  } else if (r.signaled) {
    problems.push_back("killed by a signal");
  } else if (r.exit_code != c.exit_code) {
    problems.push_back(absl::StrFormat("exit code %d, expected %d", r.exit_code, c.exit_code));
  }
  if (c.stdout_expected && r.stdout_data.find(*c.stdout_expected) == std::string::npos) {
    problems.push_back(absl::StrFormat("stdout lacks \"%s\"", Excerpt(*c.stdout_expected)));
  }
  if (c.stderr_expected && r.stderr_data.find(*c.stderr_expected) == std::string::npos) {
    problems.push_back(absl::StrFormat("stderr lacks \"%s\"", Excerpt(*c.stderr_expected)));
  }
  if (problems.empty()) return "";
  std::string out;
  for (const std::string& p : problems) absl::StrAppend(&out, out.empty() ? "" : "; ", p);
  if (!r.stderr_data.empty()) absl::StrAppend(&out, "; stderr: ", Excerpt(r.stderr_data));
  return out;
}

Summary Summarize(const std::vector<CaseResult>& results) {
  Summary s;
  for (const CaseResult& r : results) {
    (r.status == Status::kPass ? s.pass : r.status == Status::kFail ? s.fail : s.skip)++;
  }
  return s;
}

std::string ToJsonReport(const std::string& runtime, const std::vector<CaseResult>& results) {
  std::vector<JsonValue> cases;
  for (const CaseResult& r : results) {
    std::vector<JsonValue::Member> m = {{"name", JsonValue::String(r.name)},
                                        {"status", JsonValue::String(StatusName(r.status))}};
    if (!r.reason.empty()) m.push_back({"reason", JsonValue::String(r.reason)});
    cases.push_back(JsonValue::Object(std::move(m)));
  }
  const Summary s = Summarize(results);
  return engine::ToJson(JsonValue::Object({
             {"runtime", JsonValue::String(runtime)},
             {"cases", JsonValue::Array(std::move(cases))},
             {"summary", JsonValue::Object({{"pass", JsonValue::Number(absl::StrCat(s.pass))},
                                            {"fail", JsonValue::Number(absl::StrCat(s.fail))},
                                            {"skip", JsonValue::Number(absl::StrCat(s.skip))}})},
         })) +
         "\n";
}

std::string ToJUnit(const std::string& suite, const std::string& runtime,
                    const std::vector<CaseResult>& results) {
  const Summary s = Summarize(results);
  double total = 0;
  for (const CaseResult& r : results) total += r.seconds;
  std::string out = absl::StrFormat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
      XmlEscape(suite + " (" + runtime + ")"), static_cast<int>(results.size()), s.fail, s.skip,
      total);
  for (const CaseResult& r : results) {
    absl::StrAppend(&out, absl::StrFormat("  <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\"",
                                          XmlEscape(runtime), XmlEscape(r.name), r.seconds));
    if (r.status == Status::kPass) {
      absl::StrAppend(&out, "/>\n");
    } else if (r.status == Status::kFail) {
      absl::StrAppend(&out, absl::StrFormat(">\n    <failure message=\"%s\"/>\n  </testcase>\n",
                                            XmlEscape(r.reason)));
    } else {
      absl::StrAppend(&out, absl::StrFormat(">\n    <skipped message=\"%s\"/>\n  </testcase>\n",
                                            XmlEscape(r.reason)));
    }
  }
  absl::StrAppend(&out, "</testsuite>\n");
  return out;
}

std::string ToSummaryTable(const std::string& runtime, const std::vector<CaseResult>& results) {
  std::string out;
  for (const CaseResult& r : results) {
    if (r.status == Status::kPass) continue;
    absl::StrAppend(&out, absl::StrFormat("  %-4s %-40s %s\n", StatusName(r.status), r.name,
                                          r.reason));
  }
  const Summary s = Summarize(results);
  absl::StrAppend(&out, absl::StrFormat("%s: %d passed, %d failed, %d skipped (%d cases)\n",
                                        runtime, s.pass, s.fail, s.skip,
                                        static_cast<int>(results.size())));
  return out;
}

}  // namespace wasi_bridge::conformance
