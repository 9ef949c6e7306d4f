// Component-level validation: walks the sections in order, building the
// index spaces incrementally as the spec prescribes.
#include "adapter/binary/validator.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapter/binary/extern_names.h"
#include "adapter/binary/validator_internal.h"

namespace wasi_bridge::binary {
namespace internal {
namespace {

const char* SortName(const Sort& s) {
  if (s.kind == SortKind::kCore) {
    switch (s.core) {
      case CoreSort::kFunc: return "core func";
      case CoreSort::kTable: return "core table";
      case CoreSort::kMemory: return "core memory";
      case CoreSort::kGlobal: return "core global";
      case CoreSort::kTag: return "core tag";
      case CoreSort::kType: return "core type";
      case CoreSort::kModule: return "core module";
      case CoreSort::kInstance: return "core instance";
    }
  }
  switch (s.kind) {
    case SortKind::kFunc: return "func";
    case SortKind::kValue: return "value";
    case SortKind::kType: return "type";
    case SortKind::kComponent: return "component";
    case SortKind::kInstance: return "instance";
    default: return "?";
  }
}

ExternKind KindOfSort(SortKind k) {
  switch (k) {
    case SortKind::kFunc: return ExternKind::kFunc;
    case SortKind::kValue: return ExternKind::kValue;
    case SortKind::kType: return ExternKind::kType;
    case SortKind::kComponent: return ExternKind::kComponent;
    case SortKind::kInstance: return ExternKind::kInstance;
    default: return ExternKind::kCoreModule;
  }
}

const char* ExternKindName(ExternKind k) {
  switch (k) {
    case ExternKind::kCoreModule: return "core module";
    case ExternKind::kFunc: return "func";
    case ExternKind::kValue: return "value";
    case ExternKind::kType: return "type";
    case ExternKind::kComponent: return "component";
    case ExternKind::kInstance: return "instance";
  }
  return "?";
}

size_t CoreSpaceSize(const Scope& s, CoreSort sort) {
  switch (sort) {
    case CoreSort::kFunc: return s.core_funcs.size();
    case CoreSort::kTable: return s.core_tables;
    case CoreSort::kMemory: return s.core_memories;
    case CoreSort::kGlobal: return s.core_globals;
    case CoreSort::kTag: return s.core_tags;
    case CoreSort::kType: return s.core_types.size();
    case CoreSort::kModule: return s.core_modules.size();
    case CoreSort::kInstance: return s.core_instances.size();
  }
  return 0;
}

size_t SpaceSize(const Scope& s, const Sort& sort) {
  switch (sort.kind) {
    case SortKind::kCore: return CoreSpaceSize(s, sort.core);
    case SortKind::kFunc: return s.funcs.size();
    case SortKind::kValue: return s.values.size();
    case SortKind::kType: return s.types.size();
    case SortKind::kComponent: return s.components.size();
    case SortKind::kInstance: return s.instances.size();
  }
  return 0;
}

void PushCoreItem(Scope& s, const CoreItem& item) {
  switch (item.sort) {
    case CoreSort::kFunc: s.core_funcs.push_back(item); break;
    case CoreSort::kTable: ++s.core_tables; break;
    case CoreSort::kMemory: ++s.core_memories; break;
    case CoreSort::kGlobal: ++s.core_globals; break;
    case CoreSort::kTag: ++s.core_tags; break;
    default: break;
  }
}

}  // namespace

std::optional<TypeId> Validator::ResolveValType(Scope& s, const ValType& t,
                                                uint32_t offset) {
  if (!t.is_index) return arena_.Prim(t.prim);
  if (t.index >= s.types.size()) {
    Error(offset, absl::StrFormat("type index %u out of bounds (%u types "
                                  "defined)",
                                  t.index, s.types.size()));
    return std::nullopt;
  }
  const TypeId id = s.types[t.index];
  if (!arena_.IsValueType(id)) {
    Error(offset, absl::StrFormat("type index %u is a %s, not a value type",
                                  t.index, arena_.Describe(id)));
    return std::nullopt;
  }
  return id;
}

std::optional<TypeId> Validator::BuildType(Scope& s, const TypeDef& def) {
  TypeNode n;
  bool ok = true;
  auto val = [&](const ValType& t) -> std::optional<TypeId> {
    auto r = ResolveValType(s, t, def.offset);
    if (!r) ok = false;
    return r;
  };
  auto opt_val = [&](const std::optional<ValType>& t) {
    return t ? val(*t) : std::optional<TypeId>();
  };
  // Names in a type: non-empty kebab-case labels, unique ignoring case.
  auto unique = [&](std::vector<std::string_view> names, const char* what) {
    absl::flat_hash_set<std::string> seen;
    for (std::string_view name : names) {
      if (name.empty()) {
        Error(def.offset, absl::StrFormat("%s name cannot be empty", what));
        ok = false;
      } else if (!IsKebabLabel(name)) {
        Error(def.offset, absl::StrFormat("%s name `%s` is not in kebab case",
                                          what, name));
        ok = false;
      } else if (!seen.insert(LowercaseName(name)).second) {
        Error(def.offset, absl::StrFormat("%s name `%s` conflicts with a "
                                          "previous one",
                                          what, name));
        ok = false;
      }
    }
  };
  auto resource_of = [&](uint32_t idx, const char* what) {
    if (idx >= s.types.size() ||
        arena_.Get(s.types[idx]).kind != TKind::kResource) {
      Error(def.offset, absl::StrFormat("%s: type index %u is not a resource "
                                        "type",
                                        what, idx));
      ok = false;
      return std::optional<TypeId>();
    }
    return std::optional<TypeId>(s.types[idx]);
  };
  auto slot_name = [&](uint32_t idx) -> std::optional<TypeId> {
    auto it = s.slot_names.find(idx);
    if (it == s.slot_names.end()) return std::nullopt;
    return it->second;
  };
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, PrimType>) {
          // A defined primitive gets its own node so that a type export
          // naming it (`type size = u64`) does not name every u64.
          n = arena_.Get(arena_.Prim(v.prim));
        } else if constexpr (std::is_same_v<T, RecordType>) {
          n.kind = TKind::kRecord;
          std::vector<std::string_view> names;
          if (v.fields.empty()) {
            Error(def.offset, "record type must have at least one field");
            ok = false;
          }
          for (const auto& f : v.fields) {
            n.members.push_back({f.name, val(f.type)});
            names.push_back(f.name);
          }
          unique(names, "record field");
        } else if constexpr (std::is_same_v<T, VariantType>) {
          n.kind = TKind::kVariant;
          std::vector<std::string_view> names;
          if (v.cases.empty()) {
            Error(def.offset, "variant type must have at least one case");
            ok = false;
          }
          for (const auto& c : v.cases) {
            n.members.push_back({c.name, opt_val(c.type)});
            names.push_back(c.name);
          }
          unique(names, "variant case");
        } else if constexpr (std::is_same_v<T, ListType>) {
          n.kind = TKind::kList;
          n.a = val(v.element);
          if (v.fixed_length) {
            n.fixed = true;
            n.count = *v.fixed_length;
            if (n.count == 0) {
              Error(def.offset, "fixed-length list must have a length > 0");
              ok = false;
            }
          }
        } else if constexpr (std::is_same_v<T, TupleType>) {
          n.kind = TKind::kTuple;
          if (v.elements.empty()) {
            Error(def.offset, "tuple type must have at least one element");
            ok = false;
          }
          for (const auto& e : v.elements) n.members.push_back({"", val(e)});
        } else if constexpr (std::is_same_v<T, FlagsType>) {
          n.kind = TKind::kFlags;
          n.count = static_cast<uint32_t>(v.names.size());
          if (v.names.empty() || v.names.size() > 32) {
            Error(def.offset, absl::StrFormat("flags type must have 1 to 32 "
                                              "flags, found %u",
                                              v.names.size()));
            ok = false;
          }
          for (auto name : v.names) n.members.push_back({name, std::nullopt});
          unique(v.names, "flag");
        } else if constexpr (std::is_same_v<T, EnumType>) {
          n.kind = TKind::kEnum;
          if (v.names.empty()) {
            Error(def.offset, "enum type must have at least one case");
            ok = false;
          }
          for (auto name : v.names) n.members.push_back({name, std::nullopt});
          unique(v.names, "enum case");
        } else if constexpr (std::is_same_v<T, OptionType>) {
          n.kind = TKind::kOption;
          n.a = val(v.element);
        } else if constexpr (std::is_same_v<T, ResultType>) {
          n.kind = TKind::kResult;
          n.a = opt_val(v.ok);
          n.b = opt_val(v.err);
        } else if constexpr (std::is_same_v<T, OwnType>) {
          n.kind = TKind::kOwn;
          n.a = resource_of(v.resource, "own");
          n.name_id = slot_name(v.resource);
        } else if constexpr (std::is_same_v<T, BorrowType>) {
          n.kind = TKind::kBorrow;
          n.a = resource_of(v.resource, "borrow");
          n.name_id = slot_name(v.resource);
        } else if constexpr (std::is_same_v<T, StreamType> ||
                             std::is_same_v<T, FutureType>) {
          constexpr bool kStream = std::is_same_v<T, StreamType>;
          n.kind = kStream ? TKind::kStream : TKind::kFuture;
          n.a = opt_val(v.element);
          if (n.a && arena_.Get(*n.a).has_borrow) {
            Error(def.offset, absl::StrFormat("%s element type may not "
                                              "contain a borrow",
                                              kStream ? "stream" : "future"));
            ok = false;
          }
          if (kStream && n.a && arena_.Get(*n.a).kind == TKind::kPrim &&
              arena_.Get(*n.a).prim == PrimValType::kChar) {
            Error(def.offset, "stream<char> is not allowed");
            ok = false;
          }
        } else if constexpr (std::is_same_v<T, MapType>) {
          n.kind = TKind::kMap;
          n.a = val(v.key);
          n.b = val(v.value);
          if (n.a) {
            const TypeNode& k = arena_.Get(*n.a);
            const bool key_ok =
                k.kind == TKind::kPrim && k.prim != PrimValType::kF32 &&
                k.prim != PrimValType::kF64 &&
                k.prim != PrimValType::kErrorContext;
            if (!key_ok) {
              Error(def.offset, absl::StrFormat("map key type %s is not a "
                                                "valid key type",
                                                arena_.Describe(*n.a)));
              ok = false;
            }
          }
        } else if constexpr (std::is_same_v<T, FuncType>) {
          n.kind = TKind::kFunc;
          n.is_async = v.is_async;
          std::vector<std::string_view> names;
          for (const auto& p : v.params) {
            n.members.push_back({p.name, val(p.type)});
            names.push_back(p.name);
          }
          unique(names, "function parameter");
          n.a = opt_val(v.result);
          if (n.a && arena_.Get(*n.a).has_borrow) {
            Error(def.offset, "function result may not contain a borrow");
            ok = false;
          }
        } else if constexpr (std::is_same_v<T, ComponentType> ||
                             std::is_same_v<T, InstanceType>) {
          // Handled by BuildDeclarator.
        } else if constexpr (std::is_same_v<T, ResourceType>) {
          n.kind = TKind::kResource;
          n.local_resource = true;
          if (s.is_declarator) {
            Error(def.offset, "resource types may not be defined inside a "
                              "component or instance type");
            ok = false;
          }
          if (v.rep.code != 0x7f) {
            Error(def.offset, "resource representation must be i32 (i64 "
                              "needs memory64)");
            ok = false;
          }
          if (v.destructor) {
            if (*v.destructor >= s.core_funcs.size()) {
              Error(def.offset, absl::StrFormat("resource destructor: core "
                                                "function index %u out of "
                                                "bounds",
                                                *v.destructor));
              ok = false;
            } else {
              const auto& sig = s.core_funcs[*v.destructor].signature;
              const CoreSignature want{{CoreValType{0x7f, 0}}, {}};
              if (sig && !(*sig == want)) {
                Error(def.offset, absl::StrFormat(
                                      "resource destructor has type %s, "
                                      "expected (func (param i32))",
                                      FormatSignature(*sig)));
                ok = false;
              }
            }
          }
        }
      },
      def.value);
  if (std::holds_alternative<ComponentType>(def.value)) {
    return BuildDeclarator(s, def, /*is_component=*/true);
  }
  if (std::holds_alternative<InstanceType>(def.value)) {
    return BuildDeclarator(s, def, /*is_component=*/false);
  }
  if (!ok) return std::nullopt;
  const TypeId id = arena_.Add(std::move(n));
  arena_.ComputeFacts(id);
  if (arena_.IsValueType(id) && arena_.Get(id).size64 >= kMaxValueSize) {
    Error(def.offset, "type exceeds maximum byte size (elem_size must be "
                      "below 2^28)");
    return std::nullopt;
  }
  return id;
}

