// A light scan of a core module's interface: its function types, imports
// and exports. Function bodies are not decoded (wabt validates those).
#ifndef WASI_BRIDGE_ADAPTER_BINARY_CORE_MODULE_INFO_H_
#define WASI_BRIDGE_ADAPTER_BINARY_CORE_MODULE_INFO_H_

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "adapter/binary/model.h"

namespace wasi_bridge::binary {

// A core function signature; nullopt entries in a type list stand for
// non-function (GC) types.
struct CoreSignature {
  std::vector<CoreValType> params;
  std::vector<CoreValType> results;
  bool operator==(const CoreSignature&) const = default;
};

struct CoreModuleImport {
  std::string_view module;
  std::string_view field;
  CoreExternDesc desc;
  std::optional<CoreSignature> signature;  // for function imports
};

struct CoreModuleExport {
  std::string_view name;
  CoreSort sort = CoreSort::kFunc;
  uint32_t index = 0;
  std::optional<CoreSignature> signature;  // for function exports
  CoreExternDesc desc;  // for table/memory/global exports where known
};

struct CoreModuleInfo {
  std::vector<std::optional<CoreSignature>> types;
  std::vector<CoreModuleImport> imports;
  std::vector<CoreModuleExport> exports;
  uint32_t function_count = 0;  // imported + defined
  // Descriptors of the module's own tables, memories and globals.
  std::vector<CoreExternDesc> defined_tables, defined_memories, defined_globals;
};

// Scans the module's type, import, function, table, memory, global and
// export sections. `base_offset` locates errors in the enclosing file.
absl::StatusOr<CoreModuleInfo> ScanCoreModule(Bytes module,
                                              uint32_t base_offset);

// "i32", "funcref", ... for messages.
const char* CoreValTypeName(const CoreValType& t);

// Formats a signature as "(func (param i32 i32) (result i32))".
std::string FormatSignature(const CoreSignature& sig);

}  // namespace wasi_bridge::binary

#endif  // WASI_BRIDGE_ADAPTER_BINARY_CORE_MODULE_INFO_H_
