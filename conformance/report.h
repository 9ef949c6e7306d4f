// Judging a run against its case, and the reports of a conformance run:
// JSON for scripts, JUnit XML for CI, a summary table for people.
#ifndef WASI_BRIDGE_CONFORMANCE_REPORT_H_
#define WASI_BRIDGE_CONFORMANCE_REPORT_H_

#include <string>
#include <vector>

#include "conformance/process.h"
#include "conformance/suite.h"

namespace wasi_bridge::conformance {

enum class Status { kPass, kFail, kSkip };
const char* StatusName(Status s);  // "pass", "fail", "skip"

struct CaseResult {
  std::string name;
  Status status = Status::kPass;
  std::string reason;  // fail: what differed; skip: why
  double seconds = 0;
};

// "" when `r` is what `c` expects, else what differs (exit code, missing
// stdout/stderr text, with an excerpt of what was printed).
std::string Judge(const TestCase& c, const ProcessResult& r);

struct Summary {
  int pass = 0, fail = 0, skip = 0;
};
Summary Summarize(const std::vector<CaseResult>& results);

// {"runtime": ..., "cases": [{"name", "status", "reason"}...],
//  "summary": {"pass", "fail", "skip"}}
std::string ToJsonReport(const std::string& runtime, const std::vector<CaseResult>& results);

// One <testsuite> with a <testcase> per case (<failure>/<skipped> with the
// reason).
std::string ToJUnit(const std::string& suite, const std::string& runtime,
                    const std::vector<CaseResult>& results);

// A table: one line per case that did not pass, then the totals.
std::string ToSummaryTable(const std::string& runtime, const std::vector<CaseResult>& results);

}  // namespace wasi_bridge::conformance

#endif  // WASI_BRIDGE_CONFORMANCE_REPORT_H_
