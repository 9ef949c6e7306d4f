#include "adapter/wit/printer.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_format.h"
#include "adapter/wit/parser.h"

namespace wasi_bridge::wit {
namespace {

const char* PrimName(binary::PrimValType p) {
  using P = binary::PrimValType;
  switch (p) {
    case P::kBool: return "bool";
    case P::kS8: return "s8";
    case P::kU8: return "u8";
    case P::kS16: return "s16";
    case P::kU16: return "u16";
    case P::kS32: return "s32";
    case P::kU32: return "u32";
    case P::kS64: return "s64";
    case P::kU64: return "u64";
    case P::kF32: return "f32";
    case P::kF64: return "f64";
    case P::kChar: return "char";
    case P::kString: return "string";
    case P::kErrorContext: return "error-context";
  }
  return "?";
}

std::string Id(std::string_view name) {
  return IsWitKeyword(name) ? "%" + std::string(name) : std::string(name);
}

bool IsNamed(const Type& t) {
  return !t.name.empty() && (t.interface || t.world);
}

// Short name of a resource function: "[method]r.m" -> "m".
std::string MemberName(const Function& f) {
  const size_t dot = f.name.find('.');
  return dot == std::string::npos ? f.name : f.name.substr(dot + 1);
}

class Printer {
 public:
  explicit Printer(const Resolve& r, bool canonical = false)
      : r_(r), canonical_(canonical) {}

  std::string Ref(TypeId id) {
    const Type& t = r_.types[id];
    // In canonical mode `type b = a` is just another name for `a`.
    if (canonical_ && t.kind == Type::Kind::kAlias && t.a &&
        IsNamed(r_.types[*t.a])) {
      return Ref(*t.a);
    }
    if (IsNamed(t)) return Id(t.name);
    return Structure(id);
  }

  // A type's structure, ignoring its own name.
  std::string Structure(TypeId id) {
    const Type& t = r_.types[id];
    auto opt = [&](std::optional<TypeId> x) { return x ? Ref(*x) : "_"; };
    switch (t.kind) {
      case Type::Kind::kPrim: return PrimName(t.prim);
      case Type::Kind::kList:
        return t.fixed_length
                   ? absl::StrFormat("list<%s, %u>", Ref(*t.a), *t.fixed_length)
                   : absl::StrFormat("list<%s>", Ref(*t.a));
      case Type::Kind::kOption: return absl::StrFormat("option<%s>", Ref(*t.a));
      case Type::Kind::kResult:
        if (!t.a && !t.b) return "result";
        if (!t.b) return absl::StrFormat("result<%s>", Ref(*t.a));
        return absl::StrFormat("result<%s, %s>", opt(t.a), Ref(*t.b));
      case Type::Kind::kTuple: {
        std::string s = "tuple<";
        for (size_t i = 0; i < t.members.size(); ++i) {
          s += (i ? ", " : "") + Ref(*t.members[i].second);
        }
        return s + ">";
      }
      case Type::Kind::kStream:
        return t.a ? absl::StrFormat("stream<%s>", Ref(*t.a)) : "stream";
      case Type::Kind::kFuture:
        return t.a ? absl::StrFormat("future<%s>", Ref(*t.a)) : "future";
      case Type::Kind::kMap:
        return absl::StrFormat("map<%s, %s>", Ref(*t.a), Ref(*t.b));
      case Type::Kind::kBorrow: return absl::StrFormat("borrow<%s>", Ref(*t.a));
      case Type::Kind::kOwn: return Ref(*t.a);
      case Type::Kind::kAlias: return Ref(*t.a);
      default: return "<unnamed>";
    }
  }

  std::string Signature(const Function& f, bool skip_self) {
    std::string s = f.is_async ? "async func(" : "func(";
    bool first = true;
    for (size_t i = 0; i < f.params.size(); ++i) {
      if (skip_self && i == 0) continue;
      s += (first ? "" : ", ") + Id(f.params[i].first) + ": " +
           Ref(f.params[i].second);
      first = false;
    }
    s += ")";
    if (f.result) s += " -> " + Ref(*f.result);
    return s;
  }

  void Gates(std::string& out, const std::vector<ast::Gate>& gates,
             const std::string& indent) {
    for (const auto& g : gates) {
      out += absl::StrFormat("%s@%s(%s = %s)\n", indent, g.kind, g.key,
                             g.value);
    }
  }

