// Decoders for the grammar productions shared by the section readers.
// Internal to adapter/binary.
#ifndef WASI_BRIDGE_ADAPTER_BINARY_READER_INTERNAL_H_
#define WASI_BRIDGE_ADAPTER_BINARY_READER_INTERNAL_H_

#include "absl/status/statusor.h"
#include "adapter/binary/byte_reader.h"
#include "adapter/binary/model.h"

namespace wasi_bridge::binary::internal {

// Core-level productions (types.cc).
absl::StatusOr<CoreValType> ReadCoreValType(ByteReader& r);
absl::StatusOr<CoreType> ReadCoreType(ByteReader& r);
// A core module's own `rectype` (there 0x50 means `sub`, not module type).
absl::StatusOr<CoreRecType> ReadModuleRecType(ByteReader& r);
absl::StatusOr<CoreExternDesc> ReadCoreExternDesc(ByteReader& r);
absl::StatusOr<CoreSort> ReadCoreSort(ByteReader& r);
// `reftype limits` and `limits` as CoreExternDescs of kind 1 / 2.
absl::StatusOr<CoreExternDesc> ReadTableType(ByteReader& r);
absl::StatusOr<CoreExternDesc> ReadMemoryType(ByteReader& r);

// Component-level productions (types.cc).
absl::StatusOr<ValType> ReadValType(ByteReader& r);
absl::StatusOr<TypeDef> ReadTypeDef(ByteReader& r);
absl::StatusOr<Sort> ReadSort(ByteReader& r);
absl::StatusOr<ExternName> ReadExternName(ByteReader& r);
absl::StatusOr<ExternDesc> ReadExternDesc(ByteReader& r);
absl::StatusOr<Alias> ReadAlias(ByteReader& r);

// Canon definitions (canon_reader.cc).
absl::StatusOr<Canon> ReadCanon(ByteReader& r);

// True if `b` is one of the single-byte primitive value type opcodes.
bool IsPrimValTypeByte(uint8_t b);

}  // namespace wasi_bridge::binary::internal

#endif  // WASI_BRIDGE_ADAPTER_BINARY_READER_INTERNAL_H_
