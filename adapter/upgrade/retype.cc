// Retyping exports: wasi:cli/run@0.2 becomes wasi:cli/run@0.3.0, and with
// --async-exports every other exported function too, as an async func lifted
// with the sync ABI, so the shim may wait inside it.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "adapter/support/status_macros.h"
#include "adapter/upgrade/glue_modules.h"
#include "adapter/upgrade/upgrader.h"

namespace wasi_bridge::upgrade::internal {

absl::Status Upgrader::RetypeRun() {
  if (!run_export_) {
    if (options_.async_exports) return absl::OkStatus();
    explain_.push_back(
        "no wasi:cli/run@0.2 export: exports keep their sync types, so a shim "
        "call that has to wait traps inside them (see --async-exports)");
    return absl::OkStatus();
  }
  const Export& ex = std::get<Export>(items_[*run_export_].body);
  if (p3_run_) {
    explain_.push_back(absl::StrFormat(
        "export %s: removed; the component's own %s stays its entry point",
        std::string(ex.name.name), *p3_run_));
    return absl::OkStatus();
  }
  const Item* inst = Definition(Space::kInstance, ex.item.index);
  const Instance* instance = inst ? std::get_if<Instance>(&inst->body) : nullptr;
  std::optional<uint32_t> func;
  if (instance != nullptr && !instance->is_instantiate) {
    for (const InlineExport& e : instance->exports) {
      if (e.name.name == "run" && e.item.sort.kind == SortKind::kFunc) func = e.item.index;
    }
  } else if (instance != nullptr) {
    for (const InstantiateArg& a : instance->args) {
      if (a.item.sort.kind == SortKind::kFunc && !func) func = a.item.index;
    }
  }
  const Item* lift = func ? Definition(Space::kFunc, *func) : nullptr;
  const Canon* canon = lift ? std::get_if<Canon>(&lift->body) : nullptr;
  if (canon == nullptr || canon->opcode != CanonOpcode::kLift) {
    return absl::UnimplementedError(absl::StrFormat(
        "cannot find the lifted function behind export \"%s\"",
        std::string(ex.name.name)));
  }
  run_core_old_ = canon->func_index;
  Item lifted{*canon, canon->offset};
  WB_RETURN_IF_ERROR(Remap(lifted));
  Canon run = std::get<Canon>(lifted.body);
  bool finishes = false;
  for (const CoreModuleExport& e : shim_info_.exports) finishes |= e.name == kFinish;
  if (finishes) {
    // Lift a wrapper that lets the shim close its streams after run.
    const std::optional<CoreSignature>& sig = core_sigs_[run_core_old_];
    if (!sig) return absl::InternalError("no core signature for run");
    CoreInstance run_args;
    run_args.is_instantiate = false;
    run_args.exports.push_back({"run", CoreSort::kFunc, run.func_index});
    CoreInstance finish_args;
    finish_args.is_instantiate = false;
    finish_args.exports.push_back({"finish", CoreSort::kFunc, finish_func_});
    CoreInstance wrapper;
    wrapper.module = out_.Add(Item{CoreModuleSection{out_.KeepBytes(BuildRunWrapperModule(*sig))}});
    wrapper.args = {{"run", out_.Add(Item{run_args})},
                    {"shim", out_.Add(Item{finish_args})}};
    Alias a;
    a.sort = Sort{SortKind::kCore, CoreSort::kFunc};
    a.target = Alias::Target::kCoreExport;
    a.instance = out_.Add(Item{wrapper});
    a.name = "run";
    run.func_index = out_.Add(Item{a});
  }
  TypeDef result;
  result.value = ResultType{};
  TypeDef fn;
  FuncType ft;
  ft.is_async = true;
  ft.result = ValType::Index(out_.Add(Item{result}));
  fn.value = ft;
  run.type_index = out_.Add(Item{fn});
  InlineExport e;
  e.name.name = "run";
  e.item = {Sort{SortKind::kFunc}, out_.Add(Item{run})};
  Instance wrapper;
  wrapper.is_instantiate = false;
  wrapper.exports.push_back(e);
  Export p3;
  p3.name.name = "wasi:cli/run@0.3.0";
  p3.item = {Sort{SortKind::kInstance}, out_.Add(Item{wrapper})};
  out_.Add(Item{p3});
  explain_.push_back(absl::StrFormat(
      "export %s -> wasi:cli/run@0.3.0: run is now an async func (lifted "
      "with the sync ABI), so the shim may wait inside it",
      std::string(ex.name.name)));
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> Upgrader::AsyncLift(uint32_t old) {
  if (auto it = async_lifts_.find(old); it != async_lifts_.end()) return it->second;
  const Item* def = Definition(Space::kFunc, old);
  const Canon* lift = def ? std::get_if<Canon>(&def->body) : nullptr;
  if (lift == nullptr || lift->opcode != CanonOpcode::kLift) {
    return absl::UnimplementedError(absl::StrFormat(
        "--async-exports: func %u is not lifted in this component", old));
  }
  const Item* type_def = Definition(Space::kType, lift->type_index);
  const TypeDef* td = type_def ? std::get_if<TypeDef>(&type_def->body) : nullptr;
  if (td == nullptr || !std::holds_alternative<FuncType>(td->value)) {
    return absl::UnimplementedError(absl::StrFormat(
        "--async-exports: the type of func %u is not defined here", old));
  }
  Item type{*td, type_def->offset};
  WB_RETURN_IF_ERROR(Remap(type));
  std::get<FuncType>(std::get<TypeDef>(type.body).value).is_async = true;
  Item lifted{*lift, def->offset};
  WB_RETURN_IF_ERROR(Remap(lifted));
  std::get<Canon>(lifted.body).type_index = out_.Add(std::move(type));
  const uint32_t index = out_.Add(std::move(lifted));
  async_lifts_[old] = index;
  return index;
}

absl::StatusOr<std::vector<InlineExport>> Upgrader::RetypedInstanceExports(uint32_t old) {
  const Item* def = Definition(Space::kInstance, old);
  const Instance* inst = def ? std::get_if<Instance>(&def->body) : nullptr;
  if (inst == nullptr) {
    return absl::UnimplementedError(absl::StrFormat(
        "--async-exports: instance %u is not defined by an instance expression", old));
  }
  std::vector<InlineExport> exports;
  auto retyped = [&](const SortIndex& item) -> absl::StatusOr<SortIndex> {
    if (item.sort.kind == SortKind::kFunc) {
      WB_ASSIGN_OR_RETURN(uint32_t f, AsyncLift(item.index));
      return SortIndex{item.sort, f};
    }
    const uint32_t n = New(SpaceOf(item.sort), item.index);
    if (n == kNone) return absl::InternalError("an export uses a removed item");
    return SortIndex{item.sort, n};
  };
  if (!inst->is_instantiate) {
    for (const InlineExport& e : inst->exports) {
      WB_ASSIGN_OR_RETURN(SortIndex item, retyped(e.item));
      exports.push_back({e.name, item});
    }
    return exports;
  }
  // wit-component's pattern: a nested component imports the lifted funcs and
  // types ("import-func-f", "import-type-t") and exports them under their
  // names. Export the arguments directly instead.
  const Item* comp = Definition(Space::kComponent, inst->component);
  const auto* nested = comp ? std::get_if<std::shared_ptr<Component>>(&comp->body) : nullptr;
  if (nested == nullptr) {
    return absl::UnimplementedError("--async-exports: an exported instance "
                                    "instantiates a component that is not defined here");
  }
  WB_ASSIGN_OR_RETURN(std::vector<Item> inner, FlattenComponent(**nested));
  std::array<std::vector<const Item*>, kSpaceCount> spaces;
  for (const Item& it : inner) {
    if (auto s = DefinedSpace(it)) spaces[static_cast<size_t>(*s)].push_back(&it);
  }
  auto arg_named = [&](std::string_view name) -> const InstantiateArg* {
    for (const InstantiateArg& a : inst->args) {
      if (a.name == name) return &a;
    }
    return nullptr;
  };
  for (const Item& it : inner) {
    const auto* ex = std::get_if<Export>(&it.body);
    if (ex == nullptr) continue;
    const auto& space = spaces[static_cast<size_t>(SpaceOf(ex->item.sort))];
    const Item* target = ex->item.index < space.size() ? space[ex->item.index] : nullptr;
    const InstantiateArg* arg = nullptr;
    if (const auto* im = target ? std::get_if<Import>(&target->body) : nullptr) {
      arg = arg_named(im->name.name);
    } else if (ex->item.sort.kind == SortKind::kType) {
      // A type the nested component defines itself, structurally equal to
      // the one it imported under the conventional name.
      arg = arg_named(out_.Keep("import-type-" + std::string(ex->name.name)));
    }
    if (arg == nullptr) {
      return absl::UnimplementedError(absl::StrFormat(
          "--async-exports: cannot trace export \"%s\" of a nested component to "
          "what it was instantiated with", std::string(ex->name.name)));
    }
    WB_ASSIGN_OR_RETURN(SortIndex item, retyped(arg->item));
    exports.push_back({ex->name, item});
  }
  return exports;
}

absl::Status Upgrader::RetypeExports() {
  for (size_t i : retyped_exports_) {
    const Export& ex = std::get<Export>(items_[i].body);
    Export now;
    now.name = ex.name;
    if (ex.item.sort.kind == SortKind::kFunc) {
      WB_ASSIGN_OR_RETURN(uint32_t f, AsyncLift(ex.item.index));
      now.item = {ex.item.sort, f};
    } else {
      Instance inline_instance;
      inline_instance.is_instantiate = false;
      WB_ASSIGN_OR_RETURN(inline_instance.exports, RetypedInstanceExports(ex.item.index));
      now.item = {ex.item.sort, out_.Add(Item{inline_instance})};
    }
    out_.Add(Item{now, ex.offset});
    explain_.push_back(absl::StrFormat(
        "export %s: its functions are now async funcs (--async-exports)",
        std::string(ex.name.name)));
  }
  return absl::OkStatus();
}

}  // namespace wasi_bridge::upgrade::internal
