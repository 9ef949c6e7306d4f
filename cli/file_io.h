// Whole-file reads and writes for the CLI.
#ifndef WASI_BRIDGE_CLI_FILE_IO_H_
#define WASI_BRIDGE_CLI_FILE_IO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace wasi_bridge::cli {

absl::StatusOr<std::vector<uint8_t>> ReadFile(const std::string& path);
// Writes to a temporary file beside `path` and renames it, so a failure
// never leaves a half-written output.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::vector<uint8_t>& data);

}  // namespace wasi_bridge::cli

#endif  // WASI_BRIDGE_CLI_FILE_IO_H_
