#include "adapter/wit/encode.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "adapter/binary/writer.h"
#include "adapter/support/status_macros.h"

namespace wasi_bridge::wit {
namespace {

using binary::ComponentType;
using binary::ExternDesc;
using binary::ExternKind;
using binary::ExternName;
using binary::TypeDecl;
using binary::TypeDef;
using binary::ValType;

// One component-type or instance-type declarator under construction.
struct DeclScope {
  DeclScope* parent = nullptr;
  std::vector<TypeDecl>* decls = nullptr;
  uint32_t types = 0;      // size of the type index space
  uint32_t instances = 0;  // size of the instance index space
  absl::flat_hash_map<TypeId, uint32_t> named;  // named WIT type -> index
  absl::flat_hash_map<TypeId, uint32_t> anon;   // anonymous type -> index
  absl::flat_hash_map<TypeId, uint32_t> own;    // resource -> own<r> index
  // The interface whose instance type this is; its named types may be
  // defined on first use, since WIT allows any definition order.
  std::optional<InterfaceId> interface;
};

ExternName Name(std::string_view n) {
  ExternName e;
  e.form = 0;
  e.name = n;
  return e;
}

class Encoder {
 public:
  explicit Encoder(const Resolve& r) : r_(r) {}

  absl::StatusOr<ComponentType> World(WorldId wid) {
    ComponentType ct;
    DeclScope w;
    w.decls = &ct.decls;
    const wit::World& world = r_.worlds[wid];
    for (const WorldItem& item : world.imports) {
      WB_RETURN_IF_ERROR(Item(item, w, /*is_import=*/true));
    }
    for (const WorldItem& item : world.exports) {
      WB_RETURN_IF_ERROR(Item(item, w, /*is_import=*/false));
    }
    return ct;
  }

 private:
  bool IsNamed(TypeId t) const {
    const Type& ty = r_.types[t];
    return !ty.name.empty() && (ty.interface || ty.world);
  }

  uint32_t AddTypeDef(DeclScope& s, TypeDef def) {
    TypeDecl d;
    d.kind = TypeDecl::Kind::kType;
    d.type = std::make_shared<TypeDef>(std::move(def));
    s.decls->push_back(std::move(d));
    return s.types++;
  }

  // Finds a named type in `s` or an enclosing scope, aliasing it in.
  absl::StatusOr<uint32_t> Lookup(TypeId t, DeclScope& s) {
    if (auto it = s.named.find(t); it != s.named.end()) return it->second;
    if (s.interface && r_.types[t].interface == s.interface) {
      WB_RETURN_IF_ERROR(
          DefineNamed(t, r_.types[t].name, s, TypeDecl::Kind::kExport));
      return s.named.at(t);
    }
    uint32_t depth = 0;
    for (DeclScope* p = s.parent; p; p = p->parent) {
      ++depth;
      if (auto it = p->named.find(t); it != p->named.end()) {
        TypeDecl d;
        d.kind = TypeDecl::Kind::kAlias;
        d.alias.sort.kind = binary::SortKind::kType;
        d.alias.target = binary::Alias::Target::kOuter;
        d.alias.outer_count = depth;
        d.alias.outer_index = it->second;
        s.decls->push_back(std::move(d));
        s.named[t] = s.types;
        return s.types++;
      }
    }
    return absl::FailedPreconditionError(absl::StrFormat(
        "type `%s` is used before the interface defining it is imported",
        r_.types[t].name));
  }

  absl::StatusOr<ValType> Val(TypeId t, DeclScope& s) {
    const Type& ty = r_.types[t];
    if (ty.kind == Type::Kind::kPrim) return ValType::Prim(ty.prim);
    if (IsNamed(t)) {
      WB_ASSIGN_OR_RETURN(uint32_t idx, Lookup(t, s));
      // `type headers = fields` of a resource is still a resource.
      if (r_.types[r_.Dealias(t)].kind != Type::Kind::kResource) {
        return ValType::Index(idx);
      }
      // A resource in a value position is an owned handle.
      if (auto it = s.own.find(t); it != s.own.end()) {
        return ValType::Index(it->second);
      }
      TypeDef def;
      def.value = binary::OwnType{idx};
      const uint32_t own = AddTypeDef(s, std::move(def));
      s.own[t] = own;
      return ValType::Index(own);
    }
    if (ty.kind == Type::Kind::kAlias) return Val(*ty.a, s);
    if (auto it = s.anon.find(t); it != s.anon.end()) {
      return ValType::Index(it->second);
    }
    WB_ASSIGN_OR_RETURN(TypeDef def, Structure(t, s));
    const uint32_t idx = AddTypeDef(s, std::move(def));
    s.anon[t] = idx;
    return ValType::Index(idx);
  }