  // Collects the named types used by `t` that are defined elsewhere.
  void CollectForeign(TypeId id, std::optional<InterfaceId> here,
                      std::set<TypeId>& seen, std::set<TypeId>& out) {
    if (!seen.insert(id).second) return;
    const Type& t = r_.types[id];
    if (IsNamed(t)) {
      if (t.interface != here) {
        out.insert(id);
        return;
      }
    }
    if (IsNamed(t) && t.interface == here && t.kind == Type::Kind::kResource) {
      return;
    }
    for (const auto& [n, m] : t.members) {
      if (m) CollectForeign(*m, here, seen, out);
    }
    if (t.a) CollectForeign(*t.a, here, seen, out);
    if (t.b) CollectForeign(*t.b, here, seen, out);
  }

  void UseLines(std::string& out, std::optional<InterfaceId> here,
                const std::vector<TypeId>& roots, const std::string& indent,
                std::optional<uint32_t> here_package) {
    std::set<TypeId> seen, foreign;
    for (TypeId t : roots) {
      // The root itself, when defined here, contributes its contents.
      const Type& ty = r_.types[t];
      if (IsNamed(ty) && ty.interface == here) {
        seen.insert(t);
        for (const auto& [n, m] : ty.members) {
          if (m) CollectForeign(*m, here, seen, foreign);
        }
        if (ty.a) CollectForeign(*ty.a, here, seen, foreign);
        if (ty.b) CollectForeign(*ty.b, here, seen, foreign);
      } else {
        CollectForeign(t, here, seen, foreign);
      }
    }
    std::map<std::string, std::vector<std::string>> by_path;
    // Explicit `use`s first (they may rename), then anything else foreign.
    if (here) {
      for (const auto& [local, t] : r_.interfaces[*here].uses) {
        const Type& ty = r_.types[t];
        if (!ty.interface) continue;
        const Interface& i = r_.interfaces[*ty.interface];
        std::string path = r_.InterfaceKey(*ty.interface);
        if (here_package && i.package == here_package) path = Id(i.name);
        by_path[path].push_back(local == ty.name ? Id(local)
                                                 : Id(ty.name) + " as " + Id(local));
        foreign.erase(t);
      }
    }
    for (TypeId t : foreign) {
      const Type& ty = r_.types[t];
      if (!ty.interface) continue;
      const Interface& i = r_.interfaces[*ty.interface];
      std::string path = r_.InterfaceKey(*ty.interface);
      if (here_package && i.package == here_package) path = Id(i.name);
      by_path[path].push_back(Id(ty.name));
    }
    for (auto& [path, names] : by_path) {
      std::sort(names.begin(), names.end());
      out += indent + "use " + path + ".{";
      for (size_t k = 0; k < names.size(); ++k) {
        out += (k ? ", " : "") + names[k];
      }
      out += "};\n";
    }
  }

