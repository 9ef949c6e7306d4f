#include "adapter/upgrade/upgrade.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "adapter/support/status_macros.h"
#include "adapter/upgrade/glue_modules.h"
#include "adapter/upgrade/upgrader.h"
#include "adapter/binary/reader.h"
#include "adapter/binary/validator.h"
#include "adapter/binary/validator_internal.h"
#include "adapter/binary/writer.h"
#include "adapter/upgrade/shim_dce.h"
#include "wasi_bridge/shims.h"

namespace wasi_bridge::upgrade {
namespace internal {
namespace {

std::optional<uint32_t> OptionIndex(const Canon& c, CanonOptionCode code) {
  for (const CanonOption& o : c.options) {
    if (o.code == code) return o.index;
  }
  return std::nullopt;
}

bool IsRunExport(std::string_view name) {
  auto wasi = ParseWasiInterface(name);
  return wasi && wasi->IsP2() && wasi->package == "cli" && wasi->interface == "run";
}

}  // namespace

void Upgrader::MarkRemoved(size_t item) {
  fate_[item] = Fate::kRemove;
  if (auto s = DefinedSpace(items_[item])) {
    removed_[static_cast<size_t>(*s)][old_index_[item]] = 1;
  }
}

absl::Status Upgrader::Classify() {
  for (size_t i = 0; i < items_.size(); ++i) {
    Item& it = items_[i];
    if (const auto* im = std::get_if<Import>(&it.body)) {
      auto wasi = ParseWasiInterface(im->name.name);
      if (!wasi) continue;
      const std::string name(im->name.name);
      if (wasi->IsP3() && im->desc.kind == ExternKind::kInstance) {
        p3_existing_[name] = i;
      }
      if (!wasi->IsP2()) continue;
      if (im->desc.kind != ExternKind::kInstance) {
        return absl::UnimplementedError(absl::StrFormat(
            "import \"%s\" at byte %u is not an instance", name, it.offset));
      }
      if (!ShimCoversPackage(wasi->package)) {
        return absl::FailedPreconditionError(absl::StrFormat(
            "cannot upgrade: the component imports %s, and wasi:%s is not "
            "covered yet (covered: wasi:io, wasi:cli, wasi:clocks, "
            "wasi:random, wasi:filesystem)",
            name, wasi->package));
      }
      p2_imports_.push_back(name);
      p2_used_[name];
      MarkRemoved(i);
      continue;
    }
    if (const auto* ex = std::get_if<Export>(&it.body)) {
      auto wasi = ParseWasiInterface(ex->name.name);
      if (wasi && wasi->IsP3() && wasi->package == "cli" && wasi->interface == "run") {
        p3_run_ = std::string(ex->name.name);
      }
      if (IsRunExport(ex->name.name)) {
        run_export_ = i;
        MarkRemoved(i);
        continue;
      }
      const SortKind kind = ex->item.sort.kind;
      if (options_.async_exports && !wasi &&
          (kind == SortKind::kFunc || kind == SortKind::kInstance)) {
        retyped_exports_.push_back(i);
        MarkRemoved(i);
        continue;
      }
    }
    if (const auto* al = std::get_if<Alias>(&it.body)) {
      if (al->target == Alias::Target::kExport && Removed(Space::kInstance, al->instance)) {
        const Item* def = Definition(Space::kInstance, al->instance);
        const auto wasi = ParseWasiInterface(std::get<Import>(def->body).name.name);
        auto& table = al->sort.kind == SortKind::kFunc ? p2_funcs_ : p2_types_;
        table[old_index_[i]] = {*wasi, std::string(al->name)};
        MarkRemoved(i);
        continue;
      }
    }
    if (const auto* c = std::get_if<Canon>(&it.body)) {
      std::optional<std::pair<WasiInterface, std::string>> target;
      if (c->opcode == CanonOpcode::kLower && p2_funcs_.contains(c->func_index)) {
        target = p2_funcs_[c->func_index];
      } else if (c->opcode == CanonOpcode::kResourceDrop &&
                 p2_types_.contains(c->type_index)) {
        target = p2_types_[c->type_index];
        target->second = "[resource-drop]" + target->second;
      }
      if (target) {
        Replacement r;
        r.key = absl::StrCat(target->first.Unversioned(), "#", target->second);
        const std::string import =
            absl::StrCat(target->first.Unversioned(), "@", target->first.version);
        r.origin = absl::StrCat(import, " ", target->second);
        p2_used_[import].push_back(target->second);
        const uint32_t core = old_index_[i];
        if (core >= core_sigs_.size() || !core_sigs_[core]) {
          return absl::InternalError("no core signature for a 0.2 lowering");
        }
        r.lowering = *core_sigs_[core];
        if (c->opcode == CanonOpcode::kLower) {
          r.realloc = OptionIndex(*c, CanonOptionCode::kRealloc);
          r.memory = OptionIndex(*c, CanonOptionCode::kMemory);
        }
        fate_[i] = Fate::kReplace;
        replacement_of_[i] = static_cast<int>(replacements_.size());
        replacements_.push_back(std::move(r));
        continue;
      }
    }
    // Anything else that uses a removed item: types go with it, the rest
    // cannot be upgraded.
    std::optional<std::pair<Space, uint32_t>> uses;
    ForEachRef(it, [&](Space s, uint32_t& idx) {
      if (!uses && Removed(s, idx)) uses = {{s, idx}};
    });
    if (!uses) continue;
    const bool is_type = std::holds_alternative<TypeDef>(it.body) ||
                         (std::holds_alternative<Alias>(it.body) &&
                          DefinedSpace(it) == Space::kType);
    if (is_type) {
      MarkRemoved(i);
      continue;
    }
    const std::string what =
        uses->first == Space::kInstance
            ? DescribeInstance(uses->second)
            : absl::StrFormat("%s %u", SpaceName(uses->first), uses->second);
    return absl::UnimplementedError(absl::StrFormat(
        "cannot upgrade: %s uses %s, which comes from a WASI 0.2 import "
        "the upgrade replaces",
        DescribeItem(it), what));
  }
  if (p2_imports_.empty()) {
    return absl::FailedPreconditionError(
        "nothing to upgrade: the component imports no WASI 0.2 interface");
  }
  return absl::OkStatus();
}

absl::Status Upgrader::MatchShim() {
  const std::span<const uint8_t> source =
      options_.shim.empty() ? shims::P2OnP3Module() : options_.shim;
  WB_ASSIGN_OR_RETURN(CoreModuleInfo full, ScanCoreModule(Bytes(source), 0));
  absl::flat_hash_map<std::string_view, CoreSignature> exports;
  for (const CoreModuleExport& e : full.exports) {
    if (e.signature) exports[e.name] = *e.signature;
  }
  std::vector<std::string> missing;
  absl::flat_hash_set<std::string> keep = {"cabi_realloc", std::string(kFinish)};
  absl::flat_hash_set<uint32_t> memories;
  for (Replacement& r : replacements_) {
    auto it = exports.find(r.key);
    if (it == exports.end()) {
      missing.push_back(r.origin);
      continue;
    }
    keep.insert(r.key);
    r.target = it->second;
    if (r.memory) memories.insert(*r.memory);
    CoreSignature with_slot = r.lowering;
    with_slot.params.push_back(CoreValType{0x7f, 0});
    if (r.target == r.lowering) continue;
    if (r.target != with_slot || !r.realloc) {
      return absl::InternalError(absl::StrFormat(
          "the shim's %s has type %s, but the component lowers it as %s",
          r.key, FormatSignature(r.target), FormatSignature(r.lowering)));
    }
    for (size_t k = 0; k < slot_reallocs_.size(); ++k) {
      if (slot_reallocs_[k] == *r.realloc) r.slot = static_cast<uint32_t>(k);
    }
    if (!r.slot) {
      r.slot = static_cast<uint32_t>(slot_reallocs_.size());
      slot_reallocs_.push_back(*r.realloc);
    }
  }
  if (!missing.empty()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "cannot upgrade: the shim does not cover these WASI 0.2 functions "
        "yet: %s",
        absl::StrJoin(missing, ", ")));
  }
  if (memories.size() > 1) {
    return absl::UnimplementedError(absl::StrFormat(
        "the component lowers WASI 0.2 functions with %u different memories; "
        "one shim serves one memory",
        memories.size()));
  }
  if (!memories.empty()) caller_memory_ = *memories.begin();
  WB_ASSIGN_OR_RETURN(shim_, KeepOnlyExports(source, keep));
  WB_ASSIGN_OR_RETURN(shim_info_, ScanCoreModule(Bytes(shim_), 0));

