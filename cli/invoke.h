// `wasi-bridge run --invoke 'f(1, "x")'`: calls one export of an
// instantiated component with arguments written in WAVE (wasmtime's
// syntax, engine/component/wave.h) and prints its result in WAVE.
#ifndef WASI_BRIDGE_CLI_INVOKE_H_
#define WASI_BRIDGE_CLI_INVOKE_H_

#include <string>

#include "absl/strings/string_view.h"

#include "adapter/binary/model.h"
#include "engine/component/runtime.h"
#include "engine/component/wave.h"
#include "engine/wasi/host.h"

namespace wasi_bridge::cli {

// Prints "--invoke: MESSAGE" to stderr; returns 2 (a usage error).
int InvokeUsage(absl::string_view message);

// Calls the export `call` names (a root function `f`, or `INSTANCE#f`; a
// bare name may also match one function of an exported instance) with the
// arguments in `text`, runs the store until it returns, and prints the
// result. Returns the process exit code: 0 after the call, the guest's
// exit code if it exited, 1 for a trap, 2 for a bad call (unknown or
// ambiguous export, arity, argument types). `component` supplies flags
// labels through its WIT world.
int Invoke(engine::Runtime& runtime, engine::wasi::WasiHost& host,
           const engine::ComponentInstance& instance, const binary::Component& component,
           const std::string& file, const std::string& text, const engine::wave::CallText& call);

}  // namespace wasi_bridge::cli

#endif  // WASI_BRIDGE_CLI_INVOKE_H_
