#include "wasi_bridge/shims.h"

#include "adapter/support/embedded.h"

namespace wasi_bridge::embedded {
std::span<const EmbeddedFile> P2OnP3Shim();
}

namespace wb::shims {

std::span<const uint8_t> P2OnP3Module() {
  return wasi_bridge::embedded::P2OnP3Shim().front().data;
}

}  // namespace wb::shims