  // The 0.3 interfaces the reduced shim calls. Those the component already
  // imports are imported once, with the full interface type (the
  // component's own type for them may be a subset).
  std::vector<std::string> interfaces;
  for (const CoreModuleImport& im : shim_info_.imports) {
    auto wasi = ParseWasiInterface(im.module);
    const std::string module(im.module);
    if (wasi && wasi->IsP3() &&
        std::find(interfaces.begin(), interfaces.end(), module) == interfaces.end()) {
      interfaces.push_back(module);
    }
  }
  WB_ASSIGN_OR_RETURN(p3_, P3Imports::Load(interfaces));
  for (const std::string& name : p3_->ImportNames()) {
    auto it = p3_existing_.find(name);
    if (it == p3_existing_.end()) {
      explain_.push_back(absl::StrFormat("import %s: added, used by the shim", name));
      continue;
    }
    widened_.push_back(it->second);
    explain_.push_back(absl::StrFormat(
        "import %s: kept, typed as the whole interface (the shim uses it too)", name));
  }
  return absl::OkStatus();
}

absl::Status Upgrader::EmitP3Imports() {
  WB_RETURN_IF_ERROR(p3_->Emit(out_));
  p3_emitted_ = true;
  for (const auto& [name, item] : p3_existing_) {
    if (auto index = p3_->InstanceOf(name)) {
      map_[static_cast<size_t>(Space::kInstance)][old_index_[item]] = *index;
    }
  }
  return absl::OkStatus();
}

