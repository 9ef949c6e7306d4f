// The validator's type arena: flattening facts, compatibility, printing.
#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapter/binary/validator_internal.h"

namespace wasi_bridge::binary::internal {
namespace {

constexpr uint8_t kI32 = 0x7f, kI64 = 0x7e, kF32 = 0x7d, kF64 = 0x7c;

constexpr PrimValType kPrims[] = {
    PrimValType::kBool, PrimValType::kS8,     PrimValType::kU8,
    PrimValType::kS16,  PrimValType::kU16,    PrimValType::kS32,
    PrimValType::kU32,  PrimValType::kS64,    PrimValType::kU64,
    PrimValType::kF32,  PrimValType::kF64,    PrimValType::kChar,
    PrimValType::kString, PrimValType::kErrorContext};

size_t PrimSlot(PrimValType p) {
  for (size_t i = 0; i < std::size(kPrims); ++i) {
    if (kPrims[i] == p) return i;
  }
  return 0;
}

// elem_size and alignment of a primitive (CanonicalABI.md).
std::pair<uint64_t, uint32_t> PrimLayout(PrimValType p) {
  switch (p) {
    case PrimValType::kBool:
    case PrimValType::kS8:
    case PrimValType::kU8: return {1, 1};
    case PrimValType::kS16:
    case PrimValType::kU16: return {2, 2};
    case PrimValType::kS64:
    case PrimValType::kU64:
    case PrimValType::kF64: return {8, 8};
    case PrimValType::kString: return {8, 4};
    default: return {4, 4};
  }
}

uint64_t AlignTo(uint64_t x, uint32_t a) { return (x + a - 1) / a * a; }
uint64_t Cap(uint64_t x) { return x > kSizeCap ? kSizeCap : x; }

// The discriminant's layout for a variant of `cases` cases.
std::pair<uint64_t, uint32_t> DiscriminantLayout(size_t cases) {
  if (cases <= (1u << 8)) return {1, 1};
  if (cases <= (1u << 16)) return {2, 2};
  return {4, 4};
}

std::vector<uint8_t> FlattenPrim(PrimValType p) {
  switch (p) {
    case PrimValType::kS64:
    case PrimValType::kU64:
      return {kI64};
    case PrimValType::kF32:
      return {kF32};
    case PrimValType::kF64:
      return {kF64};
    case PrimValType::kString:
      return {kI32, kI32};
    default:
      return {kI32};
  }
}

void AppendCapped(std::vector<uint8_t>& out, const std::vector<uint8_t>& in) {
  for (uint8_t t : in) {
    if (out.size() >= kFlatCap) return;
    out.push_back(t);
  }
}

uint8_t Join(uint8_t a, uint8_t b) {
  if (a == b) return a;
  if ((a == kI32 && b == kF32) || (a == kF32 && b == kI32)) return kI32;
  return kI64;
}

const char* PrimName(PrimValType p) {
  switch (p) {
    case PrimValType::kBool: return "bool";
    case PrimValType::kS8: return "s8";
    case PrimValType::kU8: return "u8";
    case PrimValType::kS16: return "s16";
    case PrimValType::kU16: return "u16";
    case PrimValType::kS32: return "s32";
    case PrimValType::kU32: return "u32";
    case PrimValType::kS64: return "s64";
    case PrimValType::kU64: return "u64";
    case PrimValType::kF32: return "f32";
    case PrimValType::kF64: return "f64";
    case PrimValType::kChar: return "char";
    case PrimValType::kString: return "string";
    case PrimValType::kErrorContext: return "error-context";
  }
  return "?";
}

}  // namespace

TypeArena::TypeArena() {
  for (PrimValType p : kPrims) {
    TypeNode n;
    n.kind = TKind::kPrim;
    n.prim = p;
    n.has_string_or_list = p == PrimValType::kString;
    n.flat = FlattenPrim(p);
    std::tie(n.size, n.align) = PrimLayout(p);
    n.size64 = p == PrimValType::kString ? 16 : n.size;
    n.align64 = p == PrimValType::kString ? 8 : n.align;
    Add(std::move(n));
  }
}

TypeId TypeArena::Prim(PrimValType p) const {
  return static_cast<TypeId>(PrimSlot(p));
}

void TypeArena::ComputeLayout(TypeNode& n) const {
  ComputeLayoutFor(n, /*wide=*/false);
  ComputeLayoutFor(n, /*wide=*/true);
}

// `wide`: with 64-bit pointers (memory64), where strings and lists take 16
// bytes; the spec bounds elem_size under that layout.
void TypeArena::ComputeLayoutFor(TypeNode& n, bool wide) const {
  uint64_t& out_size = wide ? n.size64 : n.size;
  uint32_t& out_align = wide ? n.align64 : n.align;
  auto layout = [&](std::optional<TypeId> t) {
    if (!t) return std::pair<uint64_t, uint32_t>{0, 1};
    const TypeNode& c = nodes_[*t];
    return wide ? std::pair<uint64_t, uint32_t>{c.size64, c.align64}
                : std::pair<uint64_t, uint32_t>{c.size, c.align};
  };
  switch (n.kind) {
    case TKind::kRecord:
    case TKind::kTuple: {
      uint64_t size = 0;
      uint32_t align = 1;
      for (const auto& [name, m] : n.members) {
        const auto [s, a] = layout(m);
        size = Cap(AlignTo(size, a) + s);
        align = std::max(align, a);
      }
      out_size = Cap(AlignTo(size, align));
      out_align = align;
      return;
    }
    case TKind::kVariant:
    case TKind::kOption:
    case TKind::kResult:
    case TKind::kEnum: {
      std::vector<std::optional<TypeId>> cases;
      if (n.kind == TKind::kOption) {
        cases = {std::nullopt, n.a};
      } else if (n.kind == TKind::kResult) {
        cases = {n.a, n.b};
      } else {
        for (const auto& [name, m] : n.members) cases.push_back(m);
      }
      auto [size, align] = DiscriminantLayout(cases.size());
      uint64_t payload = 0;
      uint32_t payload_align = 1;
      for (const auto& c : cases) {
        const auto [s, a] = layout(c);
        payload = std::max(payload, s);
        payload_align = std::max(payload_align, a);
      }
      align = std::max(align, payload_align);
      out_size = Cap(AlignTo(AlignTo(size, payload_align) + payload, align));
      out_align = align;
      return;
    }
    case TKind::kFlags:
      out_size = n.count <= 8 ? 1 : n.count <= 16 ? 2 : 4 * ((n.count + 31) / 32);
      out_align = n.count <= 8 ? 1 : n.count <= 16 ? 2 : 4;
      return;
    case TKind::kList:
      if (n.fixed) {
        const auto [s, a] = layout(n.a);
        out_size = s == 0 ? 0 : (n.count > kSizeCap / s ? kSizeCap : Cap(s * n.count));
        out_align = a;
      } else {
        out_size = wide ? 16 : 8;
        out_align = wide ? 8 : 4;
      }
      return;
    case TKind::kMap:
      out_size = wide ? 16 : 8;
      out_align = wide ? 8 : 4;
      return;
    case TKind::kOwn:
    case TKind::kBorrow:
    case TKind::kStream:
    case TKind::kFuture:
      out_size = 4;
      out_align = 4;
      return;
    default:
      return;
  }
}

void TypeArena::ComputeFacts(TypeId id) {
  TypeNode& n = nodes_[id];
  if (n.kind == TKind::kPrim) return;  // facts set at construction
  auto child = [&](std::optional<TypeId> t) -> const TypeNode* {
    return t ? &nodes_[*t] : nullptr;
  };
  auto absorb = [&](const TypeNode* c) {
    if (!c) return;
    n.has_string_or_list |= c->has_string_or_list;
    n.has_borrow |= c->has_borrow;
    n.has_resource |= c->has_resource || c->kind == TKind::kResource;
  };
  n.flat.clear();
  ComputeLayout(n);
  switch (n.kind) {
    case TKind::kRecord:
    case TKind::kTuple:
      for (auto& [name, t] : n.members) {
        absorb(child(t));
        if (t) AppendCapped(n.flat, nodes_[*t].flat);
      }
      break;
    case TKind::kVariant:
    case TKind::kOption:
    case TKind::kResult: {
      std::vector<std::optional<TypeId>> cases;
      if (n.kind == TKind::kVariant) {
        for (auto& [name, t] : n.members) cases.push_back(t);
      } else if (n.kind == TKind::kOption) {
        cases = {std::nullopt, n.a};
      } else {
        cases = {n.a, n.b};
      }
      std::vector<uint8_t> joined;
      for (const auto& t : cases) {
        absorb(child(t));
        if (!t) continue;
        const auto& f = nodes_[*t].flat;
        for (size_t i = 0; i < f.size(); ++i) {
          if (i < joined.size()) {
            joined[i] = Join(joined[i], f[i]);
          } else if (joined.size() < kFlatCap) {
            joined.push_back(f[i]);
          }
        }
      }
      n.flat.push_back(kI32);  // the discriminant
      AppendCapped(n.flat, joined);
      break;
    }
    case TKind::kList:
      absorb(child(n.a));
      if (n.fixed) {
        for (uint32_t i = 0; i < n.count && n.flat.size() < kFlatCap; ++i) {
          AppendCapped(n.flat, nodes_[*n.a].flat);
          if (nodes_[*n.a].flat.empty()) break;
        }
      } else {
        n.has_string_or_list = true;
        n.flat = {kI32, kI32};
      }
      break;
    case TKind::kMap:
      absorb(child(n.a));
      absorb(child(n.b));
      n.has_string_or_list = true;
      n.flat = {kI32, kI32};
      break;
    case TKind::kFlags:
      if (n.count > 0) n.flat = {kI32};
      break;
    case TKind::kEnum:
      n.flat = {kI32};
      break;
    case TKind::kBorrow:
      n.has_borrow = true;
      n.has_resource = true;
      n.flat = {kI32};
      break;
    case TKind::kOwn:
      n.has_resource = true;
      n.flat = {kI32};
      break;
    case TKind::kStream:
    case TKind::kFuture:
      n.flat = {kI32};
      break;
    default:
      break;
  }
}

std::string TypeArena::Mismatch(TypeId actual, TypeId expected, int depth) {
  if (actual == expected || depth > 64) return "";
  if (nodes_[actual].kind == TKind::kComponent &&
      nodes_[expected].kind == TKind::kComponent) {
    // A component type is universally quantified over the resources it
    // imports: bind the expected type's to the actual one's by name first.
    absl::flat_hash_map<TypeId, TypeId> bind;
    const auto want = nodes_[expected].imports;
    const auto have = nodes_[actual].imports;
    for (const auto& [name, w] : want) {
      for (const auto& [hname, h] : have) {
        if (hname == name && h.kind == w.kind) BindAbstract(w, h, bind);
      }
    }
    if (!bind.empty()) {
      const TypeId bound = Substitute(expected, bind);
      if (bound != expected) return Mismatch(actual, bound, depth + 1);
    }
  }
  const TypeNode& x = nodes_[actual];
  const TypeNode& y = nodes_[expected];
  auto kind_name = [&](const TypeNode& n, TypeId id) {
    return n.kind == TKind::kPrim ? absl::StrCat("primitive `", Describe(id), "`")
                                  : Describe(id);
  };
  if (x.kind != y.kind) {
    if (y.kind == TKind::kResource) return "expected resource, found defined type";
    if (x.kind == TKind::kResource) return "expected defined type, found resource";
    return absl::StrCat("expected ", kind_name(y, expected), ", found ",
                        kind_name(x, actual));
  }
  auto sub = [&](std::optional<TypeId> p, std::optional<TypeId> q,
                 const std::string& where) -> std::string {
    if (!p && !q) return "";
    if (p.has_value() != q.has_value()) {
      return absl::StrCat("expected ", where, q ? " type" : " type to not be present",
                          q ? ", but found none" : "");
    }
    std::string m = Mismatch(*p, *q, depth + 1);
    return m.empty() ? "" : absl::StrCat("type mismatch in ", where, ": ", m);
  };
  switch (x.kind) {
    case TKind::kPrim:
      return x.prim == y.prim ? ""
                              : absl::StrCat("expected primitive `",
                                             Describe(expected),
                                             "` found primitive `",
                                             Describe(actual), "`");
    case TKind::kResource:
      return "resource types are not the same";
    case TKind::kRecord:
    case TKind::kVariant:
    case TKind::kTuple:
    case TKind::kFunc: {
      const char* what = x.kind == TKind::kRecord   ? "fields"
                         : x.kind == TKind::kTuple  ? "types"
                         : x.kind == TKind::kFunc   ? "parameters"
                                                    : "cases";
      if (x.kind == TKind::kFunc && x.is_async != y.is_async) {
        return y.is_async ? "expected an async function type"
                          : "expected a non-async function type";
      }
      if (x.members.size() != y.members.size()) {
        return absl::StrFormat("expected %u %s, found %u", y.members.size(),
                               what, x.members.size());
      }
      for (size_t i = 0; i < x.members.size(); ++i) {
        const auto& [xn, xt] = x.members[i];
        const auto& [yn, yt] = y.members[i];
        if (xn != yn) {
          return absl::StrFormat("expected %s name `%s`, found `%s`",
                                 x.kind == TKind::kVariant ? "case" : "field",
                                 yn, xn);
        }
        std::string where =
            x.kind == TKind::kRecord   ? absl::StrFormat("record field `%s`", xn)
            : x.kind == TKind::kTuple  ? absl::StrFormat("tuple field %u", i)
            : x.kind == TKind::kFunc   ? absl::StrFormat("parameter `%s`", xn)
                                       : absl::StrFormat("variant case `%s`", xn);
        if (x.kind == TKind::kVariant && xt.has_value() != yt.has_value()) {
          if (yt) {
            return absl::StrFormat("expected case `%s` to have a type, found "
                                   "none",
                                   xn);
          }
          return absl::StrFormat("expected case `%s` to have no type", xn);
        }
        std::string m = sub(xt, yt, where);
        if (!m.empty()) return m;
      }
      return sub(x.a, y.a, "result");
    }
    case TKind::kFlags:
    case TKind::kEnum: {
      bool same = x.members.size() == y.members.size();
      for (size_t i = 0; same && i < x.members.size(); ++i) {
        same = x.members[i].first == y.members[i].first;
      }
      return same ? ""
                  : absl::StrCat("mismatch in ",
                                 x.kind == TKind::kFlags ? "flags" : "enum",
                                 " elements");
    }
    case TKind::kResult: {
      std::string m = sub(x.a, y.a, "ok variant");
      if (!m.empty()) {
        if (!x.a || !y.a) return y.a ? "expected ok type, but found none"
                                     : "expected ok type to not be present";
        return m;
      }
      m = sub(x.b, y.b, "err variant");
      if (!m.empty() && (!x.b || !y.b)) {
        return y.b ? "expected err type, but found none"
                   : "expected err type to not be present";
      }
      return m;
    }
    case TKind::kInstance:
    case TKind::kComponent: {
      for (const auto& [name, want] : y.exports) {
        const Extern* have = nullptr;
        for (const auto& [hname, h] : x.exports) {
          if (hname == name) have = &h;
        }
        if (!have) return absl::StrFormat("missing expected export `%s`", name);
        if (have->kind != want.kind) {
          return absl::StrFormat("type mismatch in export `%s`: different "
                                 "kinds of item",
                                 name);
        }
        if (want.kind == ExternKind::kCoreModule) continue;
        std::string m = Mismatch(have->type, want.type, depth + 1);
        if (!m.empty()) {
          return absl::StrFormat("type mismatch in export `%s`: %s", name, m);
        }
      }
      if (x.kind == TKind::kComponent) {
        // A component may be used where one importing more is expected,
        // not one importing less.
        for (const auto& [name, need] : x.imports) {
          bool found = false;
          for (const auto& [wname, w] : y.imports) found |= wname == name;
          if (!found) {
            return absl::StrFormat("missing expected import `%s`", name);
          }
        }
      }
      return "";
    }
    case TKind::kList:
      if (x.fixed != y.fixed || x.count != y.count) {
        return "mismatch in fixed-length list size";
      }
      return sub(x.a, y.a, "list element");
    default:
      return absl::StrCat(sub(x.a, y.a, "element"), sub(x.b, y.b, "element"));
  }
}

void TypeArena::BindAbstract(const Extern& want, const Extern& have,
                             absl::flat_hash_map<TypeId, TypeId>& bind,
                             bool all_types, int depth) const {
  if (depth > 64 || want.kind != have.kind) return;
  if (want.kind == ExternKind::kType) {
    if (all_types || nodes_[want.type].abstract_resource) {
      bind.try_emplace(want.type, have.type);  // the first binding stands
    }
    return;
  }
  if (want.kind != ExternKind::kInstance) return;
  for (const auto& [name, w] : nodes_[want.type].exports) {
    for (const auto& [hname, h] : nodes_[have.type].exports) {
      if (hname == name) BindAbstract(w, h, bind, all_types, depth + 1);
    }
  }
}

void TypeArena::CollectAbstract(TypeId id, std::vector<TypeId>& out,
                                int depth) const {
  if (depth > 64) return;
  const TypeNode& n = nodes_[id];
  for (TypeId r : n.declared_resources) {
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  }
  for (const auto& [name, e] : n.exports) {
    if (e.kind == ExternKind::kInstance) CollectAbstract(e.type, out, depth + 1);
  }
}

TypeId TypeArena::Freshen(TypeId id) {
  std::vector<TypeId> abstract;
  CollectAbstract(id, abstract);
  if (abstract.empty()) return id;
  absl::flat_hash_map<TypeId, TypeId> fresh;
  for (TypeId r : abstract) fresh[r] = Add(nodes_[r]);  // a new identity
  return Substitute(id, fresh);
}

TypeId TypeArena::Substitute(TypeId id,
                             absl::flat_hash_map<TypeId, TypeId>& subst,
                             int depth) {
  if (auto it = subst.find(id); it != subst.end()) return it->second;
  if (depth > 64) return id;
  if (const std::optional<TypeId> target = nodes_[id].alias_of) {
    const TypeId r = Substitute(*target, subst, depth + 1);
    if (r != *target) {
      subst[id] = r;
      return r;
    }
  }
  TypeNode copy = nodes_[id];
  bool changed = false;
  auto sub = [&](std::optional<TypeId>& t) {
    if (!t) return;
    const TypeId r = Substitute(*t, subst, depth + 1);
    changed |= r != *t;
    t = r;
  };
  for (auto& [name, m] : copy.members) sub(m);
  const std::optional<TypeId> old_a = copy.a;
  sub(copy.a);
  sub(copy.b);
  // A handle to a substituted resource goes by that resource's name.
  if (copy.a != old_a) copy.name_id.reset();
  for (auto* list : {&copy.imports, &copy.exports}) {
    for (auto& [name, e] : *list) {
      if (e.kind == ExternKind::kCoreModule) continue;
      const TypeId r = Substitute(e.type, subst, depth + 1);
      changed |= r != e.type;
      e.type = r;
    }
  }
  // Resources are nominal: a resource not in `subst` stays itself.
  const TypeId out = changed ? Add(std::move(copy)) : id;
  if (changed) ComputeFacts(out);
  subst[id] = out;
  return out;
}

std::string TypeArena::Describe(TypeId id) const {
  const TypeNode& n = nodes_[id];
  auto opt = [&](std::optional<TypeId> t) {
    return t ? Describe(*t) : std::string("_");
  };
  switch (n.kind) {
    case TKind::kPrim: return PrimName(n.prim);
    case TKind::kRecord: return "record";
    case TKind::kVariant: return "variant";
    case TKind::kList:
      return n.fixed ? absl::StrFormat("list<%s, %u>", opt(n.a), n.count)
                     : absl::StrCat("list<", opt(n.a), ">");
    case TKind::kTuple: return "tuple";
    case TKind::kFlags: return "flags";
    case TKind::kEnum: return "enum";
    case TKind::kOption: return absl::StrCat("option<", opt(n.a), ">");
    case TKind::kResult:
      return absl::StrCat("result<", opt(n.a), ", ", opt(n.b), ">");
    case TKind::kOwn: return "own";
    case TKind::kBorrow: return "borrow";
    case TKind::kStream: return absl::StrCat("stream<", opt(n.a), ">");
    case TKind::kFuture: return absl::StrCat("future<", opt(n.a), ">");
    case TKind::kMap: return absl::StrCat("map<", opt(n.a), ", ", opt(n.b), ">");
    case TKind::kFunc: return n.is_async ? "async func" : "func";
    case TKind::kComponent: return "component";
    case TKind::kInstance: return "instance";
    case TKind::kResource: return "resource";
  }
  return "?";
}

}  // namespace wasi_bridge::binary::internal
