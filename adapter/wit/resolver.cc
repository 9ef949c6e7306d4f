#include "adapter/wit/resolver.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "adapter/support/status_macros.h"
#include "adapter/wit/parser.h"

namespace wasi_bridge::wit {
namespace {

using wit::Pos;


class Resolver {
 public:
  explicit Resolver(const ResolveOptions& options) : options_(options) {}

  absl::StatusOr<Resolve> Run(const std::vector<ast::File>& files) {
    for (const ast::File& f : files) {
      WB_RETURN_IF_ERROR(Register(f, f.main, /*is_main=*/true));
      for (const ast::PackageBody& nested : f.nested) {
        WB_RETURN_IF_ERROR(Register(f, nested, /*is_main=*/false));
      }
    }
    for (InterfaceId i = 0; i < iface_src_.size(); ++i) {
      WB_RETURN_IF_ERROR(ResolveInterface(i));
    }
    for (WorldId w = 0; w < world_src_.size(); ++w) {
      WB_RETURN_IF_ERROR(ResolveWorld(w));
    }
    WB_RETURN_IF_ERROR(CheckTypeCycles());
    return std::move(r_);
  }

 private:
  enum class State { kPending, kActive, kDone };

  bool Enabled(const std::vector<ast::Gate>& gates) const {
    if (options_.all_features) return true;
    for (const ast::Gate& g : gates) {
      if (g.kind != "unstable") continue;
      if (std::find(options_.features.begin(), options_.features.end(),
                    g.value) == options_.features.end()) {
        return false;
      }
    }
    return true;
  }

  struct IfaceSrc {
    const ast::Interface* ast = nullptr;
    const ast::File* file = nullptr;
    State state = State::kPending;
    absl::flat_hash_map<std::string, TypeId> scope;
  };
  struct WorldSrc {
    const ast::World* ast = nullptr;
    const ast::File* file = nullptr;
    State state = State::kPending;
  };

  absl::Status Err(const ast::File* f, Pos p, std::string_view msg) {
    return WitError(f ? f->path : "<wit>", p, msg);
  }

  uint32_t PackageFor(const ast::PackageId& id) {
    const std::string key = id.ToString();
    auto it = package_index_.find(key);
    if (it != package_index_.end()) return it->second;
    r_.packages.push_back(Package{id, {}, {}});
    const uint32_t index = static_cast<uint32_t>(r_.packages.size() - 1);
    package_index_[key] = index;
    return index;
  }

  absl::Status Register(const ast::File& f, const ast::PackageBody& body,
                        bool is_main) {
    if (!body.id) {
      if (body.interfaces.empty() && body.worlds.empty()) {
        return absl::OkStatus();
      }
      return Err(&f, is_main ? Pos{} : body.pos,
                 "no `package` declaration for the items of this file");
    }
    const uint32_t pkg = PackageFor(*body.id);
    for (const ast::Interface& i : body.interfaces) {
      if (!Enabled(i.gates)) continue;
      for (const auto& [name, existing] : r_.packages[pkg].interfaces) {
        if (name == i.name) {
          return Err(&f, i.pos, absl::StrFormat("interface `%s` is defined "
                                                "more than once in package "
                                                "`%s`",
                                                i.name, body.id->ToString()));
        }
      }
      Interface iface;
      iface.name = i.name;
      iface.package = pkg;
      iface.gates = i.gates;
      r_.interfaces.push_back(std::move(iface));
      const InterfaceId id = static_cast<InterfaceId>(r_.interfaces.size() - 1);
      iface_src_.push_back(IfaceSrc{&i, &f});
      r_.packages[pkg].interfaces.push_back({i.name, id});
    }
    for (const ast::World& w : body.worlds) {
      if (!Enabled(w.gates)) continue;
      for (const auto& [name, existing] : r_.packages[pkg].worlds) {
        if (name == w.name) {
          return Err(&f, w.pos, absl::StrFormat("world `%s` is defined more "
                                                "than once",
                                                w.name));
        }
      }
      World world;
      world.name = w.name;
      world.package = pkg;
      world.gates = w.gates;
      r_.worlds.push_back(std::move(world));
      const WorldId id = static_cast<WorldId>(r_.worlds.size() - 1);
      world_src_.push_back(WorldSrc{&w, &f});
      r_.packages[pkg].worlds.push_back({w.name, id});
    }
    return absl::OkStatus();
  }

