// Helpers that assemble small component binaries byte by byte for tests.
#ifndef WASI_BRIDGE_TESTS_UNIT_COMPONENT_BYTES_H_
#define WASI_BRIDGE_TESTS_UNIT_COMPONENT_BYTES_H_

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "adapter/binary/byte_writer.h"
#include "adapter/binary/model.h"

namespace wasi_bridge::binary::testing {

using ByteVec = std::vector<uint8_t>;

inline ByteVec Preamble() { return {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00}; }

// Appends a section with a minimal size field.
inline void AddSection(ByteVec& out, uint8_t id, const ByteVec& payload) {
  ByteWriter w;
  w.Byte(id);
  w.U32(static_cast<uint32_t>(payload.size()));
  w.Raw(Bytes(payload.data(), payload.size()));
  out.insert(out.end(), w.bytes().begin(), w.bytes().end());
}

inline ByteVec Name(std::string_view s) {
  ByteVec v = {static_cast<uint8_t>(s.size())};
  v.insert(v.end(), s.begin(), s.end());
  return v;
}

inline ByteVec Cat(std::initializer_list<ByteVec> parts) {
  ByteVec out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A core module with the given raw sections appended after its preamble.
inline ByteVec CoreModule(const ByteVec& sections = {}) {
  ByteVec m = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  m.insert(m.end(), sections.begin(), sections.end());
  return m;
}

inline Bytes AsBytes(const ByteVec& v) { return Bytes(v.data(), v.size()); }

}  // namespace wasi_bridge::binary::testing

#endif  // WASI_BRIDGE_TESTS_UNIT_COMPONENT_BYTES_H_
