// Decoding of canon definitions (section 8).
#include "absl/strings/str_format.h"
#include "adapter/binary/canon_info.h"
#include "adapter/binary/reader_internal.h"
#include "adapter/support/status_macros.h"

namespace wasi_bridge::binary::internal {
namespace {

absl::StatusOr<std::vector<CanonOption>> ReadOptions(ByteReader& r) {
  WB_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount("canon options"));
  std::vector<CanonOption> opts;
  opts.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t at = r.Offset();
    WB_ASSIGN_OR_RETURN(uint8_t code, r.ReadByte("canon option"));
    CanonOption o;
    o.code = static_cast<CanonOptionCode>(code);
    switch (o.code) {
      case CanonOptionCode::kUtf8:
      case CanonOptionCode::kUtf16:
      case CanonOptionCode::kLatin1Utf16:
      case CanonOptionCode::kAsync:
        break;
      case CanonOptionCode::kMemory:
      case CanonOptionCode::kRealloc:
      case CanonOptionCode::kPostReturn:
      case CanonOptionCode::kCallback: {
        WB_ASSIGN_OR_RETURN(o.index, r.ReadU32("canon option index"));
        break;
      }
      default:
        return r.ErrorAt(at,
                         absl::StrFormat("invalid canon option 0x%02x", code));
    }
    opts.push_back(o);
  }
  return opts;
}

absl::Status ReadFuncSortByte(ByteReader& r) {
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(uint8_t b, r.ReadByte("canon function sort"));
  if (b != 0x00) {
    return r.ErrorAt(at, absl::StrFormat("invalid canon function sort 0x%02x "
                                         "(expected 0x00)",
                                         b));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Canon> ReadCanon(ByteReader& r) {
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(uint8_t op, r.ReadByte("canon opcode"));
  const CanonInfo* info = FindCanonInfo(op);
  if (info == nullptr) {
    return r.ErrorAt(at, absl::StrFormat("invalid leading byte 0x%02x for a "
                                         "canon definition",
                                         op));
  }
  Canon c;
  c.offset = at;
  c.opcode = static_cast<CanonOpcode>(op);
  switch (info->operands) {
    case CanonOperands::kLift: {
      WB_RETURN_IF_ERROR(ReadFuncSortByte(r));
      WB_ASSIGN_OR_RETURN(c.func_index, r.ReadU32("core function index"));
      WB_ASSIGN_OR_RETURN(c.options, ReadOptions(r));
      WB_ASSIGN_OR_RETURN(c.type_index, r.ReadU32("type index"));
      break;
    }
    case CanonOperands::kLower: {
      WB_RETURN_IF_ERROR(ReadFuncSortByte(r));
      WB_ASSIGN_OR_RETURN(c.func_index, r.ReadU32("function index"));
      WB_ASSIGN_OR_RETURN(c.options, ReadOptions(r));
      break;
    }
    case CanonOperands::kNone: {
      break;
    }
    case CanonOperands::kType: {
      WB_ASSIGN_OR_RETURN(c.type_index, r.ReadU32("type index"));
      break;
    }
    case CanonOperands::kFlag: {
      WB_ASSIGN_OR_RETURN(c.flag, r.ReadFlag(info->flag_name));
      break;
    }
    case CanonOperands::kTypeFlag: {
      WB_ASSIGN_OR_RETURN(c.type_index, r.ReadU32("type index"));
      WB_ASSIGN_OR_RETURN(c.flag, r.ReadFlag(info->flag_name));
      break;
    }
    case CanonOperands::kTypeOptions: {
      WB_ASSIGN_OR_RETURN(c.type_index, r.ReadU32("type index"));
      WB_ASSIGN_OR_RETURN(c.options, ReadOptions(r));
      break;
    }
    case CanonOperands::kOptions: {
      WB_ASSIGN_OR_RETURN(c.options, ReadOptions(r));
      break;
    }
    case CanonOperands::kResultOptions: {
      const uint32_t rl = r.Offset();
      WB_ASSIGN_OR_RETURN(uint8_t form, r.ReadByte("task.return result list"));
      if (form == 0x00) {
        WB_ASSIGN_OR_RETURN(ValType t, ReadValType(r));
        c.result = t;
      } else if (form == 0x01) {
        WB_ASSIGN_OR_RETURN(uint8_t zero, r.ReadByte("task.return result"));
        if (zero != 0x00) {
          return r.ErrorAt(rl + 1, "task.return result list must be "
                                   "`00 valtype` or `01 00`");
        }
      } else {
        return r.ErrorAt(rl, absl::StrFormat("invalid result list form 0x%02x",
                                             form));
      }
      WB_ASSIGN_OR_RETURN(c.options, ReadOptions(r));
      break;
    }
    case CanonOperands::kContext: {
      WB_ASSIGN_OR_RETURN(c.context_type, ReadCoreValType(r));
      WB_ASSIGN_OR_RETURN(c.slot, r.ReadU32("context slot"));
      break;
    }
    case CanonOperands::kFlagMemory: {
      WB_ASSIGN_OR_RETURN(c.flag, r.ReadFlag(info->flag_name));
      WB_ASSIGN_OR_RETURN(c.memory, r.ReadU32("memory index"));
      break;
    }
    case CanonOperands::kTypeTable: {
      WB_ASSIGN_OR_RETURN(c.type_index, r.ReadU32("core type index"));
      WB_ASSIGN_OR_RETURN(c.table, r.ReadU32("table index"));
      break;
    }
  }
  return c;
}

}  // namespace wasi_bridge::binary::internal
