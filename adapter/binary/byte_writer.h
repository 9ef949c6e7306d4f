// An append-only encoder for the WebAssembly integer and string encodings.
#ifndef WASI_BRIDGE_ADAPTER_BINARY_BYTE_WRITER_H_
#define WASI_BRIDGE_ADAPTER_BINARY_BYTE_WRITER_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "adapter/binary/model.h"

namespace wasi_bridge::binary {

class ByteWriter {
 public:
  void Byte(uint8_t b) { out_.push_back(b); }
  void Raw(Bytes bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  // Minimal unsigned LEB128, or padded to `width` bytes when that is larger.
  void U32(uint32_t v, unsigned width = 0) { U64(v, width); }
  void U64(uint64_t v, unsigned width = 0);
  void S33(int64_t v);
  void Name(std::string_view s);
  void Flag(bool b) { Byte(b ? 1 : 0); }

  size_t size() const { return out_.size(); }
  void Reserve(size_t n) { out_.reserve(n); }
  void Clear() { out_.clear(); }
  const std::vector<uint8_t>& bytes() const { return out_; }
  std::vector<uint8_t> Take() { return std::move(out_); }

  static unsigned LebSize(uint64_t v);

 private:
  std::vector<uint8_t> out_;
};

}  // namespace wasi_bridge::binary

#endif  // WASI_BRIDGE_ADAPTER_BINARY_BYTE_WRITER_H_
