// The core-wasm executor interface the component engine runs on.
//
// A CoreStore owns every core object (modules, instances, functions,
// memories, tables, globals) of one component store. Objects are named by
// opaque `CoreExtern` handles valid for the store's lifetime. The interface
// follows the wasm-c-api shape so that the wabt interpreter (wabt_store.cc)
// and a later wasm2c AOT backend can both implement it.
//
// Host functions may suspend the calling task (engine/task/scheduler.h):
// the interpreter keeps wasm frames on the heap, so a host callback running
// on a task's fiber can switch away and resume later.
#ifndef WASI_BRIDGE_ENGINE_CORE_EXECUTOR_H_
#define WASI_BRIDGE_ENGINE_CORE_EXECUTOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace wasi_bridge::engine {

enum class CoreType : uint8_t { kI32, kI64, kF32, kF64, kV128, kFuncRef, kExternRef };

// A core value. Floats are kept as raw bits so NaN payloads survive.
struct CoreValue {
  CoreType type = CoreType::kI32;
  uint64_t bits = 0;
  uint64_t high = 0;  // v128 upper half

  static CoreValue I32(uint32_t v) { return {CoreType::kI32, v, 0}; }
  static CoreValue I64(uint64_t v) { return {CoreType::kI64, v, 0}; }
  static CoreValue F32Bits(uint32_t v) { return {CoreType::kF32, v, 0}; }
  static CoreValue F64Bits(uint64_t v) { return {CoreType::kF64, v, 0}; }
  uint32_t i32() const { return static_cast<uint32_t>(bits); }
  uint64_t i64() const { return bits; }
  bool operator==(const CoreValue&) const = default;
};

struct CoreFuncType {
  std::vector<CoreType> params;
  std::vector<CoreType> results;
  bool operator==(const CoreFuncType&) const = default;
};

enum class CoreExternKind : uint8_t { kFunc, kTable, kMemory, kGlobal, kTag };

// A handle to a core object in a CoreStore.
struct CoreExtern {
  CoreExternKind kind = CoreExternKind::kFunc;
  uint64_t handle = 0;  // backend-specific
  bool operator==(const CoreExtern&) const = default;
};

struct CoreImport {
  std::string module;
  std::string name;
  CoreExternKind kind = CoreExternKind::kFunc;
};

struct CoreExport {
  std::string name;
  CoreExternKind kind = CoreExternKind::kFunc;
};

// A compiled (decoded) core module, instantiable many times.
class CoreModule {
 public:
  virtual ~CoreModule() = default;
  virtual const std::vector<CoreImport>& imports() const = 0;
  virtual const std::vector<CoreExport>& exports() const = 0;
};

// Traps are reported as absl::Status with this code; the message is the
// trap reason ("unreachable executed", "out of bounds memory access").
inline constexpr absl::StatusCode kTrapCode = absl::StatusCode::kAborted;
absl::Status Trap(std::string_view message);
bool IsTrap(const absl::Status& status);

// What a host function gets: its arguments, room for its results, and the
// store (to read guest memory or call back into wasm).
using HostCallback = std::function<absl::Status(
    absl::Span<const CoreValue> args, absl::Span<CoreValue> results)>;

class CoreStore {
 public:
  virtual ~CoreStore() = default;

  // Decodes a core module. The bytes must already be validated (the
  // component validator does that): backends may assume valid input.
  virtual absl::StatusOr<std::shared_ptr<CoreModule>> Compile(
      absl::Span<const uint8_t> bytes) = 0;

  // Instantiates `module` with one extern per import, in import order, and
  // runs its start function. Returns the instance's exports in order.
  virtual absl::StatusOr<std::vector<CoreExtern>> Instantiate(
      const CoreModule& module, absl::Span<const CoreExtern> imports) = 0;

  virtual CoreExtern NewHostFunc(CoreFuncType type, HostCallback callback) = 0;

  // Calls a function. Traps come back as IsTrap() statuses.
  virtual absl::StatusOr<std::vector<CoreValue>> Call(
      CoreExtern func, absl::Span<const CoreValue> args) = 0;

  virtual absl::StatusOr<CoreFuncType> FuncType(CoreExtern func) = 0;

  // A memory's bytes; valid until the memory grows (re-fetch after calls).
  virtual absl::Span<uint8_t> MemoryBytes(CoreExtern memory) = 0;
};

// The wabt interpreter backend.
std::unique_ptr<CoreStore> NewWabtStore();

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_CORE_EXECUTOR_H_