absl::Status Upgrader::Remap(Item& item) const {
  absl::Status status;
  const std::string what = DescribeItem(item);
  ForEachRef(item, [&](Space s, uint32_t& idx) {
    const uint32_t n = New(s, idx);
    if (n == kNone && status.ok()) {
      status = absl::InternalError(
          absl::StrFormat("%s refers to a removed %s", what, SpaceName(s)));
    }
    idx = n;
  });
  return status;
}

absl::Status Upgrader::EmitOriginals() {
  for (size_t s = 0; s < kSpaceCount; ++s) map_[s].assign(removed_[s].size(), kNone);
  for (size_t i = 0; i < items_.size(); ++i) {
    const std::optional<Space> space = DefinedSpace(items_[i]);
    if (std::find(widened_.begin(), widened_.end(), i) != widened_.end()) {
      // The 0.3 imports go here, where the component imported the first
      // of them; later uses of this import now use the full one.
      if (!p3_emitted_) WB_RETURN_IF_ERROR(EmitP3Imports());
      continue;
    }
    if (fate_[i] == Fate::kRemove) continue;
    if (fate_[i] == Fate::kReplace) {
      if (!stub_instance_) {
        std::vector<StubThunk> thunks;
        for (const Replacement& r : replacements_) {
          thunks.push_back({r.lowering, r.slot, r.target});
        }
        CoreModuleSection stub{out_.KeepBytes(BuildStubModule(thunks))};
        const uint32_t module = out_.Add(Item{stub});
        CoreInstance inst;
        inst.module = module;
        stub_instance_ = out_.Add(Item{inst});
      }
      Alias a;
      a.sort = Sort{SortKind::kCore, CoreSort::kFunc};
      a.target = Alias::Target::kCoreExport;
      a.instance = *stub_instance_;
      a.name = out_.Keep(absl::StrCat(replacement_of_[i]));
      map_[static_cast<size_t>(Space::kCoreFunc)][old_index_[i]] =
          out_.Add(Item{a, items_[i].offset});
      continue;
    }
    Item copy = items_[i];
    WB_RETURN_IF_ERROR(Remap(copy));
    const uint32_t index = out_.Add(std::move(copy));
    if (space) map_[static_cast<size_t>(*space)][old_index_[i]] = index;
  }
  return absl::OkStatus();
}