std::optional<TypeId> Validator::BuildDeclarator(Scope& outer,
                                                 const TypeDef& def,
                                                 bool is_component) {
  const auto& decls = is_component
                          ? std::get<ComponentType>(def.value).decls
                          : std::get<InstanceType>(def.value).decls;
  Scope inner;
  inner.parent = &outer;
  inner.is_declarator = true;
  inner.self.kind = is_component ? TKind::kComponent : TKind::kInstance;
  inner.self.scope_start = static_cast<TypeId>(arena_.size());
  for (const TypeDecl& d : decls) {
    switch (d.kind) {
      case TypeDecl::Kind::kCoreType: {
        auto t = BuildCoreType(inner, *d.core_type);
        inner.core_types.push_back(t.value_or(CoreTypeEntry{}));
        break;
      }
      case TypeDecl::Kind::kType: {
        auto t = BuildType(inner, *d.type);
        // Keep index spaces aligned even after an error.
        inner.types.push_back(t.value_or(arena_.Prim(PrimValType::kBool)));
        break;
      }
      case TypeDecl::Kind::kAlias:
        AddAlias(inner, d.alias);
        break;
      case TypeDecl::Kind::kImport:
      case TypeDecl::Kind::kExport: {
        const bool is_import = d.kind == TypeDecl::Kind::kImport;
        CheckName(d.name, d.offset, is_import ? "import" : "export");
        auto& names = is_import ? inner.import_names : inner.export_names;
        if (!names.Insert(d.name.name)) {
          Error(d.offset, absl::StrFormat("%s name `%s` conflicts with a "
                                          "previous name",
                                          is_import ? "import" : "export",
                                          d.name.name));
        }
        auto e = ResolveExternDesc(inner, d.desc, d.offset);
        if (!e) break;
        if (e->kind == ExternKind::kInstance) e->type = arena_.Freshen(e->type);
        if (is_component && e->kind != ExternKind::kCoreModule) {
          // Component types check visibility eagerly (instance types when
          // imported or exported): imports may mention imported types only,
          // exports imported or exported ones.
          auto& named = is_import ? inner.imported_types : inner.visible_types;
          const bool ok = e->kind == ExternKind::kType
                              ? TypeItemNamed(e->type, named)
                              : AllNamed(e->type, named);
          if (!ok) {
            Error(d.offset,
                  absl::StrFormat("%s `%s`: %s not valid to be used as %s",
                                  is_import ? "import" : "export", d.name.name,
                                  ExternKindName(e->kind),
                                  is_import ? "import" : "export"));
          }
          if (e->kind == ExternKind::kType) {
            if (is_import) inner.imported_types.insert(e->type);
            inner.visible_types.insert(e->type);
          } else if (e->kind == ExternKind::kInstance) {
            if (is_import) AddInstanceTypes(e->type, inner.imported_types);
            AddInstanceTypes(e->type, inner.visible_types);
          }
        }
        CheckAttributes(d.name, e->kind, d.offset);
        CheckAnnotated(d.name, *e,
                       is_import ? inner.import_type_names
                                 : inner.export_type_names,
                       d.offset);
        PushExtern(inner, *e);
        (is_import ? inner.self.imports : inner.self.exports)
            .push_back({d.name.name, *e});
        break;
      }
    }
  }
  inner.self.declared_resources = std::move(inner.declared_resources);
  return arena_.Add(std::move(inner.self));
}