  // Finds the package an absolute path names; an unversioned path matches a
  // package only when exactly one version of it is loaded.
  std::optional<uint32_t> FindPackage(const ast::UsePath& p) {
    std::optional<uint32_t> found;
    int matches = 0;
    for (uint32_t i = 0; i < r_.packages.size(); ++i) {
      const ast::PackageId& id = r_.packages[i].id;
      if (id.ns != p.ns || id.name != p.package) continue;
      if (id.version == p.version) return i;
      if (p.version.empty()) {
        found = i;
        ++matches;
      }
    }
    if (matches == 1) return found;
    return std::nullopt;
  }

  absl::StatusOr<InterfaceId> FindInterface(const ast::File* f,
                                            std::optional<uint32_t> here,
                                            const ast::UsePath& p) {
    std::optional<uint32_t> pkg = p.IsLocal() ? here : FindPackage(p);
    if (!pkg) {
      return Err(f, p.pos, absl::StrFormat("package `%s:%s%s%s` is not "
                                           "loaded (add it to deps/)",
                                           p.ns, p.package,
                                           p.version.empty() ? "" : "@",
                                           p.version));
    }
    for (const auto& [name, id] : r_.packages[*pkg].interfaces) {
      if (name == p.name) return id;
    }
    return Err(f, p.pos, absl::StrFormat("interface `%s` does not exist",
                                         p.ToString()));
  }

  TypeId Prim(binary::PrimValType p) {
    auto it = prims_.find(static_cast<uint8_t>(p));
    if (it != prims_.end()) return it->second;
    Type t;
    t.kind = Type::Kind::kPrim;
    t.prim = p;
    const TypeId id = r_.AddType(std::move(t));
    prims_[static_cast<uint8_t>(p)] = id;
    return id;
  }

  using Scope = absl::flat_hash_map<std::string, TypeId>;

  absl::StatusOr<TypeId> ResolveExpr(const ast::File* f, const Scope& scope,
                                     const ast::TypeExpr& e) {
    using K = ast::TypeExpr::Kind;
    Type t;
    auto arg = [&](size_t i) { return ResolveExpr(f, scope, e.args[i]); };
    switch (e.kind) {
      case K::kPrim:
        return Prim(e.prim);
      case K::kNamed: {
        auto it = scope.find(e.name);
        if (it == scope.end()) {
          return Err(f, e.pos, absl::StrFormat("type `%s` is not defined",
                                               e.name));
        }
        return it->second;
      }
      case K::kBorrow: {
        auto it = scope.find(e.name);
        if (it == scope.end()) {
          return Err(f, e.pos, absl::StrFormat("type `%s` is not defined",
                                               e.name));
        }
        if (r_.types[r_.Dealias(it->second)].kind != Type::Kind::kResource) {
          return Err(f, e.pos, absl::StrFormat("`borrow<%s>`: `%s` is not a "
                                               "resource",
                                               e.name, e.name));
        }
        t.kind = Type::Kind::kBorrow;
        t.a = it->second;
        break;
      }
      case K::kList: {
        t.kind = Type::Kind::kList;
        WB_ASSIGN_OR_RETURN(t.a, arg(0));
        t.fixed_length = e.fixed_length;
        break;
      }
      case K::kOption: {
        t.kind = Type::Kind::kOption;
        WB_ASSIGN_OR_RETURN(t.a, arg(0));
        break;
      }
      case K::kResult: {
        t.kind = Type::Kind::kResult;
        size_t i = 0;
        if (e.has_ok) {
          WB_ASSIGN_OR_RETURN(t.a, arg(i++));
        }
        if (e.has_err) {
          WB_ASSIGN_OR_RETURN(t.b, arg(i));
        }
        break;
      }
      case K::kTuple: {
        t.kind = Type::Kind::kTuple;
        for (size_t i = 0; i < e.args.size(); ++i) {
          WB_ASSIGN_OR_RETURN(TypeId el, arg(i));
          t.members.push_back({"", el});
        }
        break;
      }
      case K::kStream:
      case K::kFuture: {
        t.kind = e.kind == K::kStream ? Type::Kind::kStream
                                      : Type::Kind::kFuture;
        if (!e.args.empty()) {
          WB_ASSIGN_OR_RETURN(t.a, arg(0));
        }
        break;
      }
      case K::kMap: {
        t.kind = Type::Kind::kMap;
        WB_ASSIGN_OR_RETURN(t.a, arg(0));
        WB_ASSIGN_OR_RETURN(t.b, arg(1));
        break;
      }
    }
    return r_.AddType(std::move(t));
  }

