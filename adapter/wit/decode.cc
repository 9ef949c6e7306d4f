// Decodes a component's imports and exports, as typed by the validator,
// into WIT. Type identity comes from the validator's arena: a type exported
// by one instance and aliased into another keeps its arena id, which is how
// `use` relations between interfaces are recovered.
#include "adapter/wit/decode.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "adapter/binary/extern_names.h"
#include "adapter/binary/validator_internal.h"

namespace wasi_bridge::wit {
namespace {

namespace bi = binary::internal;

class Decoder {
 public:
  explicit Decoder(const bi::TypeArena& arena) : a_(arena) {}

  absl::StatusOr<DecodedWorld> Run(bi::TypeId component,
                                   ast::PackageId package,
                                   const std::string& world_name) {
    r_.packages.push_back(Package{std::move(package), {}, {}});
    World w;
    w.name = world_name;
    w.package = 0;
    r_.worlds.push_back(std::move(w));
    r_.packages[0].worlds.push_back({world_name, 0});
    const bi::TypeNode& c = a_.Get(component);
    for (const auto& [name, e] : c.imports) {
      auto item = DecodeItem(std::string(name), e);
      if (!item.ok()) return item.status();
      r_.worlds[0].imports.push_back(std::move(*item));
    }
    for (const auto& [name, e] : c.exports) {
      auto item = DecodeItem(std::string(name), e);
      if (!item.ok()) return item.status();
      r_.worlds[0].exports.push_back(std::move(*item));
    }
    return DecodedWorld{std::move(r_), 0};
  }

 private:
  TypeId Prim(binary::PrimValType p) {
    auto it = prims_.find(static_cast<uint8_t>(p));
    if (it != prims_.end()) return it->second;
    Type t;
    t.prim = p;
    const TypeId id = r_.AddType(std::move(t));
    prims_[static_cast<uint8_t>(p)] = id;
    return id;
  }

  void AddDep(std::optional<InterfaceId> user, TypeId t) {
    const auto& owner = r_.types[t].interface;
    if (!user || !owner || *owner == *user) return;
    auto& deps = r_.interfaces[*user].deps;
    if (std::find(deps.begin(), deps.end(), *owner) == deps.end()) {
      deps.push_back(*owner);
    }
  }

  TypeId Convert(bi::TypeId id, std::optional<InterfaceId> user) {
    if (auto it = named_.find(id); it != named_.end()) {
      AddDep(user, it->second);
      return it->second;
    }
    const bi::TypeNode& n = a_.Get(id);
    auto opt = [&](std::optional<bi::TypeId> x) -> std::optional<TypeId> {
      if (!x) return std::nullopt;
      return Convert(*x, user);
    };
    Type t;
    switch (n.kind) {
      case bi::TKind::kPrim:
        return Prim(n.prim);
      case bi::TKind::kList:
        t.kind = Type::Kind::kList;
        t.a = opt(n.a);
        if (n.fixed) t.fixed_length = n.count;
        break;
      case bi::TKind::kOption:
        t.kind = Type::Kind::kOption;
        t.a = opt(n.a);
        break;
      case bi::TKind::kResult:
        t.kind = Type::Kind::kResult;
        t.a = opt(n.a);
        t.b = opt(n.b);
        break;
      case bi::TKind::kTuple:
        t.kind = Type::Kind::kTuple;
        for (const auto& [name, m] : n.members) t.members.push_back({"", opt(m)});
        break;
      case bi::TKind::kStream:
      case bi::TKind::kFuture:
        t.kind = n.kind == bi::TKind::kStream ? Type::Kind::kStream
                                              : Type::Kind::kFuture;
        t.a = opt(n.a);
        break;
      case bi::TKind::kMap:
        t.kind = Type::Kind::kMap;
        t.a = opt(n.a);
        t.b = opt(n.b);
        break;
      case bi::TKind::kOwn:
      case bi::TKind::kBorrow:
        t.kind = n.kind == bi::TKind::kOwn ? Type::Kind::kOwn
                                           : Type::Kind::kBorrow;
        t.a = opt(n.a);
        break;
      case bi::TKind::kRecord:
      case bi::TKind::kVariant:
      case bi::TKind::kEnum:
      case bi::TKind::kFlags:
      case bi::TKind::kResource:
        // A nominal type nobody named (e.g. a record only used by a world
        // function): keep its structure, unnamed.
        return Define(id, "", std::nullopt, user);
      default:
        return Prim(binary::PrimValType::kBool);  // not a value type
    }
    return r_.AddType(std::move(t));
  }

