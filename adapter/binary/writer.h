// Encoding the model back into a component binary.
#ifndef WASI_BRIDGE_ADAPTER_BINARY_WRITER_H_
#define WASI_BRIDGE_ADAPTER_BINARY_WRITER_H_

#include <cstdint>
#include <vector>

#include "adapter/binary/model.h"

namespace wasi_bridge::binary {

// Encodes `component`. For a model produced by ReadComponent and left
// unchanged, the result equals the input byte for byte: section size fields
// keep their original width, and a section whose integers were padded in the
// input is copied verbatim (see Section::verbatim).
std::vector<uint8_t> WriteComponent(const Component& component);

// Counts the sections of `component` (nested components included) that the
// writer copies verbatim rather than re-encodes. Tests use it to prove that
// real inputs are re-encoded from the model.
size_t CountVerbatimSections(const Component& component);

}  // namespace wasi_bridge::binary

#endif  // WASI_BRIDGE_ADAPTER_BINARY_WRITER_H_
