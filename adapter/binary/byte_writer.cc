#include "adapter/binary/byte_writer.h"

namespace wasi_bridge::binary {

unsigned ByteWriter::LebSize(uint64_t v) {
  unsigned n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void ByteWriter::U64(uint64_t v, unsigned width) {
  const unsigned n = width > LebSize(v) ? width : LebSize(v);
  for (unsigned i = 0; i + 1 < n; ++i) {
    out_.push_back(static_cast<uint8_t>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<uint8_t>(v & 0x7f));
}

void ByteWriter::S33(int64_t v) {
  while (true) {
    const uint8_t byte = v & 0x7f;
    v >>= 7;  // arithmetic shift keeps the sign
    const bool done = (v == 0 && (byte & 0x40) == 0) ||
                      (v == -1 && (byte & 0x40) != 0);
    if (done) {
      out_.push_back(byte);
      return;
    }
    out_.push_back(byte | 0x80);
  }
}

void ByteWriter::Name(std::string_view s) {
  U32(static_cast<uint32_t>(s.size()));
  out_.insert(out_.end(), s.begin(), s.end());
}

}  // namespace wasi_bridge::binary
