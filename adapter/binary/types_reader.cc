// Decoding of core and component type productions, names and aliases.
#include "absl/strings/str_format.h"
#include "adapter/binary/reader_internal.h"
#include "adapter/support/status_macros.h"

namespace wasi_bridge::binary::internal {
namespace {

bool IsAbstractHeapTypeByte(uint8_t b) {
  // func, extern, any, eq, i31, struct, array, exn and their bottom types.
  return (b >= 0x69 && b <= 0x74);
}

absl::StatusOr<CoreFieldType> ReadCoreFieldType(ByteReader& r) {
  CoreFieldType f;
  WB_ASSIGN_OR_RETURN(uint8_t b, r.PeekByte("core storage type"));
  if (b == 0x78 || b == 0x77) {  // packed i8 / i16
    r.ReadByte("core storage type").IgnoreError();
    f.storage.code = b;
  } else {
    WB_ASSIGN_OR_RETURN(f.storage, ReadCoreValType(r));
  }
  WB_ASSIGN_OR_RETURN(f.mutable_, r.ReadFlag("field mutability"));
  return f;
}

absl::StatusOr<std::vector<CoreValType>> ReadCoreValTypes(ByteReader& r,
                                                          const char* what) {
  WB_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(what));
  std::vector<CoreValType> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    WB_ASSIGN_OR_RETURN(CoreValType t, ReadCoreValType(r));
    out.push_back(t);
  }
  return out;
}

absl::StatusOr<CoreCompositeType> ReadCoreComposite(ByteReader& r,
                                                    uint8_t form) {
  switch (form) {
    case 0x60: {
      CoreFuncType ft;
      WB_ASSIGN_OR_RETURN(ft.params, ReadCoreValTypes(r, "core func params"));
      WB_ASSIGN_OR_RETURN(ft.results,
                          ReadCoreValTypes(r, "core func results"));
      return ft;
    }
    case 0x5f: {
      CoreStructType st;
      WB_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount("struct fields", 2));
      st.fields.reserve(n);
      for (uint32_t i = 0; i < n; ++i) {
        WB_ASSIGN_OR_RETURN(CoreFieldType f, ReadCoreFieldType(r));
        st.fields.push_back(f);
      }
      return st;
    }
    case 0x5e: {
      CoreArrayType at;
      WB_ASSIGN_OR_RETURN(at.element, ReadCoreFieldType(r));
      return at;
    }
    default: {
      break;
    }
  }
  return r.Error(absl::StrFormat("unknown core composite type 0x%02x", form));
}

absl::StatusOr<CoreSubType> ReadCoreSubType(ByteReader& r, uint8_t lead) {
  CoreSubType st;
  if (lead == 0x50 || lead == 0x4f) {
    st.prefix = lead;
    WB_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount("supertypes"));
    for (uint32_t i = 0; i < n; ++i) {
      WB_ASSIGN_OR_RETURN(uint32_t idx, r.ReadU32("supertype index"));
      st.supertypes.push_back(idx);
    }
    WB_ASSIGN_OR_RETURN(lead, r.ReadByte("core composite type"));
  }
  WB_ASSIGN_OR_RETURN(st.composite, ReadCoreComposite(r, lead));
  return st;
}

// A `rectype` after its lead byte: `4e vec(subtype)` or one subtype.
absl::StatusOr<CoreRecType> ReadRecGroup(ByteReader& r, uint8_t lead) {
  CoreRecType rec;
  if (lead != 0x4e) {
    WB_ASSIGN_OR_RETURN(CoreSubType st, ReadCoreSubType(r, lead));
    rec.types.push_back(std::move(st));
    return rec;
  }
  rec.explicit_rec = true;
  WB_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount("recursion group"));
  for (uint32_t i = 0; i < n; ++i) {
    WB_ASSIGN_OR_RETURN(uint8_t sub_lead, r.ReadByte("core sub type"));
    WB_ASSIGN_OR_RETURN(CoreSubType st, ReadCoreSubType(r, sub_lead));
    rec.types.push_back(std::move(st));
  }
  return rec;
}

