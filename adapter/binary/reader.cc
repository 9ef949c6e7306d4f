// Decoding of the component preamble and its sections.
#include "adapter/binary/reader.h"

#include <cstring>

#include "absl/strings/str_format.h"
#include "adapter/binary/byte_reader.h"
#include "adapter/binary/reader_internal.h"
#include "adapter/support/status_macros.h"

namespace wasi_bridge::binary {
namespace {

using internal::ReadAlias;
using internal::ReadCanon;
using internal::ReadCoreSort;
using internal::ReadCoreType;
using internal::ReadExternDesc;
using internal::ReadExternName;
using internal::ReadSort;
using internal::ReadTypeDef;
using internal::ReadValType;

constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6d};
constexpr uint8_t kComponentVersion = 0x0d;

absl::Status CheckPreamble(ByteReader& r, bool want_component) {
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(Bytes pre, r.ReadBytes(8, "preamble"));
  if (std::memcmp(pre.data(), kMagic, 4) != 0) {
    return r.ErrorAt(at, "bad magic number: not a WebAssembly binary");
  }
  const bool is_component = pre[6] == 0x01 && pre[7] == 0x00;
  if (want_component && !is_component) {
    return r.ErrorAt(at + 6, "expected a component (layer 1), found a core "
                             "module");
  }
  if (is_component && (pre[4] != kComponentVersion || pre[5] != 0x00)) {
    return r.ErrorAt(at + 4,
                     absl::StrFormat("unsupported component binary version "
                                     "0x%02x%02x (expected 0x000d)",
                                     pre[5], pre[4]));
  }
  return absl::OkStatus();
}

template <typename T, typename ReadOne>
absl::StatusOr<std::vector<T>> ReadVec(ByteReader& r, const char* what,
                                       ReadOne read_one) {
  WB_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(what));
  std::vector<T> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    WB_ASSIGN_OR_RETURN(T item, read_one(r));
    out.push_back(std::move(item));
  }
  return out;
}

absl::StatusOr<SortIndex> ReadSortIndex(ByteReader& r) {
  SortIndex s;
  WB_ASSIGN_OR_RETURN(s.sort, ReadSort(r));
  WB_ASSIGN_OR_RETURN(s.index, r.ReadU32("sort index"));
  return s;
}

absl::StatusOr<CoreInstance> ReadCoreInstance(ByteReader& r) {
  CoreInstance ci;
  const uint32_t at = r.Offset();
  ci.offset = at;
  WB_ASSIGN_OR_RETURN(uint8_t kind, r.ReadByte("core instance"));
  if (kind == 0x00) {
    ci.is_instantiate = true;
    WB_ASSIGN_OR_RETURN(ci.module, r.ReadU32("module index"));
    WB_ASSIGN_OR_RETURN(
        ci.args, ReadVec<CoreInstantiateArg>(
                     r, "instantiate arguments",
                     [](ByteReader& r) -> absl::StatusOr<CoreInstantiateArg> {
                       CoreInstantiateArg a;
                       WB_ASSIGN_OR_RETURN(a.name, r.ReadName("argument name"));
                       const uint32_t s = r.Offset();
                       WB_ASSIGN_OR_RETURN(uint8_t sort,
                                           r.ReadByte("argument sort"));
                       if (sort != 0x12) {
                         return r.ErrorAt(s, "core instantiate arguments "
                                             "must be instances (0x12)");
                       }
                       WB_ASSIGN_OR_RETURN(a.instance,
                                           r.ReadU32("instance index"));
                       return a;
                     }));
    return ci;
  }
  if (kind == 0x01) {
    ci.is_instantiate = false;
    WB_ASSIGN_OR_RETURN(
        ci.exports,
        ReadVec<CoreInlineExport>(
            r, "core inline exports",
            [](ByteReader& r) -> absl::StatusOr<CoreInlineExport> {
              CoreInlineExport e;
              WB_ASSIGN_OR_RETURN(e.name, r.ReadName("export name"));
              WB_ASSIGN_OR_RETURN(e.sort, ReadCoreSort(r));
              WB_ASSIGN_OR_RETURN(e.index, r.ReadU32("export index"));
              return e;
            }));
    return ci;
  }
  return r.ErrorAt(at, absl::StrFormat("invalid core instance kind 0x%02x",
                                       kind));
}

