// Reading component binaries into the model of model.h.
#ifndef WASI_BRIDGE_ADAPTER_BINARY_READER_H_
#define WASI_BRIDGE_ADAPTER_BINARY_READER_H_

#include "absl/status/statusor.h"
#include "adapter/binary/model.h"

namespace wasi_bridge::binary {

enum class BinaryKind { kCoreModule, kComponent };

// Classifies a file by its 8-byte preamble. Fails with the offending offset
// when the bytes are neither a core module nor a component of the supported
// binary version (0x0d).
absl::StatusOr<BinaryKind> DetectBinaryKind(Bytes bytes);

// Parses a whole component. Every section is decoded into the model; core
// modules stay byte ranges. The model refers into `bytes`, which must
// outlive it. Errors are absl::InvalidArgumentError whose message starts
// with "at byte N (0xN):".
absl::StatusOr<Component> ReadComponent(Bytes bytes);

}  // namespace wasi_bridge::binary

#endif  // WASI_BRIDGE_ADAPTER_BINARY_READER_H_
