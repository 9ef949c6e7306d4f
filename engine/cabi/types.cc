#include "engine/cabi/types.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/cabi/layout.h"

namespace wasi_bridge::engine::cabi {

const char* TypeKindName(TypeKind k) {
  switch (k) {
    case TypeKind::kBool: return "bool";
    case TypeKind::kS8: return "s8";
    case TypeKind::kU8: return "u8";
    case TypeKind::kS16: return "s16";
    case TypeKind::kU16: return "u16";
    case TypeKind::kS32: return "s32";
    case TypeKind::kU32: return "u32";
    case TypeKind::kS64: return "s64";
    case TypeKind::kU64: return "u64";
    case TypeKind::kF32: return "f32";
    case TypeKind::kF64: return "f64";
    case TypeKind::kChar: return "char";
    case TypeKind::kString: return "string";
    case TypeKind::kErrorContext: return "error-context";
    case TypeKind::kList: return "list";
    case TypeKind::kFixedList: return "fixed-list";
    case TypeKind::kRecord: return "record";
    case TypeKind::kTuple: return "tuple";
    case TypeKind::kVariant: return "variant";
    case TypeKind::kEnum: return "enum";
    case TypeKind::kOption: return "option";
    case TypeKind::kResult: return "result";
    case TypeKind::kFlags: return "flags";
    case TypeKind::kOwn: return "own";
    case TypeKind::kBorrow: return "borrow";
    case TypeKind::kStream: return "stream";
    case TypeKind::kFuture: return "future";
    case TypeKind::kMap: return "map";
  }
  return "?";
}

namespace {

using Ptr = std::shared_ptr<CabiType>;

bool IsPrimitiveKind(TypeKind k) {
  return static_cast<uint8_t>(k) <= static_cast<uint8_t>(TypeKind::kErrorContext);
}

}  // namespace

// --- factories ---------------------------------------------------------------

TypeRef CabiType::Primitive(TypeKind kind) {
  if (!IsPrimitiveKind(kind)) {
    auto t = std::make_shared<CabiType>(Passkey(), kind);
    t->status_ = absl::InvalidArgumentError(
        absl::StrCat("Primitive() called with non-primitive kind ", TypeKindName(kind)));
    return t;
  }
  // Primitives are interned: one node per kind.
  static const std::vector<TypeRef>* const kPrims = [] {
    auto* v = new std::vector<TypeRef>;
    for (uint8_t k = 0; k <= static_cast<uint8_t>(TypeKind::kErrorContext); ++k) {
      v->push_back(Finish(std::make_shared<CabiType>(Passkey(), static_cast<TypeKind>(k))));
    }
    return v;
  }();
  return (*kPrims)[static_cast<uint8_t>(kind)];
}

TypeRef CabiType::Bool() { return Primitive(TypeKind::kBool); }
TypeRef CabiType::S8() { return Primitive(TypeKind::kS8); }
TypeRef CabiType::U8() { return Primitive(TypeKind::kU8); }
TypeRef CabiType::S16() { return Primitive(TypeKind::kS16); }
TypeRef CabiType::U16() { return Primitive(TypeKind::kU16); }
TypeRef CabiType::S32() { return Primitive(TypeKind::kS32); }
TypeRef CabiType::U32() { return Primitive(TypeKind::kU32); }
TypeRef CabiType::S64() { return Primitive(TypeKind::kS64); }
TypeRef CabiType::U64() { return Primitive(TypeKind::kU64); }
TypeRef CabiType::F32() { return Primitive(TypeKind::kF32); }
TypeRef CabiType::F64() { return Primitive(TypeKind::kF64); }
TypeRef CabiType::Char() { return Primitive(TypeKind::kChar); }
TypeRef CabiType::String() { return Primitive(TypeKind::kString); }
TypeRef CabiType::ErrorContext() { return Primitive(TypeKind::kErrorContext); }

TypeRef CabiType::List(TypeRef elem) {
  auto t = std::make_shared<CabiType>(Passkey(), TypeKind::kList);
  t->elem_ = std::move(elem);
  return Finish(std::move(t));
}

TypeRef CabiType::FixedList(TypeRef elem, uint32_t length) {
  auto t = std::make_shared<CabiType>(Passkey(), TypeKind::kFixedList);
  t->elem_ = std::move(elem);
  t->count_ = length;
  return Finish(std::move(t));
}

TypeRef CabiType::Record(std::vector<Field> fields) {
  auto t = std::make_shared<CabiType>(Passkey(), TypeKind::kRecord);
  t->fields_ = std::move(fields);
  return Finish(std::move(t));
}

TypeRef CabiType::Tuple(std::vector<TypeRef> elems) {
  auto t = std::make_shared<CabiType>(Passkey(), TypeKind::kTuple);
  t->elems_ = std::move(elems);
  return Finish(std::move(t));
}

TypeRef CabiType::Variant(std::vector<Case> cases) {
  auto t = std::make_shared<CabiType>(Passkey(), TypeKind::kVariant);
  t->cases_ = std::move(cases);
  return Finish(std::move(t));
}

TypeRef CabiType::Enum(std::vector<std::string> labels) {
  auto t = std::make_shared<CabiType>(Passkey(), TypeKind::kEnum);
  t->labels_ = std::move(labels);
  return Finish(std::move(t));
}

TypeRef CabiType::Option(TypeRef elem) {
  auto t = std::make_shared<CabiType>(Passkey(), TypeKind::kOption);
  t->elem_ = std::move(elem);
  return Finish(std::move(t));
}

TypeRef CabiType::Result(TypeRef ok, TypeRef err) {
  auto t = std::make_shared<CabiType>(Passkey(), TypeKind::kResult);
  t->elem_ = std::move(ok);
  t->elem2_ = std::move(err);
  return Finish(std::move(t));
}

TypeRef CabiType::Flags(uint32_t count) {
  auto t = std::make_shared<CabiType>(Passkey(), TypeKind::kFlags);
  t->count_ = count;
  return Finish(std::move(t));
}

TypeRef CabiType::Own(ResourceId resource) {
  auto t = std::make_shared<CabiType>(Passkey(), TypeKind::kOwn);
  t->count_ = resource;
  return Finish(std::move(t));
}

TypeRef CabiType::Borrow(ResourceId resource) {
  auto t = std::make_shared<CabiType>(Passkey(), TypeKind::kBorrow);
  t->count_ = resource;
  return Finish(std::move(t));
}

TypeRef CabiType::Stream(TypeRef payload) {
  auto t = std::make_shared<CabiType>(Passkey(), TypeKind::kStream);
  t->elem_ = std::move(payload);
  return Finish(std::move(t));
}

TypeRef CabiType::Future(TypeRef payload) {
  auto t = std::make_shared<CabiType>(Passkey(), TypeKind::kFuture);
  t->elem_ = std::move(payload);
  return Finish(std::move(t));
}

TypeRef CabiType::Map(TypeRef key, TypeRef value) {
  auto t = std::make_shared<CabiType>(Passkey(), TypeKind::kMap);
  if (key != nullptr && value != nullptr) t->map_entry_ = Tuple({key, value});
  t->elem_ = std::move(key);
  t->elem2_ = std::move(value);
  return Finish(std::move(t));
}

// --- views -------------------------------------------------------------------

bool CabiType::IsRecordLike() const {
  return kind_ == TypeKind::kRecord || kind_ == TypeKind::kTuple;
}

size_t CabiType::field_count() const {
  return kind_ == TypeKind::kRecord ? fields_.size() : elems_.size();
}

const CabiType& CabiType::field_type(size_t i) const {
  return kind_ == TypeKind::kRecord ? *fields_[i].type : *elems_[i];
}

bool CabiType::IsVariantLike() const {
  return kind_ == TypeKind::kVariant || kind_ == TypeKind::kEnum ||
         kind_ == TypeKind::kOption || kind_ == TypeKind::kResult;
}

size_t CabiType::case_count() const {
  switch (kind_) {
    case TypeKind::kVariant: return cases_.size();
    case TypeKind::kEnum: return labels_.size();
    case TypeKind::kOption:
    case TypeKind::kResult: return 2;
    default: return 0;
  }
}

const CabiType* CabiType::case_type(size_t i) const {
  switch (kind_) {
    case TypeKind::kVariant: return cases_[i].type.get();
    case TypeKind::kOption: return i == 0 ? nullptr : elem_.get();
    case TypeKind::kResult: return i == 0 ? elem_.get() : elem2_.get();
    default: return nullptr;
  }
}

bool CabiType::IsListLike() const {
  return kind_ == TypeKind::kList || kind_ == TypeKind::kFixedList ||
         kind_ == TypeKind::kMap;
}

const CabiType& CabiType::list_elem() const {
  return kind_ == TypeKind::kMap ? *map_entry_ : *elem_;
}

uint32_t CabiType::size() const {
  return status_.ok() && layout32_.size <= UINT32_MAX
             ? static_cast<uint32_t>(layout32_.size)
             : 0;
}

// --- validation and caching --------------------------------------------------

absl::Status CabiType::Check() const {
  // Children first, so the innermost error surfaces.
  std::vector<const CabiType*> children;
  auto need = [&](const TypeRef& c, const char* what) -> absl::Status {
    if (c == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(TypeKindName(kind_), " ", what, " type is null"));
    }
    children.push_back(c.get());
    return absl::OkStatus();
  };
  auto maybe = [&](const TypeRef& c) {
    if (c != nullptr) children.push_back(c.get());
  };
  absl::Status s;
  switch (kind_) {
    case TypeKind::kList:
    case TypeKind::kFixedList:
    case TypeKind::kOption: s = need(elem_, "element"); break;
    case TypeKind::kRecord:
      for (const Field& f : fields_) {
        if (s = need(f.type, "field"); !s.ok()) break;
      }
      break;
    case TypeKind::kTuple:
      for (const TypeRef& e : elems_) {
        if (s = need(e, "element"); !s.ok()) break;
      }
      break;
    case TypeKind::kVariant:
      for (const Case& c : cases_) maybe(c.type);
      break;
    case TypeKind::kResult:
      maybe(elem_);
      maybe(elem2_);
      break;
    case TypeKind::kStream:
    case TypeKind::kFuture: maybe(elem_); break;
    case TypeKind::kMap:
      if (s = need(elem_, "key"); !s.ok()) break;
      // The synthesized tuple<K, V> element is not a defvaltype, so the
      // max-value-size rule does not apply to it (max-value-size.wast
      // accepts map<u8, list<u8, 2^28-1>>).
      s = need(elem2_, "value");
      break;
    default: break;
  }
  if (!s.ok()) return s;
  for (const CabiType* c : children) {
    if (!c->status().ok()) return c->status();
  }
  switch (kind_) {
    case TypeKind::kFixedList:
      if (count_ == 0) return absl::InvalidArgumentError("fixed-length list must have length >= 1");
      break;
    case TypeKind::kRecord:
      if (fields_.empty()) return absl::InvalidArgumentError("record must have at least one field");
      break;
    case TypeKind::kTuple:
      if (elems_.empty()) return absl::InvalidArgumentError("tuple must have at least one element");
      break;
    case TypeKind::kVariant:
      if (cases_.empty()) return absl::InvalidArgumentError("variant must have at least one case");
      if (cases_.size() > UINT32_MAX) {
        return absl::InvalidArgumentError("variant has too many cases");
      }
      break;
    case TypeKind::kEnum:
      if (labels_.empty()) return absl::InvalidArgumentError("enum must have at least one label");
      if (labels_.size() > UINT32_MAX) {
        return absl::InvalidArgumentError("enum has too many labels");
      }
      break;
    case TypeKind::kFlags:
      if (count_ == 0 || count_ > 32) {
        return absl::InvalidArgumentError(
            absl::StrFormat("flags must have 1..32 flags (got %u)", count_));
      }
      break;
    case TypeKind::kStream:
    case TypeKind::kFuture:
      if (elem_ != nullptr && elem_->ContainsBorrow()) {
        return absl::InvalidArgumentError(
            absl::StrCat(TypeKindName(kind_), " payload must not contain a borrow"));
      }
      break;
    default: break;
  }
  if (depth_ > kMaxTypeDepth) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "type nesting is too deep (depth %u > %u)", depth_, kMaxTypeDepth));
  }
  if (layout64_.size > kMaxValueByteSize) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "type exceeds maximum byte size (elem_size %u > %u)", layout64_.size,
        kMaxValueByteSize));
  }
  return absl::OkStatus();
}

