#include "adapter/binary/core_module_info.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapter/binary/byte_reader.h"
#include "adapter/binary/reader_internal.h"
#include "adapter/support/status_macros.h"

namespace wasi_bridge::binary {
namespace {

constexpr uint8_t kTypeSection = 1;
constexpr uint8_t kImportSection = 2;
constexpr uint8_t kFunctionSection = 3;
constexpr uint8_t kExportSection = 7;

absl::Status ScanTypes(ByteReader& r, CoreModuleInfo& info) {
  WB_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount("core types"));
  for (uint32_t i = 0; i < n; ++i) {
    WB_ASSIGN_OR_RETURN(CoreRecType rec, internal::ReadModuleRecType(r));
    for (const CoreSubType& st : rec.types) {
      if (const auto* ft = std::get_if<CoreFuncType>(&st.composite)) {
        info.types.push_back(CoreSignature{ft->params, ft->results});
      } else {
        info.types.push_back(std::nullopt);
      }
    }
  }
  return absl::OkStatus();
}

std::optional<CoreSignature> SignatureOf(const CoreModuleInfo& info,
                                         uint32_t type_index) {
  if (type_index >= info.types.size()) return std::nullopt;
  return info.types[type_index];
}

}  // namespace

absl::StatusOr<CoreModuleInfo> ScanCoreModule(Bytes module,
                                              uint32_t base_offset) {
  ByteReader r(module, base_offset);
  WB_ASSIGN_OR_RETURN(Bytes preamble, r.ReadBytes(8, "core module preamble"));
  (void)preamble;  // checked by the component reader
  CoreModuleInfo info;
  std::vector<uint32_t> defined_funcs;
  while (!r.AtEnd()) {
    const uint32_t at = r.Offset();
    WB_ASSIGN_OR_RETURN(uint8_t id, r.ReadByte("core section id"));
    WB_ASSIGN_OR_RETURN(uint32_t size, r.ReadU32("core section size"));
    const uint32_t payload_at = r.Offset();
    WB_ASSIGN_OR_RETURN(Bytes payload, r.ReadBytes(size, "core section"));
    ByteReader s(payload, payload_at);
    switch (id) {
      case kTypeSection:
        WB_RETURN_IF_ERROR(ScanTypes(s, info));
        break;
      case kImportSection: {
        WB_ASSIGN_OR_RETURN(uint32_t n, s.ReadCount("core imports"));
        for (uint32_t i = 0; i < n; ++i) {
          CoreModuleImport im;
          WB_ASSIGN_OR_RETURN(im.module, s.ReadName("import module name"));
          WB_ASSIGN_OR_RETURN(im.field, s.ReadName("import field name"));
          WB_ASSIGN_OR_RETURN(im.desc, internal::ReadCoreExternDesc(s));
          if (im.desc.kind == 0x00) {
            im.signature = SignatureOf(info, im.desc.type_index);
            ++info.function_count;
          }
          info.imports.push_back(im);
        }
        break;
      }
      case kFunctionSection: {
        WB_ASSIGN_OR_RETURN(uint32_t n, s.ReadCount("core functions"));
        for (uint32_t i = 0; i < n; ++i) {
          WB_ASSIGN_OR_RETURN(uint32_t t, s.ReadU32("function type index"));
          defined_funcs.push_back(t);
        }
        info.function_count += n;
        break;
      }
      case kExportSection: {
        WB_ASSIGN_OR_RETURN(uint32_t n, s.ReadCount("core exports"));
        for (uint32_t i = 0; i < n; ++i) {
          CoreModuleExport ex;
          WB_ASSIGN_OR_RETURN(ex.name, s.ReadName("export name"));
          const uint32_t kind_at = s.Offset();
          WB_ASSIGN_OR_RETURN(uint8_t kind, s.ReadByte("export kind"));
          if (kind > 0x04) {
            return s.ErrorAt(kind_at, absl::StrFormat(
                                          "invalid core export kind 0x%02x",
                                          kind));
          }
          ex.sort = static_cast<CoreSort>(kind);
          WB_ASSIGN_OR_RETURN(ex.index, s.ReadU32("export index"));
          info.exports.push_back(ex);
        }
        break;
      }
      default:
        if (id > 13) {
          return r.ErrorAt(at, absl::StrFormat("unknown core section id %u",
                                               id));
        }
        break;
    }
  }
  // Resolve exported function signatures now that all sections are known.
  uint32_t imported_funcs = 0;
  std::vector<const CoreModuleImport*> func_imports;
  for (const CoreModuleImport& im : info.imports) {
    if (im.desc.kind == 0x00) func_imports.push_back(&im);
  }
  imported_funcs = static_cast<uint32_t>(func_imports.size());
  for (CoreModuleExport& ex : info.exports) {
    if (ex.sort == CoreSort::kFunc) {
      if (ex.index < imported_funcs) {
        ex.signature = func_imports[ex.index]->signature;
      } else if (ex.index - imported_funcs < defined_funcs.size()) {
        ex.signature =
            SignatureOf(info, defined_funcs[ex.index - imported_funcs]);
      }
    } else {
      // Tables, memories and globals: record the import's descriptor when
      // the export re-exports an import; defined ones stay default.
      uint32_t seen = 0;
      for (const CoreModuleImport& im : info.imports) {
        if (im.desc.kind != static_cast<uint8_t>(ex.sort)) continue;
        if (seen++ == ex.index) {
          ex.desc = im.desc;
          break;
        }
      }
      ex.desc.kind = static_cast<uint8_t>(ex.sort);
    }
  }
  return info;
}

std::string FormatSignature(const CoreSignature& sig) {
  auto name = [](const CoreValType& t) -> std::string {
    switch (t.code) {
      case 0x7f: return "i32";
      case 0x7e: return "i64";
      case 0x7d: return "f32";
      case 0x7c: return "f64";
      case 0x7b: return "v128";
      case 0x70: return "funcref";
      case 0x6f: return "externref";
      default: return absl::StrFormat("ref(0x%02x)", t.code);
    }
  };
  std::string out = "(func";
  if (!sig.params.empty()) {
    absl::StrAppend(&out, " (param");
    for (const auto& t : sig.params) absl::StrAppend(&out, " ", name(t));
    absl::StrAppend(&out, ")");
  }
  if (!sig.results.empty()) {
    absl::StrAppend(&out, " (result");
    for (const auto& t : sig.results) absl::StrAppend(&out, " ", name(t));
    absl::StrAppend(&out, ")");
  }
  absl::StrAppend(&out, ")");
  return out;
}

}  // namespace wasi_bridge::binary