  absl::StatusOr<std::optional<ValType>> OptVal(std::optional<TypeId> t,
                                                DeclScope& s) {
    if (!t) return std::optional<ValType>();
    WB_ASSIGN_OR_RETURN(ValType v, Val(*t, s));
    return std::optional<ValType>(v);
  }

  // The type definition describing `t`'s structure (not its name).
  absl::StatusOr<TypeDef> Structure(TypeId t, DeclScope& s) {
    const Type& ty = r_.types[t];
    TypeDef def;
    switch (ty.kind) {
      case Type::Kind::kPrim:
        def.value = binary::PrimType{ty.prim};
        break;
      case Type::Kind::kRecord: {
        binary::RecordType rec;
        for (const auto& [name, m] : ty.members) {
          WB_ASSIGN_OR_RETURN(ValType v, Val(*m, s));
          rec.fields.push_back({name, v});
        }
        def.value = std::move(rec);
        break;
      }
      case Type::Kind::kVariant: {
        binary::VariantType var;
        for (const auto& [name, m] : ty.members) {
          WB_ASSIGN_OR_RETURN(std::optional<ValType> v, OptVal(m, s));
          var.cases.push_back({name, v});
        }
        def.value = std::move(var);
        break;
      }
      case Type::Kind::kEnum:
      case Type::Kind::kFlags: {
        std::vector<std::string_view> names(ty.names.begin(), ty.names.end());
        if (ty.kind == Type::Kind::kEnum) {
          def.value = binary::EnumType{std::move(names)};
        } else {
          def.value = binary::FlagsType{std::move(names)};
        }
        break;
      }
      case Type::Kind::kList: {
        WB_ASSIGN_OR_RETURN(ValType e, Val(*ty.a, s));
        def.value = binary::ListType{e, ty.fixed_length};
        break;
      }
      case Type::Kind::kOption: {
        WB_ASSIGN_OR_RETURN(ValType e, Val(*ty.a, s));
        def.value = binary::OptionType{e};
        break;
      }
      case Type::Kind::kResult: {
        WB_ASSIGN_OR_RETURN(std::optional<ValType> ok, OptVal(ty.a, s));
        WB_ASSIGN_OR_RETURN(std::optional<ValType> err, OptVal(ty.b, s));
        def.value = binary::ResultType{ok, err};
        break;
      }
      case Type::Kind::kTuple: {
        binary::TupleType tup;
        for (const auto& [name, m] : ty.members) {
          WB_ASSIGN_OR_RETURN(ValType v, Val(*m, s));
          tup.elements.push_back(v);
        }
        def.value = std::move(tup);
        break;
      }
      case Type::Kind::kStream: {
        WB_ASSIGN_OR_RETURN(std::optional<ValType> e, OptVal(ty.a, s));
        def.value = binary::StreamType{e};
        break;
      }
      case Type::Kind::kFuture: {
        WB_ASSIGN_OR_RETURN(std::optional<ValType> e, OptVal(ty.a, s));
        def.value = binary::FutureType{e};
        break;
      }
      case Type::Kind::kMap: {
        WB_ASSIGN_OR_RETURN(ValType k, Val(*ty.a, s));
        WB_ASSIGN_OR_RETURN(ValType v, Val(*ty.b, s));
        def.value = binary::MapType{k, v};
        break;
      }
      case Type::Kind::kOwn:
      case Type::Kind::kBorrow: {
        WB_ASSIGN_OR_RETURN(uint32_t res, Lookup(r_.Dealias(*ty.a), s));
        if (ty.kind == Type::Kind::kOwn) {
          def.value = binary::OwnType{res};
        } else {
          def.value = binary::BorrowType{res};
        }
        break;
      }
      case Type::Kind::kAlias:
        return Structure(*ty.a, s);
      case Type::Kind::kResource:
        return absl::InternalError("resources have no structure");
    }
    return def;
  }

