// The section walk of the validator: modules, instances, imports, exports.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapter/binary/extern_names.h"
#include "adapter/binary/validator.h"
#include "adapter/binary/validator_internal.h"

namespace wasi_bridge::binary {
namespace internal {
namespace {

const char* CoreSortName(CoreSort s) {
  switch (s) {
    case CoreSort::kFunc: return "func";
    case CoreSort::kTable: return "table";
    case CoreSort::kMemory: return "memory";
    case CoreSort::kGlobal: return "global";
    case CoreSort::kTag: return "tag";
    case CoreSort::kType: return "type";
    case CoreSort::kModule: return "module";
    case CoreSort::kInstance: return "instance";
  }
  return "?";
}

std::optional<CoreExternDesc> DescIfData(const CoreExternDesc& d) {
  if (d.kind == 0x01 || d.kind == 0x02 || d.kind == 0x03) return d;
  return std::nullopt;
}

std::shared_ptr<CoreModuleShape> ShapeOf(const CoreModuleInfo& info) {
  auto shape = std::make_shared<CoreModuleShape>();
  for (const auto& im : info.imports) {
    shape->imports.push_back({im.module, im.field,
                              static_cast<CoreSort>(im.desc.kind),
                              im.signature, DescIfData(im.desc)});
  }
  for (const auto& ex : info.exports) {
    shape->exports.push_back({"", ex.name, ex.sort, ex.signature,
                              DescIfData(ex.desc)});
  }
  return shape;
}

bool LimitsFit(const Limits& have, const Limits& want) {
  if (have.min < want.min) return false;
  if (want.flags & 0x01) {
    return (have.flags & 0x01) && have.max <= want.max;
  }
  return true;
}

}  // namespace

std::string CoreDescMismatch(const CoreExternDesc& have,
                             const CoreExternDesc& want) {
  switch (want.kind) {
    case 0x03:
      if (!(have.value_type == want.value_type)) {
        return absl::StrFormat("expected global type %s, found %s",
                               CoreValTypeName(want.value_type),
                               CoreValTypeName(have.value_type));
      }
      if (have.mutable_ != want.mutable_) return "mismatch in global mutability";
      return "";
    case 0x01:
      if (!(have.value_type == want.value_type)) {
        return absl::StrFormat("expected table element type %s, found %s",
                               CoreValTypeName(want.value_type),
                               CoreValTypeName(have.value_type));
      }
      return LimitsFit(have.limits, want.limits) ? "" : "mismatch in table limits";
    case 0x02:
      if ((have.limits.flags & 0x02) != (want.limits.flags & 0x02)) {
        return "mismatch in the shared flag for memories";
      }
      if ((have.limits.flags & 0x04) != (want.limits.flags & 0x04)) {
        return "mismatch in memory index type";
      }
      return LimitsFit(have.limits, want.limits) ? "" : "mismatch in memory limits";
    default:
      return "";
  }
}

std::string ModuleShapeMismatch(const CoreModuleShape& have,
                                const CoreModuleShape& want) {
  auto same = [](const CoreModuleShape::Item& a, const CoreModuleShape::Item& b)
      -> std::string {
    if (a.sort != b.sort) return "different kinds of item";
    if (a.signature && b.signature && !(*a.signature == *b.signature)) {
      return absl::StrFormat("expected %s, found %s",
                             FormatSignature(*b.signature),
                             FormatSignature(*a.signature));
    }
    if (a.desc && b.desc) return CoreDescMismatch(*a.desc, *b.desc);
    return "";
  };
  for (const auto& w : want.exports) {
    const CoreModuleShape::Item* h = nullptr;
    for (const auto& e : have.exports) {
      if (e.name == w.name) h = &e;
    }
    if (!h) return absl::StrFormat("missing expected export `%s`", w.name);
    std::string why = same(*h, w);
    if (!why.empty()) {
      return absl::StrFormat("type mismatch in export `%s`: %s", w.name, why);
    }
  }
  // The module may only import what the expected type lets it import.
  for (const auto& h : have.imports) {
    const CoreModuleShape::Item* w = nullptr;
    for (const auto& i : want.imports) {
      if (i.module == h.module && i.name == h.name) w = &i;
    }
    if (!w) {
      return absl::StrFormat("missing expected import `%s::%s`", h.module, h.name);
    }
    std::string why = same(*w, h);
    if (!why.empty()) {
      return absl::StrFormat("type mismatch in import `%s::%s`: %s", h.module,
                             h.name, why);
    }
  }
  return "";
}

namespace {

}  // namespace

void Validator::ValidateCoreModule(Scope& s, const CoreModuleSection& m,
                                   uint32_t offset) {
  auto info = ScanCoreModule(m.bytes, offset);
  if (!info.ok()) {
    std::string msg(info.status().message());
    errors_.push_back({offset, "core module: " + msg});
    s.core_modules.push_back(std::make_shared<CoreModuleShape>());
    return;
  }
  absl::flat_hash_set<std::string> import_names;
  for (const auto& im : info->imports) {
    // Two-level names mangle to one `module:field` name in components.
    const std::string key =
        absl::StrCat(std::string(im.module), ":", std::string(im.field));
    if (!import_names.insert(key).second) {
      errors_.push_back({offset, absl::StrFormat("core module: duplicate "
                                                 "import name `%s`",
                                                 key)});
    }
  }
  if (options_.core_modules) {
    ValidateCoreModuleBody(m.bytes, offset, errors_,
                           options_.isolate_core_validation);
  }
  s.core_modules.push_back(ShapeOf(*info));
}

void Validator::ValidateCoreInstance(Scope& s, const CoreInstance& ci) {
  auto shape = std::make_shared<CoreInstanceShape>();
  if (!ci.is_instantiate) {
    for (const CoreInlineExport& e : ci.exports) {
      const size_t limit =
          e.sort == CoreSort::kFunc     ? s.core_funcs.size()
          : e.sort == CoreSort::kTable  ? s.core_tables
          : e.sort == CoreSort::kMemory ? s.core_memories
          : e.sort == CoreSort::kGlobal ? s.core_globals
          : e.sort == CoreSort::kTag    ? s.core_tags
                                        : 0;
      if (e.index >= limit) {
        Error(ci.offset, absl::StrFormat("core instance export `%s`: %s index "
                                         "%u out of bounds",
                                         e.name, CoreSortName(e.sort),
                                         e.index));
        continue;
      }
      CoreItem item{e.sort, std::nullopt};
      if (e.sort == CoreSort::kFunc) item = s.core_funcs[e.index];
      if (!shape->exports.emplace(e.name, item).second) {
        Error(ci.offset, absl::StrFormat("core instance export name `%s` "
                                         "conflicts with a previous export",
                                         e.name));
      }
    }
    s.core_instances.push_back(shape);
    return;
  }
  if (ci.module >= s.core_modules.size()) {
    Error(ci.offset, absl::StrFormat("core module index %u out of bounds",
                                     ci.module));
    s.core_instances.push_back(shape);
    return;
  }
  const CoreModuleShape& module = *s.core_modules[ci.module];
  absl::flat_hash_map<std::string_view, const CoreInstanceShape*> args;
  for (const CoreInstantiateArg& a : ci.args) {
    if (a.instance >= s.core_instances.size()) {
      Error(ci.offset, absl::StrFormat("instantiation argument `%s`: core "
                                       "instance index %u out of bounds",
                                       a.name, a.instance));
      continue;
    }
    if (!args.emplace(a.name, s.core_instances[a.instance].get()).second) {
      Error(ci.offset, absl::StrFormat("duplicate module instantiation "
                                       "argument named `%s`",
                                       a.name));
    }
  }
  for (const auto& im : module.imports) {
    auto arg = args.find(im.module);
    if (arg == args.end()) {
      Error(ci.offset, absl::StrFormat("missing module instantiation argument "
                                       "named `%s`",
                                       im.module));
      continue;
    }
    auto item = arg->second->exports.find(im.name);
    if (item == arg->second->exports.end()) {
      Error(ci.offset, absl::StrFormat("module instantiation argument `%s` "
                                       "does not export an item named `%s`",
                                       im.module, im.name));
      continue;
    }
    if (item->second.sort != im.sort) {
      Error(ci.offset, absl::StrFormat("type mismatch for export `%s` of "
                                       "module instantiation argument `%s`: "
                                       "expected a %s, found a %s",
                                       im.name, im.module,
                                       CoreSortName(im.sort),
                                       CoreSortName(item->second.sort)));
      continue;
    }
    if (im.desc && item->second.desc) {
      const std::string why = CoreDescMismatch(*item->second.desc, *im.desc);
      if (!why.empty()) {
        Error(ci.offset, absl::StrFormat("type mismatch for export `%s` of "
                                         "module instantiation argument `%s`: "
                                         "%s",
                                         im.name, im.module, why));
      }
    }
    if (im.signature && item->second.signature &&
        !(*im.signature == *item->second.signature)) {
      Error(ci.offset,
            absl::StrFormat("type mismatch for export `%s` of module "
                            "instantiation argument `%s`: expected %s, found "
                            "%s",
                            im.name, im.module,
                            FormatSignature(*im.signature),
                            FormatSignature(*item->second.signature)));
    }
  }
  for (const auto& ex : module.exports) {
    shape->exports.emplace(ex.name, CoreItem{ex.sort, ex.signature, ex.desc});
  }
  s.core_instances.push_back(shape);
}

void Validator::ValidateInstance(Scope& s, const Instance& inst) {
  TypeNode node;
  node.kind = TKind::kInstance;
  if (!inst.is_instantiate) {
    absl::flat_hash_set<std::string_view> names;
    // Annotated names resolve among the bag's own exports, where each type
    // export is a new name (so functions can only use it by ascription,
    // which a bag has not).
    absl::flat_hash_map<std::string, TypeId> type_names;
    for (const InlineExport& e : inst.exports) {
      CheckName(e.name, inst.offset, "instance export");
      auto ext = ExternOfSortIndex(s, e.item, inst.offset);
      if (ext) {
        CheckAttributes(e.name, ext->kind, inst.offset);
        Extern named_as = *ext;
        if (ext->kind == ExternKind::kType &&
            arena_.Get(ext->type).kind == TKind::kResource) {
          named_as.type = NewName(ext->type);
        }
        CheckAnnotated(e.name, named_as, type_names, inst.offset);
      }
      if (!names.insert(e.name.name).second) {
        Error(inst.offset, absl::StrFormat("instance export name `%s` "
                                           "conflicts with a previous export",
                                           e.name.name));
      }
      if (ext) node.exports.push_back({e.name.name, *ext});
    }
    s.instances.push_back(arena_.Add(std::move(node)));
    return;
  }
  if (inst.component >= s.components.size()) {
    Error(inst.offset, absl::StrFormat("component index %u out of bounds",
                                       inst.component));
    s.instances.push_back(arena_.Add(std::move(node)));
    return;
  }
  const TypeId component_type = s.components[inst.component];
  absl::flat_hash_map<std::string_view, Extern> args;
  for (const InstantiateArg& a : inst.args) {
    auto ext = ExternOfSortIndex(s, a.item, inst.offset);
    if (!ext) continue;
    if (!args.emplace(a.name, *ext).second) {
      Error(inst.offset, absl::StrFormat("duplicate instantiation argument "
                                         "named `%s`",
                                         a.name));
    }
  }
  // Check each import in order, binding the component's imported types to
  // the arguments' types as they are met: later imports and the exports
  // then refer to the caller's types, so resource identity (and, for
  // decoding, type names) survive instantiation.
  absl::flat_hash_map<TypeId, TypeId> subst;
  const auto imports = arena_.Get(component_type).imports;  // copy: arena grows
  for (const auto& [name, want] : imports) {
    auto it = args.find(name);
    if (it == args.end()) {
      Error(inst.offset, absl::StrFormat("missing instantiation argument "
                                         "named `%s`",
                                         name));
      continue;
    }
    const Extern& have = it->second;
    if (have.kind != want.kind) {
      Error(inst.offset, absl::StrFormat("instantiation argument `%s`: type "
                                         "mismatch (expected a different "
                                         "kind of item)",
                                         name));
      continue;
    }
    if (want.kind == ExternKind::kCoreModule) {
      if (want.module && have.module) {
        const std::string why = ModuleShapeMismatch(*have.module, *want.module);
        if (!why.empty()) {
          Error(inst.offset, absl::StrFormat("type mismatch in import `%s`: %s",
                                             name, why));
        }
      }
      continue;
    }
    if (want.kind == ExternKind::kType &&
        arena_.Get(want.type).abstract_resource && !subst.contains(want.type)) {
      if (arena_.Get(have.type).kind != TKind::kResource) {
        Error(inst.offset, absl::StrFormat("type mismatch in import `%s`: "
                                           "expected resource, found defined "
                                           "type",
                                           name));
      }
      subst[want.type] = have.type;
      continue;
    }
    // The expected item's abstract resources are the argument's.
    arena_.BindAbstract(want, have, subst);
    // Substitute memoizes into its map: keep the bindings clean.
    auto memo = subst;
    const TypeId expected = arena_.Substitute(want.type, memo);
    const std::string why = arena_.Mismatch(have.type, expected);
    if (!why.empty()) {
      Error(inst.offset, absl::StrFormat("type mismatch in import `%s`: %s",
                                         name, why));
    }
    // Checked: now let the component's view of the item be the argument
    // itself, so its exports mention the caller's types.
    arena_.BindAbstract(want, have, subst, /*all_types=*/true);
  }
  // Resources the component defines are new for each instance.
  FreshenDefined(component_type, subst);
  node.exports = arena_.Get(component_type).exports;
  if (!subst.empty()) {
    for (auto& [name, e] : node.exports) {
      if (e.kind != ExternKind::kCoreModule) e.type = arena_.Substitute(e.type, subst);
    }
  }
  s.instances.push_back(arena_.Add(std::move(node)));
}

void Validator::ValidateImport(Scope& s, const Import& im) {
  CheckName(im.name, im.offset, "import");
  if (!s.import_names.Insert(im.name.name)) {
    Error(im.offset, absl::StrFormat("import name `%s` conflicts with a "
                                     "previous import",
                                     im.name.name));
  }
  auto e = ResolveExternDesc(s, im.desc, im.offset);
  if (!e) {
    // Keep the index space aligned with a placeholder of the right sort.
    Extern placeholder;
    placeholder.kind = im.desc.kind;
    placeholder.module = std::make_shared<CoreModuleShape>();
    TypeNode n;
    n.kind = im.desc.kind == ExternKind::kFunc        ? TKind::kFunc
             : im.desc.kind == ExternKind::kComponent ? TKind::kComponent
                                                      : TKind::kInstance;
    placeholder.type = arena_.Add(std::move(n));
    PushExtern(s, placeholder);
    return;
  }
  if (e->kind == ExternKind::kInstance) e->type = arena_.Freshen(e->type);
  if (e->kind == ExternKind::kType) {
    if (!TypeItemNamed(e->type, s.imported_types)) {
      Error(im.offset, absl::StrFormat("import `%s`: type not valid to be used "
                                       "as import (it mentions a type that is "
                                       "not imported)",
                                       im.name.name));
    }
    // `(eq T)` gives T a new name; T itself stays unnamed.
    if (im.desc.bound == 0 &&
        arena_.Get(e->type).kind != TKind::kResource) {
      e->type = NewName(e->type);
    }
    s.imported_types.insert(e->type);
    s.visible_types.insert(e->type);
  } else if (e->kind != ExternKind::kCoreModule &&
             !AllNamed(e->type, s.imported_types)) {
    Error(im.offset, absl::StrFormat("import `%s`: %s not valid to be used "
                                     "as import (it mentions a type that is "
                                     "not imported)",
                                     im.name.name,
                                     e->kind == ExternKind::kFunc ? "func"
                                                                  : "instance"));
  }
  if (e->kind == ExternKind::kInstance) {
    AddInstanceTypes(e->type, s.imported_types);
    AddInstanceTypes(e->type, s.visible_types);
  }
  CheckAttributes(im.name, e->kind, im.offset);
  CheckAnnotated(im.name, *e, s.import_type_names, im.offset);
  PushExtern(s, *e);
  s.self.imports.push_back({im.name.name, *e});
}

void Validator::ValidateExport(Scope& s, const Export& ex) {
  CheckName(ex.name, ex.offset, "export");
  if (!s.export_names.Insert(ex.name.name)) {
    Error(ex.offset, absl::StrFormat("export name `%s` conflicts with a "
                                     "previous export",
                                     ex.name.name));
  }
  auto e = ExternOfSortIndex(s, ex.item, ex.offset);
  if (!e) return;
  if (ex.ascribed) {
    auto want = ResolveExternDesc(s, *ex.ascribed, ex.offset);
    if (want) {
      if (want->kind != e->kind) {
        Error(ex.offset, absl::StrFormat("export `%s`: ascribed type is of a "
                                         "different kind than the item",
                                         ex.name.name));
      } else if (std::string why = arena_.Mismatch(e->type, want->type);
                 e->kind != ExternKind::kCoreModule && !why.empty()) {
        Error(ex.offset, absl::StrFormat("type mismatch in export `%s`: %s",
                                         ex.name.name, why));
      } else if (e->kind != ExternKind::kType) {
        e = want;
      }
    }
  }
  // The name a type export gives (for [method] names and visibility).
  Extern named_as = *e;
  if (e->kind != ExternKind::kCoreModule) {
    // A type export names its type; anything else may only mention types
    // the component imports or exports.
    const bool ok = e->kind == ExternKind::kType
                        ? TypeItemNamed(e->type, s.visible_types)
                        : AllNamed(e->type, s.visible_types);
    if (!ok) {
      Error(ex.offset, absl::StrFormat("export `%s`: %s not valid to be used "
                                       "as export (it mentions a type that is "
                                       "not exported or imported)",
                                       ex.name.name,
                                       e->kind == ExternKind::kFunc   ? "func"
                                       : e->kind == ExternKind::kType ? "type"
                                                                      : "instance"));
    }
    if (e->kind == ExternKind::kType) {
      // The export is a new type index with a new name: uses of the
      // original index stay unnamed. A resource keeps its identity (the
      // name goes with the index); other nominal types are copied.
      named_as.type = NewName(e->type);
      if (arena_.Get(e->type).kind == TKind::kResource) {
        s.slot_names[static_cast<uint32_t>(s.types.size())] = named_as.type;
      } else {
        e->type = named_as.type;
      }
      s.visible_types.insert(named_as.type);
    }
    // Exporting an instance names the types it exports.
    if (e->kind == ExternKind::kInstance) {
      AddInstanceTypes(e->type, s.visible_types);
    }
  }
  CheckAttributes(ex.name, e->kind, ex.offset);
  CheckAnnotated(ex.name, named_as, s.export_type_names, ex.offset);
  PushExtern(s, *e);
  s.self.exports.push_back({ex.name.name, *e});
}

TypeId Validator::ValidateComponentScope(const Component& c, Scope* parent) {
  Scope s;
  s.parent = parent;
  s.self.kind = TKind::kComponent;
  s.self.scope_start = static_cast<TypeId>(arena_.size());
  for (const Section& section : c.sections) {
    const uint32_t payload =
        section.offset + 1 + section.size_width;  // after id and size
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, CoreModuleSection>) {
            ValidateCoreModule(s, body, payload);
          } else if constexpr (std::is_same_v<T, std::vector<CoreInstance>>) {
            for (const auto& ci : body) ValidateCoreInstance(s, ci);
          } else if constexpr (std::is_same_v<T, std::vector<CoreType>>) {
            for (const auto& t : body) {
              s.core_types.push_back(BuildCoreType(s, t).value_or(
                  CoreTypeEntry{}));
            }
          } else if constexpr (std::is_same_v<T, std::shared_ptr<Component>>) {
            s.components.push_back(ValidateComponentScope(*body, &s));
          } else if constexpr (std::is_same_v<T, std::vector<Instance>>) {
            for (const auto& inst : body) ValidateInstance(s, inst);
          } else if constexpr (std::is_same_v<T, std::vector<Alias>>) {
            for (const auto& a : body) AddAlias(s, a);
          } else if constexpr (std::is_same_v<T, std::vector<TypeDef>>) {
            for (const auto& t : body) {
              s.types.push_back(
                  BuildType(s, t).value_or(arena_.Prim(PrimValType::kBool)));
            }
          } else if constexpr (std::is_same_v<T, std::vector<Canon>>) {
            for (const auto& canon : body) ValidateCanon(s, canon);
          } else if constexpr (std::is_same_v<T, Start>) {
            if (body.func >= s.funcs.size()) {
              Error(section.offset, "start function index out of bounds");
            }
            Error(section.offset, "start sections (value definitions) are "
                                  "not supported");
          } else if constexpr (std::is_same_v<T, std::vector<Import>>) {
            for (const auto& im : body) ValidateImport(s, im);
          } else if constexpr (std::is_same_v<T, std::vector<Export>>) {
            for (const auto& ex : body) ValidateExport(s, ex);
          } else if constexpr (std::is_same_v<T, std::vector<Value>>) {
            Error(section.offset, "value sections are not supported");
          }
        },
        section.body);
  }
  if (parent == nullptr && top_core_funcs_ != nullptr) {
    for (const CoreItem& f : s.core_funcs) top_core_funcs_->push_back(f.signature);
  }
  return arena_.Add(std::move(s.self));
}

}  // namespace internal

std::vector<ValidationError> ValidateComponent(const Component& component,
                                               const ValidateOptions& options) {
  internal::Validator v(options);
  v.ValidateComponentScope(component, nullptr);
  return v.TakeErrors();
}

namespace internal {
ComponentTypeResult ComputeComponentType(const Component& component,
                                         const ValidateOptions& options) {
  Validator v(options);
  ComponentTypeResult out;
  v.CaptureTopLevelCoreFuncs(&out.core_func_signatures);
  out.type = v.ValidateComponentScope(component, nullptr);
  out.errors = v.TakeErrors();
  out.arena = v.TakeArena();
  return out;
}
}  // namespace internal

std::vector<ValidationError> ValidateCoreModule(
    Bytes module, const ValidateOptions& options) {
  std::vector<ValidationError> errors;
  internal::ValidateCoreModuleBody(module, 0, errors,
                                   options.isolate_core_validation);
  return errors;
}

}  // namespace wasi_bridge::binary