absl::StatusOr<Limits> ReadLimits(ByteReader& r, bool is_memory) {
  Limits l;
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(l.flags, r.ReadByte("limits flags"));
  const uint8_t allowed = is_memory ? 0x0f : 0x05;
  if ((l.flags & ~allowed) != 0) {
    return r.ErrorAt(at, absl::StrFormat("invalid %s limits flags 0x%02x",
                                         is_memory ? "memory" : "table",
                                         l.flags));
  }
  const bool wide = (l.flags & 0x04) != 0;
  if (wide) {
    WB_ASSIGN_OR_RETURN(l.min, r.ReadU64("limits minimum"));
  } else {
    WB_ASSIGN_OR_RETURN(l.min, r.ReadU32("limits minimum"));
  }
  if (l.flags & 0x01) {
    if (wide) {
      WB_ASSIGN_OR_RETURN(l.max, r.ReadU64("limits maximum"));
    } else {
      WB_ASSIGN_OR_RETURN(l.max, r.ReadU32("limits maximum"));
    }
  }
  if (l.flags & 0x08) {
    WB_ASSIGN_OR_RETURN(l.page_size_log2, r.ReadU32("page size"));
  }
  return l;
}

absl::StatusOr<CoreModuleDecl> ReadModuleDecl(ByteReader& r) {
  CoreModuleDecl d;
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(uint8_t kind, r.ReadByte("module type declaration"));
  switch (kind) {
    case 0x00: {
      d.kind = CoreModuleDecl::Kind::kImport;
      WB_ASSIGN_OR_RETURN(d.import.module, r.ReadName("import module name"));
      WB_ASSIGN_OR_RETURN(d.import.field, r.ReadName("import field name"));
      WB_ASSIGN_OR_RETURN(d.import.desc, ReadCoreExternDesc(r));
      return d;
    }
    case 0x01: {
      d.kind = CoreModuleDecl::Kind::kType;
      WB_ASSIGN_OR_RETURN(CoreType t, ReadCoreType(r));
      if (std::holds_alternative<CoreModuleType>(t.value)) {
        return r.ErrorAt(at + 1,
                         "module types may not be nested in a module type");
      }
      d.type = std::make_shared<CoreType>(std::move(t));
      return d;
    }
    case 0x02: {
      d.kind = CoreModuleDecl::Kind::kAlias;
      WB_ASSIGN_OR_RETURN(d.alias_sort, ReadCoreSort(r));
      const uint32_t target_at = r.Offset();
      WB_ASSIGN_OR_RETURN(uint8_t target, r.ReadByte("core alias target"));
      if (target != 0x01) {
        return r.ErrorAt(target_at,
                         absl::StrFormat("invalid core alias target 0x%02x "
                                         "(only outer aliases, 0x01)",
                                         target));
      }
      WB_ASSIGN_OR_RETURN(d.alias_outer_count, r.ReadU32("outer count"));
      WB_ASSIGN_OR_RETURN(d.alias_index, r.ReadU32("outer index"));
      return d;
    }
    case 0x03: {
      d.kind = CoreModuleDecl::Kind::kExport;
      WB_ASSIGN_OR_RETURN(d.export_name, r.ReadName("export name"));
      WB_ASSIGN_OR_RETURN(d.export_desc, ReadCoreExternDesc(r));
      return d;
    }
    default: {
      return r.ErrorAt(
          at, absl::StrFormat("invalid module type declaration 0x%02x", kind));
    }
  }
}

absl::StatusOr<std::optional<ValType>> ReadOptionalValType(ByteReader& r,
                                                           const char* what) {
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(uint8_t present, r.ReadByte(what));
  if (present == 0x00) return std::optional<ValType>();
  if (present != 0x01) {
    return r.ErrorAt(at, absl::StrFormat("invalid optional %s marker 0x%02x",
                                         what, present));
  }
  WB_ASSIGN_OR_RETURN(ValType t, ReadValType(r));
  return std::optional<ValType>(t);
}

absl::StatusOr<std::vector<std::string_view>> ReadLabels(ByteReader& r,
                                                         const char* what) {
  WB_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(what));
  std::vector<std::string_view> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    WB_ASSIGN_OR_RETURN(std::string_view s, r.ReadName(what));
    out.push_back(s);
  }
  return out;
}

