// Import/export names of the component model: `plainname` (kebab-case
// labels, `[constructor]`, `[method]`, `[static]`) and `interfacename`
// (`ns:pkg/iface@version`).
#ifndef WASI_BRIDGE_ADAPTER_BINARY_EXTERN_NAMES_H_
#define WASI_BRIDGE_ADAPTER_BINARY_EXTERN_NAMES_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wasi_bridge::binary {

struct InterfaceName {
  std::string_view ns;         // "wasi"
  std::string_view package;    // "cli"
  std::string_view interface;  // "environment"
  std::string_view version;    // "0.2.12", empty when unversioned
};

// Splits `ns:pkg/iface@version`; nullopt when `name` is not of that form.
std::optional<InterfaceName> ParseInterfaceName(std::string_view name);

// Returns an empty string when `name` is a valid extern name, else a short
// description of what is wrong (used in validation messages). The
// 2025-era `[async]`, `[async method]` and `[async static]` prefixes are
// reported as pre-0.3.0 encodings.
std::string CheckExternName(std::string_view name);

// True if `label` is a kebab-case label: fragments of lowercase letters and
// digits, or of uppercase letters and digits, joined by '-'; the first
// fragment starts with a letter.
bool IsKebabLabel(std::string_view label);

// The names of one import or export namespace, unique ignoring case. An
// annotated `[method]a.a` / `[static]a.a` (member named like its resource)
// also conflicts with the plain name `a`.
class NameSet {
 public:
  // Adds `name`; false if it conflicts with a name already present.
  bool Insert(std::string_view name);

 private:
  std::vector<std::string> plain_, annotated_, labels_;
};

// Names are unique case-insensitively (`A` conflicts with `a`): the key to
// compare them by.
std::string LowercaseName(std::string_view name);

}  // namespace wasi_bridge::binary

#endif  // WASI_BRIDGE_ADAPTER_BINARY_EXTERN_NAMES_H_