absl::StatusOr<Instance> ReadInstance(ByteReader& r) {
  Instance inst;
  const uint32_t at = r.Offset();
  inst.offset = at;
  WB_ASSIGN_OR_RETURN(uint8_t kind, r.ReadByte("instance"));
  if (kind == 0x00) {
    inst.is_instantiate = true;
    WB_ASSIGN_OR_RETURN(inst.component, r.ReadU32("component index"));
    WB_ASSIGN_OR_RETURN(
        inst.args,
        ReadVec<InstantiateArg>(
            r, "instantiate arguments",
            [](ByteReader& r) -> absl::StatusOr<InstantiateArg> {
              InstantiateArg a;
              WB_ASSIGN_OR_RETURN(a.name, r.ReadName("argument name"));
              WB_ASSIGN_OR_RETURN(a.item, ReadSortIndex(r));
              return a;
            }));
    return inst;
  }
  if (kind == 0x01) {
    inst.is_instantiate = false;
    WB_ASSIGN_OR_RETURN(
        inst.exports,
        ReadVec<InlineExport>(r, "inline exports",
                              [](ByteReader& r) -> absl::StatusOr<InlineExport> {
                                InlineExport e;
                                WB_ASSIGN_OR_RETURN(e.name, ReadExternName(r));
                                WB_ASSIGN_OR_RETURN(e.item, ReadSortIndex(r));
                                return e;
                              }));
    return inst;
  }
  return r.ErrorAt(at, absl::StrFormat("invalid instance kind 0x%02x", kind));
}

absl::StatusOr<Import> ReadImport(ByteReader& r) {
  Import im;
  im.offset = r.Offset();
  WB_ASSIGN_OR_RETURN(im.name, ReadExternName(r));
  WB_ASSIGN_OR_RETURN(im.desc, ReadExternDesc(r));
  return im;
}

absl::StatusOr<Export> ReadExport(ByteReader& r) {
  Export ex;
  ex.offset = r.Offset();
  WB_ASSIGN_OR_RETURN(ex.name, ReadExternName(r));
  WB_ASSIGN_OR_RETURN(ex.item, ReadSortIndex(r));
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(uint8_t has_type, r.ReadByte("export type marker"));
  if (has_type == 0x01) {
    WB_ASSIGN_OR_RETURN(ExternDesc d, ReadExternDesc(r));
    ex.ascribed = d;
  } else if (has_type != 0x00) {
    return r.ErrorAt(at, absl::StrFormat("invalid export type marker 0x%02x",
                                         has_type));
  }
  return ex;
}

absl::StatusOr<Start> ReadStart(ByteReader& r) {
  Start s;
  WB_ASSIGN_OR_RETURN(s.func, r.ReadU32("start function index"));
  WB_ASSIGN_OR_RETURN(
      s.args, ReadVec<uint32_t>(r, "start arguments",
                                [](ByteReader& r) {
                                  return r.ReadU32("value index");
                                }));
  WB_ASSIGN_OR_RETURN(s.results, r.ReadU32("start result count"));
  return s;
}

absl::StatusOr<Value> ReadValue(ByteReader& r) {
  Value v;
  WB_ASSIGN_OR_RETURN(v.type, ReadValType(r));
  WB_ASSIGN_OR_RETURN(uint32_t len, r.ReadU32("value length"));
  WB_ASSIGN_OR_RETURN(v.bytes, r.ReadBytes(len, "value"));
  return v;
}

absl::StatusOr<Component> ReadComponentAt(Bytes bytes, uint32_t base,
                                          int depth);

absl::StatusOr<SectionBody> ReadSectionBody(SectionId id, ByteReader& r) {
  switch (id) {
    case SectionId::kCustom: {
      CustomSection cs;
      WB_ASSIGN_OR_RETURN(cs.name, r.ReadName("custom section name"));
      WB_ASSIGN_OR_RETURN(cs.data, r.ReadBytes(r.Remaining(), "custom data"));
      return cs;
    }
    case SectionId::kCoreModule:
    case SectionId::kComponent:
      break;  // kept as byte ranges / parsed recursively by the caller
    case SectionId::kCoreInstance:
      return ReadVec<CoreInstance>(r, "core instances", ReadCoreInstance);
    case SectionId::kCoreType:
      return ReadVec<CoreType>(r, "core types", ReadCoreType);
    case SectionId::kInstance:
      return ReadVec<Instance>(r, "instances", ReadInstance);
    case SectionId::kAlias:
      return ReadVec<Alias>(r, "aliases", ReadAlias);
    case SectionId::kType:
      return ReadVec<TypeDef>(r, "types", ReadTypeDef);
    case SectionId::kCanon:
      return ReadVec<Canon>(r, "canon definitions", ReadCanon);
    case SectionId::kStart:
      return ReadStart(r);
    case SectionId::kImport:
      return ReadVec<Import>(r, "imports", ReadImport);
    case SectionId::kExport:
      return ReadVec<Export>(r, "exports", ReadExport);
    case SectionId::kValue:
      return ReadVec<Value>(r, "values", ReadValue);
  }
  return absl::InternalError("unhandled section id");
}

