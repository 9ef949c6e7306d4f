// libFuzzer target for the component binary layer.
//
// Oracles:
//   1. ReadComponent must not crash on any input.
//   2. Every input it accepts must be written back byte for byte by
//      WriteComponent (the reader/writer contract of writer.h).
//   3. ValidateComponent (core modules included, through wabt) must not crash
//      on anything the reader accepts.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "adapter/binary/model.h"
#include "adapter/binary/reader.h"
#include "adapter/binary/validator.h"
#include "adapter/binary/writer.h"

namespace {

namespace wb = wasi_bridge::binary;

[[noreturn]] void RoundTripMismatch(const uint8_t* data, size_t size,
                                    const std::vector<uint8_t>& out) {
  size_t first = 0;
  const size_t common = size < out.size() ? size : out.size();
  while (first < common && data[first] == out[first]) ++first;
  std::fprintf(stderr,
               "component_fuzz: round-trip mismatch: input %zu bytes, output "
               "%zu bytes, first difference at byte %zu (0x%zx)",
               size, out.size(), first, first);
  if (first < common) {
    std::fprintf(stderr, ": input 0x%02x, output 0x%02x", data[first],
                 out[first]);
  }
  std::fprintf(stderr, "\n");
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const wb::Bytes bytes(data, size);
  absl::StatusOr<wb::Component> component = wb::ReadComponent(bytes);
  if (!component.ok()) return 0;

  const std::vector<uint8_t> out = wb::WriteComponent(*component);
  if (out.size() != size ||
      (size != 0 && !std::equal(out.begin(), out.end(), data))) {
    RoundTripMismatch(data, size, out);
  }

  wb::ValidateOptions options;
  options.core_modules = true;
  const std::vector<wb::ValidationError> errors =
      wb::ValidateComponent(*component, options);
  // Every error must point inside the input.
  for (const wb::ValidationError& error : errors) {
    if (error.offset > size) {
      std::fprintf(stderr,
                   "component_fuzz: validation error offset %u beyond input "
                   "size %zu: %s\n",
                   error.offset, size, error.message.c_str());
      __builtin_trap();
    }
  }
  return 0;
}
