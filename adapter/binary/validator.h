// Component-level validation: index spaces, type checks of imports,
// exports, instantiations and canon definitions, and the WASI 0.3 async
// rules. Core modules are validated through wabt.
#ifndef WASI_BRIDGE_ADAPTER_BINARY_VALIDATOR_H_
#define WASI_BRIDGE_ADAPTER_BINARY_VALIDATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "adapter/binary/model.h"

namespace wasi_bridge::binary {

struct ValidationError {
  uint32_t offset = 0;  // absolute byte offset in the input
  std::string message;  // names the rule that failed
};

struct ValidateOptions {
  // Also validate every embedded core module (function bodies included).
  bool core_modules = true;
  // Run wabt in a helper process (forked once, reused), because Debian's
  // wabt aborts on some malformed modules. Turn off only for trusted input:
  // an abort in wabt then ends the calling process. The helper is forked on
  // first use; make that first call before starting other threads.
  bool isolate_core_validation = true;
};

// Validates a component read by ReadComponent. Returns every error found
// (empty when valid). Validation continues after an error where the rest of
// the component can still be checked meaningfully.
std::vector<ValidationError> ValidateComponent(
    const Component& component, const ValidateOptions& options = {});

// Validates a standalone core module (wabt, all features it knows).
std::vector<ValidationError> ValidateCoreModule(
    Bytes module, const ValidateOptions& options = {});

}  // namespace wasi_bridge::binary

#endif  // WASI_BRIDGE_ADAPTER_BINARY_VALIDATOR_H_
