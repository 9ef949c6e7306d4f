#include "engine/wasi/types.h"

namespace wasi_bridge::engine::wasi {

using cabi::CabiType;

cabi::TypeRef CliErrorCode() {
  return CabiType::Enum({"io", "illegal-byte-sequence", "pipe"});
}

cabi::TypeRef CliStreamResult() {
  return CabiType::Future(CabiType::Result(nullptr, CliErrorCode()));
}

cabi::TypeRef Instant() {
  return CabiType::Record({{"seconds", CabiType::S64()}, {"nanoseconds", CabiType::U32()}});
}

}  // namespace wasi_bridge::engine::wasi
