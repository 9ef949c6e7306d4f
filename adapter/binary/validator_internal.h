// Internal state of the component validator: the resolved type arena and
// the per-component (or per-type-declarator) index spaces.
#ifndef WASI_BRIDGE_ADAPTER_BINARY_VALIDATOR_INTERNAL_H_
#define WASI_BRIDGE_ADAPTER_BINARY_VALIDATOR_INTERNAL_H_

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "adapter/binary/core_module_info.h"
#include "adapter/binary/extern_names.h"
#include "adapter/binary/model.h"
#include "adapter/binary/validator.h"

namespace wasi_bridge::binary::internal {

using TypeId = uint32_t;

enum class TKind : uint8_t {
  kPrim, kRecord, kVariant, kList, kTuple, kFlags, kEnum, kOption, kResult,
  kOwn, kBorrow, kStream, kFuture, kMap,  // value types end here
  kFunc, kComponent, kInstance, kResource,
};

struct CoreModuleShape;

// What an import or export provides, resolved to arena ids.
struct Extern {
  ExternKind kind = ExternKind::kFunc;
  TypeId type = 0;  // func/instance/component/type/value
  std::shared_ptr<const CoreModuleShape> module;  // kCoreModule
};

// A resolved component-level type.
struct TypeNode {
  TKind kind = TKind::kPrim;
  PrimValType prim = PrimValType::kBool;
  // Record fields, variant cases, tuple elements, func params (named or not).
  std::vector<std::pair<std::string_view, std::optional<TypeId>>> members;
  std::optional<TypeId> a;  // element / ok / key / resource / func result
  std::optional<TypeId> b;  // err / map value
  uint32_t count = 0;       // fixed-list length, flags count
  bool fixed = false;
  bool is_async = false;
  std::vector<std::pair<std::string_view, Extern>> imports;  // component
  std::vector<std::pair<std::string_view, Extern>> exports;  // component, instance
  bool local_resource = false;  // defined by a resource type in this component
  bool abstract_resource = false;  // `(sub resource)`: bound at instantiation
  // Instance/component types: the abstract resources their own
  // `(sub resource)` declarations introduced (made fresh per import).
  std::vector<TypeId> declared_resources;
  // Facts computed once at construction.
  bool has_string_or_list = false;  // needs memory to lift/lower
  bool has_borrow = false;
  std::vector<uint8_t> flat;  // flattened core types, capped at kFlatCap
  // Canonical ABI layout, saturating at kSizeCap so huge types cannot wrap.
  uint64_t size = 0;
  uint32_t align = 1;
  uint64_t size64 = 0;  // the same with 64-bit pointers
  uint32_t align64 = 1;
  bool has_resource = false;  // mentions a resource (own, borrow)
  // own/borrow: the name the resource was referenced by, when that is not
  // the resource itself (a type index created by exporting it). Visibility
  // and `[method]` names compare names; type equality compares `a`.
  std::optional<TypeId> name_id;
  // Components: the first arena id created while defining it. Resources
  // from that point on that imports do not bind are generative: each
  // instantiation gets fresh ones.
  TypeId scope_start = 0;
  // A copy made to give a nominal type a new name (an import or export of
  // it): substituting the original substitutes the copy too, so identity
  // survives instantiation.
  std::optional<TypeId> alias_of;
};

inline constexpr uint64_t kSizeCap = uint64_t{1} << 40;
inline constexpr uint64_t kMaxValueSize = uint64_t{1} << 28;  // elem_size < 2^28

inline constexpr size_t kFlatCap = 17;  // one more than MAX_FLAT_PARAMS

class TypeArena {
 public:
  TypeArena();
  TypeId Add(TypeNode node) {
    nodes_.push_back(std::move(node));
    return static_cast<TypeId>(nodes_.size() - 1);
  }
  const TypeNode& Get(TypeId id) const { return nodes_[id]; }
  size_t size() const { return nodes_.size(); }
  TypeNode& Mutable(TypeId id) { return nodes_[id]; }
  TypeId Prim(PrimValType p) const;
  bool IsValueType(TypeId id) const {
    return nodes_[id].kind <= TKind::kMap;
  }
  // Fills has_string_or_list, has_borrow, flat, size and align from the
  // members.
  void ComputeFacts(TypeId id);
  void ComputeLayout(TypeNode& n) const;
  void ComputeLayoutFor(TypeNode& n, bool wide) const;
  // Why `actual` cannot be used where `expected` is required, or "" if it
  // can. Value types compare structurally; resources by identity (callers
  // substitute abstract resources first); instances by their expected
  // exports; functions exactly.
  // Maps the abstract resources `want` declares (nested instances
  // included) to the types `have` provides under the same names; with
  // `all_types`, every type export (so identity survives instantiation).
  void BindAbstract(const Extern& want, const Extern& have,
                    absl::flat_hash_map<TypeId, TypeId>& bind,
                    bool all_types = false, int depth = 0) const;
  // `id` with fresh identities for the abstract resources it exports: each
  // import of a type with `(sub resource)` declarations gets its own.
  TypeId Freshen(TypeId id);
  void CollectAbstract(TypeId id, std::vector<TypeId>& out, int depth = 0) const;
  // May add nodes (binding a component type's imported resources).
  std::string Mismatch(TypeId actual, TypeId expected, int depth = 0);
  std::string Describe(TypeId id) const;
  // `id` with every type in `subst` replaced, rebuilding (and memoizing in
  // `subst`) only the nodes whose children change.
  TypeId Substitute(TypeId id, absl::flat_hash_map<TypeId, TypeId>& subst,
                    int depth = 0);

