// Flags labels of WIT types: cabi types do not carry the names of flags, so
// `wast` and `run --invoke` take them from the component's decoded world.
#ifndef WASI_BRIDGE_CLI_WIT_LABELS_H_
#define WASI_BRIDGE_CLI_WIT_LABELS_H_

#include <vector>

#include "adapter/wit/resolve.h"
#include "engine/component/wast_values.h"

namespace wasi_bridge::cli {

// The labels tree of type `id` (flags names at the flags, children for
// records, variants, tuples, lists, options, results and maps).
engine::TypeLabels LabelsFromWit(const wit::Resolve& r, wit::TypeId id);

// One tree per parameter of `fn`, then one for its result (empty if none).
std::vector<engine::TypeLabels> FunctionLabels(const wit::Resolve& r, const wit::Function& fn);

}  // namespace wasi_bridge::cli

#endif  // WASI_BRIDGE_CLI_WIT_LABELS_H_
