// Canonical ABI layout: alignment, element size and flattening
// (CanonicalABI.md "Alignment", "Element Size", "Flattening"), for
// memory32 (pointers are i32).
//
// All functions require a well-formed type (`t.status().ok()`); FlattenFunc
// checks that itself. Alignment/ElemSize are O(1) (cached in the node).
// Flatten is O(number of flat values), so call it only on types whose
// `flat_count()` is small (as the ABI does: flat forms are used only within
// the MAX_FLAT_* limits).
#ifndef WASI_BRIDGE_ENGINE_CABI_LAYOUT_H_
#define WASI_BRIDGE_ENGINE_CABI_LAYOUT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/cabi/core_value.h"
#include "engine/cabi/types.h"

namespace wasi_bridge::engine::cabi {

inline constexpr size_t kMaxFlatParams = 16;
inline constexpr size_t kMaxFlatAsyncParams = 4;
inline constexpr size_t kMaxFlatResults = 1;

inline uint32_t Alignment(const CabiType& t) { return t.alignment(); }
inline uint32_t ElemSize(const CabiType& t) { return t.size(); }
inline uint32_t Alignment(const TypeRef& t) { return t->alignment(); }
inline uint32_t ElemSize(const TypeRef& t) { return t->size(); }

// `ceil(x / align) * align`; saturates instead of overflowing.
uint64_t AlignTo(uint64_t x, uint32_t align);

// discriminant_type: u8 for up to 256 cases, u16 up to 65536, else u32.
// Returns its byte size (1, 2 or 4).
uint32_t DiscriminantSize(size_t case_count);
// elem_size_flags / alignment_flags: 1 (<= 8 flags), 2 (<= 16), 4 (<= 32).
uint32_t FlagsSize(uint32_t flag_count);
// For a variant-like type: max alignment of the case payloads (1 if none)
// and the offset of the payload from the start of the variant.
uint32_t MaxCaseAlignment(const CabiType& variant_like);
uint32_t VariantPayloadOffset(const CabiType& variant_like);
// For a record-like type: the offset of each field.
std::vector<uint32_t> FieldOffsets(const CabiType& record_like);

// flatten_type (with the variant `join`).
std::vector<CoreType> Flatten(const CabiType& t);
inline std::vector<CoreType> Flatten(const TypeRef& t) { return Flatten(*t); }
// join(a, b): equal -> a; {i32, f32} -> i32; otherwise i64.
CoreType Join(CoreType a, CoreType b);

enum class FlattenContext { kLift, kLower };

struct CoreFuncType {
  std::vector<CoreType> params;
  std::vector<CoreType> results;
  // The parameters are passed as one i32 pointer to a tuple in memory.
  bool params_indirect = false;
  // lift: the single i32 result points to the results tuple;
  // lower: a trailing i32 out-pointer parameter receives them.
  bool results_indirect = false;

  friend bool operator==(const CoreFuncType&, const CoreFuncType&) = default;
};

// flatten_functype for a synchronous (non-async) function type with
// MAX_FLAT_PARAMS = 16 and MAX_FLAT_RESULTS = 1. `results` has 0 or 1
// entries in today's component model, but any number is accepted.
absl::StatusOr<CoreFuncType> FlattenFunc(absl::Span<const TypeRef> params,
                                         absl::Span<const TypeRef> results,
                                         FlattenContext context);

// Sum of `flat_count()` (saturating).
uint64_t FlatCount(absl::Span<const TypeRef> types);

namespace internal {
// The spec's alignment/elem_size for pointer size 4 or 8, computed from the
// children's cached layouts. Used by the type factories.
SizeAlign ComputeSizeAlign(const CabiType& t, int ptr_size);
uint64_t ComputeFlatCount(const CabiType& t);
inline constexpr uint64_t kSaturated = uint64_t{1} << 40;
uint64_t SatAdd(uint64_t a, uint64_t b);
uint64_t SatMul(uint64_t a, uint64_t b);
}  // namespace internal

}  // namespace wasi_bridge::engine::cabi

#endif  // WASI_BRIDGE_ENGINE_CABI_LAYOUT_H_
