#include "adapter/upgrade/items.h"

#include "absl/strings/str_format.h"
#include "adapter/binary/canon_info.h"

namespace wasi_bridge::upgrade {

using namespace binary;  // NOLINT: the model's many small types

const char* SpaceName(Space s) {
  static constexpr const char* kNames[] = {
      "core func", "core table", "core memory", "core global", "core tag",
      "core type", "core module", "core instance", "func", "value", "type",
      "component", "instance"};
  return kNames[static_cast<size_t>(s)];
}

Space SpaceOf(Sort sort) {
  if (sort.kind != SortKind::kCore) {
    switch (sort.kind) {
      case SortKind::kFunc: return Space::kFunc;
      case SortKind::kValue: return Space::kValue;
      case SortKind::kType: return Space::kType;
      case SortKind::kComponent: return Space::kComponent;
      default: return Space::kInstance;
    }
  }
  switch (sort.core) {
    case CoreSort::kFunc: return Space::kCoreFunc;
    case CoreSort::kTable: return Space::kCoreTable;
    case CoreSort::kMemory: return Space::kCoreMemory;
    case CoreSort::kGlobal: return Space::kCoreGlobal;
    case CoreSort::kTag: return Space::kCoreTag;
    case CoreSort::kType: return Space::kCoreType;
    case CoreSort::kModule: return Space::kCoreModule;
    default: return Space::kCoreInstance;
  }
}

Space SpaceOf(ExternKind kind) {
  switch (kind) {
    case ExternKind::kCoreModule: return Space::kCoreModule;
    case ExternKind::kFunc: return Space::kFunc;
    case ExternKind::kValue: return Space::kValue;
    case ExternKind::kType: return Space::kType;
    case ExternKind::kComponent: return Space::kComponent;
    default: return Space::kInstance;
  }
}

std::optional<Space> DefinedSpace(const Item& item) {
  return std::visit(
      [](const auto& b) -> std::optional<Space> {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, CustomSection>) return std::nullopt;
        else if constexpr (std::is_same_v<T, CoreModuleSection>) return Space::kCoreModule;
        else if constexpr (std::is_same_v<T, CoreInstance>) return Space::kCoreInstance;
        else if constexpr (std::is_same_v<T, CoreType>) return Space::kCoreType;
        else if constexpr (std::is_same_v<T, std::shared_ptr<Component>>) return Space::kComponent;
        else if constexpr (std::is_same_v<T, Instance>) return Space::kInstance;
        else if constexpr (std::is_same_v<T, Alias>) return SpaceOf(b.sort);
        else if constexpr (std::is_same_v<T, TypeDef>) return Space::kType;
        else if constexpr (std::is_same_v<T, Canon>) {
          return b.opcode == CanonOpcode::kLift ? Space::kFunc : Space::kCoreFunc;
        } else if constexpr (std::is_same_v<T, Import>) return SpaceOf(b.desc.kind);
        else return SpaceOf(b.item.sort);  // Export
      },
      item.body);
}

absl::StatusOr<std::vector<Item>> FlattenComponent(const Component& component) {
  std::vector<Item> items;
  for (const Section& section : component.sections) {
    absl::Status status;
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, CustomSection> ||
                        std::is_same_v<T, CoreModuleSection> ||
                        std::is_same_v<T, std::shared_ptr<Component>>) {
            items.push_back({body, section.offset});
          } else if constexpr (std::is_same_v<T, Start> ||
                               std::is_same_v<T, std::vector<Value>>) {
            status = absl::UnimplementedError(absl::StrFormat(
                "start and value sections (at byte %u) are not supported",
                section.offset));
          } else {
            for (const auto& it : body) items.push_back({it, it.offset});
          }
        },
        section.body);
    if (!status.ok()) return status;
  }
  return items;
}

namespace {

SectionId SectionOf(const ItemBody& body) {
  static constexpr SectionId kIds[] = {
      SectionId::kCustom,   SectionId::kCoreModule, SectionId::kCoreInstance,
      SectionId::kCoreType, SectionId::kComponent,  SectionId::kInstance,
      SectionId::kAlias,    SectionId::kType,       SectionId::kCanon,
      SectionId::kImport,   SectionId::kExport};
  return kIds[body.index()];
}

template <typename T>
void Append(Section& s, T item) {
  std::get<std::vector<T>>(s.body).push_back(std::move(item));
}

}  // namespace

