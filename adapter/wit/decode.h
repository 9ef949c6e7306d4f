// Recovering the WIT world of a component from its binary.
#ifndef WASI_BRIDGE_ADAPTER_WIT_DECODE_H_
#define WASI_BRIDGE_ADAPTER_WIT_DECODE_H_

#include "absl/status/statusor.h"
#include "adapter/binary/model.h"
#include "adapter/wit/resolve.h"

namespace wasi_bridge::wit {

struct DecodedWorld {
  Resolve resolve;
  WorldId world = 0;
};

// Decodes the imports and exports of `component` into a world named `root`
// in package `root:component` (the names `wasm-tools component wit` uses).
// Instance imports/exports named `ns:pkg/iface@v` become interfaces of
// package `ns:pkg@v`; other names become inline interfaces, functions or
// types of the world. A WIT package binary holding a world (as
// EncodeWorldPackage writes) decodes to that world, with its own package and
// world names. Fails if the component does not validate.
absl::StatusOr<DecodedWorld> DecodeComponentWorld(
    const binary::Component& component);

}  // namespace wasi_bridge::wit

#endif  // WASI_BRIDGE_ADAPTER_WIT_DECODE_H_
