// Files compiled into the binary (cmake/embed_files.cmake), so the CLI needs
// no data directory at run time.
#ifndef WASI_BRIDGE_ADAPTER_SUPPORT_EMBEDDED_H_
#define WASI_BRIDGE_ADAPTER_SUPPORT_EMBEDDED_H_

#include <cstdint>
#include <span>
#include <string_view>

namespace wasi_bridge::embedded {

struct EmbeddedFile {
  std::string_view path;  // relative to the embedded directory
  std::span<const uint8_t> data;
};

// The WASI 0.3.0 WIT packages of polyfill-wit/wasi-0.3.0.
std::span<const EmbeddedFile> Wasi030Wit();

// The p2-on-p3 shim core module (shims/), one file.
std::span<const EmbeddedFile> P2OnP3Shim();

// The Node scripts the conformance runner's jco runtime runs (conformance/).
std::span<const EmbeddedFile> ConformanceRunners();

}  // namespace wasi_bridge::embedded

#endif  // WASI_BRIDGE_ADAPTER_SUPPORT_EMBEDDED_H_