Component BuildComponent(std::vector<Item> items,
                         std::shared_ptr<std::deque<std::string>> strings) {
  Component c;
  c.owned_strings = std::move(strings);
  for (Item& item : items) {
    const SectionId id = SectionOf(item.body);
    const bool single = id == SectionId::kCustom || id == SectionId::kCoreModule ||
                        id == SectionId::kComponent;
    if (single || c.sections.empty() || c.sections.back().id != id) {
      Section s;
      s.id = id;
      switch (id) {
        case SectionId::kCoreInstance: s.body = std::vector<CoreInstance>{}; break;
        case SectionId::kCoreType: s.body = std::vector<CoreType>{}; break;
        case SectionId::kInstance: s.body = std::vector<Instance>{}; break;
        case SectionId::kAlias: s.body = std::vector<Alias>{}; break;
        case SectionId::kType: s.body = std::vector<TypeDef>{}; break;
        case SectionId::kCanon: s.body = std::vector<Canon>{}; break;
        case SectionId::kImport: s.body = std::vector<Import>{}; break;
        case SectionId::kExport: s.body = std::vector<Export>{}; break;
        default: break;
      }
      c.sections.push_back(std::move(s));
    }
    Section& s = c.sections.back();
    std::visit(
        [&](auto& b) {
          using T = std::decay_t<decltype(b)>;
          if constexpr (std::is_same_v<T, CustomSection> ||
                        std::is_same_v<T, CoreModuleSection> ||
                        std::is_same_v<T, std::shared_ptr<Component>>) {
            s.body = std::move(b);
          } else {
            Append(s, std::move(b));
          }
        },
        item.body);
  }
  return c;
}

// ------------------------------------------------------------ references ---

namespace {

// `level` counts the scopes between the one whose direct references are
// being visited and the top-level component: only level 0 references and
// outer aliases whose count equals their level reach the top.
void ValRefs(ValType& t, int level, const RefVisitor& f) {
  if (level == 0 && t.is_index) f(Space::kType, t.index);
}

void CoreValRefs(CoreValType& t, int level, const RefVisitor& f) {
  if (level == 0 && (t.code == 0x63 || t.code == 0x64) && t.heap_type >= 0) {
    uint32_t idx = static_cast<uint32_t>(t.heap_type);
    f(Space::kCoreType, idx);
    t.heap_type = idx;
  }
}

void CoreTypeRefs(CoreType& t, int level, const RefVisitor& f);

void CoreModuleTypeRefs(CoreModuleType& m, int level, const RefVisitor& f) {
  for (CoreModuleDecl& d : m.decls) {
    if (d.kind == CoreModuleDecl::Kind::kAlias &&
        d.alias_outer_count == static_cast<uint32_t>(level)) {
      f(Space::kCoreType, d.alias_index);
    } else if (d.kind == CoreModuleDecl::Kind::kType && d.type) {
      CoreTypeRefs(*d.type, level, f);
    }
  }
}

void CoreTypeRefs(CoreType& t, int level, const RefVisitor& f) {
  if (auto* rec = std::get_if<CoreRecType>(&t.value)) {
    if (level != 0) return;
    for (CoreSubType& sub : rec->types) {
      for (uint32_t& s : sub.supertypes) f(Space::kCoreType, s);
      if (auto* fn = std::get_if<CoreFuncType>(&sub.composite)) {
        for (auto& p : fn->params) CoreValRefs(p, level, f);
        for (auto& r : fn->results) CoreValRefs(r, level, f);
      } else if (auto* st = std::get_if<CoreStructType>(&sub.composite)) {
        for (auto& fld : st->fields) CoreValRefs(fld.storage, level, f);
      } else if (auto* ar = std::get_if<CoreArrayType>(&sub.composite)) {
        CoreValRefs(ar->element.storage, level, f);
      }
    }
  } else {
    CoreModuleTypeRefs(std::get<CoreModuleType>(t.value), level + 1, f);
  }
}

void TypeDefRefs(TypeDef& def, int level, const RefVisitor& f);

void DeclRefs(std::vector<TypeDecl>& decls, int level, const RefVisitor& f) {
  for (TypeDecl& d : decls) {
    switch (d.kind) {
      case TypeDecl::Kind::kCoreType:
        if (d.core_type) CoreTypeRefs(*d.core_type, level, f);
        break;
      case TypeDecl::Kind::kType:
        if (d.type) TypeDefRefs(*d.type, level, f);
        break;
      case TypeDecl::Kind::kAlias:
        if (d.alias.target == Alias::Target::kOuter &&
            d.alias.outer_count == static_cast<uint32_t>(level)) {
          f(SpaceOf(d.alias.sort), d.alias.outer_index);
        }
        break;
      default:
        break;  // import/export descriptors are local to the declarator
    }
  }
}

void TypeDefRefs(TypeDef& def, int level, const RefVisitor& f) {
  std::visit(
      [&](auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, RecordType>) {
          for (auto& fld : v.fields) ValRefs(fld.type, level, f);
        } else if constexpr (std::is_same_v<T, VariantType>) {
          for (auto& c : v.cases) if (c.type) ValRefs(*c.type, level, f);
        } else if constexpr (std::is_same_v<T, ListType> ||
                             std::is_same_v<T, OptionType>) {
          ValRefs(v.element, level, f);
        } else if constexpr (std::is_same_v<T, TupleType>) {
          for (auto& e : v.elements) ValRefs(e, level, f);
        } else if constexpr (std::is_same_v<T, ResultType>) {
          if (v.ok) ValRefs(*v.ok, level, f);
          if (v.err) ValRefs(*v.err, level, f);
        } else if constexpr (std::is_same_v<T, OwnType> ||
                             std::is_same_v<T, BorrowType>) {
          if (level == 0) f(Space::kType, v.resource);
        } else if constexpr (std::is_same_v<T, StreamType> ||
                             std::is_same_v<T, FutureType>) {
          if (v.element) ValRefs(*v.element, level, f);
        } else if constexpr (std::is_same_v<T, MapType>) {
          ValRefs(v.key, level, f);
          ValRefs(v.value, level, f);
        } else if constexpr (std::is_same_v<T, FuncType>) {
          for (auto& p : v.params) ValRefs(p.type, level, f);
          if (v.result) ValRefs(*v.result, level, f);
        } else if constexpr (std::is_same_v<T, ComponentType> ||
                             std::is_same_v<T, InstanceType>) {
          DeclRefs(v.decls, level + 1, f);
        } else if constexpr (std::is_same_v<T, ResourceType>) {
          if (level == 0 && v.destructor) f(Space::kCoreFunc, *v.destructor);
        }
      },
      def.value);
}