absl::StatusOr<std::vector<NamedValType>> ReadNamedValTypes(ByteReader& r,
                                                            const char* what) {
  WB_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount(what, 2));
  std::vector<NamedValType> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    NamedValType nv;
    WB_ASSIGN_OR_RETURN(nv.name, r.ReadName(what));
    WB_ASSIGN_OR_RETURN(nv.type, ReadValType(r));
    out.push_back(nv);
  }
  return out;
}

absl::StatusOr<FuncType> ReadFuncType(ByteReader& r, bool is_async) {
  FuncType ft;
  ft.is_async = is_async;
  WB_ASSIGN_OR_RETURN(ft.params, ReadNamedValTypes(r, "function parameter"));
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(uint8_t form, r.ReadByte("function result list"));
  if (form == 0x00) {
    WB_ASSIGN_OR_RETURN(ValType t, ReadValType(r));
    ft.result = t;
  } else if (form == 0x01) {
    const uint32_t zero_at = r.Offset();
    WB_ASSIGN_OR_RETURN(uint8_t zero, r.ReadByte("function result list"));
    if (zero != 0x00) {
      return r.ErrorAt(zero_at,
                       "named function results are not allowed: the result "
                       "list must be `00 valtype` or `01 00`");
    }
  } else {
    return r.ErrorAt(
        at, absl::StrFormat("invalid function result list form 0x%02x", form));
  }
  return ft;
}

absl::StatusOr<std::vector<TypeDecl>> ReadDecls(ByteReader& r,
                                                bool is_component) {
  WB_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount("type declarations", 2));
  std::vector<TypeDecl> decls;
  decls.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    TypeDecl d;
    const uint32_t at = r.Offset();
    d.offset = at;
    WB_ASSIGN_OR_RETURN(uint8_t kind, r.ReadByte("type declaration"));
    switch (kind) {
      case 0x00: {
        d.kind = TypeDecl::Kind::kCoreType;
        WB_ASSIGN_OR_RETURN(CoreType t, ReadCoreType(r));
        d.core_type = std::make_shared<CoreType>(std::move(t));
        break;
      }
      case 0x01: {
        d.kind = TypeDecl::Kind::kType;
        WB_ASSIGN_OR_RETURN(TypeDef t, ReadTypeDef(r));
        d.type = std::make_shared<TypeDef>(std::move(t));
        break;
      }
      case 0x02: {
        d.kind = TypeDecl::Kind::kAlias;
        WB_ASSIGN_OR_RETURN(d.alias, ReadAlias(r));
        break;
      }
      case 0x03: {
        if (!is_component) {
          return r.ErrorAt(at, "import declarations are only allowed in "
                               "component types, not instance types");
        }
        d.kind = TypeDecl::Kind::kImport;
        WB_ASSIGN_OR_RETURN(d.name, ReadExternName(r));
        WB_ASSIGN_OR_RETURN(d.desc, ReadExternDesc(r));
        break;
      }
      case 0x04: {
        d.kind = TypeDecl::Kind::kExport;
        WB_ASSIGN_OR_RETURN(d.name, ReadExternName(r));
        WB_ASSIGN_OR_RETURN(d.desc, ReadExternDesc(r));
        break;
      }
      default: {
        return r.ErrorAt(at, absl::StrFormat("invalid %s type declaration "
                                             "0x%02x",
                                             is_component ? "component"
                                                          : "instance",
                                             kind));
      }
    }
    decls.push_back(std::move(d));
  }
  return decls;
}

}  // namespace

bool IsPrimValTypeByte(uint8_t b) {
  return (b >= 0x73 && b <= 0x7f) || b == 0x64;
}

absl::StatusOr<CoreValType> ReadCoreValType(ByteReader& r) {
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(uint8_t b, r.ReadByte("core value type"));
  CoreValType t;
  t.code = b;
  if ((b >= 0x7b && b <= 0x7f) || IsAbstractHeapTypeByte(b)) return t;
  if (b == 0x63 || b == 0x64) {
    WB_ASSIGN_OR_RETURN(t.heap_type, r.ReadS33("heap type"));
    if (t.heap_type < 0 &&
        !IsAbstractHeapTypeByte(static_cast<uint8_t>(t.heap_type & 0x7f))) {
      return r.ErrorAt(at + 1, "invalid abstract heap type");
    }
    return t;
  }
  return r.ErrorAt(at, absl::StrFormat("invalid core value type 0x%02x", b));
}

