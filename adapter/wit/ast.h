// The syntax tree of WIT documents, as parsed (names not yet resolved).
#ifndef WASI_BRIDGE_ADAPTER_WIT_AST_H_
#define WASI_BRIDGE_ADAPTER_WIT_AST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapter/binary/model.h"
#include "adapter/wit/lexer.h"

namespace wasi_bridge::wit::ast {

// `@since(version = ..)`, `@unstable(feature = ..)`, `@deprecated(version = ..)`.
struct Gate {
  std::string kind;   // "since", "unstable", "deprecated"
  std::string key;    // "version" or "feature"
  std::string value;  // "0.2.0", "clocks-timezone", ...
};

struct TypeExpr {
  enum class Kind {
    kPrim, kNamed, kList, kOption, kResult, kTuple, kStream, kFuture, kMap,
    kBorrow,
  };
  Kind kind = Kind::kPrim;
  binary::PrimValType prim = binary::PrimValType::kBool;
  std::string name;             // kNamed, kBorrow
  std::vector<TypeExpr> args;   // element(s); result: see has_ok/has_err
  std::optional<uint32_t> fixed_length;  // list<T, N>
  bool has_ok = false;   // result<T, _> forms
  bool has_err = false;
  Pos pos;
};

struct Param {
  std::string name;
  TypeExpr type;
  Pos pos;
};

struct Func {
  std::string name;
  bool is_async = false;
  std::vector<Param> params;
  std::optional<TypeExpr> result;
  std::vector<Gate> gates;
  Pos pos;
};

struct ResourceFunc {
  enum class Kind { kMethod, kStatic, kConstructor };
  Kind kind = Kind::kMethod;
  Func func;  // a constructor's name is "constructor"
};

struct Case {
  std::string name;
  std::optional<TypeExpr> type;
  Pos pos;
};

struct TypeDef {
  enum class Kind { kAlias, kRecord, kVariant, kEnum, kFlags, kResource };
  Kind kind = Kind::kAlias;
  std::string name;
  TypeExpr alias;                     // kAlias
  std::vector<Param> fields;          // kRecord
  std::vector<Case> cases;            // kVariant; kEnum/kFlags use names
  std::vector<ResourceFunc> methods;  // kResource
  std::vector<Gate> gates;
  Pos pos;
};

// `ns:pkg/iface@version` or a local `iface`.
struct UsePath {
  std::string ns, package, version;  // empty for a local path
  std::string name;
  Pos pos;
  bool IsLocal() const { return ns.empty(); }
  std::string ToString() const;
};

struct UseName {
  std::string name;
  std::string as;  // empty when not renamed
  Pos pos;
};

struct Use {
  UsePath path;
  std::vector<UseName> names;
  std::vector<Gate> gates;
  Pos pos;
};

struct Interface;

struct InterfaceItem {
  enum class Kind { kType, kFunc, kUse };
  Kind kind = Kind::kType;
  TypeDef type;
  Func func;
  Use use;
};

struct Interface {
  std::string name;  // empty for an inline interface in a world
  std::vector<InterfaceItem> items;
  std::vector<Gate> gates;
  Pos pos;
};

struct Include {
  UsePath world;
  std::vector<std::pair<std::string, std::string>> with;  // from -> to
  std::vector<Gate> gates;
  Pos pos;
};

struct WorldItem {
  enum class Kind { kImport, kExport, kUse, kType, kInclude };
  enum class Extern { kPath, kFunc, kInterface };
  Kind kind = Kind::kImport;
  Extern extern_kind = Extern::kPath;
  std::string name;                   // kFunc / kInterface: the label
  UsePath path;                       // kPath
  Func func;                          // kFunc
  std::shared_ptr<Interface> inline_interface;  // kInterface
  Use use;
  TypeDef type;
  Include include;
  std::vector<Gate> gates;
  Pos pos;
};

struct World {
  std::string name;
  std::vector<WorldItem> items;
  std::vector<Gate> gates;
  Pos pos;
};

struct PackageId {
  std::string ns, name, version;
  std::string ToString() const;  // "ns:name@version"
};

// One `package ns:name { ... }` block, or the file's top-level items.
struct PackageBody {
  std::optional<PackageId> id;
  std::vector<Interface> interfaces;
  std::vector<World> worlds;
  std::vector<Use> uses;  // top-level `use ns:pkg/iface as name;`
  Pos pos;
};

struct File {
  std::string path;
  PackageBody main;                 // the file's own package
  std::vector<PackageBody> nested;  // `package a:b { ... }` blocks
};

}  // namespace wasi_bridge::wit::ast

#endif  // WASI_BRIDGE_ADAPTER_WIT_AST_H_