 private:
  std::deque<TypeNode> nodes_;
};

// A core module's interface, from a module section or a core module type.
struct CoreModuleShape {
  struct Item {
    std::string_view module;  // imports only
    std::string_view name;
    CoreSort sort = CoreSort::kFunc;
    std::optional<CoreSignature> signature;
    std::optional<CoreExternDesc> desc;  // tables, memories, globals
  };
  std::vector<Item> imports;
  std::vector<Item> exports;
};

struct CoreItem {
  CoreSort sort = CoreSort::kFunc;
  std::optional<CoreSignature> signature;  // funcs
  std::optional<CoreExternDesc> desc;      // tables, memories, globals
};

// Why a core item described by `have` cannot satisfy an import described by
// `want` (tables, memories and globals), or "".
std::string CoreDescMismatch(const CoreExternDesc& have,
                             const CoreExternDesc& want);
// Why module shape `have` cannot be used where `want` is expected, or "".
std::string ModuleShapeMismatch(const CoreModuleShape& have,
                                const CoreModuleShape& want);

struct CoreInstanceShape {
  absl::flat_hash_map<std::string_view, CoreItem> exports;
};

struct CoreTypeEntry {
  std::optional<CoreSignature> signature;  // a func type
  std::shared_ptr<const CoreModuleShape> module;  // a module type
};

// The index spaces of one component or one type declarator.
struct Scope {
  Scope* parent = nullptr;
  bool is_declarator = false;
  // Core index spaces.
  std::vector<CoreItem> core_funcs;
  size_t core_tables = 0, core_memories = 0, core_globals = 0, core_tags = 0;
  std::vector<CoreTypeEntry> core_types;
  std::vector<std::shared_ptr<const CoreModuleShape>> core_modules;
  std::vector<std::shared_ptr<const CoreInstanceShape>> core_instances;
  // Component index spaces (arena ids).
  std::vector<TypeId> funcs, values, types, components, instances;
  // Names used by imports and exports (uniqueness).
  // Case-folded names of imports and exports (unique ignoring case).
  NameSet import_names, export_names;
  // The type being described (declarators and components).
  TypeNode self;
  // Abstract resources declared in this scope by `(sub resource)`.
  std::vector<TypeId> declared_resources;
  // Types this component imported, and those it imported or exported: what
  // the types of its imports and exports may mention (external visibility).
  absl::flat_hash_set<TypeId> imported_types, visible_types;
  // Plain names of the types imported / exported here: `[method]r.m` and
  // friends look `r` up in their own namespace.
  absl::flat_hash_map<std::string, TypeId> import_type_names,
      export_type_names;
  // Type indices created by exporting a resource: the fresh name they give
  // it (the index space itself holds the resource).
  absl::flat_hash_map<uint32_t, TypeId> slot_names;
};

class Validator {
 public:
  explicit Validator(const ValidateOptions& options) : options_(options) {}

  // Validates a component and returns its component type.
  TypeId ValidateComponentScope(const Component& c, Scope* parent);
  std::vector<ValidationError> TakeErrors() { return std::move(errors_); }

  void Error(uint32_t offset, std::string message) {
    errors_.push_back({offset, std::move(message)});
  }

