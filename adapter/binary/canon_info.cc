#include "adapter/binary/canon_info.h"

#include <array>

namespace wasi_bridge::binary {
namespace {

using O = CanonOperands;
using S = CanonStatus;

// Opcodes and immediates from Binary.md (component-model, WASI 0.3.0 era).
// error-context (📝) is gated in the spec but needed by 0.3 toolchains, so it
// is treated as stable here.
constexpr CanonInfo kCanons[] = {
    {0x00, "lift", O::kLift, S::kStable, ""},
    {0x01, "lower", O::kLower, S::kStable, ""},
    {0x02, "resource.new", O::kType, S::kStable, ""},
    {0x03, "resource.drop", O::kType, S::kStable, ""},
    {0x04, "resource.rep", O::kType, S::kStable, ""},
    {0x05, "task.cancel", O::kNone, S::kStable, ""},
    {0x06, "subtask.cancel", O::kFlag, S::kStable, "async"},
    {0x07, "resource.drop async", O::kType, S::kRemoved, ""},
    {0x08, "backpressure.set", O::kNone, S::kRemoved, ""},
    {0x09, "task.return", O::kResultOptions, S::kStable, ""},
    {0x0a, "context.get", O::kContext, S::kStable, ""},
    {0x0b, "context.set", O::kContext, S::kStable, ""},
    {0x0c, "thread.yield", O::kFlag, S::kStable, "cancellable"},
    {0x0d, "subtask.drop", O::kNone, S::kStable, ""},
    {0x0e, "stream.new", O::kType, S::kStable, ""},
    {0x0f, "stream.read", O::kTypeOptions, S::kStable, ""},
    {0x10, "stream.write", O::kTypeOptions, S::kStable, ""},
    {0x11, "stream.cancel-read", O::kTypeFlag, S::kStable, "async"},
    {0x12, "stream.cancel-write", O::kTypeFlag, S::kStable, "async"},
    {0x13, "stream.drop-readable", O::kType, S::kStable, ""},
    {0x14, "stream.drop-writable", O::kType, S::kStable, ""},
    {0x15, "future.new", O::kType, S::kStable, ""},
    {0x16, "future.read", O::kTypeOptions, S::kStable, ""},
    {0x17, "future.write", O::kTypeOptions, S::kStable, ""},
    {0x18, "future.cancel-read", O::kTypeFlag, S::kStable, "async"},
    {0x19, "future.cancel-write", O::kTypeFlag, S::kStable, "async"},
    {0x1a, "future.drop-readable", O::kType, S::kStable, ""},
    {0x1b, "future.drop-writable", O::kType, S::kStable, ""},
    {0x1c, "error-context.new", O::kOptions, S::kStable, ""},
    {0x1d, "error-context.debug-message", O::kOptions, S::kStable, ""},
    {0x1e, "error-context.drop", O::kNone, S::kStable, ""},
    {0x1f, "waitable-set.new", O::kNone, S::kStable, ""},
    {0x20, "waitable-set.wait", O::kFlagMemory, S::kStable, "cancellable"},
    {0x21, "waitable-set.poll", O::kFlagMemory, S::kStable, "cancellable"},
    {0x22, "waitable-set.drop", O::kNone, S::kStable, ""},
    {0x23, "waitable.join", O::kNone, S::kStable, ""},
    {0x24, "backpressure.inc", O::kNone, S::kStable, ""},
    {0x25, "backpressure.dec", O::kNone, S::kStable, ""},
    {0x26, "thread.index", O::kNone, S::kThreading, ""},
    {0x27, "thread.new-indirect", O::kTypeTable, S::kThreading, ""},
    {0x28, "thread.resume-later", O::kNone, S::kThreading, ""},
    {0x29, "thread.suspend", O::kFlag, S::kThreading, "cancellable"},
    {0x2a, "thread.suspend-then-resume", O::kFlag, S::kThreading,
     "cancellable"},
    {0x2b, "thread.yield-then-resume", O::kFlag, S::kThreading, "cancellable"},
    {0x2c, "thread.suspend-then-promote", O::kFlag, S::kThreading,
     "cancellable"},
    {0x2d, "thread.yield-then-promote", O::kFlag, S::kThreading,
     "cancellable"},
};

static_assert(std::size(kCanons) == 0x2e, "one entry per opcode 0x00-0x2d");

}  // namespace

const CanonInfo* FindCanonInfo(uint8_t opcode) {
  if (opcode >= std::size(kCanons)) return nullptr;
  return &kCanons[opcode];
}

}  // namespace wasi_bridge::binary
