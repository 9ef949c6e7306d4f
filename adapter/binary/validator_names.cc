// Validation of import/export names: kebab-case and interface names,
// the `implements` attribute, and `[constructor]` / `[method]` / `[static]`
// names checked against the function they name.
#include "absl/strings/str_format.h"
#include "adapter/binary/extern_names.h"
#include "adapter/binary/validator_internal.h"

namespace wasi_bridge::binary::internal {

bool Validator::CheckName(const ExternName& n, uint32_t offset,
                          const char* what) {
  std::string problem = CheckExternName(n.name);
  if (problem.empty()) return true;
  Error(offset, absl::StrFormat("%s name `%s`: %s", what, n.name, problem));
  return false;
}

void Validator::CheckAnnotated(
    const ExternName& n, const Extern& e,
    absl::flat_hash_map<std::string, TypeId>& type_names, uint32_t offset) {
  std::string_view name = n.name;
  if (e.kind == ExternKind::kType) {
    type_names[std::string(name)] = e.type;
    return;
  }
  enum { kNone, kConstructor, kMethod, kStatic } kind = kNone;
  for (auto [prefix, k] : {std::pair{std::string_view("[constructor]"), kConstructor},
                           std::pair{std::string_view("[method]"), kMethod},
                           std::pair{std::string_view("[static]"), kStatic}}) {
    if (name.starts_with(prefix)) {
      kind = k;
      name.remove_prefix(prefix.size());
    }
  }
  if (kind == kNone) return;
  const std::string resource(kind == kConstructor ? name
                                                  : name.substr(0, name.find('.')));
  auto fail = [&](std::string why) {
    Error(offset, absl::StrFormat("`%s`: %s", n.name, why));
  };
  if (e.kind != ExternKind::kFunc) return fail("is not a func");
  auto it = type_names.find(resource);
  const bool known =
      it != type_names.end() && arena_.Get(it->second).kind == TKind::kResource;
  const TypeNode ft = arena_.Get(e.type);  // copy: arena may grow
  if (kind == kStatic) {
    if (!known) fail("static resource name is not known in this context");
    return;
  }
  // The resource the signature mentions: own<T> (or result<own<T>, E>) for
  // constructors, the first parameter's borrow<T> for methods; by the name
  // it was referenced through (exporting a type gives it a new one).
  std::optional<TypeId> mentioned;
  if (kind == kConstructor) {
    if (!ft.a) return fail("function should return one value");
    const TypeNode* r = &arena_.Get(*ft.a);
    if (r->kind == TKind::kResult && r->a) r = &arena_.Get(*r->a);
    if (r->kind != TKind::kOwn || !r->a) {
      return fail("function should return `(own $T)` or `(result (own $T))`");
    }
    mentioned = r->name_id.value_or(*r->a);
  } else {
    if (ft.members.empty()) return fail("method should have at least one argument");
    if (ft.members[0].first != "self") {
      return fail("method should have a first argument called `self`");
    }
    const TypeNode& p = arena_.Get(*ft.members[0].second);
    if (p.kind != TKind::kBorrow || !p.a) {
      return fail("method should take a first argument of `(borrow $T)`");
    }
    mentioned = p.name_id.value_or(*p.a);
  }
  if (!known) {
    // Find which name, if any, the mentioned resource goes by here.
    for (const auto& [tname, t] : type_names) {
      if (t == *mentioned) {
        return fail(absl::StrFormat(
            "function does not match expected resource name `%s`", tname));
      }
    }
    return fail("resource used in function does not have a name in this "
                "context");
  }
  if (it->second != *mentioned) {
    for (const auto& [tname, t] : type_names) {
      if (t == *mentioned) {
        return fail(absl::StrFormat(
            "function does not match expected resource name `%s`", tname));
      }
    }
    fail("resource used in function does not have a name in this context");
  }
}

void Validator::CheckAttributes(const ExternName& n, ExternKind kind,
                                uint32_t offset) {
  for (const NameAttribute& a : n.attributes) {
    if (a.kind != 0) continue;  // only `implements` has rules
    if (a.value.empty()) {
      Error(offset, absl::StrFormat("`%s`: `implements` value is not a valid "
                                    "name",
                                    n.name));
    } else if (!ParseInterfaceName(a.value) || !CheckExternName(a.value).empty()) {
      Error(offset, absl::StrFormat("`%s`: `implements` value `%s` must be an "
                                    "interface name",
                                    n.name, a.value));
    }
    if (kind != ExternKind::kInstance) {
      Error(offset, absl::StrFormat("`%s`: only instances can have an "
                                    "`implements` attribute",
                                    n.name));
    }
    if (ParseInterfaceName(n.name)) {
      Error(offset, absl::StrFormat("name `%s` is not valid with `implements` "
                                    "(it must be a plain name)",
                                    n.name));
    }
  }
}

}  // namespace wasi_bridge::binary::internal
