// The resolved form of WIT: packages, interfaces, worlds and types with all
// names bound. Both the WIT parser (via Resolver) and the component decoder
// (decode.h) produce it; the printer and the world encoder consume it.
#ifndef WASI_BRIDGE_ADAPTER_WIT_RESOLVE_H_
#define WASI_BRIDGE_ADAPTER_WIT_RESOLVE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapter/binary/model.h"
#include "adapter/wit/ast.h"

namespace wasi_bridge::wit {

using TypeId = uint32_t;
using InterfaceId = uint32_t;
using WorldId = uint32_t;

struct Type {
  enum class Kind {
    kPrim, kRecord, kVariant, kEnum, kFlags, kResource, kList, kOption,
    kResult, kTuple, kStream, kFuture, kMap, kOwn, kBorrow, kAlias,
  };
  Kind kind = Kind::kPrim;
  binary::PrimValType prim = binary::PrimValType::kBool;
  std::string name;  // empty for anonymous types
  std::optional<InterfaceId> interface;  // owner of a named type
  std::optional<WorldId> world;          // owner of a world-level type
  // Record fields, variant cases (type optional), tuple elements (no name).
  std::vector<std::pair<std::string, std::optional<TypeId>>> members;
  std::vector<std::string> names;  // enum cases, flags
  std::optional<TypeId> a;  // element, ok, key, own/borrow/alias target
  std::optional<TypeId> b;  // err, map value
  std::optional<uint32_t> fixed_length;
  std::vector<ast::Gate> gates;
};

struct Function {
  enum class Kind { kFreestanding, kMethod, kStatic, kConstructor };
  Kind kind = Kind::kFreestanding;
  std::string name;  // component-level name, e.g. "[method]fields.get"
  std::optional<TypeId> resource;  // for methods, statics, constructors
  bool is_async = false;
  std::vector<std::pair<std::string, TypeId>> params;
  std::optional<TypeId> result;
  std::vector<ast::Gate> gates;
};

struct Interface {
  std::string name;  // empty for an inline world interface
  std::optional<uint32_t> package;
  std::vector<std::pair<std::string, TypeId>> types;  // in definition order
  // Types brought in by `use` (local name -> the other interface's type).
  std::vector<std::pair<std::string, TypeId>> uses;
  std::vector<Function> functions;
  std::vector<ast::Gate> gates;
  // Interfaces whose types this one `use`s (direct dependencies).
  std::vector<InterfaceId> deps;
};

struct WorldItem {
  enum class Kind { kInterface, kFunction, kType };
  Kind kind = Kind::kInterface;
  std::string key;  // import/export name: "wasi:cli/run@0.2.12" or a label
  InterfaceId interface = 0;
  Function function;
  TypeId type = 0;
};

struct World {
  std::string name;
  std::optional<uint32_t> package;
  std::vector<WorldItem> imports;
  std::vector<WorldItem> exports;
  std::vector<ast::Gate> gates;
};

struct Package {
  ast::PackageId id;
  std::vector<std::pair<std::string, InterfaceId>> interfaces;
  std::vector<std::pair<std::string, WorldId>> worlds;
};

struct Resolve {
  std::vector<Package> packages;
  std::vector<Interface> interfaces;
  std::vector<World> worlds;
  std::vector<Type> types;

  TypeId AddType(Type t) {
    types.push_back(std::move(t));
    return static_cast<TypeId>(types.size() - 1);
  }
  // "ns:pkg/iface@version" for a package interface, else empty.
  std::string InterfaceKey(InterfaceId id) const;
  // Follows aliases to the defining type.
  TypeId Dealias(TypeId id) const;
  // Finds a world by `name`, `ns:pkg/name` or `ns:pkg/name@version`; the
  // last match wins when a short name is ambiguous.
  std::optional<WorldId> FindWorld(std::string_view name) const;
};

}  // namespace wasi_bridge::wit

#endif  // WASI_BRIDGE_ADAPTER_WIT_RESOLVE_H_
