// External visibility of types (Explainer.md): the types an import or
// export mentions must themselves be imported or exported, and resources
// may not be captured across component boundaries.
#include "adapter/binary/validator_internal.h"

namespace wasi_bridge::binary::internal {

void Validator::AddInstanceTypes(TypeId instance,
                                 absl::flat_hash_set<TypeId>& out,
                                 int depth) {
  if (depth > 64) return;
  for (const auto& [name, e] : arena_.Get(instance).exports) {
    if (e.kind == ExternKind::kType) out.insert(e.type);
    if (e.kind == ExternKind::kInstance) AddInstanceTypes(e.type, out, depth + 1);
  }
}

bool Validator::AllNamed(TypeId t, const absl::flat_hash_set<TypeId>& named,
                         int depth) {
  if (depth > 64) return true;
  const TypeNode& n = arena_.Get(t);
  switch (n.kind) {
    case TKind::kRecord:
    case TKind::kVariant:
    case TKind::kEnum:
    case TKind::kFlags:
    case TKind::kResource:
      return named.contains(t);
    case TKind::kOwn:
    case TKind::kBorrow:
      return !n.a || named.contains(n.name_id.value_or(*n.a));
    case TKind::kInstance: {
      absl::flat_hash_set<TypeId> inner = named;
      const TypeNode copy = n;  // recursion may grow the arena
      for (const auto& [name, e] : copy.exports) {
        if (e.kind == ExternKind::kType) {
          // Deferred until the instance type is imported or exported: a
          // type export may only refer to types named before it.
          if (!TypeItemNamed(e.type, inner)) return false;
          inner.insert(e.type);
        } else if (e.kind != ExternKind::kCoreModule &&
                   !AllNamed(e.type, inner, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    case TKind::kComponent:
      return true;  // a component type is self-contained
    default:
      return AllNamedMembers(t, named, depth);
  }
}

// The members of `t` (not `t` itself) are all named.
bool Validator::AllNamedMembers(TypeId t,
                                const absl::flat_hash_set<TypeId>& named,
                                int depth) {
  const TypeNode n = arena_.Get(t);  // copy: recursion may grow the arena
  for (const auto& [name, m] : n.members) {
    if (m && !AllNamed(*m, named, depth + 1)) return false;
  }
  if (n.a && !AllNamed(*n.a, named, depth + 1)) return false;
  if (n.b && !AllNamed(*n.b, named, depth + 1)) return false;
  return true;
}

bool Validator::TypeItemNamed(TypeId t,
                              const absl::flat_hash_set<TypeId>& named) {
  switch (arena_.Get(t).kind) {
    case TKind::kRecord:
    case TKind::kVariant:
    case TKind::kEnum:
    case TKind::kFlags:
    case TKind::kResource:
      return AllNamedMembers(t, named);
    default:
      return AllNamed(t, named);
  }
}

TypeId Validator::NewName(TypeId t) {
  switch (arena_.Get(t).kind) {
    case TKind::kRecord:
    case TKind::kVariant:
    case TKind::kEnum:
    case TKind::kFlags:
    case TKind::kResource: {
      TypeNode copy = arena_.Get(t);
      if (copy.kind != TKind::kResource) copy.alias_of = t;
      return arena_.Add(std::move(copy));
    }
    default:
      return t;  // structural: no identity to name
  }
}

void Validator::FreshenDefined(TypeId component,
                               absl::flat_hash_map<TypeId, TypeId>& subst) {
  const TypeId start = arena_.Get(component).scope_start;
  absl::flat_hash_set<TypeId> seen;
  std::vector<TypeId> work;
  for (const auto& [name, e] : arena_.Get(component).exports) {
    if (e.kind != ExternKind::kCoreModule) work.push_back(e.type);
  }
  while (!work.empty()) {
    const TypeId t = work.back();
    work.pop_back();
    if (!seen.insert(t).second || subst.contains(t)) continue;
    const TypeNode n = arena_.Get(t);  // copy: the arena grows below
    if (n.kind == TKind::kComponent) continue;  // binds its own imports
    if (n.kind == TKind::kResource) {
      if (t >= start) {
        TypeNode fresh = n;
        fresh.local_resource = false;  // the instance's, not the caller's
        fresh.abstract_resource = false;
        subst[t] = arena_.Add(std::move(fresh));
      }
      continue;
    }
    for (const auto& [name, m] : n.members) {
      if (m) work.push_back(*m);
    }
    if (n.a) work.push_back(*n.a);
    if (n.b) work.push_back(*n.b);
    for (const auto& [name, e] : n.exports) {
      if (e.kind != ExternKind::kCoreModule) work.push_back(e.type);
    }
  }
}

bool Validator::MentionsResource(TypeId t, int depth) {
  if (depth > 64) return false;
  const TypeNode& n = arena_.Get(t);
  if (n.kind == TKind::kResource || n.has_resource) return true;
  for (const auto* list : {&n.imports, &n.exports}) {
    for (const auto& [name, e] : *list) {
      if (e.kind != ExternKind::kCoreModule && MentionsResource(e.type, depth + 1)) {
        return true;
      }
    }
  }
  for (const auto& [name, m] : n.members) {
    if (m && MentionsResource(*m, depth + 1)) return true;
  }
  return (n.a && MentionsResource(*n.a, depth + 1)) ||
         (n.b && MentionsResource(*n.b, depth + 1));
}

}  // namespace wasi_bridge::binary::internal
