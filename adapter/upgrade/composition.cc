// Upgrading a composition: a component whose WASI 0.2 imports are passed,
// as whole instances, to the components nested inside it (what wac and
// componentize-qjs write). Each such nested component is upgraded on its
// own, with the same options, and the outer component is rewired: its 0.2
// imports go, the WASI 0.3 interfaces the upgraded children import are
// imported once at the top (typed as whole interfaces, so one instance
// satisfies every child), and the instantiations pass them by name.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapter/binary/reader.h"
#include "adapter/support/status_macros.h"
#include "adapter/upgrade/upgrader.h"

namespace wasi_bridge::upgrade::internal {
namespace {

bool IsP2RunName(std::string_view name) {
  auto wasi = ParseWasiInterface(name);
  return wasi && wasi->IsP2() && wasi->package == "cli" && wasi->interface == "run";
}

const Instance* AsInstantiation(const Item& item) {
  const auto* inst = std::get_if<Instance>(&item.body);
  return inst != nullptr && inst->is_instantiate ? inst : nullptr;
}

}  // namespace

bool Upgrader::PassesP2Instances() const {
  absl::flat_hash_set<uint32_t> p2_instances;
  for (size_t i = 0; i < items_.size(); ++i) {
    if (const auto* im = std::get_if<Import>(&items_[i].body)) {
      auto wasi = ParseWasiInterface(im->name.name);
      if (wasi && wasi->IsP2() && im->desc.kind == ExternKind::kInstance) {
        p2_instances.insert(old_index_[i]);
      }
    } else if (const Instance* inst = AsInstantiation(items_[i])) {
      for (const InstantiateArg& a : inst->args) {
        if (a.item.sort.kind == SortKind::kInstance &&
            p2_instances.contains(a.item.index)) {
          return true;
        }
      }
    }
  }
  return false;
}

std::string Upgrader::DescribeInstance(uint32_t old) const {
  const Item* def = Definition(Space::kInstance, old);
  if (def != nullptr) {
    if (const auto* im = std::get_if<Import>(&def->body)) {
      return absl::StrFormat("instance %u (import \"%s\")", old,
                             std::string(im->name.name));
    }
  }
  return absl::StrFormat("instance %u", old);
}

absl::Status Upgrader::ClassifyComposition() {
  for (size_t i = 0; i < items_.size(); ++i) {
    Item& it = items_[i];
    if (const auto* im = std::get_if<Import>(&it.body)) {
      auto wasi = ParseWasiInterface(im->name.name);
      if (!wasi || im->desc.kind != ExternKind::kInstance) continue;
      const std::string name(im->name.name);
      if (wasi->IsP3()) p3_existing_[name] = i;
      if (!wasi->IsP2()) continue;
      p2_imports_.push_back(name);
      MarkRemoved(i);
      continue;
    }
    if (const Instance* inst = AsInstantiation(it)) {
      bool passes_p2 = false;
      for (const InstantiateArg& a : inst->args) {
        passes_p2 |= a.item.sort.kind == SortKind::kInstance &&
                     Removed(Space::kInstance, a.item.index);
      }
      if (!passes_p2) continue;
      const Item* def = Definition(Space::kComponent, inst->component);
      if (def == nullptr ||
          !std::holds_alternative<std::shared_ptr<Component>>(def->body)) {
        return absl::UnimplementedError(absl::StrFormat(
            "cannot upgrade: %s passes WASI 0.2 instances to component %u, "
            "which is imported or aliased; only components defined inside "
            "the composition can be upgraded",
            DescribeItem(it), inst->component));
      }
      nested_upgrades_[inst->component];
      instance_component_[old_index_[i]] = inst->component;
      continue;
    }
    std::optional<std::pair<Space, uint32_t>> uses;
    ForEachRef(it, [&](Space s, uint32_t& idx) {
      if (!uses && Removed(s, idx)) uses = {{s, idx}};
    });
    if (!uses) continue;
    const bool is_type = DefinedSpace(it) == Space::kType &&
                         (std::holds_alternative<TypeDef>(it.body) ||
                          std::holds_alternative<Alias>(it.body));
    if (is_type) {
      MarkRemoved(i);
      continue;
    }
    const std::string what = uses->first == Space::kInstance
                                 ? DescribeInstance(uses->second)
                                 : absl::StrFormat("%s %u", SpaceName(uses->first),
                                                   uses->second);
    return absl::UnimplementedError(absl::StrFormat(
        "cannot upgrade: %s uses %s at the top level of a composition; only "
        "WASI 0.2 instances passed whole to nested components are upgraded",
        DescribeItem(it), what));
  }
  return absl::OkStatus();
}

absl::Status Upgrader::UpgradeNested() {
  for (auto& [index, nested] : nested_upgrades_) {
    const Item* def = Definition(Space::kComponent, index);
    const Component& original = *std::get<std::shared_ptr<Component>>(def->body);
    if (original.size == 0 || original.offset > input_.size() ||
        input_.size() - original.offset < original.size) {
      return absl::InternalError(absl::StrFormat(
          "component %u has no byte range in the input", index));
    }
    auto upgraded =
        UpgradeComponent(input_.subspan(original.offset, original.size), options_);
    if (!upgraded.ok()) {
      return absl::Status(upgraded.status().code(),
                          absl::StrFormat("nested component %u (at byte %u): %s",
                                          index, def->offset,
                                          upgraded.status().message()));
    }
    for (const std::string& line : upgraded->explain) {
      explain_.push_back(absl::StrFormat("component %u: %s", index, line));
    }
    nested_shim_bytes_ += upgraded->shim_bytes;
    const Bytes kept = out_.KeepBytes(std::move(upgraded->component));
    WB_ASSIGN_OR_RETURN(Component parsed, ReadComponent(kept));
    nested.component = std::make_shared<Component>(std::move(parsed));
    WB_ASSIGN_OR_RETURN(std::vector<Item> top, FlattenComponent(*nested.component));
    for (const Item& item : top) {
      if (const auto* im = std::get_if<Import>(&item.body)) {
        nested.imports.emplace_back(im->name.name);
      } else if (const auto* ex = std::get_if<Export>(&item.body)) {
        auto wasi = ParseWasiInterface(ex->name.name);
        if (wasi && wasi->IsP3() && wasi->package == "cli" && wasi->interface == "run") {
          nested.run_export = std::string(ex->name.name);
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Upgrader::LoadCompositionImports() {
  std::vector<std::string> wanted;
  auto want = [&](const std::string& name) {
    auto wasi = ParseWasiInterface(name);
    if (!wasi || wasi->version != options_.target) return;
    if (std::find(wanted.begin(), wanted.end(), name) == wanted.end()) {
      wanted.push_back(name);
    }
  };
  for (const auto& [index, nested] : nested_upgrades_) {
    for (const std::string& name : nested.imports) want(name);
  }
  for (const auto& [name, item] : p3_existing_) want(name);
  std::sort(wanted.begin(), wanted.end());
  WB_ASSIGN_OR_RETURN(p3_, P3Imports::Load(wanted));
  for (const std::string& name : p3_->ImportNames()) {
    auto it = p3_existing_.find(name);
    if (it == p3_existing_.end()) {
      explain_.push_back(absl::StrFormat(
          "import %s: added, passed to the upgraded components", name));
      continue;
    }
    widened_.push_back(it->second);
    explain_.push_back(absl::StrFormat(
        "import %s: kept, typed as the whole interface", name));
  }
  for (const std::string& name : p2_imports_) {
    explain_.push_back(absl::StrFormat(
        "import %s: removed, the nested components that used it are upgraded", name));
  }
  return absl::OkStatus();
}

absl::StatusOr<Item> Upgrader::Rewire(const Item& item, const Instance& inst) {
  const NestedUpgrade& nested = nested_upgrades_.at(inst.component);
  Instance rewired;
  rewired.offset = inst.offset;
  rewired.component = New(Space::kComponent, inst.component);
  // One argument per import of the upgraded child, in its order: what the
  // composition passed (unless it was a 0.2 instance), else the 0.3 import.
  for (const std::string& name : nested.imports) {
    auto given = std::find_if(inst.args.begin(), inst.args.end(),
                              [&](const InstantiateArg& a) { return a.name == name; });
    if (given != inst.args.end() && !Removed(SpaceOf(given->item.sort), given->item.index)) {
      InstantiateArg arg = *given;
      arg.item.index = New(SpaceOf(arg.item.sort), arg.item.index);
      if (arg.item.index == kNone) {
        return absl::InternalError(absl::StrFormat(
            "%s passes \"%s\", which was not kept", DescribeItem(item), name));
      }
      rewired.args.push_back(arg);
      continue;
    }
    std::optional<uint32_t> p3 = p3_->InstanceOf(name);
    if (!p3) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "cannot upgrade: %s: the upgraded component %u imports \"%s\", "
          "which the composition does not provide",
          DescribeItem(item), inst.component, name));
    }
    rewired.args.push_back({out_.Keep(name), SortIndex{Sort{SortKind::kInstance}, *p3}});
  }
  return Item{rewired, item.offset};
}

absl::Status Upgrader::EmitComposition() {
  for (size_t s = 0; s < kSpaceCount; ++s) map_[s].assign(removed_[s].size(), kNone);
  for (size_t i = 0; i < items_.size(); ++i) {
    const std::optional<Space> space = DefinedSpace(items_[i]);
    const bool widened =
        std::find(widened_.begin(), widened_.end(), i) != widened_.end();
    const bool p2_import =
        fate_[i] == Fate::kRemove && std::holds_alternative<Import>(items_[i].body);
    // The 0.3 imports go where the first WASI import was: before any use.
    if (!p3_emitted_ && (widened || p2_import)) WB_RETURN_IF_ERROR(EmitP3Imports());
    if (widened || fate_[i] == Fate::kRemove) continue;
    Item copy = items_[i];
    if (space == Space::kComponent) {
      auto nested = nested_upgrades_.find(old_index_[i]);
      if (nested != nested_upgrades_.end()) copy.body = nested->second.component;
    }
    if (const Instance* inst = AsInstantiation(items_[i]);
        inst != nullptr && nested_upgrades_.contains(inst->component)) {
      WB_ASSIGN_OR_RETURN(copy, Rewire(items_[i], *inst));
    } else if (space == Space::kComponent &&
               nested_upgrades_.contains(old_index_[i])) {
      // The upgraded child stands alone: nothing in it refers outward.
    } else {
      RenameRun(copy);
      WB_RETURN_IF_ERROR(Remap(copy));
    }
    const uint32_t index = out_.Add(std::move(copy));
    if (space) map_[static_cast<size_t>(*space)][old_index_[i]] = index;
  }
  return absl::OkStatus();
}

void Upgrader::RenameRun(Item& item) {
  if (auto* al = std::get_if<Alias>(&item.body)) {
    if (al->target != Alias::Target::kExport || !IsP2RunName(al->name)) return;
    auto from = instance_component_.find(al->instance);
    if (from == instance_component_.end()) return;
    const std::optional<std::string>& run = nested_upgrades_.at(from->second).run_export;
    if (run) al->name = out_.Keep(*run);
  } else if (auto* ex = std::get_if<Export>(&item.body)) {
    if (!IsP2RunName(ex->name.name) || ex->item.sort.kind != SortKind::kInstance) return;
    const std::string renamed = absl::StrCat("wasi:cli/run@", options_.target);
    explain_.push_back(absl::StrFormat("export %s: now %s, from the upgraded component",
                                       std::string(ex->name.name), renamed));
    ex->name.name = out_.Keep(renamed);
    ex->ascribed.reset();  // the 0.2 type no longer describes it
  }
}

absl::StatusOr<UpgradeResult> Upgrader::RunComposition() {
  WB_RETURN_IF_ERROR(ClassifyComposition());
  WB_RETURN_IF_ERROR(UpgradeNested());
  WB_RETURN_IF_ERROR(LoadCompositionImports());
  WB_RETURN_IF_ERROR(EmitComposition());
  return Finish(nested_shim_bytes_);
}

}  // namespace wasi_bridge::upgrade::internal
