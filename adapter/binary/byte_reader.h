// A bounds-checked cursor over a byte buffer that decodes the WebAssembly
// integer and string encodings. Every error names the absolute byte offset.
#ifndef WASI_BRIDGE_ADAPTER_BINARY_BYTE_READER_H_
#define WASI_BRIDGE_ADAPTER_BINARY_BYTE_READER_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "adapter/binary/model.h"

namespace wasi_bridge::binary {

class ByteReader {
 public:
  // `base_offset` is the absolute offset of `data[0]` in the whole input,
  // so nested readers report positions in the file the user gave.
  // `depth` is the nesting level already used by enclosing readers.
  explicit ByteReader(Bytes data, uint32_t base_offset = 0, int depth = 0)
      : data_(data), base_(base_offset), depth_(depth) {}

  int Depth() const { return depth_; }

  bool AtEnd() const { return pos_ == data_.size(); }
  size_t Remaining() const { return data_.size() - pos_; }
  uint32_t Offset() const { return base_ + static_cast<uint32_t>(pos_); }
  size_t Position() const { return pos_; }

  // True once any LEB128 integer has been read in a non-minimal encoding.
  bool SawNonMinimalLeb() const { return non_minimal_leb_; }
  void ResetNonMinimalLeb() { non_minimal_leb_ = false; }

  absl::StatusOr<uint8_t> ReadByte(std::string_view what);
  absl::StatusOr<uint8_t> PeekByte(std::string_view what) const;
  absl::StatusOr<uint32_t> ReadU32(std::string_view what);
  absl::StatusOr<uint64_t> ReadU64(std::string_view what);
  absl::StatusOr<int64_t> ReadS33(std::string_view what);
  absl::StatusOr<Bytes> ReadBytes(size_t count, std::string_view what);
  // A `name`: u32 length then that many UTF-8 bytes (checked).
  absl::StatusOr<std::string_view> ReadName(std::string_view what);
  // The `vec` length prefix, checked against the bytes left so a hostile
  // count cannot make the caller reserve huge vectors.
  absl::StatusOr<uint32_t> ReadCount(std::string_view what,
                                     size_t min_item_size = 1);
  // A boolean flag byte that must be 0x00 or 0x01.
  absl::StatusOr<bool> ReadFlag(std::string_view what);

  // Guards recursion (nested components and type declarators) so hostile
  // nesting fails with an error instead of exhausting the stack.
  absl::Status EnterNesting(std::string_view what);
  void ExitNesting() { --depth_; }
  static constexpr int kMaxNesting = 100;

  // An error located at the current position (or at `offset`).
  absl::Status Error(std::string_view message) const;
  absl::Status ErrorAt(uint32_t offset, std::string_view message) const;

 private:
  absl::StatusOr<uint64_t> ReadUnsignedLeb(unsigned max_bits,
                                           std::string_view what);

  Bytes data_;
  uint32_t base_;
  size_t pos_ = 0;
  bool non_minimal_leb_ = false;
  int depth_ = 0;
};

// Formats "at byte N (0xN): message" consistently for all parse errors.
absl::Status MalformedAt(uint32_t offset, std::string_view message);

}  // namespace wasi_bridge::binary

#endif  // WASI_BRIDGE_ADAPTER_BINARY_BYTE_READER_H_