absl::StatusOr<CoreSort> ReadCoreSort(ByteReader& r) {
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(uint8_t b, r.ReadByte("core sort"));
  switch (b) {
    case 0x00:
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x10:
    case 0x11:
    case 0x12: {
      return static_cast<CoreSort>(b);
    }
    default: {
      return r.ErrorAt(at, absl::StrFormat("invalid core sort 0x%02x", b));
    }
  }
}

absl::StatusOr<CoreExternDesc> ReadTableType(ByteReader& r) {
  CoreExternDesc d;
  d.kind = 0x01;
  WB_ASSIGN_OR_RETURN(d.value_type, ReadCoreValType(r));
  WB_ASSIGN_OR_RETURN(d.limits, ReadLimits(r, /*is_memory=*/false));
  return d;
}

absl::StatusOr<CoreExternDesc> ReadMemoryType(ByteReader& r) {
  CoreExternDesc d;
  d.kind = 0x02;
  WB_ASSIGN_OR_RETURN(d.limits, ReadLimits(r, /*is_memory=*/true));
  return d;
}

absl::StatusOr<CoreExternDesc> ReadCoreExternDesc(ByteReader& r) {
  CoreExternDesc d;
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(d.kind, r.ReadByte("core import kind"));
  switch (d.kind) {
    case 0x00: {
      WB_ASSIGN_OR_RETURN(d.type_index, r.ReadU32("function type index"));
      return d;
    }
    case 0x01: {
      WB_ASSIGN_OR_RETURN(d.value_type, ReadCoreValType(r));
      WB_ASSIGN_OR_RETURN(d.limits, ReadLimits(r, /*is_memory=*/false));
      return d;
    }
    case 0x02: {
      WB_ASSIGN_OR_RETURN(d.limits, ReadLimits(r, /*is_memory=*/true));
      return d;
    }
    case 0x03: {
      WB_ASSIGN_OR_RETURN(d.value_type, ReadCoreValType(r));
      WB_ASSIGN_OR_RETURN(d.mutable_, r.ReadFlag("global mutability"));
      return d;
    }
    case 0x04: {
      WB_ASSIGN_OR_RETURN(d.tag_attribute, r.ReadByte("tag attribute"));
      if (d.tag_attribute != 0) {
        return r.ErrorAt(r.Offset() - 1, "invalid tag attribute");
      }
      WB_ASSIGN_OR_RETURN(d.type_index, r.ReadU32("tag type index"));
      return d;
    }
    default: {
      return r.ErrorAt(at,
                       absl::StrFormat("invalid core import kind 0x%02x",
                                       d.kind));
    }
  }
}

absl::StatusOr<CoreType> ReadCoreType(ByteReader& r) {
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(uint8_t lead, r.ReadByte("core type"));
  CoreType out;
  out.offset = at;
  if (lead == 0x50) {  // module type
    CoreModuleType mt;
    WB_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount("module type declarations"));
    mt.decls.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      WB_ASSIGN_OR_RETURN(CoreModuleDecl d, ReadModuleDecl(r));
      mt.decls.push_back(std::move(d));
    }
    out.value = std::move(mt);
    return out;
  }
  if (lead == 0x00) {
    // In a component, a non-final `sub` is written `00 50` because a bare
    // 0x50 means a module type.
    WB_ASSIGN_OR_RETURN(uint8_t sub, r.ReadByte("core sub type"));
    if (sub != 0x50) {
      return r.ErrorAt(at, "invalid core type: 0x00 must be followed by 0x50");
    }
    lead = sub;
  } else if (lead != 0x4e && lead != 0x4f && lead != 0x60 && lead != 0x5f &&
             lead != 0x5e) {
    return r.ErrorAt(at, absl::StrFormat("invalid core type 0x%02x", lead));
  }
  WB_ASSIGN_OR_RETURN(CoreRecType rec, ReadRecGroup(r, lead));
  out.value = std::move(rec);
  return out;
}

