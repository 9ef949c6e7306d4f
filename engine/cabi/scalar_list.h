// The fast path for lists of scalars (bool, integers, floats, char): whole
// lists move between guest memory and a PackedListValue with one copy plus,
// where the spec asks for it, one pass (NaN canonicalisation, bool
// normalisation, char validation) instead of one Value per element.
#ifndef WASI_BRIDGE_ENGINE_CABI_SCALAR_LIST_H_
#define WASI_BRIDGE_ENGINE_CABI_SCALAR_LIST_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/cabi/types.h"
#include "engine/cabi/value.h"

namespace wasi_bridge::engine::cabi {

inline constexpr uint32_t kCanonicalF32Nan = 0x7fc00000;
inline constexpr uint64_t kCanonicalF64Nan = 0x7ff8000000000000;

// The deterministic profile's NaN canonicalisation of a bit pattern.
inline uint32_t CanonF32(uint32_t bits) {
  return ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0)
             ? kCanonicalF32Nan
             : bits;
}
inline uint64_t CanonF64(uint64_t bits) {
  constexpr uint64_t kExp = 0x7ff0000000000000ull;
  constexpr uint64_t kFrac = 0x000fffffffffffffull;
  return ((bits & kExp) == kExp && (bits & kFrac) != 0) ? kCanonicalF64Nan : bits;
}

inline bool IsScalarValue(uint32_t cp) { return cp < 0xD800 || (cp >= 0xE000 && cp < 0x110000); }

// The trap for lifting a char that is not a Unicode scalar value.
absl::Status InvalidCharError(uint32_t cp);

// The ScalarKind of `t`, or nullopt if t is not a fixed-size scalar.
std::optional<ScalarKind> ScalarKindOf(const CabiType& t);

// lift: `n` elements of kind `k` at `src` (already bounds-checked guest
// memory) as a packed list. Fails on the first invalid char, as
// load_list_from_range would.
absl::StatusOr<Value> LiftScalars(ScalarKind k, const uint8_t* src, size_t n);

// lower: checks that `list` can be stored as elements of kind `k` (a packed
// list of kind k, or a ListValue of k-typed Values whose chars are scalar
// values) without touching memory. Errors are host-value mismatches.
absl::Status CheckScalars(ScalarKind k, const Value& list, const CabiType& elem);

// lower: writes the elements of a list that passed CheckScalars to `dst`
// (ListSize() * ScalarSize(k) bytes), canonicalising NaNs.
void StoreScalars(ScalarKind k, const Value& list, uint8_t* dst);

}  // namespace wasi_bridge::engine::cabi

#endif  // WASI_BRIDGE_ENGINE_CABI_SCALAR_LIST_H_