  // types.
  std::optional<TypeId> ResolveValType(Scope& s, const ValType& t,
                                       uint32_t offset);
  std::optional<TypeId> BuildType(Scope& s, const TypeDef& def);
  std::optional<TypeId> BuildDeclarator(Scope& outer, const TypeDef& def,
                                        bool is_component);
  std::optional<CoreTypeEntry> BuildCoreType(Scope& s, const CoreType& t);
  std::optional<Extern> ResolveExternDesc(Scope& s, const ExternDesc& d,
                                          uint32_t offset);
  void PushExtern(Scope& s, const Extern& e);
  void AddAlias(Scope& s, const Alias& a);

  // canon (validator_canon.cc).
  void ValidateCanon(Scope& s, const Canon& c);

  TypeArena& arena() { return arena_; }
  // Records the core function signatures of the outermost component.
  void CaptureTopLevelCoreFuncs(std::vector<std::optional<CoreSignature>>* out) {
    top_core_funcs_ = out;
  }
  TypeArena TakeArena() { return std::move(arena_); }

 private:
  void ValidateCoreInstance(Scope& s, const CoreInstance& ci);
  void ValidateInstance(Scope& s, const Instance& inst);
  void ValidateImport(Scope& s, const Import& im);
  void ValidateExport(Scope& s, const Export& ex);
  void ValidateCoreModule(Scope& s, const CoreModuleSection& m,
                          uint32_t offset);
  std::optional<Extern> ExternOfSortIndex(Scope& s, const SortIndex& si,
                                          uint32_t offset);
  bool CheckName(const ExternName& n, uint32_t offset, const char* what);
  // True if `t` mentions a resource anywhere (component and instance types
  // included).
  bool MentionsResource(TypeId t, int depth = 0);
  // The `implements` attribute: an interface name, on instances with a
  // plain name only.
  void CheckAttributes(const ExternName& n, ExternKind kind, uint32_t offset);
  // Checks `[constructor]r`, `[method]r.m` and `[static]r.s` against the
  // item's type and the resource named `r` in `type_names`; records type
  // items under their name.
  void CheckAnnotated(const ExternName& n, const Extern& e,
                      absl::flat_hash_map<std::string, TypeId>& type_names,
                      uint32_t offset);
  // True if every nominal type `t` mentions is in `named` (Explainer.md
  // "external visibility of types"); instance types add their own exports.
  bool AllNamed(TypeId t, const absl::flat_hash_set<TypeId>& named,
                int depth = 0);
  void AddInstanceTypes(TypeId instance, absl::flat_hash_set<TypeId>& out,
                        int depth = 0);
  bool AllNamedMembers(TypeId t, const absl::flat_hash_set<TypeId>& named,
                       int depth = 0);
  // A type imported or exported as a type: a nominal type is named by that
  // import or export itself, so only what it refers to must be named.
  bool TypeItemNamed(TypeId t, const absl::flat_hash_set<TypeId>& named);
  // A new name for `t` (records, variants, enums, flags: a structural copy;
  // resources: a token only used as a name). Importing or exporting a type
  // names the new one, not `t`.
  TypeId NewName(TypeId t);
  // Binds, in `subst`, the resources component type `component` defines
  // (those its imports do not bind) to fresh ones.
  void FreshenDefined(TypeId component, absl::flat_hash_map<TypeId, TypeId>& subst);

  const ValidateOptions& options_;
  std::vector<std::optional<CoreSignature>>* top_core_funcs_ = nullptr;
  TypeArena arena_;
  std::vector<ValidationError> errors_;
};

// The top-level component type that validation computed, with the arena
// that holds it (used to decode a component's world).
struct ComponentTypeResult {
  TypeArena arena;
  TypeId type = 0;
  std::vector<ValidationError> errors;
  // Signature of each core function of the outermost component, by index.
  std::vector<std::optional<CoreSignature>> core_func_signatures;
};
ComponentTypeResult ComputeComponentType(const Component& component,
                                         const ValidateOptions& options);

// Validates one core module with wabt, appending errors located in the
// enclosing file.
void ValidateCoreModuleBody(Bytes module, uint32_t base_offset,
                            std::vector<ValidationError>& errors,
                            bool isolate = true);

}  // namespace wasi_bridge::binary::internal

#endif  // WASI_BRIDGE_ADAPTER_BINARY_VALIDATOR_INTERNAL_H_