absl::StatusOr<CoreRecType> ReadModuleRecType(ByteReader& r) {
  WB_ASSIGN_OR_RETURN(uint8_t lead, r.ReadByte("core type"));
  return ReadRecGroup(r, lead);
}

absl::StatusOr<ValType> ReadValType(ByteReader& r) {
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(int64_t v, r.ReadS33("value type"));
  if (v >= 0) {
    if (v > UINT32_MAX) return r.ErrorAt(at, "type index too large");
    return ValType::Index(static_cast<uint32_t>(v));
  }
  const uint8_t b = static_cast<uint8_t>(v & 0x7f);
  if (v < -64 || !IsPrimValTypeByte(b)) {
    return r.ErrorAt(at, absl::StrFormat("invalid value type 0x%02x", b));
  }
  return ValType::Prim(static_cast<PrimValType>(b));
}

absl::StatusOr<TypeDef> ReadTypeDef(ByteReader& r) {
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(uint8_t b, r.ReadByte("type definition"));
  TypeDef t;
  t.offset = at;
  if (IsPrimValTypeByte(b)) {
    t.value = PrimType{static_cast<PrimValType>(b)};
    return t;
  }
  switch (b) {
    case 0x72: {
      RecordType rt;
      WB_ASSIGN_OR_RETURN(rt.fields, ReadNamedValTypes(r, "record field"));
      t.value = std::move(rt);
      return t;
    }
    case 0x71: {
      VariantType vt;
      WB_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount("variant cases", 3));
      vt.cases.reserve(n);
      for (uint32_t i = 0; i < n; ++i) {
        VariantCase c;
        WB_ASSIGN_OR_RETURN(c.name, r.ReadName("variant case name"));
        WB_ASSIGN_OR_RETURN(c.type, ReadOptionalValType(r, "case type"));
        const uint32_t z = r.Offset();
        WB_ASSIGN_OR_RETURN(uint8_t zero, r.ReadByte("variant case end"));
        if (zero != 0x00) {
          return r.ErrorAt(z, "variant case must end with 0x00 (the "
                              "`refines` clause was removed)");
        }
        vt.cases.push_back(c);
      }
      t.value = std::move(vt);
      return t;
    }
    case 0x70: {
      ListType lt;
      WB_ASSIGN_OR_RETURN(lt.element, ReadValType(r));
      t.value = lt;
      return t;
    }
    case 0x67: {
      ListType lt;
      WB_ASSIGN_OR_RETURN(lt.element, ReadValType(r));
      WB_ASSIGN_OR_RETURN(uint32_t len, r.ReadU32("fixed list length"));
      lt.fixed_length = len;
      t.value = lt;
      return t;
    }
    case 0x6f: {
      TupleType tt;
      WB_ASSIGN_OR_RETURN(uint32_t n, r.ReadCount("tuple elements"));
      tt.elements.reserve(n);
      for (uint32_t i = 0; i < n; ++i) {
        WB_ASSIGN_OR_RETURN(ValType e, ReadValType(r));
        tt.elements.push_back(e);
      }
      t.value = std::move(tt);
      return t;
    }
    case 0x6e: {
      FlagsType ft;
      WB_ASSIGN_OR_RETURN(ft.names, ReadLabels(r, "flag name"));
      t.value = std::move(ft);
      return t;
    }
    case 0x6d: {
      EnumType et;
      WB_ASSIGN_OR_RETURN(et.names, ReadLabels(r, "enum case name"));
      t.value = std::move(et);
      return t;
    }
    case 0x6b: {
      OptionType ot;
      WB_ASSIGN_OR_RETURN(ot.element, ReadValType(r));
      t.value = ot;
      return t;
    }
    case 0x6a: {
      ResultType rt;
      WB_ASSIGN_OR_RETURN(rt.ok, ReadOptionalValType(r, "result ok type"));
      WB_ASSIGN_OR_RETURN(rt.err, ReadOptionalValType(r, "result error type"));
      t.value = rt;
      return t;
    }
    case 0x69: {
      OwnType o;
      WB_ASSIGN_OR_RETURN(o.resource, r.ReadU32("own resource index"));
      t.value = o;
      return t;
    }
    case 0x68: {
      BorrowType o;
      WB_ASSIGN_OR_RETURN(o.resource, r.ReadU32("borrow resource index"));
      t.value = o;
      return t;
    }
    case 0x66: {
      StreamType st;
      WB_ASSIGN_OR_RETURN(st.element, ReadOptionalValType(r, "stream element"));
      t.value = st;
      return t;
    }
    case 0x65: {
      FutureType ft;
      WB_ASSIGN_OR_RETURN(ft.element, ReadOptionalValType(r, "future element"));
      t.value = ft;
      return t;
    }
    case 0x63: {
      MapType mt;
      WB_ASSIGN_OR_RETURN(mt.key, ReadValType(r));
      WB_ASSIGN_OR_RETURN(mt.value, ReadValType(r));
      t.value = mt;
      return t;
    }
    case 0x40:
    case 0x43: {
      WB_ASSIGN_OR_RETURN(FuncType ft, ReadFuncType(r, b == 0x43));
      t.value = std::move(ft);
      return t;
    }
    case 0x41:
    case 0x42: {
      WB_RETURN_IF_ERROR(r.EnterNesting("type declarators"));
      auto decls = ReadDecls(r, /*is_component=*/b == 0x41);
      r.ExitNesting();
      if (!decls.ok()) return decls.status();
      if (b == 0x41) {
        t.value = ComponentType{std::move(*decls)};
      } else {
        t.value = InstanceType{std::move(*decls)};
      }
      return t;
    }
    case 0x3f: {
      ResourceType rt;
      const uint32_t rep_at = r.Offset();
      WB_ASSIGN_OR_RETURN(rt.rep, ReadCoreValType(r));
      if (rt.rep.code != 0x7f && rt.rep.code != 0x7e) {
        return r.ErrorAt(rep_at, "resource representation must be i32 or i64");
      }
      const uint32_t d = r.Offset();
      WB_ASSIGN_OR_RETURN(uint8_t has_dtor, r.ReadByte("resource destructor"));
      if (has_dtor == 0x01) {
        WB_ASSIGN_OR_RETURN(uint32_t f, r.ReadU32("destructor index"));
        rt.destructor = f;
      } else if (has_dtor != 0x00) {
        return r.ErrorAt(d, absl::StrFormat(
                                "invalid resource destructor marker 0x%02x",
                                has_dtor));
      }
      t.value = rt;
      return t;
    }
    case 0x3e: {
      return r.ErrorAt(at, "async resource types (0x3e) were removed before "
                           "WASI 0.3.0 and are not supported");
    }
    default: {
      return r.ErrorAt(at, absl::StrFormat("invalid type definition 0x%02x", b));
    }
  }
}