void AliasRefs(Alias& a, int level, const RefVisitor& f) {
  if (a.target == Alias::Target::kOuter) {
    if (a.outer_count == static_cast<uint32_t>(level)) {
      f(SpaceOf(a.sort), a.outer_index);
    }
  } else if (level == 0) {
    f(a.target == Alias::Target::kCoreExport ? Space::kCoreInstance
                                             : Space::kInstance,
      a.instance);
  }
}

void NestedComponentRefs(Component& c, int level, const RefVisitor& f) {
  for (Section& s : c.sections) {
    if (auto* aliases = std::get_if<std::vector<Alias>>(&s.body)) {
      for (Alias& a : *aliases) AliasRefs(a, level, f);
    } else if (auto* types = std::get_if<std::vector<TypeDef>>(&s.body)) {
      for (TypeDef& t : *types) TypeDefRefs(t, level, f);
    } else if (auto* core = std::get_if<std::vector<CoreType>>(&s.body)) {
      for (CoreType& t : *core) CoreTypeRefs(t, level, f);
    } else if (auto* nested = std::get_if<std::shared_ptr<Component>>(&s.body)) {
      NestedComponentRefs(**nested, level + 1, f);
    }
  }
}

void OptionRefs(std::vector<CanonOption>& options, const RefVisitor& f) {
  for (CanonOption& o : options) {
    switch (o.code) {
      case CanonOptionCode::kMemory: f(Space::kCoreMemory, o.index); break;
      case CanonOptionCode::kRealloc:
      case CanonOptionCode::kPostReturn:
      case CanonOptionCode::kCallback: f(Space::kCoreFunc, o.index); break;
      default: break;
    }
  }
}

