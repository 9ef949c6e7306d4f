#include "adapter/binary/byte_reader.h"

#include "absl/strings/str_format.h"

namespace wasi_bridge::binary {
namespace {

// Validates UTF-8 per RFC 3629 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    static constexpr uint32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

absl::Status MalformedAt(uint32_t offset, std::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrFormat("at byte %u (0x%x): %s", offset, offset, message));
}

absl::Status ByteReader::Error(std::string_view message) const {
  return MalformedAt(Offset(), message);
}

absl::Status ByteReader::ErrorAt(uint32_t offset,
                                 std::string_view message) const {
  return MalformedAt(offset, message);
}

absl::Status ByteReader::EnterNesting(std::string_view what) {
  if (depth_ >= kMaxNesting) {
    return Error(absl::StrFormat("%s nested more than %d levels deep", what,
                                 kMaxNesting));
  }
  ++depth_;
  return absl::OkStatus();
}

absl::StatusOr<uint8_t> ByteReader::ReadByte(std::string_view what) {
  if (pos_ >= data_.size()) {
    return Error(absl::StrFormat("unexpected end of input reading %s", what));
  }
  return data_[pos_++];
}

absl::StatusOr<uint8_t> ByteReader::PeekByte(std::string_view what) const {
  if (pos_ >= data_.size()) {
    return Error(absl::StrFormat("unexpected end of input reading %s", what));
  }
  return data_[pos_];
}

absl::StatusOr<uint64_t> ByteReader::ReadUnsignedLeb(unsigned max_bits,
                                                     std::string_view what) {
  const uint32_t start = Offset();
  const unsigned max_bytes = (max_bits + 6) / 7;
  uint64_t result = 0;
  for (unsigned i = 0;; ++i) {
    if (pos_ >= data_.size()) {
      return ErrorAt(start, absl::StrFormat(
                                "unexpected end of input in LEB128 %s", what));
    }
    const uint8_t byte = data_[pos_++];
    const unsigned shift = 7 * i;
    if (i == max_bytes - 1) {
      // The last byte may only carry the bits that still fit.
      const unsigned bits_left = max_bits - shift;
      if ((byte & 0x80) != 0 || (byte >> bits_left) != 0) {
        return ErrorAt(start, absl::StrFormat("%s: integer too large", what));
      }
    }
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      // A trailing zero byte after the first means a padded encoding.
      if (i > 0 && byte == 0) non_minimal_leb_ = true;
      return result;
    }
  }
}

absl::StatusOr<uint32_t> ByteReader::ReadU32(std::string_view what) {
  auto v = ReadUnsignedLeb(32, what);
  if (!v.ok()) return v.status();
  return static_cast<uint32_t>(*v);
}

absl::StatusOr<uint64_t> ByteReader::ReadU64(std::string_view what) {
  return ReadUnsignedLeb(64, what);
}

absl::StatusOr<int64_t> ByteReader::ReadS33(std::string_view what) {
  const uint32_t start = Offset();
  int64_t result = 0;
  unsigned shift = 0;
  uint8_t byte = 0;
  for (unsigned i = 0; i < 5; ++i) {
    if (pos_ >= data_.size()) {
      return ErrorAt(start, absl::StrFormat(
                                "unexpected end of input in LEB128 %s", what));
    }
    byte = data_[pos_++];
    result |= static_cast<int64_t>(byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) == 0) break;
    if (i == 4) {
      return ErrorAt(start, absl::StrFormat("%s: integer too large", what));
    }
  }
  if (shift == 35) {
    // 5th byte: bits 33..34 must be a sign extension of bit 32.
    const uint8_t high = byte & 0x7e;
    if (high != 0 && high != 0x7e) {
      return ErrorAt(start, absl::StrFormat("%s: integer too large", what));
    }
  }
  if (shift < 64 && (byte & 0x40) != 0) {
    result |= -(static_cast<int64_t>(1) << shift);
  }
  if (shift > 7) {
    // Minimal iff the last byte is not a pure sign extension of the previous.
    const uint8_t prev = data_[pos_ - 2];
    if ((byte == 0x00 && (prev & 0x40) == 0) ||
        (byte == 0x7f && (prev & 0x40) != 0)) {
      non_minimal_leb_ = true;
    }
  }
  return result;
}

absl::StatusOr<Bytes> ByteReader::ReadBytes(size_t count,
                                            std::string_view what) {
  if (count > Remaining()) {
    return Error(absl::StrFormat(
        "%s of %u bytes runs past the end of its enclosing section "
        "(%u bytes left)",
        what, count, Remaining()));
  }
  Bytes out = data_.subspan(pos_, count);
  pos_ += count;
  return out;
}

absl::StatusOr<std::string_view> ByteReader::ReadName(std::string_view what) {
  auto len = ReadU32(what);
  if (!len.ok()) return len.status();
  const uint32_t start = Offset();
  auto bytes = ReadBytes(*len, what);
  if (!bytes.ok()) return bytes.status();
  if (!IsValidUtf8(bytes->data(), bytes->size())) {
    return ErrorAt(start, absl::StrFormat("%s is not valid UTF-8", what));
  }
  return std::string_view(reinterpret_cast<const char*>(bytes->data()),
                          bytes->size());
}

absl::StatusOr<uint32_t> ByteReader::ReadCount(std::string_view what,
                                               size_t min_item_size) {
  const uint32_t start = Offset();
  auto n = ReadU32(what);
  if (!n.ok()) return n.status();
  if (static_cast<uint64_t>(*n) * min_item_size > Remaining()) {
    return ErrorAt(start,
                   absl::StrFormat("%s count %u is larger than the %u bytes "
                                   "left in the section",
                                   what, *n, Remaining()));
  }
  return *n;
}

absl::StatusOr<bool> ByteReader::ReadFlag(std::string_view what) {
  const uint32_t start = Offset();
  auto b = ReadByte(what);
  if (!b.ok()) return b.status();
  if (*b > 1) {
    return ErrorAt(start,
                   absl::StrFormat("invalid boolean value 0x%02x for %s", *b,
                                   what));
  }
  return *b == 1;
}

}  // namespace wasi_bridge::binary
