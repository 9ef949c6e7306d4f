// Strict UTF-8 / UTF-16LE / Latin-1 conversions used by string lifting and
// lowering. Decoders reject what Python's strict codecs reject (overlong
// forms, surrogates in UTF-8, code points > U+10FFFF, unpaired surrogates in
// UTF-16), which is what definitions.py traps on.
#ifndef WASI_BRIDGE_ENGINE_CABI_STRING_CODEC_H_
#define WASI_BRIDGE_ENGINE_CABI_STRING_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/types/span.h"

namespace wasi_bridge::engine::cabi {

bool IsValidUtf8(std::string_view s);
// nullopt on an unpaired surrogate (`bytes.size()` must be even).
std::optional<std::string> Utf16LeToUtf8(absl::Span<const uint8_t> bytes);
std::string Latin1ToUtf8(absl::Span<const uint8_t> bytes);

// Measures valid UTF-8 `s` for the encoders below.
struct Utf8Stats {
  uint64_t utf16_units = 0;  // UTF-16 code units
  uint64_t code_points = 0;
  bool latin1 = true;  // every code point < U+0100
};
Utf8Stats MeasureUtf8(std::string_view s);
// Encoders for valid UTF-8 input; `out` must have room for the measured size.
void EncodeUtf16Le(std::string_view s, uint8_t* out);
void EncodeLatin1(std::string_view s, uint8_t* out);  // requires stats.latin1

// Appends `cp` (a Unicode scalar value) to `out` as UTF-8.
void AppendUtf8(uint32_t cp, std::string& out);

}  // namespace wasi_bridge::engine::cabi

#endif  // WASI_BRIDGE_ENGINE_CABI_STRING_CODEC_H_