void CanonRefs(Canon& c, const RefVisitor& f) {
  const CanonInfo* info = FindCanonInfo(static_cast<uint8_t>(c.opcode));
  if (info == nullptr) return;
  switch (info->operands) {
    case CanonOperands::kLift:
      f(Space::kCoreFunc, c.func_index);
      OptionRefs(c.options, f);
      f(Space::kType, c.type_index);
      break;
    case CanonOperands::kLower:
      f(Space::kFunc, c.func_index);
      OptionRefs(c.options, f);
      break;
    case CanonOperands::kType:
    case CanonOperands::kTypeFlag:
      f(Space::kType, c.type_index);
      break;
    case CanonOperands::kTypeOptions:
      f(Space::kType, c.type_index);
      OptionRefs(c.options, f);
      break;
    case CanonOperands::kOptions:
      OptionRefs(c.options, f);
      break;
    case CanonOperands::kResultOptions:
      if (c.result) ValRefs(*c.result, 0, f);
      OptionRefs(c.options, f);
      break;
    case CanonOperands::kFlagMemory:
      f(Space::kCoreMemory, c.memory);
      break;
    case CanonOperands::kTypeTable:
      f(Space::kCoreType, c.type_index);
      f(Space::kCoreTable, c.table);
      break;
    default:
      break;
  }
}

void DescRefs(ExternDesc& d, const RefVisitor& f) {
  switch (d.kind) {
    case ExternKind::kCoreModule: f(Space::kCoreType, d.index); break;
    case ExternKind::kType:
      if (d.bound == 0) f(Space::kType, d.index);
      break;
    case ExternKind::kValue:
      if (d.bound == 0) f(Space::kValue, d.index);
      else ValRefs(d.value_type, 0, f);
      break;
    default: f(Space::kType, d.index); break;
  }
}

}  // namespace

void ForEachRef(Item& item, const RefVisitor& f) {
  std::visit(
      [&](auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, CoreInstance>) {
          if (b.is_instantiate) {
            f(Space::kCoreModule, b.module);
            for (auto& a : b.args) f(Space::kCoreInstance, a.instance);
          } else {
            for (auto& e : b.exports) f(SpaceOf(Sort{SortKind::kCore, e.sort}), e.index);
          }
        } else if constexpr (std::is_same_v<T, CoreType>) {
          CoreTypeRefs(b, 0, f);
        } else if constexpr (std::is_same_v<T, std::shared_ptr<Component>>) {
          NestedComponentRefs(*b, 1, f);
        } else if constexpr (std::is_same_v<T, Instance>) {
          if (b.is_instantiate) {
            f(Space::kComponent, b.component);
            for (auto& a : b.args) f(SpaceOf(a.item.sort), a.item.index);
          } else {
            for (auto& e : b.exports) f(SpaceOf(e.item.sort), e.item.index);
          }
        } else if constexpr (std::is_same_v<T, Alias>) {
          AliasRefs(b, 0, f);
        } else if constexpr (std::is_same_v<T, TypeDef>) {
          TypeDefRefs(b, 0, f);
        } else if constexpr (std::is_same_v<T, Canon>) {
          CanonRefs(b, f);
        } else if constexpr (std::is_same_v<T, Import>) {
          DescRefs(b.desc, f);
        } else if constexpr (std::is_same_v<T, Export>) {
          f(SpaceOf(b.item.sort), b.item.index);
          if (b.ascribed) DescRefs(*b.ascribed, f);
        }
      },
      item.body);
}

std::string DescribeItem(const Item& item) {
  static constexpr const char* kKinds[] = {
      "custom section", "core module", "core instance", "core type",
      "component",      "instance",    "alias",         "type",
      "canon",          "import",      "export"};
  std::string what = kKinds[item.body.index()];
  if (const auto* im = std::get_if<Import>(&item.body)) {
    what = absl::StrFormat("import \"%s\"", std::string(im->name.name));
  } else if (const auto* ex = std::get_if<Export>(&item.body)) {
    what = absl::StrFormat("export \"%s\"", std::string(ex->name.name));
  } else if (const auto* al = std::get_if<Alias>(&item.body)) {
    if (al->target != Alias::Target::kOuter) {
      what = absl::StrFormat("alias of \"%s\"", std::string(al->name));
    }
  } else if (const auto* c = std::get_if<Canon>(&item.body)) {
    const CanonInfo* info = FindCanonInfo(static_cast<uint8_t>(c->opcode));
    what = absl::StrFormat("canon %s", info ? std::string(info->name) : "?");
  }
  return absl::StrFormat("%s at byte %u", what, item.offset);
}

}  // namespace wasi_bridge::upgrade