  // Creates the named (or nominal) WIT type for arena node `id`.
  TypeId Define(bi::TypeId id, const std::string& name,
                std::optional<WorldId> world, std::optional<InterfaceId> iface) {
    const bi::TypeNode& n = a_.Get(id);
    Type t;
    t.name = name;
    t.interface = iface;
    t.world = world;
    const TypeId out = r_.AddType(Type{});
    if (!name.empty()) named_[id] = out;
    switch (n.kind) {
      case bi::TKind::kRecord:
      case bi::TKind::kVariant:
        t.kind = n.kind == bi::TKind::kRecord ? Type::Kind::kRecord
                                              : Type::Kind::kVariant;
        for (const auto& [mname, m] : n.members) {
          t.members.push_back({std::string(mname),
                               m ? std::optional<TypeId>(Convert(*m, iface))
                                 : std::nullopt});
        }
        break;
      case bi::TKind::kEnum:
      case bi::TKind::kFlags:
        t.kind = n.kind == bi::TKind::kEnum ? Type::Kind::kEnum
                                            : Type::Kind::kFlags;
        for (const auto& [mname, m] : n.members) t.names.emplace_back(mname);
        break;
      case bi::TKind::kResource:
        t.kind = Type::Kind::kResource;
        break;
      default: {
        // `type name = <structure>`: an alias of an anonymous type.
        named_.erase(id);
        t.kind = Type::Kind::kAlias;
        t.a = Convert(id, iface);
        named_[id] = out;
        break;
      }
    }
    r_.types[out] = std::move(t);
    return out;
  }

