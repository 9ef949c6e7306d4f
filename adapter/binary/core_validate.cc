// Core module validation through wabt (function bodies included).
#include "absl/strings/str_cat.h"
#include "adapter/binary/validator_internal.h"
#include "wabt/binary-reader-ir.h"
#include "wabt/binary-reader.h"
#include "wabt/error.h"
#include "wabt/feature.h"
#include "wabt/ir.h"
#include "wabt/validator.h"

namespace wasi_bridge::binary::internal {

void ValidateCoreModuleBody(Bytes module, uint32_t base_offset,
                            std::vector<ValidationError>& errors) {
  wabt::Features features;
  // Toolchains emit post-MVP features freely; accept all that wabt knows.
  features.EnableAll();
  wabt::Errors wabt_errors;
  wabt::Module ir;
  const wabt::ReadBinaryOptions read_options(
      features, /*log_stream=*/nullptr, /*read_debug_names=*/false,
      /*stop_on_first_error=*/true, /*fail_on_custom_section_error=*/false);
  wabt::Result result =
      wabt::ReadBinaryIr("core module", module.data(), module.size(),
                         read_options, &wabt_errors, &ir);
  if (wabt::Succeeded(result)) {
    const wabt::ValidateOptions validate_options(features);
    result = wabt::ValidateModule(&ir, &wabt_errors, validate_options);
  }
  if (wabt::Succeeded(result)) return;
  for (const wabt::Error& e : wabt_errors) {
    uint32_t offset = base_offset;
    if (e.loc.offset != wabt::kInvalidOffset) {
      offset += static_cast<uint32_t>(e.loc.offset);
    }
    errors.push_back({offset, absl::StrCat("core module: ", e.message)});
  }
  if (wabt_errors.empty()) {
    errors.push_back({base_offset, "core module: invalid (wabt)"});
  }
}

}  // namespace wasi_bridge::binary::internal