  // Declares named type `t` in `s` as an export (instances) or import
  // (world-level types) called `name`.
  absl::Status DefineNamed(TypeId t, std::string_view name, DeclScope& s,
                           TypeDecl::Kind how) {
    const Type& ty = r_.types[t];
    TypeDecl d;
    d.kind = how;
    d.name = Name(name);
    d.desc.kind = ExternKind::kType;
    if (ty.kind == Type::Kind::kResource) {
      d.desc.bound = 1;  // (sub resource)
    } else {
      uint32_t target;
      if (ty.kind == Type::Kind::kAlias && IsNamed(*ty.a)) {
        WB_ASSIGN_OR_RETURN(target, Lookup(*ty.a, s));
      } else if (ty.kind == Type::Kind::kAlias &&
                 r_.types[*ty.a].kind == Type::Kind::kPrim) {
        TypeDef def;
        def.value = binary::PrimType{r_.types[*ty.a].prim};
        target = AddTypeDef(s, std::move(def));
      } else {
        WB_ASSIGN_OR_RETURN(TypeDef def, Structure(t, s));
        target = AddTypeDef(s, std::move(def));
      }
      d.desc.bound = 0;
      d.desc.index = target;
    }
    s.decls->push_back(std::move(d));
    s.named[t] = s.types++;
    return absl::OkStatus();
  }

  absl::StatusOr<uint32_t> FuncTypeIndex(const Function& f, DeclScope& s) {
    binary::FuncType ft;
    ft.is_async = f.is_async;
    for (const auto& [name, t] : f.params) {
      if (f.kind == Function::Kind::kMethod && name == "self") {
        // `self` is a borrow of the method's resource.
        WB_ASSIGN_OR_RETURN(uint32_t res, Lookup(*f.resource, s));
        TypeDef b;
        b.value = binary::BorrowType{res};
        ft.params.push_back({name, ValType::Index(AddTypeDef(s, std::move(b)))});
        continue;
      }
      WB_ASSIGN_OR_RETURN(ValType v, Val(t, s));
      ft.params.push_back({name, v});
    }
    WB_ASSIGN_OR_RETURN(ft.result, OptVal(f.result, s));
    TypeDef def;
    def.value = std::move(ft);
    return AddTypeDef(s, std::move(def));
  }

  absl::StatusOr<binary::InstanceType> Interface(InterfaceId id,
                                                 DeclScope& world) {
    binary::InstanceType it;
    DeclScope s;
    s.parent = &world;
    s.decls = &it.decls;
    s.interface = id;
    const wit::Interface& iface = r_.interfaces[id];
    // A `use` is a re-export of the other interface's type under its local
    // name, bound by `eq` to an outer alias (as wit-component writes it).
    for (const auto& [name, t] : iface.uses) {
      WB_ASSIGN_OR_RETURN(uint32_t outer, Lookup(t, s));
      TypeDecl d;
      d.kind = TypeDecl::Kind::kExport;
      d.name = Name(name);
      d.desc.kind = ExternKind::kType;
      d.desc.bound = 0;
      d.desc.index = outer;
      s.decls->push_back(std::move(d));
      s.named[t] = s.types++;
    }
    for (const auto& [name, t] : iface.types) {
      if (s.named.contains(t)) continue;  // defined early by a later use
      WB_RETURN_IF_ERROR(DefineNamed(t, name, s, TypeDecl::Kind::kExport));
    }
    for (const Function& f : iface.functions) {
      WB_ASSIGN_OR_RETURN(uint32_t ft, FuncTypeIndex(f, s));
      TypeDecl d;
      d.kind = TypeDecl::Kind::kExport;
      d.name = Name(f.name);
      d.desc.kind = ExternKind::kFunc;
      d.desc.index = ft;
      it.decls.push_back(std::move(d));
    }
    return it;
  }

