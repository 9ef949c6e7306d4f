// A wasi-testsuite-format directory: `X.wasm` (a component, or a p1 core
// module) beside an optional `X.json` describing how to run it and what it
// must print. Both forms of the JSON are read: the legacy one
// ({args, env, dirs|root, exit_code, stdout, stderr}) and the operations one
// ({proposals, operations: [run, write, read, wait, ...]}).
#ifndef WASI_BRIDGE_CONFORMANCE_SUITE_H_
#define WASI_BRIDGE_CONFORMANCE_SUITE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace wasi_bridge::conformance {

struct TestCase {
  std::string name;  // file stem
  std::string wasm;  // path
  bool is_core_module = false;  // a p1 module: adapt before running
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::optional<std::string> root;  // directory (relative to the suite) preopened as "/"
  std::string stdin_data;
  int exit_code = 0;
  std::optional<std::string> stdout_expected;  // must occur in stdout
  std::optional<std::string> stderr_expected;
  // WASI proposals the case needs beyond cli/clocks/random/filesystem
  // ("http", "sockets"): each runtime says which it can grant.
  std::vector<std::string> proposals;
  std::string skip;  // why the case cannot run anywhere (an unknown operation)
};

// The cases of `dir`, sorted by name. A malformed JSON file is an error
// naming the file and the position.
absl::StatusOr<std::vector<TestCase>> LoadSuite(const std::string& dir);

// Parses one case description (the JSON text of X.json; empty = defaults).
absl::StatusOr<TestCase> ParseCase(std::string_view json, TestCase base);

}  // namespace wasi_bridge::conformance

#endif  // WASI_BRIDGE_CONFORMANCE_SUITE_H_