std::optional<CoreTypeEntry> Validator::BuildCoreType(Scope& s,
                                                      const CoreType& t) {
  if (const auto* rec = std::get_if<CoreRecType>(&t.value)) {
    if (rec->types.size() != 1) {
      Error(t.offset, "core recursion groups (GC) are not supported in "
                      "component type definitions");
      return std::nullopt;
    }
    if (const auto* ft =
            std::get_if<CoreFuncType>(&rec->types.front().composite)) {
      return CoreTypeEntry{CoreSignature{ft->params, ft->results}, nullptr};
    }
    return CoreTypeEntry{};
  }
  const auto& mt = std::get<CoreModuleType>(t.value);
  auto shape = std::make_shared<CoreModuleShape>();
  std::vector<std::optional<CoreSignature>> local_types;
  auto sig_of = [&](const CoreExternDesc& d) -> std::optional<CoreSignature> {
    if (d.kind != 0x00) return std::nullopt;
    if (d.type_index >= local_types.size()) {
      Error(t.offset, absl::StrFormat("module type: core type index %u out "
                                      "of bounds",
                                      d.type_index));
      return std::nullopt;
    }
    return local_types[d.type_index];
  };
  absl::flat_hash_set<std::string> import_names;
  absl::flat_hash_set<std::string_view> export_names;
  auto check_limits = [&](const CoreExternDesc& desc) {
    const bool wide = (desc.limits.flags & 0x04) != 0;
    const uint64_t max_pages = wide ? (uint64_t{1} << 48) : 65536;
    if (desc.kind == 0x02 && (desc.limits.min > max_pages ||
                              ((desc.limits.flags & 1) &&
                               desc.limits.max > max_pages))) {
      Error(t.offset, absl::StrFormat("module type: memory size must be at "
                                      "most %u pages",
                                      max_pages));
    }
  };
  for (const CoreModuleDecl& d : mt.decls) {
    switch (d.kind) {
      case CoreModuleDecl::Kind::kType: {
        auto e = BuildCoreType(s, *d.type);
        local_types.push_back(e ? e->signature : std::nullopt);
        break;
      }
      case CoreModuleDecl::Kind::kAlias: {
        // Outer aliases of core types from the enclosing component.
        Scope* target = &s;
        for (uint32_t i = 1; i < d.alias_outer_count && target; ++i) {
          target = target->parent;
        }
        if (d.alias_outer_count == 0 || !target ||
            d.alias_index >= target->core_types.size()) {
          Error(t.offset, "module type: invalid outer core type alias");
          local_types.push_back(std::nullopt);
        } else {
          local_types.push_back(target->core_types[d.alias_index].signature);
        }
        break;
      }
      case CoreModuleDecl::Kind::kImport:
        if (!import_names
                 .insert(absl::StrCat(std::string(d.import.module), ":",
                                      std::string(d.import.field)))
                 .second) {
          Error(t.offset, absl::StrFormat("module type: duplicate import name "
                                          "`%s:%s`",
                                          d.import.module, d.import.field));
        }
        check_limits(d.import.desc);
        shape->imports.push_back({d.import.module, d.import.field,
                                  static_cast<CoreSort>(d.import.desc.kind),
                                  sig_of(d.import.desc),
                                  d.import.desc.kind >= 1 && d.import.desc.kind <= 3
                                      ? std::optional(d.import.desc)
                                      : std::nullopt});
        break;
      case CoreModuleDecl::Kind::kExport:
        if (!export_names.insert(d.export_name).second) {
          Error(t.offset, absl::StrFormat("module type: export name `%s` "
                                          "already defined",
                                          d.export_name));
        }
        check_limits(d.export_desc);
        shape->exports.push_back({"", d.export_name,
                                  static_cast<CoreSort>(d.export_desc.kind),
                                  sig_of(d.export_desc),
                                  d.export_desc.kind >= 1 && d.export_desc.kind <= 3
                                      ? std::optional(d.export_desc)
                                      : std::nullopt});
        break;
    }
  }
  return CoreTypeEntry{std::nullopt, shape};
}