// Canon built-in opcodes for the `[op]function` imports of the shim.

absl::StatusOr<UpgradeResult> Upgrader::Run() {
  if (options_.target != "0.3.0") {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--target %s: only 0.3.0 is available (no WASI 0.3.1 WIT is bundled)",
        options_.target));
  }
  WB_ASSIGN_OR_RETURN(component_, ReadComponent(Bytes(input_)));
  {
    ValidateOptions vo;
    binary::internal::ComponentTypeResult typed =
        binary::internal::ComputeComponentType(component_, vo);
    if (!typed.errors.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "not a valid component: error at byte %u: %s", typed.errors[0].offset,
          typed.errors[0].message));
    }
    core_sigs_ = std::move(typed.core_func_signatures);
  }
  WB_ASSIGN_OR_RETURN(items_, FlattenComponent(component_));
  old_index_.assign(items_.size(), 0);
  std::array<uint32_t, kSpaceCount> counts{};
  for (size_t i = 0; i < items_.size(); ++i) {
    if (auto s = DefinedSpace(items_[i])) {
      const size_t k = static_cast<size_t>(*s);
      old_index_[i] = counts[k]++;
      definition_[k].push_back(static_cast<uint32_t>(i));
    }
  }
  for (size_t s = 0; s < kSpaceCount; ++s) removed_[s].assign(counts[s], 0);
  fate_.assign(items_.size(), Fate::kKeep);
  replacement_of_.assign(items_.size(), -1);

  if (PassesP2Instances()) return RunComposition();
  WB_RETURN_IF_ERROR(Classify());
  WB_RETURN_IF_ERROR(MatchShim());
  WB_RETURN_IF_ERROR(EmitOriginals());
  if (!stub_instance_) {
    return absl::FailedPreconditionError(
        "nothing to upgrade: no WASI 0.2 function is used");
  }
  WB_RETURN_IF_ERROR(EmitShim());
  WB_RETURN_IF_ERROR(RetypeRun());
  WB_RETURN_IF_ERROR(RetypeExports());
  return Finish(shim_.size());
}

absl::StatusOr<UpgradeResult> Upgrader::Finish(size_t shim_bytes) {
  Component rewritten = BuildComponent(std::move(out_.items()), out_.strings());
  UpgradeResult result;
  result.component = WriteComponent(rewritten);
  result.shim_bytes = shim_bytes;
  result.explain = std::move(explain_);
  // Never hand out a component that does not validate.
  WB_ASSIGN_OR_RETURN(Component check, ReadComponent(Bytes(result.component)));
  std::vector<ValidationError> errors = ValidateComponent(check, ValidateOptions{});
  if (!errors.empty()) {
    return absl::InternalError(absl::StrFormat(
        "the upgraded component does not validate: error at byte %u: %s",
        errors[0].offset, errors[0].message));
  }
  return result;
}

}  // namespace internal

absl::StatusOr<UpgradeResult> UpgradeComponent(std::span<const uint8_t> input,
                                               const UpgradeOptions& options) {
  internal::Upgrader upgrader(input, options);
  return upgrader.Run();
}

}  // namespace wasi_bridge::upgrade