  // Declares the named types of an interface or world body (placeholders,
  // so definitions may refer to each other in any order).
  absl::Status DeclareTypes(const ast::File* f,
                            const std::vector<const ast::TypeDef*>& defs,
                            std::optional<InterfaceId> iface,
                            std::optional<WorldId> world, Scope& scope,
                            std::vector<std::pair<std::string, TypeId>>* out) {
    for (const ast::TypeDef* d : defs) {
      if (scope.contains(d->name)) {
        return Err(f, d->pos, absl::StrFormat("name `%s` is defined more "
                                              "than once",
                                              d->name));
      }
      Type t;
      t.name = d->name;
      t.interface = iface;
      t.world = world;
      t.gates = d->gates;
      const TypeId id = r_.AddType(std::move(t));
      scope[d->name] = id;
      if (out) out->push_back({d->name, id});
    }
    return absl::OkStatus();
  }

  absl::Status DefineType(const ast::File* f, const Scope& scope,
                          const ast::TypeDef& d, TypeId id) {
    using K = ast::TypeDef::Kind;
    Type t = r_.types[id];
    auto unique = [&](const std::vector<std::string>& names,
                      const char* what) -> absl::Status {
      for (size_t i = 0; i < names.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
          if (names[i] == names[j]) {
            return Err(f, d.pos, absl::StrFormat("%s `%s` is repeated in `%s`",
                                                 what, names[i], d.name));
          }
        }
      }
      return absl::OkStatus();
    };
    std::vector<std::string> names;
    switch (d.kind) {
      case K::kAlias: {
        t.kind = Type::Kind::kAlias;
        WB_ASSIGN_OR_RETURN(t.a, ResolveExpr(f, scope, d.alias));
        break;
      }
      case K::kRecord:
        t.kind = Type::Kind::kRecord;
        if (d.fields.empty()) {
          return Err(f, d.pos, absl::StrFormat("record `%s` must have at "
                                               "least one field",
                                               d.name));
        }
        for (const ast::Param& p : d.fields) {
          WB_ASSIGN_OR_RETURN(TypeId ft, ResolveExpr(f, scope, p.type));
          t.members.push_back({p.name, ft});
          names.push_back(p.name);
        }
        WB_RETURN_IF_ERROR(unique(names, "field"));
        break;
      case K::kVariant:
        t.kind = Type::Kind::kVariant;
        for (const ast::Case& c : d.cases) {
          std::optional<TypeId> ct;
          if (c.type) {
            WB_ASSIGN_OR_RETURN(ct, ResolveExpr(f, scope, *c.type));
          }
          t.members.push_back({c.name, ct});
          names.push_back(c.name);
        }
        WB_RETURN_IF_ERROR(unique(names, "case"));
        break;
      case K::kEnum:
      case K::kFlags:
        t.kind = d.kind == K::kEnum ? Type::Kind::kEnum : Type::Kind::kFlags;
        for (const ast::Case& c : d.cases) t.names.push_back(c.name);
        if (d.kind == K::kFlags && t.names.size() > 32) {
          return Err(f, d.pos, "flags may have at most 32 members");
        }
        WB_RETURN_IF_ERROR(unique(t.names, "case"));
        break;
      case K::kResource:
        t.kind = Type::Kind::kResource;
        break;
    }
    r_.types[id] = std::move(t);
    return absl::OkStatus();
  }

