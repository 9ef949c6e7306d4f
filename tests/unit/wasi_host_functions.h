// Helpers for tests that call the WASI 0.3 host directly (no guest): one
// of its functions by name, and bytes written into a host stream end.
#ifndef WASI_BRIDGE_TESTS_UNIT_WASI_HOST_FUNCTIONS_H_
#define WASI_BRIDGE_TESTS_UNIT_WASI_HOST_FUNCTIONS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/component/host_stream.h"
#include "engine/component/runtime.h"
#include "engine/wasi/host.h"
#include "gtest/gtest.h"

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

// Writes `text` into the host's writable end of a stream and runs the
// store until the reader took all of it.
inline void WriteToHostStream(Runtime& rt, HostStreamEnd& writer, const std::string& text) {
  bool written = false;
  ASSERT_TRUE(writer
                  .Write(std::vector<uint8_t>(text.begin(), text.end()),
                         [&](HostCopyResult r, uint32_t count, std::vector<uint8_t>) {
                           EXPECT_EQ(r, HostCopyResult::kCompleted);
                           EXPECT_EQ(count, text.size());
                           written = true;
                         })
                  .ok());
  ASSERT_TRUE(rt.Run([&] { return written; }).ok());
}

}  // namespace wasi_bridge::engine::wasi

#endif  // WASI_BRIDGE_TESTS_UNIT_WASI_HOST_FUNCTIONS_H_
