// --upgrade for the runtimes that run files: the component upgraded to
// WASI 0.3 by the project's own rewriter, written next to the original.
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "adapter/upgrade/upgrade.h"
#include "conformance/runtime.h"

namespace wasi_bridge::conformance {

absl::StatusOr<bool> UpgradeComponentFile(const std::string& in, const std::string& out) {
  std::ifstream input(in, std::ios::binary);
  if (!input) return absl::NotFoundError(absl::StrFormat("cannot read %s", in));
  const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(input), {}};
  auto upgraded = upgrade::UpgradeComponent(bytes);
  if (!upgraded.ok()) {
    if (absl::IsFailedPrecondition(upgraded.status()) &&
        absl::StartsWith(upgraded.status().message(), "nothing to upgrade")) {
      return false;
    }
    return absl::FailedPreconditionError(
        absl::StrFormat("upgrade: %s", upgraded.status().message()));
  }
  std::ofstream output(out, std::ios::binary | std::ios::trunc);
  output.write(reinterpret_cast<const char*>(upgraded->component.data()),
               static_cast<std::streamsize>(upgraded->component.size()));
  if (!output) return absl::InternalError(absl::StrFormat("cannot write %s", out));
  return true;
}

}  // namespace wasi_bridge::conformance
