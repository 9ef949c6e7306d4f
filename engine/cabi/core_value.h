// Core WebAssembly values as the Canonical ABI's flat representation sees
// them: a kind (i32/i64/f32/f64) and the raw bits. Floats are kept as bit
// patterns so NaN payloads survive unchanged until the ABI canonicalises them.
#ifndef WASI_BRIDGE_ENGINE_CABI_CORE_VALUE_H_
#define WASI_BRIDGE_ENGINE_CABI_CORE_VALUE_H_

#include <bit>
#include <cstdint>
#include <string>

namespace wasi_bridge::engine::cabi {

enum class CoreType : uint8_t { kI32, kI64, kF32, kF64 };

inline const char* CoreTypeName(CoreType t) {
  switch (t) {
    case CoreType::kI32: return "i32";
    case CoreType::kI64: return "i64";
    case CoreType::kF32: return "f32";
    case CoreType::kF64: return "f64";
  }
  return "?";
}

// `bits` holds the value zero-extended: i32 and f32 use the low 32 bits and
// the high 32 bits are always 0.
struct CoreValue {
  CoreType type = CoreType::kI32;
  uint64_t bits = 0;

  static CoreValue I32(uint32_t v) { return {CoreType::kI32, v}; }
  static CoreValue I64(uint64_t v) { return {CoreType::kI64, v}; }
  static CoreValue F32Bits(uint32_t v) { return {CoreType::kF32, v}; }
  static CoreValue F64Bits(uint64_t v) { return {CoreType::kF64, v}; }
  static CoreValue F32(float f) { return F32Bits(std::bit_cast<uint32_t>(f)); }
  static CoreValue F64(double d) { return F64Bits(std::bit_cast<uint64_t>(d)); }
  // The zero value of a core type (used to pad variant payloads).
  static CoreValue Zero(CoreType t) { return {t, 0}; }

  uint32_t u32() const { return static_cast<uint32_t>(bits); }
  uint64_t u64() const { return bits; }
  float f32() const { return std::bit_cast<float>(u32()); }
  double f64() const { return std::bit_cast<double>(bits); }

  friend bool operator==(const CoreValue&, const CoreValue&) = default;
};

inline std::string ToString(const CoreValue& v) {
  return std::string(CoreTypeName(v.type)) + ":0x" + [&] {
    static const char* kHex = "0123456789abcdef";
    std::string s;
    uint64_t b = v.bits;
    do {
      s.insert(s.begin(), kHex[b & 0xf]);
      b >>= 4;
    } while (b != 0);
    return s;
  }();
}

}  // namespace wasi_bridge::engine::cabi

#endif  // WASI_BRIDGE_ENGINE_CABI_CORE_VALUE_H_