absl::StatusOr<Sort> ReadSort(ByteReader& r) {
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(uint8_t b, r.ReadByte("sort"));
  Sort s;
  if (b == 0x00) {
    s.kind = SortKind::kCore;
    WB_ASSIGN_OR_RETURN(s.core, ReadCoreSort(r));
    return s;
  }
  if (b > 0x05) {
    return r.ErrorAt(at, absl::StrFormat("invalid sort 0x%02x", b));
  }
  s.kind = static_cast<SortKind>(b);
  return s;
}

absl::StatusOr<ExternName> ReadExternName(ByteReader& r) {
  ExternName n;
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(n.form, r.ReadByte("extern name form"));
  if (n.form > 0x02) {
    return r.ErrorAt(at, absl::StrFormat("invalid extern name form 0x%02x "
                                         "(expected 0x00, 0x01 or 0x02)",
                                         n.form));
  }
  WB_ASSIGN_OR_RETURN(n.name, r.ReadName("extern name"));
  if (n.form == 0x02) {
    WB_ASSIGN_OR_RETURN(uint32_t count, r.ReadCount("name attributes", 2));
    uint8_t seen = 0;
    for (uint32_t i = 0; i < count; ++i) {
      NameAttribute a;
      const uint32_t a_at = r.Offset();
      WB_ASSIGN_OR_RETURN(a.kind, r.ReadByte("name attribute"));
      if (a.kind > 0x02) {
        return r.ErrorAt(a_at, absl::StrFormat("invalid name attribute 0x%02x",
                                               a.kind));
      }
      if (seen & (1u << a.kind)) {
        return r.ErrorAt(a_at, "duplicate name attribute");
      }
      seen |= static_cast<uint8_t>(1u << a.kind);
      WB_ASSIGN_OR_RETURN(a.value, r.ReadName("name attribute value"));
      n.attributes.push_back(a);
    }
  }
  return n;
}