TypeRef CabiType::Finish(std::shared_ptr<CabiType> t) {
  // Depth and borrow containment from the (possibly null) children.
  uint32_t child_depth = 0;
  bool borrow = t->kind_ == TypeKind::kBorrow;
  auto visit = [&](const TypeRef& c) {
    if (c == nullptr) return;
    child_depth = std::max(child_depth, c->depth());
    borrow = borrow || c->ContainsBorrow();
  };
  visit(t->elem_);
  visit(t->elem2_);
  visit(t->map_entry_);
  for (const Field& f : t->fields_) visit(f.type);
  for (const TypeRef& e : t->elems_) visit(e);
  for (const Case& c : t->cases_) visit(c.type);
  t->depth_ = child_depth + 1;
  t->contains_borrow_ = borrow;
  t->layout32_ = internal::ComputeSizeAlign(*t, 4);
  t->layout64_ = internal::ComputeSizeAlign(*t, 8);
  t->flat_count_ = internal::ComputeFlatCount(*t);
  t->status_ = t->Check();
  return t;
}

// --- printing ------------------------------------------------------------------

std::string ToString(const CabiType& t) {
  auto opt = [](const TypeRef& c) { return c ? ToString(*c) : std::string("_"); };
  switch (t.kind()) {
    case TypeKind::kList: return absl::StrCat("list<", ToString(t.elem()), ">");
    case TypeKind::kFixedList:
      return absl::StrCat("list<", ToString(t.elem()), ", ", t.length(), ">");
    case TypeKind::kRecord: {
      std::vector<std::string> parts;
      for (const Field& f : t.fields()) {
        parts.push_back(absl::StrCat(f.name, ": ", ToString(f.type)));
      }
      return absl::StrCat("record { ", absl::StrJoin(parts, ", "), " }");
    }
    case TypeKind::kTuple: {
      std::vector<std::string> parts;
      for (const TypeRef& e : t.elems()) parts.push_back(ToString(e));
      return absl::StrCat("tuple<", absl::StrJoin(parts, ", "), ">");
    }
    case TypeKind::kVariant: {
      std::vector<std::string> parts;
      for (const Case& c : t.cases()) {
        parts.push_back(c.type ? absl::StrCat(c.name, "(", ToString(c.type), ")") : c.name);
      }
      return absl::StrCat("variant { ", absl::StrJoin(parts, ", "), " }");
    }
    case TypeKind::kEnum:
      return absl::StrCat("enum { ", absl::StrJoin(t.labels(), ", "), " }");
    case TypeKind::kOption: return absl::StrCat("option<", ToString(t.elem()), ">");
    case TypeKind::kResult: return absl::StrCat("result<", opt(t.ok()), ", ", opt(t.err()), ">");
    case TypeKind::kFlags: return absl::StrCat("flags<", t.flag_count(), ">");
    case TypeKind::kOwn: return absl::StrCat("own<", t.resource(), ">");
    case TypeKind::kBorrow: return absl::StrCat("borrow<", t.resource(), ">");
    case TypeKind::kStream:
      return t.elem() ? absl::StrCat("stream<", ToString(t.elem()), ">") : "stream";
    case TypeKind::kFuture:
      return t.elem() ? absl::StrCat("future<", ToString(t.elem()), ">") : "future";
    case TypeKind::kMap:
      return absl::StrCat("map<", ToString(t.key()), ", ", ToString(t.value()), ">");
    default: return TypeKindName(t.kind());
  }
}

}  // namespace wasi_bridge::engine::cabi