  absl::StatusOr<Function> ResolveFunc(const ast::File* f, const Scope& scope,
                                       const ast::Func& fn,
                                       Function::Kind kind,
                                       std::optional<TypeId> resource,
                                       const std::string& resource_name) {
    Function out;
    out.kind = kind;
    out.is_async = fn.is_async;
    out.gates = fn.gates;
    out.resource = resource;
    switch (kind) {
      case Function::Kind::kFreestanding: out.name = fn.name; break;
      case Function::Kind::kMethod:
        out.name = "[method]" + resource_name + "." + fn.name;
        break;
      case Function::Kind::kStatic:
        out.name = "[static]" + resource_name + "." + fn.name;
        break;
      case Function::Kind::kConstructor:
        out.name = "[constructor]" + resource_name;
        break;
    }
    if (kind == Function::Kind::kMethod) {
      Type self;
      self.kind = Type::Kind::kBorrow;
      self.a = resource;
      out.params.push_back({"self", r_.AddType(std::move(self))});
    }
    for (const ast::Param& p : fn.params) {
      for (const auto& [existing, t] : out.params) {
        if (existing == p.name) {
          return Err(f, p.pos, absl::StrFormat("parameter `%s` is repeated",
                                               p.name));
        }
      }
      WB_ASSIGN_OR_RETURN(TypeId pt, ResolveExpr(f, scope, p.type));
      out.params.push_back({p.name, pt});
    }
    if (kind == Function::Kind::kConstructor) {
      if (fn.result) {
        // `constructor() -> result<r, e>` (WIT 0.3) keeps its result.
        WB_ASSIGN_OR_RETURN(out.result, ResolveExpr(f, scope, *fn.result));
      } else {
        out.result = resource;
      }
    } else if (fn.result) {
      WB_ASSIGN_OR_RETURN(out.result, ResolveExpr(f, scope, *fn.result));
    }
    return out;
  }

  // Applies a `use` to `scope`, returning the interface it names.
  absl::StatusOr<InterfaceId> ApplyUse(const ast::File* f,
                                       std::optional<uint32_t> pkg,
                                       const ast::Use& u, Scope& scope,
                                       std::optional<InterfaceId> self) {
    WB_ASSIGN_OR_RETURN(InterfaceId target, FindInterface(f, pkg, u.path));
    if (self && target == *self) {
      return Err(f, u.pos, "an interface cannot `use` itself");
    }
    WB_RETURN_IF_ERROR(ResolveInterface(target));
    for (const ast::UseName& n : u.names) {
      auto it = iface_src_[target].scope.find(n.name);
      if (it == iface_src_[target].scope.end()) {
        return Err(f, n.pos, absl::StrFormat("type `%s` is not defined in "
                                             "interface `%s`",
                                             n.name, u.path.ToString()));
      }
      const std::string& local = n.as.empty() ? n.name : n.as;
      if (scope.contains(local)) {
        return Err(f, n.pos, absl::StrFormat("name `%s` is defined more than "
                                             "once",
                                             local));
      }
      scope[local] = it->second;
      if (self) r_.interfaces[*self].uses.push_back({local, it->second});
    }
    return target;
  }

  bool ItemEnabled(const ast::InterfaceItem& item) const {
    switch (item.kind) {
      case ast::InterfaceItem::Kind::kUse: return Enabled(item.use.gates);
      case ast::InterfaceItem::Kind::kType: return Enabled(item.type.gates);
      case ast::InterfaceItem::Kind::kFunc: return Enabled(item.func.gates);
    }
    return true;
  }

  bool WorldItemEnabled(const ast::WorldItem& item) const {
    if (!Enabled(item.gates)) return false;
    if (item.kind == ast::WorldItem::Kind::kUse) return Enabled(item.use.gates);
    if (item.kind == ast::WorldItem::Kind::kType) return Enabled(item.type.gates);
    return true;
  }

