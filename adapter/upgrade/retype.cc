// Retyping the entry point: wasi:cli/run@0.2 becomes wasi:cli/run@0.3.0, an
// async func lifted with the sync ABI, so the shim may wait inside it.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "adapter/support/status_macros.h"
#include "adapter/upgrade/glue_modules.h"
#include "adapter/upgrade/upgrader.h"

namespace wasi_bridge::upgrade::internal {

absl::Status Upgrader::RetypeRun() {
  if (!run_export_) {
    explain_.push_back(
        "no wasi:cli/run@0.2 export: exports keep their sync types, so a shim "
        "call that has to wait traps inside them");
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
  absl::Status status;
  ForEachRef(lifted, [&](Space s, uint32_t& idx) {
    idx = New(s, idx);
    if (idx == kNone) status = absl::InternalError("the run function uses removed items");
  });
  WB_RETURN_IF_ERROR(status);
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

}  // namespace wasi_bridge::upgrade::internal
