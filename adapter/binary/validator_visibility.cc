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
      return !n.a || named.contains(*n.a);
    case TKind::kInstance: {
      absl::flat_hash_set<TypeId> inner = named;
      for (const auto& [name, e] : n.exports) {
        if (e.kind == ExternKind::kType) {
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