  absl::Status ResolveInterfaceBody(const ast::File* f, InterfaceId id,
                                    const ast::Interface& src, Scope& scope) {
    Interface& iface = r_.interfaces[id];
    const std::optional<uint32_t> pkg = iface.package;
    std::vector<const ast::TypeDef*> defs;
    for (const ast::InterfaceItem& item : src.items) {
      if (!ItemEnabled(item)) continue;
      if (item.kind == ast::InterfaceItem::Kind::kUse) {
        WB_ASSIGN_OR_RETURN(InterfaceId dep,
                            ApplyUse(f, pkg, item.use, scope, id));
        auto& deps = r_.interfaces[id].deps;
        if (std::find(deps.begin(), deps.end(), dep) == deps.end()) {
          deps.push_back(dep);
        }
      } else if (item.kind == ast::InterfaceItem::Kind::kType) {
        defs.push_back(&item.type);
      }
    }
    std::vector<std::pair<std::string, TypeId>> declared;
    WB_RETURN_IF_ERROR(DeclareTypes(f, defs, id, std::nullopt, scope,
                                    &declared));
    for (size_t i = 0; i < defs.size(); ++i) {
      WB_RETURN_IF_ERROR(DefineType(f, scope, *defs[i], declared[i].second));
    }
    r_.interfaces[id].types = declared;
    std::vector<std::string> fn_names;
    auto add = [&](Function fn, Pos pos) -> absl::Status {
      for (const std::string& n : fn_names) {
        if (n == fn.name) {
          return Err(f, pos, absl::StrFormat("function `%s` is defined more "
                                             "than once",
                                             fn.name));
        }
      }
      fn_names.push_back(fn.name);
      r_.interfaces[id].functions.push_back(std::move(fn));
      return absl::OkStatus();
    };
    for (const ast::InterfaceItem& item : src.items) {
      if (!ItemEnabled(item)) continue;
      if (item.kind == ast::InterfaceItem::Kind::kFunc) {
        if (scope.contains(item.func.name)) {
          return Err(f, item.func.pos,
                     absl::StrFormat("name `%s` is defined more than once",
                                     item.func.name));
        }
        WB_ASSIGN_OR_RETURN(Function fn,
                            ResolveFunc(f, scope, item.func,
                                        Function::Kind::kFreestanding,
                                        std::nullopt, ""));
        WB_RETURN_IF_ERROR(add(std::move(fn), item.func.pos));
      } else if (item.kind == ast::InterfaceItem::Kind::kType &&
                 item.type.kind == ast::TypeDef::Kind::kResource) {
        const TypeId rid = scope.at(item.type.name);
        for (const ast::ResourceFunc& m : item.type.methods) {
          if (!Enabled(m.func.gates)) continue;
          const Function::Kind k =
              m.kind == ast::ResourceFunc::Kind::kMethod ? Function::Kind::kMethod
              : m.kind == ast::ResourceFunc::Kind::kStatic
                  ? Function::Kind::kStatic
                  : Function::Kind::kConstructor;
          WB_ASSIGN_OR_RETURN(Function fn,
                              ResolveFunc(f, scope, m.func, k, rid,
                                          item.type.name));
          WB_RETURN_IF_ERROR(add(std::move(fn), m.func.pos));
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status ResolveInterface(InterfaceId id) {
    if (id >= iface_src_.size()) return absl::OkStatus();  // inline: done
    IfaceSrc& src = iface_src_[id];
    if (src.state == State::kDone) return absl::OkStatus();
    if (src.state == State::kActive) {
      return Err(src.file, src.ast->pos,
                 absl::StrFormat("interface `%s` depends on itself through "
                                 "`use`",
                                 src.ast->name));
    }
    src.state = State::kActive;
    Scope scope;
    WB_RETURN_IF_ERROR(ResolveInterfaceBody(src.file, id, *src.ast, scope));
    iface_src_[id].scope = std::move(scope);
    iface_src_[id].state = State::kDone;
    return absl::OkStatus();
  }

  absl::Status AddItem(const ast::File* f, Pos pos,
                       std::vector<WorldItem>& items, WorldItem item) {
    for (const WorldItem& existing : items) {
      if (existing.key == item.key) {
        return Err(f, pos, absl::StrFormat("`%s` is imported or exported "
                                           "more than once",
                                           item.key));
      }
    }
    items.push_back(std::move(item));
    return absl::OkStatus();
  }

  absl::Status ResolveWorld(WorldId id) {
    WorldSrc& src = world_src_[id];
    if (src.state == State::kDone) return absl::OkStatus();
    if (src.state == State::kActive) {
      return Err(src.file, src.ast->pos, "world includes itself");
    }
    src.state = State::kActive;
    const ast::File* f = src.file;
    const ast::World& w = *src.ast;
    const std::optional<uint32_t> pkg = r_.worlds[id].package;
    Scope scope;
    std::vector<WorldItem> imports, exports;
    // Types and uses first, so functions can refer to them.
    std::vector<const ast::TypeDef*> defs;
    for (const ast::WorldItem& item : w.items) {
      if (!WorldItemEnabled(item)) continue;
      if (item.kind == ast::WorldItem::Kind::kUse) {
        WB_ASSIGN_OR_RETURN(InterfaceId dep,
                            ApplyUse(f, pkg, item.use, scope, std::nullopt));
        WorldItem wi;
        wi.kind = WorldItem::Kind::kInterface;
        wi.interface = dep;
        wi.key = r_.InterfaceKey(dep);
        bool present = false;
        for (const auto& e : imports) present |= e.key == wi.key;
        if (!present) imports.push_back(std::move(wi));
      } else if (item.kind == ast::WorldItem::Kind::kType) {
        defs.push_back(&item.type);
      }
    }
    std::vector<std::pair<std::string, TypeId>> declared;
    WB_RETURN_IF_ERROR(DeclareTypes(f, defs, std::nullopt, id, scope,
                                    &declared));
    for (size_t i = 0; i < defs.size(); ++i) {
      WB_RETURN_IF_ERROR(DefineType(f, scope, *defs[i], declared[i].second));
      WorldItem wi;
      wi.kind = WorldItem::Kind::kType;
      wi.key = declared[i].first;
      wi.type = declared[i].second;
      WB_RETURN_IF_ERROR(AddItem(f, defs[i]->pos, imports, std::move(wi)));
    }
    for (const ast::WorldItem& item : w.items) {
      if (!WorldItemEnabled(item)) continue;
      const bool is_import = item.kind == ast::WorldItem::Kind::kImport;
      if (!is_import && item.kind != ast::WorldItem::Kind::kExport) {
        if (item.kind == ast::WorldItem::Kind::kInclude) {
          WB_RETURN_IF_ERROR(Include(f, pkg, item.include, imports, exports));
        }
        continue;
      }
      auto& items = is_import ? imports : exports;
      WorldItem wi;
      switch (item.extern_kind) {
        case ast::WorldItem::Extern::kPath: {
          WB_ASSIGN_OR_RETURN(wi.interface, FindInterface(f, pkg, item.path));
          WB_RETURN_IF_ERROR(ResolveInterface(wi.interface));
          wi.kind = WorldItem::Kind::kInterface;
          wi.key = r_.InterfaceKey(wi.interface);
          break;
        }
        case ast::WorldItem::Extern::kFunc: {
          wi.kind = WorldItem::Kind::kFunction;
          wi.key = item.name;
          WB_ASSIGN_OR_RETURN(wi.function,
                              ResolveFunc(f, scope, item.func,
                                          Function::Kind::kFreestanding,
                                          std::nullopt, ""));
          wi.function.gates = item.gates;
          break;
        }
        case ast::WorldItem::Extern::kInterface: {
          Interface inline_iface;
          inline_iface.package = pkg;
          inline_iface.gates = item.gates;
          r_.interfaces.push_back(std::move(inline_iface));
          const InterfaceId iid =
              static_cast<InterfaceId>(r_.interfaces.size() - 1);
          Scope inner;
          WB_RETURN_IF_ERROR(
              ResolveInterfaceBody(f, iid, *item.inline_interface, inner));
          wi.kind = WorldItem::Kind::kInterface;
          wi.interface = iid;
          wi.key = item.name;
          break;
        }
      }
      WB_RETURN_IF_ERROR(AddItem(f, item.pos, items, std::move(wi)));
    }
    Elaborate(imports, exports);
    r_.worlds[id].imports = std::move(imports);
    r_.worlds[id].exports = std::move(exports);
    world_src_[id].state = State::kDone;
    return absl::OkStatus();
  }

  absl::Status Include(const ast::File* f, std::optional<uint32_t> pkg,
                       const ast::Include& inc, std::vector<WorldItem>& imports,
                       std::vector<WorldItem>& exports) {
    std::optional<uint32_t> target_pkg =
        inc.world.IsLocal() ? pkg : FindPackage(inc.world);
    std::optional<WorldId> target;
    if (target_pkg) {
      for (const auto& [name, wid] : r_.packages[*target_pkg].worlds) {
        if (name == inc.world.name) target = wid;
      }
    }
    if (!target) {
      return Err(f, inc.pos, absl::StrFormat("world `%s` does not exist",
                                             inc.world.ToString()));
    }
    WB_RETURN_IF_ERROR(ResolveWorld(*target));
    auto merge = [&](const std::vector<WorldItem>& from,
                     std::vector<WorldItem>& into) -> absl::Status {
      for (WorldItem item : from) {
        for (const auto& [old_name, new_name] : inc.with) {
          if (item.kind != WorldItem::Kind::kInterface ||
              r_.interfaces[item.interface].name.empty()) {
            if (item.key == old_name) item.key = new_name;
          }
        }
        if (item.kind == WorldItem::Kind::kFunction) {
          item.function.name = item.key;
        }
        bool present = false;
        for (const auto& e : into) present |= e.key == item.key;
        if (present && item.kind == WorldItem::Kind::kInterface &&
            !r_.interfaces[item.interface].name.empty()) {
          continue;  // the same interface included twice is one item
        }
        if (present) {
          return Err(f, inc.pos, absl::StrFormat("`include %s`: name `%s` "
                                                 "conflicts; rename it with "
                                                 "`with`",
                                                 inc.world.ToString(),
                                                 item.key));
        }
        into.push_back(std::move(item));
      }
      return absl::OkStatus();
    };
    WB_RETURN_IF_ERROR(merge(r_.worlds[*target].imports, imports));
    return merge(r_.worlds[*target].exports, exports);
  }

  // Imports every interface an item depends on, ahead of the item, unless
  // the world already provides it (wit-parser's world elaboration).
  void Elaborate(std::vector<WorldItem>& imports,
                 std::vector<WorldItem>& exports) {
    auto has = [&](const std::vector<WorldItem>& items, InterfaceId i) {
      for (const auto& e : items) {
        if (e.kind == WorldItem::Kind::kInterface && e.interface == i) {
          return true;
        }
      }
      return false;
    };
    std::vector<WorldItem> out;
    std::function<void(InterfaceId)> add_deps = [&](InterfaceId i) {
      for (InterfaceId d : r_.interfaces[i].deps) {
        if (has(out, d) || has(exports, d)) continue;
        add_deps(d);
        WorldItem wi;
        wi.kind = WorldItem::Kind::kInterface;
        wi.interface = d;
        wi.key = r_.InterfaceKey(d);
        out.push_back(std::move(wi));
      }
    };
    for (WorldItem& item : imports) {
      if (item.kind == WorldItem::Kind::kInterface) {
        if (has(out, item.interface)) continue;
        add_deps(item.interface);
      }
      out.push_back(std::move(item));
    }
    for (const WorldItem& item : exports) {
      if (item.kind == WorldItem::Kind::kInterface) add_deps(item.interface);
    }
    imports = std::move(out);
  }

  absl::Status CheckTypeCycles() {
    std::vector<uint8_t> color(r_.types.size(), 0);
    std::function<bool(TypeId)> visit = [&](TypeId t) -> bool {
      if (color[t] == 2) return true;
      if (color[t] == 1) return false;
      color[t] = 1;
      const Type& ty = r_.types[t];
      // own/borrow handles point at resources, which cannot recurse.
      if (ty.kind != Type::Kind::kBorrow && ty.kind != Type::Kind::kOwn) {
        for (const auto& [n, m] : ty.members) {
          if (m && !visit(*m)) return false;
        }
        if (ty.a && !visit(*ty.a)) return false;
        if (ty.b && !visit(*ty.b)) return false;
      }
      color[t] = 2;
      return true;
    };
    for (TypeId t = 0; t < r_.types.size(); ++t) {
      if (!visit(t)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "type `%s` refers to itself (recursive types are not allowed)",
            r_.types[t].name.empty() ? "<anonymous>" : r_.types[t].name));
      }
    }
    return absl::OkStatus();
  }

  const ResolveOptions& options_;
  Resolve r_;
  std::vector<IfaceSrc> iface_src_;
  std::vector<WorldSrc> world_src_;
  absl::flat_hash_map<std::string, uint32_t> package_index_;
  absl::flat_hash_map<uint8_t, TypeId> prims_;
};

absl::StatusOr<std::string> ReadText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrFormat("cannot read %s", p.string()));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parses the `.wit` files of one directory as one package.
absl::Status LoadDirectory(const std::filesystem::path& dir,
                           std::vector<ast::File>& files) {
  std::vector<std::filesystem::path> paths;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".wit") {
      paths.push_back(entry.path());
    }
  }
  if (ec) {
    return absl::NotFoundError(absl::StrFormat("cannot list %s: %s",
                                               dir.string(), ec.message()));
  }
  std::sort(paths.begin(), paths.end());
  const size_t first = files.size();
  std::optional<ast::PackageId> id;
  for (const auto& p : paths) {
    WB_ASSIGN_OR_RETURN(std::string text, ReadText(p));
    WB_ASSIGN_OR_RETURN(ast::File f, ParseWit(text, p.string()));
    if (f.main.id) {
      if (id && id->ToString() != f.main.id->ToString()) {
        return WitError(p.string(), f.main.pos,
                        absl::StrFormat("package `%s` differs from `%s` "
                                        "declared by another file of %s",
                                        f.main.id->ToString(), id->ToString(),
                                        dir.string()));
      }
      id = f.main.id;
    }
    files.push_back(std::move(f));
  }
  for (size_t i = first; i < files.size(); ++i) {
    if (!files[i].main.id) files[i].main.id = id;
  }
  return absl::OkStatus();
}

}  // namespace