std::optional<Extern> Validator::ResolveExternDesc(Scope& s,
                                                   const ExternDesc& d,
                                                   uint32_t offset) {
  Extern e;
  e.kind = d.kind;
  auto type_of = [&](TKind want, const char* what) -> std::optional<TypeId> {
    if (d.index >= s.types.size()) {
      Error(offset, absl::StrFormat("%s type index %u out of bounds", what,
                                    d.index));
      return std::nullopt;
    }
    const TypeId id = s.types[d.index];
    if (arena_.Get(id).kind != want) {
      Error(offset, absl::StrFormat("type index %u is a %s, not a %s type",
                                    d.index, arena_.Describe(id), what));
      return std::nullopt;
    }
    return id;
  };
  switch (d.kind) {
    case ExternKind::kCoreModule: {
      if (d.index >= s.core_types.size() || !s.core_types[d.index].module) {
        Error(offset, absl::StrFormat("core type index %u is not a module "
                                      "type",
                                      d.index));
        return std::nullopt;
      }
      e.module = s.core_types[d.index].module;
      return e;
    }
    case ExternKind::kFunc: {
      auto t = type_of(TKind::kFunc, "function");
      if (!t) return std::nullopt;
      e.type = *t;
      return e;
    }
    case ExternKind::kComponent: {
      auto t = type_of(TKind::kComponent, "component");
      if (!t) return std::nullopt;
      e.type = *t;
      return e;
    }
    case ExternKind::kInstance: {
      auto t = type_of(TKind::kInstance, "instance");
      if (!t) return std::nullopt;
      e.type = *t;
      return e;
    }
    case ExternKind::kType: {
      if (d.bound == 1) {  // (sub resource): a fresh abstract resource
        TypeNode r;
        r.kind = TKind::kResource;
        r.abstract_resource = true;
        e.type = arena_.Add(std::move(r));
        s.declared_resources.push_back(e.type);
        return e;
      }
      if (d.index >= s.types.size()) {
        Error(offset, absl::StrFormat("type index %u out of bounds", d.index));
        return std::nullopt;
      }
      e.type = s.types[d.index];
      return e;
    }
    case ExternKind::kValue: {
      if (d.bound == 0) {
        if (d.index >= s.values.size()) {
          Error(offset, absl::StrFormat("value index %u out of bounds",
                                        d.index));
          return std::nullopt;
        }
        e.type = s.values[d.index];
        return e;
      }
      auto t = ResolveValType(s, d.value_type, offset);
      if (!t) return std::nullopt;
      e.type = *t;
      return e;
    }
  }
  return std::nullopt;
}

