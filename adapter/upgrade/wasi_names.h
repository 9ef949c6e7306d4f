// Recognising WASI interface names ("wasi:io/streams@0.2.12").
#ifndef WASI_BRIDGE_ADAPTER_UPGRADE_WASI_NAMES_H_
#define WASI_BRIDGE_ADAPTER_UPGRADE_WASI_NAMES_H_

#include <optional>
#include <string>
#include <string_view>

namespace wasi_bridge::upgrade {

struct WasiInterface {
  std::string package;    // "io"
  std::string interface;  // "streams"
  std::string version;    // "0.2.12"

  std::string Unversioned() const;  // "wasi:io/streams"
  bool IsP2() const { return version.starts_with("0.2."); }
  bool IsP3() const { return version.starts_with("0.3."); }
};

// Parses "wasi:<package>/<interface>@<version>"; nullopt for other names.
std::optional<WasiInterface> ParseWasiInterface(std::string_view name);

// True for the 0.2 packages the p2-on-p3 shim provides.
bool ShimCoversPackage(std::string_view package);

}  // namespace wasi_bridge::upgrade

#endif  // WASI_BRIDGE_ADAPTER_UPGRADE_WASI_NAMES_H_