std::string Resolve::InterfaceKey(InterfaceId id) const {
  const Interface& i = interfaces[id];
  if (i.name.empty() || !i.package) return "";
  const ast::PackageId& p = packages[*i.package].id;
  std::string key = p.ns + ":" + p.name + "/" + i.name;
  if (!p.version.empty()) key += "@" + p.version;
  return key;
}

TypeId Resolve::Dealias(TypeId id) const {
  for (int guard = 0; guard < 1000 && types[id].kind == Type::Kind::kAlias &&
                      types[id].a;
       ++guard) {
    id = *types[id].a;
  }
  return id;
}

std::optional<WorldId> Resolve::FindWorld(std::string_view name) const {
  std::optional<WorldId> found;
  for (WorldId w = 0; w < worlds.size(); ++w) {
    const World& world = worlds[w];
    std::string qualified, versioned;
    if (world.package) {
      const ast::PackageId& p = packages[*world.package].id;
      qualified = p.ns + ":" + p.name + "/" + world.name;
      versioned = p.version.empty() ? qualified : qualified + "@" + p.version;
    }
    if (world.name == name || qualified == name || versioned == name) {
      found = w;
    }
  }
  return found;
}

absl::StatusOr<Resolve> ResolveFiles(const std::vector<ast::File>& files,
                                     const ResolveOptions& options) {
  return Resolver(options).Run(files);
}

