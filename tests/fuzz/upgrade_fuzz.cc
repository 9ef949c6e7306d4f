// libFuzzer target for `upgrade` (adapter/upgrade) with the built-in shim.
//
// Oracles:
//   1. UpgradeComponent must not crash or hang on any input: it returns an
//      error or a component.
//   2. A component it returns must read back, validate, and import no WASI
//      0.2 interface (UpgradeComponent validates its own output; this checks
//      the import rule independently).
#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "adapter/binary/reader.h"
#include "adapter/upgrade/upgrade.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace bi = wasi_bridge::binary;
  auto result = wasi_bridge::upgrade::UpgradeComponent({data, size});
  if (!result.ok()) return 0;
  auto component = bi::ReadComponent(result->component);
  if (!component.ok()) {
    std::fprintf(stderr, "upgrade_fuzz: output does not read back: %s\n",
                 std::string(component.status().message()).c_str());
    __builtin_trap();
  }
  for (const bi::Section& s : component->sections) {
    const auto* imports = std::get_if<std::vector<bi::Import>>(&s.body);
    if (imports == nullptr) continue;
    for (const bi::Import& im : *imports) {
      if (im.name.name.starts_with("wasi:") &&
          im.name.name.find("@0.2.") != std::string_view::npos) {
        std::fprintf(stderr, "upgrade_fuzz: output imports %s\n",
                     std::string(im.name.name).c_str());
        __builtin_trap();
      }
    }
  }
  return 0;
}
