// Instantiating and calling components: the engine's embedding API.
//
// A Runtime is one store: a core executor (wabt's interpreter for now) and
// the component instances created in it. Components are instantiated from
// a validated binary model; their exported functions are called with
// Canonical ABI values (engine/cabi/value.h). Synchronous ABI only so far:
// async lifts/lowers and the async built-ins are rejected at instantiation.
#ifndef WASI_BRIDGE_ENGINE_COMPONENT_RUNTIME_H_
#define WASI_BRIDGE_ENGINE_COMPONENT_RUNTIME_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "adapter/binary/model.h"
#include "engine/cabi/types.h"
#include "engine/cabi/value.h"

namespace wasi_bridge::engine {

struct FuncSignature {
  std::vector<std::pair<std::string, cabi::TypeRef>> params;
  cabi::TypeRef result;  // null: no result
  bool is_async = false;
};

// A component-level function: lifted from a core function of some
// instance, or provided by the host.
class ComponentFunction {
 public:
  virtual ~ComponentFunction() = default;
  virtual const FuncSignature& signature() const = 0;
  // Calls the function. Guest traps come back as IsTrap() statuses (see
  // engine/core/executor.h) whose message is the trap reason.
  virtual absl::StatusOr<std::optional<cabi::Value>> Call(
      std::vector<cabi::Value> args) = 0;
};

using HostFunction = std::function<absl::StatusOr<std::optional<cabi::Value>>(
    std::vector<cabi::Value> args)>;

class ComponentInstance;
class ComponentDefinition;  // an uninstantiated component (opaque)
class CoreModule;           // engine/core/executor.h

// An item a component imports or exports.
struct ComponentItem {
  enum class Kind { kFunc, kInstance, kType, kComponent, kCoreModule };
  Kind kind = Kind::kFunc;
  std::shared_ptr<ComponentFunction> func;
  std::shared_ptr<ComponentInstance> instance;
  // A type; a resource type travels as `own<r>` of its identity.
  cabi::TypeRef type;
  std::shared_ptr<ComponentDefinition> component;
  std::shared_ptr<CoreModule> core_module;
};

class ComponentInstance {
 public:
  virtual ~ComponentInstance() = default;
  // The export named `name`, or NotFound.
  virtual absl::StatusOr<ComponentItem> Export(std::string_view name) const = 0;
  virtual std::vector<std::string> ExportNames() const = 0;
};

class Runtime {
 public:
  virtual ~Runtime() = default;

  // Instantiates `component` (which must have passed ValidateComponent and
  // whose bytes must outlive the runtime) with `imports` by name. Start
  // functions of core modules run here; their traps fail the call.
  virtual absl::StatusOr<std::shared_ptr<ComponentInstance>> Instantiate(
      const binary::Component& component,
      const std::vector<std::pair<std::string, ComponentItem>>& imports) = 0;

  // Wraps a host function as an importable item with `signature`.
  virtual ComponentItem HostFunc(FuncSignature signature,
                                 HostFunction function) = 0;
};

std::unique_ptr<Runtime> NewRuntime();

}  // namespace wasi_bridge::engine

#endif  // WASI_BRIDGE_ENGINE_COMPONENT_RUNTIME_H_