absl::StatusOr<Resolve> LoadWit(const std::vector<std::string>& paths,
                                const ResolveOptions& options) {
  std::vector<ast::File> files;
  for (const std::string& path : paths) {
    const std::filesystem::path p(path);
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      WB_RETURN_IF_ERROR(LoadDirectory(p, files));
      const auto deps = p / "deps";
      if (std::filesystem::is_directory(deps, ec)) {
        std::vector<std::filesystem::path> entries;
        for (const auto& e : std::filesystem::directory_iterator(deps, ec)) {
          entries.push_back(e.path());
        }
        std::sort(entries.begin(), entries.end());
        for (const auto& e : entries) {
          if (std::filesystem::is_directory(e, ec)) {
            WB_RETURN_IF_ERROR(LoadDirectory(e, files));
          } else if (e.extension() == ".wit") {
            WB_ASSIGN_OR_RETURN(std::string text, ReadText(e));
            WB_ASSIGN_OR_RETURN(ast::File f, ParseWit(text, e.string()));
            files.push_back(std::move(f));
          }
        }
      }
    } else {
      if (p.extension() != ".wit") {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s: expected a .wit file or a directory of them", path));
      }
      WB_ASSIGN_OR_RETURN(std::string text, ReadText(p));
      WB_ASSIGN_OR_RETURN(ast::File f, ParseWit(text, path));
      files.push_back(std::move(f));
    }
  }
  return ResolveFiles(files, options);
}

}  // namespace wasi_bridge::wit
