#include "engine/cabi/string_codec.h"

#include <cstring>

namespace wasi_bridge::engine::cabi {

namespace {

// Decodes one scalar value at s[i]; advances i. Returns -1 if invalid.
int64_t NextUtf8(std::string_view s, size_t& i) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  uint8_t b0 = p[i];
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len;
  uint32_t cp;
  uint32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (n - i < static_cast<size_t>(len)) return -1;
  for (int k = 1; k < len; ++k) {
    uint8_t b = p[i + k];
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += len;
  return cp;
}

}  // namespace

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // ASCII runs (most strings) are checked 16 bytes per step.
    while (n - i >= 16) {
      uint64_t a, b;
      std::memcpy(&a, p + i, 8);
      std::memcpy(&b, p + i + 8, 8);
      if (((a | b) & 0x8080808080808080ull) != 0) break;
      i += 16;
    }
    if (i == n) break;
    if (p[i] < 0x80) {
      ++i;
    } else if (NextUtf8(s, i) < 0) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> Utf16LeToUtf8(absl::Span<const uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size());
  const size_t units = bytes.size() / 2;
  auto unit = [&](size_t k) -> uint32_t {
    return static_cast<uint32_t>(bytes[2 * k]) | (static_cast<uint32_t>(bytes[2 * k + 1]) << 8);
  };
  for (size_t k = 0; k < units; ++k) {
    uint32_t u = unit(k);
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (k + 1 >= units) return std::nullopt;
      uint32_t lo = unit(k + 1);
      if (lo < 0xDC00 || lo > 0xDFFF) return std::nullopt;
      AppendUtf8(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00), out);
      ++k;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      return std::nullopt;
    } else {
      AppendUtf8(u, out);
    }
  }
  return out;
}

std::string Latin1ToUtf8(absl::Span<const uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (uint8_t b : bytes) AppendUtf8(b, out);
  return out;
}

Utf8Stats MeasureUtf8(std::string_view s) {
  Utf8Stats st;
  size_t i = 0;
  while (i < s.size()) {
    int64_t cp = NextUtf8(s, i);
    if (cp < 0) break;  // callers validate first
    ++st.code_points;
    st.utf16_units += cp >= 0x10000 ? 2 : 1;
    if (cp >= 0x100) st.latin1 = false;
  }
  return st;
}

void EncodeUtf16Le(std::string_view s, uint8_t* out) {
  size_t i = 0;
  auto put = [&](uint32_t u) {
    *out++ = static_cast<uint8_t>(u & 0xFF);
    *out++ = static_cast<uint8_t>(u >> 8);
  };
  while (i < s.size()) {
    int64_t cp = NextUtf8(s, i);
    if (cp < 0) return;
    if (cp >= 0x10000) {
      uint32_t v = static_cast<uint32_t>(cp) - 0x10000;
      put(0xD800 + (v >> 10));
      put(0xDC00 + (v & 0x3FF));
    } else {
      put(static_cast<uint32_t>(cp));
    }
  }
}

void EncodeLatin1(std::string_view s, uint8_t* out) {
  size_t i = 0;
  while (i < s.size()) {
    int64_t cp = NextUtf8(s, i);
    if (cp < 0) return;
    *out++ = static_cast<uint8_t>(cp);
  }
}

}  // namespace wasi_bridge::engine::cabi
