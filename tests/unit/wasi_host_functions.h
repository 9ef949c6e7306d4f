// Looking up one function of the WASI 0.3 host, for tests that call the
// host directly (no guest).
#ifndef WASI_BRIDGE_TESTS_UNIT_WASI_HOST_FUNCTIONS_H_
#define WASI_BRIDGE_TESTS_UNIT_WASI_HOST_FUNCTIONS_H_

#include <memory>
#include <string_view>

#include "engine/component/runtime.h"
#include "engine/wasi/host.h"

namespace wasi_bridge::engine::wasi {

// `name` of interface `iface` (e.g. "wasi:cli/environment@0.3.0",
// "get-arguments"), or null if the host lacks it.
inline std::shared_ptr<ComponentFunction> HostFunction(const WasiHost& host,
                                                       std::string_view iface,
                                                       std::string_view name) {
  for (const auto& [n, item] : host.imports()) {
    if (n == iface) {
      auto f = item.instance->Export(name);
      if (f.ok()) return f->func;
    }
  }
  return nullptr;
}

}  // namespace wasi_bridge::engine::wasi

#endif  // WASI_BRIDGE_TESTS_UNIT_WASI_HOST_FUNCTIONS_H_
