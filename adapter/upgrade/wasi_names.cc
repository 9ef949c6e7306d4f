#include "adapter/upgrade/wasi_names.h"

#include "absl/strings/str_cat.h"

namespace wasi_bridge::upgrade {

std::string WasiInterface::Unversioned() const {
  return absl::StrCat("wasi:", package, "/", interface);
}

std::optional<WasiInterface> ParseWasiInterface(std::string_view name) {
  if (!name.starts_with("wasi:")) return std::nullopt;
  name.remove_prefix(5);
  const size_t slash = name.find('/');
  const size_t at = name.find('@');
  if (slash == std::string_view::npos || at == std::string_view::npos ||
      at < slash) {
    return std::nullopt;
  }
  return WasiInterface{std::string(name.substr(0, slash)),
                       std::string(name.substr(slash + 1, at - slash - 1)),
                       std::string(name.substr(at + 1))};
}

bool ShimCoversPackage(std::string_view package) {
  return package == "io" || package == "cli" || package == "clocks" ||
         package == "random" || package == "filesystem";
}

}  // namespace wasi_bridge::upgrade