  absl::Status Item(const WorldItem& item, DeclScope& w, bool is_import) {
    const TypeDecl::Kind how =
        is_import ? TypeDecl::Kind::kImport : TypeDecl::Kind::kExport;
    switch (item.kind) {
      case WorldItem::Kind::kInterface: {
        WB_ASSIGN_OR_RETURN(binary::InstanceType it,
                            Interface(item.interface, w));
        TypeDef def;
        def.value = std::move(it);
        const uint32_t type_index = AddTypeDef(w, std::move(def));
        TypeDecl d;
        d.kind = how;
        d.name = Name(item.key);
        d.desc.kind = ExternKind::kInstance;
        d.desc.index = type_index;
        w.decls->push_back(std::move(d));
        const uint32_t instance = w.instances++;
        // Bring the interface's types into the world for later items.
        for (const auto& [name, t] : r_.interfaces[item.interface].types) {
          TypeDecl a;
          a.kind = TypeDecl::Kind::kAlias;
          a.alias.sort.kind = binary::SortKind::kType;
          a.alias.target = binary::Alias::Target::kExport;
          a.alias.instance = instance;
          a.alias.name = name;
          w.decls->push_back(std::move(a));
          w.named[t] = w.types++;
        }
        return absl::OkStatus();
      }
      case WorldItem::Kind::kFunction: {
        WB_ASSIGN_OR_RETURN(uint32_t ft, FuncTypeIndex(item.function, w));
        TypeDecl d;
        d.kind = how;
        d.name = Name(item.key);
        d.desc.kind = ExternKind::kFunc;
        d.desc.index = ft;
        w.decls->push_back(std::move(d));
        return absl::OkStatus();
      }
      case WorldItem::Kind::kType:
        return DefineNamed(item.type, item.key, w, TypeDecl::Kind::kImport);
    }
    return absl::OkStatus();
  }

  const Resolve& r_;
};

}  // namespace

absl::StatusOr<binary::ComponentType> EncodeWorldType(const Resolve& r,
                                                      WorldId world) {
  return Encoder(r).World(world);
}

absl::StatusOr<std::vector<uint8_t>> EncodeWorldPackage(const Resolve& r,
                                                        WorldId world) {
  WB_ASSIGN_OR_RETURN(ComponentType inner, EncodeWorldType(r, world));
  const wit::World& w = r.worlds[world];
  if (!w.package) {
    return absl::InvalidArgumentError("the world belongs to no package");
  }
  // Owned strings for the qualified name; the model keeps views.
  auto strings = std::make_shared<std::deque<std::string>>();
  const ast::PackageId& p = r.packages[*w.package].id;
  std::string qualified = p.ns + ":" + p.name + "/" + w.name;
  if (!p.version.empty()) qualified += "@" + p.version;
  strings->push_back(std::move(qualified));

  ComponentType outer;
  TypeDecl world_type;
  world_type.kind = TypeDecl::Kind::kType;
  world_type.type = std::make_shared<TypeDef>();
  world_type.type->value = std::move(inner);
  outer.decls.push_back(std::move(world_type));
  TypeDecl export_world;
  export_world.kind = TypeDecl::Kind::kExport;
  export_world.name = Name(strings->back());
  export_world.desc.kind = ExternKind::kComponent;
  export_world.desc.index = 0;
  outer.decls.push_back(std::move(export_world));

  binary::Component c;
  c.owned_strings = strings;
  binary::Section types;
  types.id = binary::SectionId::kType;
  std::vector<TypeDef> defs(1);
  defs[0].value = std::move(outer);
  types.body = std::move(defs);
  c.sections.push_back(std::move(types));
  binary::Section exports;
  exports.id = binary::SectionId::kExport;
  binary::Export ex;
  ex.name = Name(w.name);
  ex.item.sort.kind = binary::SortKind::kType;
  ex.item.index = 0;
  exports.body = std::vector<binary::Export>{ex};
  c.sections.push_back(std::move(exports));
  return binary::WriteComponent(c);
}

}  // namespace wasi_bridge::wit
