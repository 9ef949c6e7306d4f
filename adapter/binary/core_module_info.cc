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
constexpr uint8_t kTableSection = 4;
constexpr uint8_t kMemorySection = 5;
constexpr uint8_t kGlobalSection = 6;
constexpr uint8_t kExportSection = 7;

// Skips a constant expression (the instructions allowed in one, including
// extended-const and v128.const) up to and including its `end`.
absl::Status SkipConstExpr(ByteReader& r) {
  while (true) {
    const uint32_t at = r.Offset();
    WB_ASSIGN_OR_RETURN(uint8_t op, r.ReadByte("constant expression"));
    switch (op) {
      case 0x0b: return absl::OkStatus();
      case 0x41: WB_RETURN_IF_ERROR(r.ReadS33("i32.const").status()); break;
      case 0x42: {
        // s64: skip LEB bytes.
        for (int i = 0; i < 10; ++i) {
          WB_ASSIGN_OR_RETURN(uint8_t b, r.ReadByte("i64.const"));
          if ((b & 0x80) == 0) break;
        }
        break;
      }
      case 0x43: WB_RETURN_IF_ERROR(r.ReadBytes(4, "f32.const").status()); break;
      case 0x44: WB_RETURN_IF_ERROR(r.ReadBytes(8, "f64.const").status()); break;
      case 0x23:
      case 0xd2: WB_RETURN_IF_ERROR(r.ReadU32("index").status()); break;
      case 0xd0: WB_RETURN_IF_ERROR(r.ReadS33("heap type").status()); break;
      case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: break;
      case 0xfd: {
        WB_ASSIGN_OR_RETURN(uint32_t sub, r.ReadU32("simd opcode"));
        if (sub != 12) return r.ErrorAt(at, "unexpected instruction in constant expression");
        WB_RETURN_IF_ERROR(r.ReadBytes(16, "v128.const").status());
        break;
      }
      default:
        return r.ErrorAt(at, absl::StrFormat("unexpected opcode 0x%02x in a "
                                             "constant expression",
                                             op));
    }
  }
}

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
      case kTableSection: {
        WB_ASSIGN_OR_RETURN(uint32_t n, s.ReadCount("core tables"));
        for (uint32_t i = 0; i < n; ++i) {
          CoreExternDesc d;
          d.kind = 0x01;
          WB_ASSIGN_OR_RETURN(uint8_t lead, s.PeekByte("table type"));
          const bool with_init = lead == 0x40;
          if (with_init) {
            s.ReadByte("table type").IgnoreError();
            WB_ASSIGN_OR_RETURN(uint8_t zero, s.ReadByte("table type"));
            (void)zero;
          }
          WB_ASSIGN_OR_RETURN(CoreExternDesc t, internal::ReadTableType(s));
          d = t;
          if (with_init) WB_RETURN_IF_ERROR(SkipConstExpr(s));
          info.defined_tables.push_back(d);
        }
        break;
      }
      case kMemorySection: {
        WB_ASSIGN_OR_RETURN(uint32_t n, s.ReadCount("core memories"));
        for (uint32_t i = 0; i < n; ++i) {
          WB_ASSIGN_OR_RETURN(CoreExternDesc d, internal::ReadMemoryType(s));
          info.defined_memories.push_back(d);
        }
        break;
      }
      case kGlobalSection: {
        WB_ASSIGN_OR_RETURN(uint32_t n, s.ReadCount("core globals"));
        for (uint32_t i = 0; i < n; ++i) {
          CoreExternDesc d;
          d.kind = 0x03;
          WB_ASSIGN_OR_RETURN(d.value_type, internal::ReadCoreValType(s));
          WB_ASSIGN_OR_RETURN(d.mutable_, s.ReadFlag("global mutability"));
          WB_RETURN_IF_ERROR(SkipConstExpr(s));
          info.defined_globals.push_back(d);
        }
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
      // Tables, memories and globals: imported ones first, then defined.
      std::vector<const CoreExternDesc*> space;
      for (const CoreModuleImport& im : info.imports) {
        if (im.desc.kind == static_cast<uint8_t>(ex.sort)) space.push_back(&im.desc);
      }
      const auto& defined = ex.sort == CoreSort::kTable    ? info.defined_tables
                            : ex.sort == CoreSort::kMemory ? info.defined_memories
                                                           : info.defined_globals;
      for (const auto& d : defined) space.push_back(&d);
      if (ex.index < space.size()) ex.desc = *space[ex.index];
      ex.desc.kind = static_cast<uint8_t>(ex.sort);
    }
  }
  return info;
}

const char* CoreValTypeName(const CoreValType& t) {
  switch (t.code) {
    case 0x7f: return "i32";
    case 0x7e: return "i64";
    case 0x7d: return "f32";
    case 0x7c: return "f64";
    case 0x7b: return "v128";
    case 0x70: return "funcref";
    case 0x6f: return "externref";
    default: return "ref";
  }
}

std::string FormatSignature(const CoreSignature& sig) {
  auto name = [](const CoreValType& t) { return CoreValTypeName(t); };
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