  absl::StatusOr<Function> DecodeFunction(const std::string& name,
                                          bi::TypeId func,
                                          std::optional<InterfaceId> iface) {
    const bi::TypeNode& n = a_.Get(func);
    Function f;
    f.name = name;
    f.is_async = n.is_async;
    for (const auto& [pname, p] : n.members) {
      f.params.push_back({std::string(pname), Convert(*p, iface)});
    }
    if (n.a) f.result = Convert(*n.a, iface);
    std::string_view rest = name;
    auto strip = [&](std::string_view prefix) {
      if (!rest.starts_with(prefix)) return false;
      rest.remove_prefix(prefix.size());
      return true;
    };
    std::string resource;
    if (strip("[constructor]")) {
      f.kind = Function::Kind::kConstructor;
      resource = std::string(rest);
    } else if (strip("[method]") || strip("[static]")) {
      f.kind = name[1] == 'm' ? Function::Kind::kMethod
                              : Function::Kind::kStatic;
      resource = std::string(rest.substr(0, rest.find('.')));
    }
    if (!resource.empty() && iface) {
      for (const auto& [tname, t] : r_.interfaces[*iface].types) {
        if (tname == resource) f.resource = t;
      }
      if (!f.resource) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "function `%s` names resource `%s`, which its interface does not "
            "export",
            name, resource));
      }
    }
    return f;
  }

  InterfaceId InterfaceFor(const std::string& key) {
    Interface i;
    if (auto parsed = binary::ParseInterfaceName(key)) {
      i.name = std::string(parsed->interface);
      ast::PackageId pid{std::string(parsed->ns), std::string(parsed->package),
                         std::string(parsed->version)};
      std::optional<uint32_t> pkg;
      for (uint32_t p = 0; p < r_.packages.size(); ++p) {
        if (r_.packages[p].id.ToString() == pid.ToString()) pkg = p;
      }
      if (!pkg) {
        r_.packages.push_back(Package{pid, {}, {}});
        pkg = static_cast<uint32_t>(r_.packages.size() - 1);
      }
      i.package = pkg;
    }
    r_.interfaces.push_back(std::move(i));
    const InterfaceId id = static_cast<InterfaceId>(r_.interfaces.size() - 1);
    if (const auto& pkg = r_.interfaces[id].package) {
      r_.packages[*pkg].interfaces.push_back({r_.interfaces[id].name, id});
    }
    return id;
  }

  absl::StatusOr<WorldItem> DecodeItem(const std::string& key,
                                       const bi::Extern& e) {
    WorldItem item;
    item.key = key;
    switch (e.kind) {
      case binary::ExternKind::kInstance: {
        const InterfaceId id = InterfaceFor(key);
        item.kind = WorldItem::Kind::kInterface;
        item.interface = id;
        const bi::TypeNode& inst = a_.Get(e.type);
        // Types first (functions refer to them), in declaration order.
        for (const auto& [name, ex] : inst.exports) {
          if (ex.kind != binary::ExternKind::kType) continue;
          const std::string tname(name);
          if (auto it = named_.find(ex.type); it != named_.end()) {
            if (r_.types[it->second].interface != id) {
              // Defined by another interface: this one `use`s it.
              AddDep(id, it->second);
              r_.interfaces[id].uses.push_back({tname, it->second});
              continue;
            }
            // A second name for a type of this interface: `type b = a;`.
            Type alias;
            alias.kind = Type::Kind::kAlias;
            alias.name = tname;
            alias.interface = id;
            alias.a = it->second;
            r_.interfaces[id].types.push_back({tname, r_.AddType(std::move(alias))});
            continue;
          }
          const TypeId t = Define(ex.type, tname, std::nullopt, id);
          r_.interfaces[id].types.push_back({tname, t});
        }
        for (const auto& [name, ex] : inst.exports) {
          if (ex.kind != binary::ExternKind::kFunc) continue;
          auto f = DecodeFunction(std::string(name), ex.type, id);
          if (!f.ok()) return f.status();
          r_.interfaces[id].functions.push_back(std::move(*f));
        }
        return item;
      }
      case binary::ExternKind::kFunc: {
        item.kind = WorldItem::Kind::kFunction;
        auto f = DecodeFunction(key, e.type, std::nullopt);
        if (!f.ok()) return f.status();
        item.function = std::move(*f);
        return item;
      }
      case binary::ExternKind::kType:
        item.kind = WorldItem::Kind::kType;
        item.type = Define(e.type, key, WorldId{0}, std::nullopt);
        return item;
      default:
        return absl::InvalidArgumentError(absl::StrFormat(
            "`%s` is a %s, which a WIT world cannot describe", key,
            e.kind == binary::ExternKind::kComponent ? "component"
            : e.kind == binary::ExternKind::kValue   ? "value"
                                                     : "core module"));
    }
  }

  const bi::TypeArena& a_;
  Resolve r_;
  absl::flat_hash_map<bi::TypeId, TypeId> named_;
  absl::flat_hash_map<uint8_t, TypeId> prims_;
};

}  // namespace

absl::StatusOr<DecodedWorld> DecodeComponentWorld(
    const binary::Component& component) {
  binary::ValidateOptions options;
  options.core_modules = false;  // the world does not depend on them
  bi::ComponentTypeResult typed = bi::ComputeComponentType(component, options);
  if (!typed.errors.empty()) {
    const auto& e = typed.errors.front();
    return absl::InvalidArgumentError(absl::StrFormat(
        "component is invalid: at byte %u (0x%x): %s", e.offset, e.offset,
        e.message));
  }
  // A WIT package binary: only type exports, each a component type that
  // exports one component type named `ns:pkg/world@v` (WIT.md).
  const bi::TypeNode& top = typed.arena.Get(typed.type);
  if (top.imports.empty() && !top.exports.empty()) {
    const auto& [name, e] = top.exports.front();
    if (e.kind == binary::ExternKind::kType &&
        typed.arena.Get(e.type).kind == bi::TKind::kComponent) {
      const bi::TypeNode& outer = typed.arena.Get(e.type);
      if (outer.exports.size() == 1 &&
          outer.exports[0].second.kind == binary::ExternKind::kComponent) {
        const std::string qualified(outer.exports[0].first);
        auto parsed = binary::ParseInterfaceName(qualified);
        if (parsed) {
          ast::PackageId id{std::string(parsed->ns),
                            std::string(parsed->package),
                            std::string(parsed->version)};
          return Decoder(typed.arena)
              .Run(outer.exports[0].second.type, std::move(id),
                   std::string(parsed->interface));
        }
      }
    }
  }
  return Decoder(typed.arena)
      .Run(typed.type, ast::PackageId{"root", "component", ""}, "root");
}

}  // namespace wasi_bridge::wit
