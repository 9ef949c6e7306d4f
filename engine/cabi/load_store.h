// The synchronous Canonical ABI: loading/storing values in linear memory
// and lifting/lowering them to and from flat core values
// (CanonicalABI.md "Loading", "Storing", "Flat Lifting", "Flat Lowering",
// "Lifting and Lowering Values"), memory32, deterministic profile.
//
// Errors. Every condition where definitions.py traps returns a status with
// code kOutOfRange (lengths and bounds) or kInvalidArgument (alignment,
// encodings, discriminants, chars, handles), and a message naming the
// condition, e.g. "pointer 65530 + 8 out of bounds of memory (65536 bytes)",
// "unaligned pointer 3 for alignment 4", "invalid variant discriminant 5
// (3 cases)". Errors from realloc or the HandleTable are passed through.
// Misuse by the host (a Value that does not match its type, wrong core value
// kinds, a missing memory/realloc/handle table) is kInvalidArgument too,
// with a message starting "host value" / "core value" / "canonical option".
//
// Where the spec does NOT trap, neither does this code:
//   * bool lifts any non-zero as true;
//   * u8/u16/s8/s16 lifted from an i32 keep the low bits; a variant payload
//     read from a wider joined slot is wrapped;
//   * flags ignore bits beyond the last flag (unpack_flags_from_int), and
//     storing flags writes only the declared flags' bits;
// NaNs are canonicalised (0x7fc00000 / 0x7ff8000000000000) on every lift
// and lower, which is definitions.py under DETERMINISTIC_PROFILE.
//
// Hostile input: every pointer/length from the guest is checked with
// overflow-free arithmetic before use, and list/string lengths are checked
// against the memory size before anything proportional to them is
// allocated. Recursion depth is bounded by kMaxTypeDepth.
//
// Strings: Values hold UTF-8. Lowering computes the exact encoded size first
// and calls realloc once per string (realloc(0, 0, align, size)); the result
// is the same bytes and encoding the spec's transcoding produces (for
// latin1+utf16: Latin-1 iff every code point < U+0100, else UTF-16 with the
// UTF16_TAG bit set), with one realloc instead of the spec's
// allocate-then-shrink sequence.
#ifndef WASI_BRIDGE_ENGINE_CABI_LOAD_STORE_H_
#define WASI_BRIDGE_ENGINE_CABI_LOAD_STORE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/cabi/core_value.h"
#include "engine/cabi/memory.h"
#include "engine/cabi/scalar_list.h"  // kCanonicalF32Nan, kCanonicalF64Nan
#include "engine/cabi/types.h"
#include "engine/cabi/value.h"

namespace wasi_bridge::engine::cabi {

inline constexpr uint32_t kMaxStringByteLength = (uint32_t{1} << 28) - 1;
inline constexpr uint32_t kMaxListByteLength = (uint32_t{1} << 28) - 1;
inline constexpr uint32_t kUtf16Tag = uint32_t{1} << 31;
// LiftFlat/LowerFlat refuse types with more flat values than this (the ABI
// only uses flat forms within MAX_FLAT_PARAMS).
inline constexpr uint64_t kMaxFlatValues = 1 << 16;

// load(cx, ptr, t). Checks that ptr is aligned for t and ptr + elem_size(t)
// is within memory (the spec asserts this of its callers).
absl::StatusOr<Value> Load(const CallContext& ctx, const TypeRef& t, uint32_t ptr);
// store(cx, v, t, ptr), with the same checks.
absl::Status Store(const CallContext& ctx, const TypeRef& t, const Value& v, uint32_t ptr);

// The spec's CoreValueIter: yields flat values in order, checking kinds.
class CoreValueIter {
 public:
  explicit CoreValueIter(absl::Span<const CoreValue> values) : values_(values) {}
  absl::StatusOr<CoreValue> Next(CoreType want);
  size_t position() const { return pos_; }
  size_t remaining() const { return values_.size() - pos_; }
  bool done() const { return pos_ == values_.size(); }

 private:
  absl::Span<const CoreValue> values_;
  size_t pos_ = 0;
};

// lift_flat(cx, vi, t) / lower_flat(cx, v, t).
absl::StatusOr<Value> LiftFlat(const CallContext& ctx, const TypeRef& t, CoreValueIter& it);
absl::StatusOr<std::vector<CoreValue>> LowerFlat(const CallContext& ctx, const TypeRef& t,
                                                 const Value& v);

// lift_flat_values(cx, max_flat, vi, ts): flat if the types flatten to at
// most `max_flat` values, else one i32 pointer to a tuple in memory.
absl::StatusOr<std::vector<Value>> LiftFlatValues(const CallContext& ctx, size_t max_flat,
                                                  CoreValueIter& it,
                                                  absl::Span<const TypeRef> ts);
// lower_flat_values(cx, max_flat, vs, ts, out_param): beyond `max_flat`,
// the tuple goes to memory: at realloc'd space (returned as the single
// i32), or, with `out_param`, at the pointer it yields (returns nothing).
absl::StatusOr<std::vector<CoreValue>> LowerFlatValues(const CallContext& ctx, size_t max_flat,
                                                       absl::Span<const Value> vs,
                                                       absl::Span<const TypeRef> ts,
                                                       CoreValueIter* out_param = nullptr);

// --- whole calls (sync) -------------------------------------------------------
// Host calls a guest export (the canon lift side; the core callee has the
// FlattenFunc(kLift) signature):
//   core_args = LowerFunctionArgs(ctx, params, args)       // spills > 16
//   core_results = <call the core function>
//   results = LiftFunctionResults(ctx, results, core_results)  // > 1: ptr
absl::StatusOr<std::vector<CoreValue>> LowerFunctionArgs(const CallContext& ctx,
                                                         absl::Span<const TypeRef> param_types,
                                                         absl::Span<const Value> args);
absl::StatusOr<std::vector<Value>> LiftFunctionResults(const CallContext& ctx,
                                                       absl::Span<const TypeRef> result_types,
                                                       absl::Span<const CoreValue> core_results);

// Guest calls a host import (the canon lower side; the core caller uses the
// FlattenFunc(kLower) signature):
//   lifted = LiftFunctionArgs(ctx, params, results, core_args)
//   results = <run the host function on lifted.args>
//   core_results = LowerFunctionResults(ctx, results, values, lifted.out_ptr)
struct LiftedArgs {
  std::vector<Value> args;
  // The trailing out-pointer when the results do not fit in one flat value.
  // Not checked until LowerFunctionResults uses it (as in the spec).
  std::optional<uint32_t> out_ptr;
};
absl::StatusOr<LiftedArgs> LiftFunctionArgs(const CallContext& ctx,
                                            absl::Span<const TypeRef> param_types,
                                            absl::Span<const TypeRef> result_types,
                                            absl::Span<const CoreValue> core_args);
absl::StatusOr<std::vector<CoreValue>> LowerFunctionResults(const CallContext& ctx,
                                                            absl::Span<const TypeRef> result_types,
                                                            absl::Span<const Value> results,
                                                            std::optional<uint32_t> out_ptr);

}  // namespace wasi_bridge::engine::cabi

#endif  // WASI_BRIDGE_ENGINE_CABI_LOAD_STORE_H_