void Validator::PushExtern(Scope& s, const Extern& e) {
  switch (e.kind) {
    case ExternKind::kCoreModule: s.core_modules.push_back(e.module); break;
    case ExternKind::kFunc: s.funcs.push_back(e.type); break;
    case ExternKind::kValue: s.values.push_back(e.type); break;
    case ExternKind::kType: s.types.push_back(e.type); break;
    case ExternKind::kComponent: s.components.push_back(e.type); break;
    case ExternKind::kInstance: s.instances.push_back(e.type); break;
  }
}

void Validator::AddAlias(Scope& s, const Alias& a) {
  auto push_placeholder = [&] {
    // Keep later indices meaningful after an error.
    if (a.sort.kind == SortKind::kCore) {
      if (a.sort.core == CoreSort::kType) {
        s.core_types.push_back({});
      } else if (a.sort.core == CoreSort::kModule) {
        s.core_modules.push_back(std::make_shared<CoreModuleShape>());
      } else if (a.sort.core == CoreSort::kInstance) {
        s.core_instances.push_back(std::make_shared<CoreInstanceShape>());
      } else {
        PushCoreItem(s, CoreItem{a.sort.core, std::nullopt});
      }
      return;
    }
    Extern e;
    e.kind = KindOfSort(a.sort.kind);
    e.type = arena_.Prim(PrimValType::kBool);
    if (a.sort.kind == SortKind::kFunc || a.sort.kind == SortKind::kInstance ||
        a.sort.kind == SortKind::kComponent) {
      TypeNode n;
      n.kind = a.sort.kind == SortKind::kFunc       ? TKind::kFunc
               : a.sort.kind == SortKind::kInstance ? TKind::kInstance
                                                    : TKind::kComponent;
      e.type = arena_.Add(std::move(n));
    }
    PushExtern(s, e);
  };
  // Inside type declarators aliases may only bring in types and instances.
  if (s.is_declarator) {
    const bool ok =
        a.target == Alias::Target::kOuter
            ? (a.sort.kind == SortKind::kType ||
               (a.sort.kind == SortKind::kCore && a.sort.core == CoreSort::kType))
            : (a.sort.kind == SortKind::kType ||
               a.sort.kind == SortKind::kInstance);
    if (!ok) {
      Error(a.offset, "aliases in a type declarator may only refer to types "
                      "or instances");
      push_placeholder();
      return;
    }
  }
  switch (a.target) {
    case Alias::Target::kExport: {
      // Component instances export component items and core modules.
      if (a.sort.kind == SortKind::kCore && a.sort.core != CoreSort::kModule) {
        Error(a.offset, "export aliases of a component instance may name "
                        "core modules but no other core sort");
        push_placeholder();
        return;
      }
      if (a.instance >= s.instances.size()) {
        Error(a.offset, absl::StrFormat("alias: instance index %u out of "
                                        "bounds",
                                        a.instance));
        push_placeholder();
        return;
      }
      const TypeNode& inst = arena_.Get(s.instances[a.instance]);
      for (const auto& [name, e] : inst.exports) {
        if (name != a.name) continue;
        if (e.kind != KindOfSort(a.sort.kind)) {
          Error(a.offset, absl::StrFormat("alias: export `%s` of instance %u "
                                          "is a %s, not a %s",
                                          a.name, a.instance,
                                          ExternKindName(e.kind),
                                          SortName(a.sort)));
          push_placeholder();
          return;
        }
        PushExtern(s, e);
        return;
      }
      Error(a.offset, absl::StrFormat("alias: instance %u has no export named "
                                      "`%s`",
                                      a.instance, a.name));
      push_placeholder();
      return;
    }
    case Alias::Target::kCoreExport: {
      if (a.sort.kind != SortKind::kCore) {
        Error(a.offset, "core export aliases must name a core sort");
        push_placeholder();
        return;
      }
      if (a.instance >= s.core_instances.size()) {
        Error(a.offset, absl::StrFormat("alias: core instance index %u out of "
                                        "bounds",
                                        a.instance));
        push_placeholder();
        return;
      }
      const auto& exports = s.core_instances[a.instance]->exports;
      auto it = exports.find(a.name);
      if (it == exports.end()) {
        Error(a.offset, absl::StrFormat("alias: core instance %u has no "
                                        "export named `%s`",
                                        a.instance, a.name));
        push_placeholder();
        return;
      }
      if (it->second.sort != a.sort.core) {
        Error(a.offset, absl::StrFormat("alias: core export `%s` is not a %s",
                                        a.name, SortName(a.sort)));
        push_placeholder();
        return;
      }
      PushCoreItem(s, it->second);
      return;
    }
    case Alias::Target::kOuter: {
      const bool allowed =
          (a.sort.kind == SortKind::kCore &&
           (a.sort.core == CoreSort::kType ||
            a.sort.core == CoreSort::kModule)) ||
          a.sort.kind == SortKind::kType ||
          a.sort.kind == SortKind::kComponent;
      if (!allowed) {
        Error(a.offset, absl::StrFormat("outer aliases may not refer to a %s",
                                        SortName(a.sort)));
        push_placeholder();
        return;
      }
      Scope* target = &s;
      for (uint32_t i = 0; i < a.outer_count && target; ++i) {
        target = target->parent;
      }
      if (!target || a.outer_index >= SpaceSize(*target, a.sort)) {
        Error(a.offset, absl::StrFormat("outer alias (%u, %u) of a %s is out "
                                        "of bounds",
                                        a.outer_count, a.outer_index,
                                        SortName(a.sort)));
        push_placeholder();
        return;
      }
      if (a.sort.kind == SortKind::kCore && a.sort.core == CoreSort::kType) {
        s.core_types.push_back(target->core_types[a.outer_index]);
      } else if (a.sort.kind == SortKind::kCore) {
        s.core_modules.push_back(target->core_modules[a.outer_index]);
      } else if (a.sort.kind == SortKind::kType) {
        const TypeId t = target->types[a.outer_index];
        // A nested component may not capture its parent's resources: no
        // scope the alias crosses may be a component.
        bool crosses_component = false;
        for (Scope* p = &s; p && p != target; p = p->parent) {
          crosses_component |= !p->is_declarator;
        }
        if (crosses_component && MentionsResource(t)) {
          Error(a.offset, "outer alias of a type that transitively refers to "
                          "resources is not allowed in a nested component");
        }
        if (target != &s && arena_.Get(t).kind == TKind::kResource &&
            s.is_declarator && target->is_declarator == false) {
          // Outer aliases of resources are allowed from the enclosing
          // component into its type declarators.
        }
        s.types.push_back(t);
      } else {
        s.components.push_back(target->components[a.outer_index]);
      }
      return;
    }
  }
}