const char* SectionName(SectionId id) {
  static constexpr const char* kNames[] = {
      "custom",  "core module", "core instance", "core type", "component",
      "instance", "alias",      "type",          "canon",     "start",
      "import",  "export",      "value"};
  return kNames[static_cast<uint8_t>(id)];
}

absl::StatusOr<Component> ReadComponentAt(Bytes bytes, uint32_t base,
                                          int depth) {
  ByteReader r(bytes, base, depth);
  Component c;
  c.offset = base;
  c.size = static_cast<uint32_t>(bytes.size());
  WB_RETURN_IF_ERROR(CheckPreamble(r, /*want_component=*/true));
  while (!r.AtEnd()) {
    Section s;
    s.offset = r.Offset();
    WB_ASSIGN_OR_RETURN(uint8_t id, r.ReadByte("section id"));
    if (id > static_cast<uint8_t>(SectionId::kValue)) {
      return r.ErrorAt(s.offset,
                       absl::StrFormat("unknown section id %u", id));
    }
    s.id = static_cast<SectionId>(id);
    const size_t size_start = r.Position();
    r.ResetNonMinimalLeb();
    WB_ASSIGN_OR_RETURN(uint32_t size, r.ReadU32("section size"));
    s.size_width = static_cast<uint8_t>(r.Position() - size_start);
    const uint32_t payload_offset = r.Offset();
    auto payload_or = r.ReadBytes(size, absl::StrFormat(
                                            "%s section", SectionName(s.id)));
    if (!payload_or.ok()) return payload_or.status();
    Bytes payload = *payload_or;
    if (s.id == SectionId::kCoreModule) {
      ByteReader m(payload, payload_offset);
      WB_RETURN_IF_ERROR(CheckPreamble(m, /*want_component=*/false));
      s.body = CoreModuleSection{payload};
    } else if (s.id == SectionId::kComponent) {
      if (depth >= ByteReader::kMaxNesting) {
        return r.ErrorAt(s.offset,
                         absl::StrFormat("components nested more than %d "
                                         "levels deep",
                                         ByteReader::kMaxNesting));
      }
      auto nested = ReadComponentAt(payload, payload_offset, depth + 1);
      if (!nested.ok()) return nested.status();
      s.body = std::make_shared<Component>(std::move(*nested));
    } else {
      ByteReader sr(payload, payload_offset, depth);
      WB_ASSIGN_OR_RETURN(s.body, ReadSectionBody(s.id, sr));
      if (!sr.AtEnd()) {
        return sr.Error(absl::StrFormat(
            "%u unread bytes at the end of the %s section", sr.Remaining(),
            SectionName(s.id)));
      }
      if (sr.SawNonMinimalLeb()) {
        s.verbatim = payload;
      }
    }
    c.sections.push_back(std::move(s));
  }
  return c;
}

}  // namespace

absl::StatusOr<BinaryKind> DetectBinaryKind(Bytes bytes) {
  ByteReader r(bytes);
  WB_ASSIGN_OR_RETURN(Bytes pre, r.ReadBytes(8, "preamble"));
  if (std::memcmp(pre.data(), kMagic, 4) != 0) {
    return r.ErrorAt(0, "bad magic number: not a WebAssembly binary");
  }
  if (pre[6] == 0x00 && pre[7] == 0x00) {
    if (pre[4] != 0x01 || pre[5] != 0x00) {
      return r.ErrorAt(4, "unsupported core module version");
    }
    return BinaryKind::kCoreModule;
  }
  if (pre[6] == 0x01 && pre[7] == 0x00) {
    ByteReader again(bytes);
    WB_RETURN_IF_ERROR(CheckPreamble(again, /*want_component=*/true));
    return BinaryKind::kComponent;
  }
  return r.ErrorAt(6, absl::StrFormat("unknown binary layer 0x%02x%02x",
                                      pre[7], pre[6]));
}

absl::StatusOr<Component> ReadComponent(Bytes bytes) {
  if (bytes.size() > UINT32_MAX) {
    return absl::InvalidArgumentError("input larger than 4 GiB");
  }
  return ReadComponentAt(bytes, 0, 0);
}

}  // namespace wasi_bridge::binary