absl::StatusOr<ExternDesc> ReadExternDesc(ByteReader& r) {
  ExternDesc d;
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(uint8_t kind, r.ReadByte("extern descriptor"));
  switch (kind) {
    case 0x00: {
      const uint32_t m = r.Offset();
      WB_ASSIGN_OR_RETURN(uint8_t module_sort, r.ReadByte("core module sort"));
      if (module_sort != 0x11) {
        return r.ErrorAt(m, "core extern descriptor must be a module (0x11)");
      }
      d.kind = ExternKind::kCoreModule;
      WB_ASSIGN_OR_RETURN(d.index, r.ReadU32("core type index"));
      return d;
    }
    case 0x01:
    case 0x04:
    case 0x05: {
      d.kind = static_cast<ExternKind>(kind);
      WB_ASSIGN_OR_RETURN(d.index, r.ReadU32("type index"));
      return d;
    }
    case 0x02: {
      d.kind = ExternKind::kValue;
      const uint32_t b = r.Offset();
      WB_ASSIGN_OR_RETURN(d.bound, r.ReadByte("value bound"));
      if (d.bound == 0x00) {
        WB_ASSIGN_OR_RETURN(d.index, r.ReadU32("value index"));
      } else if (d.bound == 0x01) {
        WB_ASSIGN_OR_RETURN(d.value_type, ReadValType(r));
      } else {
        return r.ErrorAt(b, absl::StrFormat("invalid value bound 0x%02x",
                                            d.bound));
      }
      return d;
    }
    case 0x03: {
      d.kind = ExternKind::kType;
      const uint32_t b = r.Offset();
      WB_ASSIGN_OR_RETURN(d.bound, r.ReadByte("type bound"));
      if (d.bound == 0x00) {
        WB_ASSIGN_OR_RETURN(d.index, r.ReadU32("type index"));
      } else if (d.bound != 0x01) {
        return r.ErrorAt(b, absl::StrFormat("invalid type bound 0x%02x",
                                            d.bound));
      }
      return d;
    }
    default: {
      return r.ErrorAt(at,
                       absl::StrFormat("invalid extern descriptor 0x%02x",
                                       kind));
    }
  }
}

absl::StatusOr<Alias> ReadAlias(ByteReader& r) {
  Alias a;
  a.offset = r.Offset();
  WB_ASSIGN_OR_RETURN(a.sort, ReadSort(r));
  const uint32_t at = r.Offset();
  WB_ASSIGN_OR_RETURN(uint8_t target, r.ReadByte("alias target"));
  switch (target) {
    case 0x00: {
      a.target = Alias::Target::kExport;
      WB_ASSIGN_OR_RETURN(a.instance, r.ReadU32("instance index"));
      WB_ASSIGN_OR_RETURN(a.name, r.ReadName("export name"));
      return a;
    }
    case 0x01: {
      a.target = Alias::Target::kCoreExport;
      WB_ASSIGN_OR_RETURN(a.instance, r.ReadU32("core instance index"));
      WB_ASSIGN_OR_RETURN(a.name, r.ReadName("core export name"));
      return a;
    }
    case 0x02: {
      a.target = Alias::Target::kOuter;
      WB_ASSIGN_OR_RETURN(a.outer_count, r.ReadU32("outer count"));
      WB_ASSIGN_OR_RETURN(a.outer_index, r.ReadU32("outer index"));
      return a;
    }
    default: {
      return r.ErrorAt(at,
                       absl::StrFormat("invalid alias target 0x%02x", target));
    }
  }
}

}  // namespace wasi_bridge::binary::internal
