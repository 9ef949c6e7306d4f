#include "adapter/upgrade/p3_imports.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapter/support/embedded.h"
#include "adapter/support/status_macros.h"
#include "adapter/wit/encode.h"
#include "adapter/wit/parser.h"
#include "adapter/wit/resolver.h"

namespace wasi_bridge::upgrade {

using namespace binary;  // NOLINT
using wit::Type;

absl::StatusOr<std::unique_ptr<P3Imports>> P3Imports::Load(
    const std::vector<std::string>& interfaces) {
  std::unique_ptr<P3Imports> p(new P3Imports);
  p->world_text_ = "package wasi-bridge:upgrade;\nworld shim-imports {\n";
  for (const std::string& i : interfaces) {
    absl::StrAppend(&p->world_text_, "  import ", i, ";\n");
  }
  p->world_text_ += "}\n";
  std::vector<wit::ast::File> files;
  for (const embedded::EmbeddedFile& f : embedded::Wasi030Wit()) {
    std::string_view text(reinterpret_cast<const char*>(f.data.data()),
                          f.data.size());
    WB_ASSIGN_OR_RETURN(wit::ast::File file, wit::ParseWit(text, f.path));
    files.push_back(std::move(file));
  }
  WB_ASSIGN_OR_RETURN(wit::ast::File world,
                      wit::ParseWit(p->world_text_, "<shim imports>"));
  files.push_back(std::move(world));
  WB_ASSIGN_OR_RETURN(p->resolve_, wit::ResolveFiles(files));
  std::optional<wit::WorldId> id =
      p->resolve_.FindWorld("wasi-bridge:upgrade/shim-imports");
  if (!id) return absl::InternalError("the shim import world did not resolve");
  p->world_ = *id;
  return p;
}

std::vector<std::string> P3Imports::ImportNames() const {
  std::vector<std::string> names;
  for (const wit::WorldItem& item : resolve_.worlds[world_].imports) {
    if (item.kind == wit::WorldItem::Kind::kInterface) names.push_back(item.key);
  }
  return names;
}

absl::Status P3Imports::Emit(Emitter& out) {
  WB_ASSIGN_OR_RETURN(ComponentType world,
                      wit::EncodeWorldType(resolve_, world_));
  // Declarator-local index -> top-level index, per space.
  std::array<std::vector<uint32_t>, kSpaceCount> local;
  auto remap = [&](Space s, uint32_t& idx) {
    const auto& m = local[static_cast<size_t>(s)];
    if (idx < m.size()) idx = m[idx];
  };
  for (TypeDecl& d : world.decls) {
    Item item;
    Space space = Space::kType;
    switch (d.kind) {
      case TypeDecl::Kind::kCoreType:
        item.body = *d.core_type;
        space = Space::kCoreType;
        break;
      case TypeDecl::Kind::kType:
        item.body = *d.type;
        break;
      case TypeDecl::Kind::kAlias:
        item.body = d.alias;
        space = SpaceOf(d.alias.sort);
        break;
      case TypeDecl::Kind::kImport: {
        space = SpaceOf(d.desc.kind);
        Import im;
        im.name.name = out.Keep(std::string(d.name.name));
        im.desc = d.desc;
        item.body = im;
        break;
      }
      case TypeDecl::Kind::kExport:
        return absl::InternalError("the shim import world has exports");
    }
    ForEachRef(item, remap);
    const bool is_import = std::holds_alternative<Import>(item.body);
    std::string name =
        is_import ? std::string(std::get<Import>(item.body).name.name) : "";
    const uint32_t index = out.Add(std::move(item));
    local[static_cast<size_t>(space)].push_back(index);
    if (is_import && space == Space::kInstance) instances_[name] = index;
  }
  return absl::OkStatus();
}

const wit::Function* P3Imports::FindFunction(const std::string& key,
                                             const std::string& function) const {
  for (size_t i = 0; i < resolve_.interfaces.size(); ++i) {
    if (resolve_.InterfaceKey(static_cast<wit::InterfaceId>(i)) != key) continue;
    for (const wit::Function& f : resolve_.interfaces[i].functions) {
      if (f.name == function) return &f;
    }
  }
  return nullptr;
}

absl::StatusOr<uint32_t> P3Imports::Func(Emitter& out, const std::string& key,
                                         const std::string& function) {
  const std::string id = absl::StrCat(key, "#", function);
  if (auto it = funcs_.find(id); it != funcs_.end()) return it->second;
  auto inst = instances_.find(key);
  if (inst == instances_.end() || FindFunction(key, function) == nullptr) {
    return absl::InternalError(absl::StrFormat(
        "the shim imports %s, which WASI 0.3.0 does not have", id));
  }
  Alias a;
  a.sort = Sort{SortKind::kFunc};
  a.target = Alias::Target::kExport;
  a.instance = inst->second;
  a.name = out.Keep(function);
  const uint32_t index = out.Add(Item{a});
  funcs_[id] = index;
  return index;
}

absl::StatusOr<uint32_t> P3Imports::Resource(Emitter& out, const std::string& key,
                                             const std::string& name) {
  for (size_t i = 0; i < resolve_.interfaces.size(); ++i) {
    if (resolve_.InterfaceKey(static_cast<wit::InterfaceId>(i)) != key) continue;
    for (const auto& [type_name, id] : resolve_.interfaces[i].types) {
      if (type_name != name) continue;
      if (resolve_.types[resolve_.Dealias(id)].kind != Type::Kind::kResource) break;
      WB_ASSIGN_OR_RETURN(ValType v, TopVal(out, id));
      return v.index;
    }
  }
  return absl::InternalError(absl::StrFormat(
      "the shim drops %s from %s, which is not a resource there", name, key));
}

absl::StatusOr<ValType> P3Imports::TopVal(Emitter& out, wit::TypeId t) {
  if (auto it = types_.find(t); it != types_.end()) return it->second;
  const Type& ty = resolve_.types[t];
  if (ty.kind == Type::Kind::kPrim) return ValType::Prim(ty.prim);
  ValType result;
  if (!ty.name.empty()) {
    if (!ty.interface) {
      return absl::InternalError(absl::StrFormat("type %s has no interface", ty.name));
    }
    auto inst = instances_.find(resolve_.InterfaceKey(*ty.interface));
    if (inst == instances_.end()) {
      return absl::InternalError(absl::StrFormat("type %s is not imported", ty.name));
    }
    Alias a;
    a.sort = Sort{SortKind::kType};
    a.target = Alias::Target::kExport;
    a.instance = inst->second;
    a.name = out.Keep(ty.name);
    result = ValType::Index(out.Add(Item{a}));
  } else {
    auto val = [&](std::optional<wit::TypeId> id) -> absl::StatusOr<ValType> {
      if (!id) return absl::InternalError("a type is missing its element");
      return TopVal(out, *id);
    };
    TypeDef def;
    switch (ty.kind) {
      case Type::Kind::kList: {
        WB_ASSIGN_OR_RETURN(ValType e, val(ty.a));
        def.value = ListType{e, ty.fixed_length};
        break;
      }
      case Type::Kind::kOption: {
        WB_ASSIGN_OR_RETURN(ValType e, val(ty.a));
        def.value = OptionType{e};
        break;
      }
      case Type::Kind::kResult: {
        ResultType r;
        if (ty.a) { WB_ASSIGN_OR_RETURN(r.ok, val(ty.a)); }
        if (ty.b) { WB_ASSIGN_OR_RETURN(r.err, val(ty.b)); }
        def.value = r;
        break;
      }
      case Type::Kind::kTuple: {
        TupleType tt;
        for (const auto& m : ty.members) {
          WB_ASSIGN_OR_RETURN(ValType e, val(m.second));
          tt.elements.push_back(e);
        }
        def.value = tt;
        break;
      }
      case Type::Kind::kStream:
      case Type::Kind::kFuture: {
        std::optional<ValType> e;
        if (ty.a) { WB_ASSIGN_OR_RETURN(e, val(ty.a)); }
        if (ty.kind == Type::Kind::kStream) def.value = StreamType{e};
        else def.value = FutureType{e};
        break;
      }
      case Type::Kind::kOwn:
      case Type::Kind::kBorrow: {
        WB_ASSIGN_OR_RETURN(ValType r, val(ty.a));
        if (ty.kind == Type::Kind::kOwn) def.value = OwnType{r.index};
        else def.value = BorrowType{r.index};
        break;
      }
      case Type::Kind::kAlias:
        return val(ty.a);
      default:
        return absl::InternalError("unexpected anonymous type in a WASI signature");
    }
    result = ValType::Index(out.Add(Item{def}));
  }
  types_[t] = result;
  return result;
}

namespace {

// The first stream (or future) type reachable through anonymous types.
std::optional<wit::TypeId> FindCarrier(const wit::Resolve& r, wit::TypeId t,
                                       bool stream) {
  const Type& ty = r.types[t];
  const Type::Kind want = stream ? Type::Kind::kStream : Type::Kind::kFuture;
  if (ty.kind == want) return t;
  if (!ty.name.empty() && ty.kind != Type::Kind::kAlias) return std::nullopt;
  for (const auto& m : ty.members) {
    if (!m.second) continue;
    if (auto found = FindCarrier(r, *m.second, stream)) return found;
  }
  for (const auto& sub : {ty.a, ty.b}) {
    if (!sub) continue;
    if (auto found = FindCarrier(r, *sub, stream)) return found;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<uint32_t> P3Imports::StreamOrFuture(Emitter& out,
                                                   const std::string& key,
                                                   const std::string& function,
                                                   bool stream) {
  const wit::Function* f = FindFunction(key, function);
  if (f == nullptr) {
    return absl::InternalError(absl::StrFormat(
        "the shim names %s#%s, which WASI 0.3.0 does not have", key, function));
  }
  std::optional<wit::TypeId> carrier;
  for (const auto& p : f->params) {
    if ((carrier = FindCarrier(resolve_, p.second, stream))) break;
  }
  if (!carrier && f->result) carrier = FindCarrier(resolve_, *f->result, stream);
  if (!carrier) {
    return absl::InternalError(absl::StrFormat(
        "%s#%s has no %s in its signature", key, function,
        stream ? "stream" : "future"));
  }
  WB_ASSIGN_OR_RETURN(ValType v, TopVal(out, *carrier));
  return v.index;
}

}  // namespace wasi_bridge::upgrade
