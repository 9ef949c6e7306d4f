// Encoding WIT worlds as component-model types (WIT.md "Package Format").
#ifndef WASI_BRIDGE_ADAPTER_WIT_ENCODE_H_
#define WASI_BRIDGE_ADAPTER_WIT_ENCODE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "adapter/binary/model.h"
#include "adapter/wit/resolve.h"

namespace wasi_bridge::wit {

// The component type of `world`: its imports and exports, each interface's
// instance type self-contained, types shared between interfaces through
// aliases of earlier imports. Names in the result refer into `r`, which must
// outlive it.
absl::StatusOr<binary::ComponentType> EncodeWorldType(const Resolve& r,
                                                      WorldId world);

// A WIT package binary holding one world:
//   (component (type (export "w") (component
//     (export "ns:pkg/w@v" (component <world type>)))))
// which `wasm-tools component wit` and jco can read back as WIT.
absl::StatusOr<std::vector<uint8_t>> EncodeWorldPackage(const Resolve& r,
                                                        WorldId world);

}  // namespace wasi_bridge::wit

#endif  // WASI_BRIDGE_ADAPTER_WIT_ENCODE_H_
