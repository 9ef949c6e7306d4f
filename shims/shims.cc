#include "wasi_bridge/shims.h"

#include "adapter/support/embedded.h"

namespace wasi_bridge::shims {

std::span<const uint8_t> P2OnP3Module() {
  return embedded::P2OnP3Shim().front().data;
}

}  // namespace wasi_bridge::shims
