// What lifting and lowering need from the caller: the guest's linear memory,
// its realloc, the string encoding and a handle table (the spec's
// LiftLowerContext, memory32 only).
#ifndef WASI_BRIDGE_ENGINE_CABI_MEMORY_H_
#define WASI_BRIDGE_ENGINE_CABI_MEMORY_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/cabi/types.h"

namespace wasi_bridge::engine::cabi {

// A linear memory. `Bytes()` may return a different span after the guest
// ran (memory.grow inside realloc), so the ABI re-reads it after every
// realloc call and never keeps it across one. Memories only grow.
class GuestMemory {
 public:
  virtual ~GuestMemory() = default;
  virtual absl::Span<uint8_t> Bytes() = 0;
};

// The canonical `realloc(old_ptr, old_size, align, new_size) -> ptr`.
// An error status is propagated unchanged (e.g. a trap inside the guest).
using ReallocFn = std::function<absl::StatusOr<uint32_t>(
    uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size)>;

enum class StringEncoding { kUtf8, kUtf16, kLatin1Utf16 };

// Resource handles, as the spec's lift_own/lift_borrow/lower_own/
// lower_borrow see the current instance's handle table. `rep` is the
// resource's i32 representation. Errors are traps.
//
// stream, future and error-context values are plain u32 indices for now:
// the default implementations pass the index through unchanged (the async
// ABI will override them to move ends between tables).
class HandleTable {
 public:
  virtual ~HandleTable() = default;
  // lift_own: remove handle `handle` (which must be an own of `resource`
  // with no outstanding lends) and return its rep.
  virtual absl::StatusOr<uint32_t> LiftOwn(ResourceId resource, uint32_t handle) = 0;
  // lift_borrow: look up handle `handle` (own or borrow of `resource`),
  // record the lend for the current call, return its rep.
  virtual absl::StatusOr<uint32_t> LiftBorrow(ResourceId resource, uint32_t handle) = 0;
  // lower_own: add an own handle for `rep`, return its index.
  virtual absl::StatusOr<uint32_t> LowerOwn(ResourceId resource, uint32_t rep) = 0;
  // lower_borrow: add a borrow handle scoped to the current call (or return
  // `rep` itself when the callee implements the resource).
  virtual absl::StatusOr<uint32_t> LowerBorrow(ResourceId resource, uint32_t rep) = 0;

  virtual absl::StatusOr<uint32_t> LiftStream(const CabiType& /*stream*/, uint32_t i) { return i; }
  virtual absl::StatusOr<uint32_t> LowerStream(const CabiType& /*stream*/, uint32_t i) { return i; }
  virtual absl::StatusOr<uint32_t> LiftFuture(const CabiType& /*future*/, uint32_t i) { return i; }
  virtual absl::StatusOr<uint32_t> LowerFuture(const CabiType& /*future*/, uint32_t i) { return i; }
  virtual absl::StatusOr<uint32_t> LiftErrorContext(uint32_t i) { return i; }
  virtual absl::StatusOr<uint32_t> LowerErrorContext(uint32_t i) { return i; }
};

// The canonical options plus the instance state lifting/lowering touches.
// Null members are allowed when the types involved do not need them (the
// component validator demands `memory`/`realloc` whenever they are needed);
// using a missing one is an error, not a crash.
struct CallContext {
  GuestMemory* memory = nullptr;
  ReallocFn realloc;
  StringEncoding encoding = StringEncoding::kUtf8;
  // Needed for own/borrow; stream/future/error-context pass through
  // unchanged when it is null.
  HandleTable* handles = nullptr;
};

}  // namespace wasi_bridge::engine::cabi

#endif  // WASI_BRIDGE_ENGINE_CABI_MEMORY_H_
