// The conformance runner's parts: case parsing (both wasi-testsuite forms),
// judging, the reports, and the child-process runner.
#include <string>

#include "conformance/process.h"
#include "conformance/report.h"
#include "conformance/runtime.h"
#include "conformance/suite.h"
#include "engine/component/json.h"
#include "gtest/gtest.h"

namespace wasi_bridge::conformance {
namespace {

TEST(ConformanceSuite, LegacyForm) {
  auto c = ParseCase(R"({"args": ["a", "b"], "env": {"K": "V"}, "root": "fs.dir",
                        "exit_code": 3, "stdout": "hi"})",
                     TestCase{"t"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->args, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(c->env.size(), 1u);
  EXPECT_EQ(c->env[0].first, "K");
  EXPECT_EQ(c->root, "fs.dir");
  EXPECT_EQ(c->exit_code, 3);
  EXPECT_EQ(c->stdout_expected, "hi");
  EXPECT_TRUE(c->skip.empty());
}

TEST(ConformanceSuite, OperationsForm) {
  auto c = ParseCase(R"({"operations": [
      {"type": "run", "args": ["x"], "env": {"A": "1"}},
      {"type": "write", "payload": "in1"}, {"type": "write", "payload": "in2"},
      {"type": "read", "id": "stderr", "payload": "oops"},
      {"type": "wait", "exit_code": 1}]})",
                     TestCase{"t"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->args, std::vector<std::string>{"x"});
  EXPECT_EQ(c->stdin_data, "in1in2");
  EXPECT_EQ(c->stderr_expected, "oops");
  EXPECT_FALSE(c->stdout_expected.has_value());
  EXPECT_EQ(c->exit_code, 1);
}

TEST(ConformanceSuite, ProposalsAreReadAndUnknownOperationsAreSkipped) {
  auto http = ParseCase(R"({"proposals": ["http"], "operations": [{"type": "run"}]})",
                        TestCase{"t"});
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->proposals, std::vector<std::string>{"http"});
  EXPECT_EQ(http->skip, "");
  EXPECT_FALSE(ParseCase(R"({"proposals": "http"})", TestCase{"t"}).ok());
  EXPECT_FALSE(ParseCase(R"({"proposals": [1]})", TestCase{"t"}).ok());
  auto sockets = ParseCase(R"({"operations": [{"type": "run"}, {"type": "connect"}]})",
                           TestCase{"t"});
  ASSERT_TRUE(sockets.ok());
  EXPECT_NE(sockets->skip.find("connect"), std::string::npos);
}

TEST(ConformanceRuntimes, EachSaysWhichProposalsItGrants) {
  TestCase http{"t"};
  http.proposals = {"http"};
  TestCase sockets{"t"};
  sockets.proposals = {"sockets", "http"};
  RuntimeOptions options;
  auto builtin = MakeBuiltinRuntime(options);
  auto wasmtime = MakeWasmtimeRuntime(options);
  auto jco = MakeJcoRuntime(options);
  EXPECT_EQ(builtin->CannotRun(http), "needs http");
  EXPECT_EQ(jco->CannotRun(http), "needs http");
  EXPECT_TRUE(wasmtime->Supports("http"));
  EXPECT_EQ(wasmtime->CannotRun(http), "");
  EXPECT_EQ(wasmtime->CannotRun(sockets), "needs sockets");
  EXPECT_EQ(builtin->CannotRun(sockets), "needs sockets, http");
  EXPECT_EQ(builtin->CannotRun(TestCase{"t"}), "");
}

TEST(ConformanceSuite, EmptyFileMeansDefaultsAndBadJsonIsAnError) {
  auto empty = ParseCase("  \n", TestCase{"t"});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->exit_code, 0);
  auto bad = ParseCase(R"({"args": [1]})", TestCase{"t"});
  EXPECT_FALSE(bad.ok());
  auto broken = ParseCase("{\"args\": ", TestCase{"t"});
  EXPECT_FALSE(broken.ok());
}

TEST(ConformanceReport, JudgeNamesEveryDifference) {
  TestCase c{"t"};
  c.exit_code = 0;
  c.stdout_expected = "hello";
  ProcessResult ok{0, false, false, "say hello\n", ""};
  EXPECT_EQ(Judge(c, ok), "");
  ProcessResult bad{2, false, false, "bye\n", "trap!\n"};
  const std::string why = Judge(c, bad);
  EXPECT_NE(why.find("exit code 2, expected 0"), std::string::npos) << why;
  EXPECT_NE(why.find("stdout lacks \"hello\""), std::string::npos) << why;
  EXPECT_NE(why.find("trap!"), std::string::npos) << why;
  ProcessResult slow{0, false, true, "hello", ""};
  EXPECT_NE(Judge(c, slow).find("timed out"), std::string::npos);
}

TEST(ConformanceReport, JsonFollowsTheDocumentedSchema) {
  std::vector<CaseResult> results = {{"a", Status::kPass, "", 0.1},
                                     {"b", Status::kFail, "exit code 1", 0.2},
                                     {"c", Status::kSkip, "needs http", 0}};
  auto json = engine::ParseJson(ToJsonReport("jco", results));
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json->FindString("runtime"), "jco");
  ASSERT_EQ(json->Find("cases")->array().size(), 3u);
  EXPECT_EQ(*json->Find("cases")->array()[1].FindString("status"), "fail");
  EXPECT_EQ(*json->Find("cases")->array()[1].FindString("reason"), "exit code 1");
  const engine::JsonValue* summary = json->Find("summary");
  EXPECT_EQ(*summary->Find("pass")->AsInt64(), 1);
  EXPECT_EQ(*summary->Find("fail")->AsInt64(), 1);
  EXPECT_EQ(*summary->Find("skip")->AsInt64(), 1);
}

TEST(ConformanceReport, JUnitEscapesAndCounts) {
  std::vector<CaseResult> results = {{"a<b", Status::kFail, "x & \"y\"\x01", 1},
                                     {"c", Status::kSkip, "why", 0}};
  const std::string xml = ToJUnit("suite", "jco", results);
  EXPECT_NE(xml.find("tests=\"2\" failures=\"1\" skipped=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"a&lt;b\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("message=\"x &amp; &quot;y&quot; \""), std::string::npos) << xml;
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
}

TEST(ConformanceProcess, CapturesOutputStdinAndExitCode) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "cat; echo err >&2; exit 7"};
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.stdin_data = std::string(200000, 'x');  // more than a pipe buffer
  auto r = RunProcess(spec);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 7);
  EXPECT_EQ(r->stdout_data.size(), 200000u);
  EXPECT_EQ(r->stderr_data, "err\n");
}

TEST(ConformanceProcess, TimeoutKillsEvenAChildThatClosedItsOutput) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "exec >&- 2>&-; sleep 30"};
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto r = RunProcess(spec);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(ConformanceProcess, MissingProgramIsAnError) {
  ProcessSpec spec;
  spec.argv = {"/nonexistent/program"};
  auto r = RunProcess(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/program"), std::string::npos);
}

}  // namespace
}  // namespace wasi_bridge::conformance