  void TypeDefinition(std::string& out, TypeId id, const Interface* iface,
                      const std::string& indent) {
    const Type& t = r_.types[id];
    Gates(out, t.gates, indent);
    const std::string name = Id(t.name);
    switch (t.kind) {
      case Type::Kind::kRecord:
        out += indent + "record " + name + " {\n";
        for (const auto& [n, m] : t.members) {
          out += indent + "  " + Id(n) + ": " + Ref(*m) + ",\n";
        }
        out += indent + "}\n";
        return;
      case Type::Kind::kVariant:
        out += indent + "variant " + name + " {\n";
        for (const auto& [n, m] : t.members) {
          out += indent + "  " + Id(n) + (m ? "(" + Ref(*m) + ")" : "") + ",\n";
        }
        out += indent + "}\n";
        return;
      case Type::Kind::kEnum:
      case Type::Kind::kFlags:
        out += indent + (t.kind == Type::Kind::kEnum ? "enum " : "flags ") +
               name + " {\n";
        for (const auto& n : t.names) out += indent + "  " + Id(n) + ",\n";
        out += indent + "}\n";
        return;
      case Type::Kind::kResource: {
        std::vector<const Function*> members;
        if (iface) {
          for (const Function& f : iface->functions) {
            if (f.resource && *f.resource == id) members.push_back(&f);
          }
        }
        if (members.empty()) {
          out += indent + "resource " + name + ";\n";
          return;
        }
        out += indent + "resource " + name + " {\n";
        for (const Function* f : members) {
          Gates(out, f->gates, indent + "  ");
          switch (f->kind) {
            case Function::Kind::kConstructor: {
              std::string sig = Signature(*f, false);
              // `func(...) -> r` prints as `constructor(...)`.
              const size_t arrow = sig.find(" -> ");
              std::string params = sig.substr(4, arrow == std::string::npos
                                                     ? std::string::npos
                                                     : arrow - 4);
              const bool plain = f->result && *f->result == id;
              out += indent + "  constructor" + params +
                     (plain || !f->result ? "" : " -> " + Ref(*f->result)) +
                     ";\n";
              break;
            }
            case Function::Kind::kStatic:
              out += indent + "  " + Id(MemberName(*f)) + ": static " +
                     Signature(*f, false) + ";\n";
              break;
            default:
              out += indent + "  " + Id(MemberName(*f)) + ": " +
                     Signature(*f, true) + ";\n";
          }
        }
        out += indent + "}\n";
        return;
      }
      default:
        out += indent + "type " + name + " = " +
               (t.kind == Type::Kind::kAlias ? Ref(*t.a) : Structure(id)) + ";\n";
        return;
    }
  }

  void InterfaceBody(std::string& out, InterfaceId id,
                     const std::string& indent) {
    const Interface& i = r_.interfaces[id];
    std::vector<TypeId> roots;
    for (const auto& [n, t] : i.types) roots.push_back(t);
    for (const Function& f : i.functions) {
      for (const auto& [n, t] : f.params) roots.push_back(t);
      if (f.result) roots.push_back(*f.result);
    }
    UseLines(out, id, roots, indent, i.package);
    for (const auto& [n, t] : i.types) {
      // Types that only rename another interface's type are `use`s.
      const Type& ty = r_.types[t];
      if (ty.kind == Type::Kind::kAlias && ty.a &&
          r_.types[*ty.a].interface != std::optional<InterfaceId>(id) &&
          r_.types[*ty.a].name == ty.name) {
        continue;
      }
      TypeDefinition(out, t, &i, indent);
    }
    for (const Function& f : i.functions) {
      if (f.kind != Function::Kind::kFreestanding) continue;
      Gates(out, f.gates, indent);
      out += indent + Id(f.name) + ": " + Signature(f, false) + ";\n";
    }
  }

  std::string World(WorldId wid) {
    const wit::World& w = r_.worlds[wid];
    std::string out;
    std::string pkg_name = "root:component";
    if (w.package) pkg_name = r_.packages[*w.package].id.ToString();
    out += "package " + pkg_name + ";\n\n";
    Gates(out, w.gates, "");
    out += "world " + Id(w.name) + " {\n";
    std::set<InterfaceId> referenced;
    auto items = [&](const std::vector<WorldItem>& v, const char* dir) {
      for (const WorldItem& item : v) {
        switch (item.kind) {
          case WorldItem::Kind::kInterface: {
            const Interface& i = r_.interfaces[item.interface];
            Gates(out, i.gates, "  ");
            if (i.name.empty()) {
              out += absl::StrFormat("  %s %s: interface {\n", dir,
                                     Id(item.key));
              InterfaceBody(out, item.interface, "    ");
              out += "  }\n";
            } else {
              out += absl::StrFormat("  %s %s;\n", dir, item.key);
              referenced.insert(item.interface);
            }
            break;
          }
          case WorldItem::Kind::kFunction:
            Gates(out, item.function.gates, "  ");
            out += absl::StrFormat("  %s %s: %s;\n", dir, Id(item.key),
                                   Signature(item.function, false));
            break;
          case WorldItem::Kind::kType:
            TypeDefinition(out, item.type, nullptr, "  ");
            break;
        }
      }
    };
    items(w.imports, "import");
    items(w.exports, "export");
    out += "}\n";
    // Interfaces, grouped by package, including the ones they depend on.
    std::vector<InterfaceId> work(referenced.begin(), referenced.end());
    while (!work.empty()) {
      const InterfaceId i = work.back();
      work.pop_back();
      for (InterfaceId d : r_.interfaces[i].deps) {
        if (referenced.insert(d).second) work.push_back(d);
      }
    }
    // Sorted by package and interface name, so the output does not depend
    // on the order definitions were loaded in.
    std::map<std::string, std::pair<uint32_t, std::map<std::string, InterfaceId>>>
        by_package;
    for (InterfaceId i : referenced) {
      if (const auto& pkg = r_.interfaces[i].package) {
        auto& entry = by_package[r_.packages[*pkg].id.ToString()];
        entry.first = *pkg;
        entry.second[r_.interfaces[i].name] = i;
      }
    }
    for (const auto& [pkg_name, entry] : by_package) {
      const uint32_t pkg = entry.first;
      std::vector<InterfaceId> ifaces;
      for (const auto& [n, i] : entry.second) ifaces.push_back(i);
      // The world's own package holds its interfaces at the top level.
      const bool own = w.package && pkg == *w.package;
      const std::string indent = own ? "" : "  ";
      out += own ? "" : "\npackage " + r_.packages[pkg].id.ToString() + " {\n";
      for (size_t k = 0; k < ifaces.size(); ++k) {
        const Interface& i = r_.interfaces[ifaces[k]];
        out += (k || own) ? "\n" : "";
        Gates(out, i.gates, indent);
        out += indent + "interface " + Id(i.name) + " {\n";
        InterfaceBody(out, ifaces[k], indent + "  ");
        out += indent + "}\n";
      }
      out += own ? "" : "}\n";
    }
    return out;
  }