std::optional<Extern> Validator::ExternOfSortIndex(Scope& s,
                                                   const SortIndex& si,
                                                   uint32_t offset) {
  if (si.index >= SpaceSize(s, si.sort)) {
    Error(offset, absl::StrFormat("%s index %u out of bounds (%u defined)",
                                  SortName(si.sort), si.index,
                                  SpaceSize(s, si.sort)));
    return std::nullopt;
  }
  Extern e;
  switch (si.sort.kind) {
    case SortKind::kCore:
      if (si.sort.core != CoreSort::kModule) {
        Error(offset, absl::StrFormat("a %s cannot be used here",
                                      SortName(si.sort)));
        return std::nullopt;
      }
      e.kind = ExternKind::kCoreModule;
      e.module = s.core_modules[si.index];
      return e;
    case SortKind::kFunc: e.type = s.funcs[si.index]; break;
    case SortKind::kValue: e.type = s.values[si.index]; break;
    case SortKind::kType: e.type = s.types[si.index]; break;
    case SortKind::kComponent: e.type = s.components[si.index]; break;
    case SortKind::kInstance: e.type = s.instances[si.index]; break;
  }
  e.kind = KindOfSort(si.sort.kind);
  return e;
}

}  // namespace internal
}  // namespace wasi_bridge::binary
