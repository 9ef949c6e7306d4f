#include "adapter/upgrade/shim_dce.h"

#include <cstdlib>
#include <memory>
#include <type_traits>

#include "binaryen-c.h"

namespace wasi_bridge::upgrade {

absl::StatusOr<std::vector<uint8_t>> KeepOnlyExports(
    std::span<const uint8_t> module, const absl::flat_hash_set<std::string>& keep) {
  std::vector<char> copy(module.begin(), module.end());
  std::unique_ptr<std::remove_pointer_t<BinaryenModuleRef>, void (*)(BinaryenModuleRef)> m(
      BinaryenModuleRead(copy.data(), copy.size()), BinaryenModuleDispose);
  if (m == nullptr) return absl::InternalError("Binaryen could not read the shim");
  BinaryenModuleSetFeatures(m.get(), BinaryenFeatureAll());
  std::vector<std::string> drop;
  for (BinaryenIndex i = 0; i < BinaryenGetNumExports(m.get()); ++i) {
    std::string name = BinaryenExportGetName(BinaryenGetExportByIndex(m.get(), i));
    if (!keep.contains(name)) drop.push_back(std::move(name));
  }
  for (const std::string& name : drop) BinaryenRemoveExport(m.get(), name.c_str());
  const char* passes[] = {"remove-unused-module-elements"};
  BinaryenModuleRunPasses(m.get(), passes, 1);
  BinaryenModuleAllocateAndWriteResult out =
      BinaryenModuleAllocateAndWrite(m.get(), nullptr);
  const auto* bytes = static_cast<const uint8_t*>(out.binary);
  std::vector<uint8_t> result(bytes, bytes + out.binaryBytes);
  free(out.binary);
  if (out.sourceMap != nullptr) free(out.sourceMap);
  return result;
}

}  // namespace wasi_bridge::upgrade