 private:
  const Resolve& r_;
  bool canonical_;
};

}  // namespace

std::vector<std::string> WorldSummary(const Resolve& r, WorldId world) {
  Printer p(r, /*canonical=*/true);
  std::vector<std::string> lines;
  auto describe_type = [&](TypeId t) {
    const Type& ty = r.types[t];
    std::string body;
    switch (ty.kind) {
      case Type::Kind::kRecord:
      case Type::Kind::kVariant: {
        body = ty.kind == Type::Kind::kRecord ? "record{" : "variant{";
        for (size_t i = 0; i < ty.members.size(); ++i) {
          const auto& [n, m] = ty.members[i];
          body += (i ? ", " : "") + n + (m ? ": " + p.Ref(*m) : "");
        }
        return body + "}";
      }
      case Type::Kind::kEnum:
      case Type::Kind::kFlags: {
        body = ty.kind == Type::Kind::kEnum ? "enum{" : "flags{";
        for (size_t i = 0; i < ty.names.size(); ++i) {
          body += (i ? ", " : "") + ty.names[i];
        }
        return body + "}";
      }
      case Type::Kind::kResource:
        return std::string("resource");
      case Type::Kind::kAlias:
        return p.Ref(*ty.a);
      default:
        return p.Structure(t);
    }
  };
  auto items = [&](const std::vector<WorldItem>& v, const char* dir) {
    for (const WorldItem& item : v) {
      const std::string head = std::string(dir) + " " + item.key;
      switch (item.kind) {
        case WorldItem::Kind::kInterface: {
          const Interface& i = r.interfaces[item.interface];
          lines.push_back(head);
          for (const auto& [n, t] : i.uses) {
            lines.push_back(head + " | use " + n + " from " +
                            r.InterfaceKey(*r.types[t].interface));
          }
          for (const auto& [n, t] : i.types) {
            lines.push_back(head + " | type " + n + " = " + describe_type(t));
          }
          for (const Function& f : i.functions) {
            lines.push_back(head + " | " + f.name + ": " +
                            p.Signature(f, false));
          }
          break;
        }
        case WorldItem::Kind::kFunction:
          lines.push_back(head + ": " + p.Signature(item.function, false));
          break;
        case WorldItem::Kind::kType:
          lines.push_back(head + " = " + describe_type(item.type));
          break;
      }
    }
  };
  items(r.worlds[world].imports, "import");
  items(r.worlds[world].exports, "export");
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::string PrintWorld(const Resolve& r, WorldId world) {
  return Printer(r).World(world);
}

std::string PrintTypeRef(const Resolve& r, TypeId t) {
  return Printer(r).Ref(t);
}

std::string PrintFuncSignature(const Resolve& r, const Function& f) {
  return Printer(r).Signature(f, false);
}

}  // namespace wasi_bridge::wit
