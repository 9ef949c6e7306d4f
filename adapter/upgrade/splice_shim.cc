#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "adapter/support/status_macros.h"
#include "adapter/upgrade/glue_modules.h"
#include "adapter/upgrade/upgrader.h"

namespace wasi_bridge::upgrade::internal {
namespace {

std::optional<CanonOpcode> TypedBuiltin(std::string_view op) {
  static const std::pair<std::string_view, CanonOpcode> kOps[] = {
      {"stream-new", CanonOpcode::kStreamNew},
      {"stream-read", CanonOpcode::kStreamRead},
      {"stream-write", CanonOpcode::kStreamWrite},
      {"stream-cancel-read", CanonOpcode::kStreamCancelRead},
      {"stream-cancel-write", CanonOpcode::kStreamCancelWrite},
      {"stream-drop-readable", CanonOpcode::kStreamDropReadable},
      {"stream-drop-writable", CanonOpcode::kStreamDropWritable},
      {"future-new", CanonOpcode::kFutureNew},
      {"future-read", CanonOpcode::kFutureRead},
      {"future-write", CanonOpcode::kFutureWrite},
      {"future-cancel-read", CanonOpcode::kFutureCancelRead},
      {"future-cancel-write", CanonOpcode::kFutureCancelWrite},
      {"future-drop-readable", CanonOpcode::kFutureDropReadable},
      {"future-drop-writable", CanonOpcode::kFutureDropWritable},
  };
  for (const auto& [name, code] : kOps) {
    if (name == op) return code;
  }
  return std::nullopt;
}

std::optional<CanonOpcode> UntypedBuiltin(std::string_view name) {
  static const std::pair<std::string_view, CanonOpcode> kOps[] = {
      {"waitable-set.new", CanonOpcode::kWaitableSetNew},
      {"waitable-set.wait", CanonOpcode::kWaitableSetWait},
      {"waitable-set.poll", CanonOpcode::kWaitableSetPoll},
      {"waitable-set.drop", CanonOpcode::kWaitableSetDrop},
      {"waitable.join", CanonOpcode::kWaitableJoin},
      {"subtask.drop", CanonOpcode::kSubtaskDrop},
      {"subtask.cancel", CanonOpcode::kSubtaskCancel},
  };
  for (const auto& [n, code] : kOps) {
    if (n == name) return code;
  }
  return std::nullopt;
}

}  // namespace

absl::Status Upgrader::EmitShim() {
  if (!p3_emitted_) WB_RETURN_IF_ERROR(EmitP3Imports());

  // The shim's memory, then the bridge between it and the caller's.
  uint32_t shim_pages = 1;
  for (const CoreModuleImport& im : shim_info_.imports) {
    if (im.desc.kind == 2) shim_pages = static_cast<uint32_t>(im.desc.limits.min);
  }
  CoreInstance memory_instance;
  memory_instance.module = out_.Add(Item{CoreModuleSection{
      out_.KeepBytes(BuildShimMemoryModule(shim_pages))}});
  const uint32_t shim_memory_instance = out_.Add(Item{memory_instance});
  auto alias_core = [&](uint32_t instance, CoreSort sort, std::string_view name) {
    Alias a;
    a.sort = Sort{SortKind::kCore, sort};
    a.target = Alias::Target::kCoreExport;
    a.instance = instance;
    a.name = name;
    return out_.Add(Item{a});
  };
  const uint32_t shim_memory =
      alias_core(shim_memory_instance, CoreSort::kMemory, "memory");
  const uint32_t shim_realloc =
      alias_core(shim_memory_instance, CoreSort::kFunc, "realloc");

  CoreInstance caller;
  caller.is_instantiate = false;
  caller.exports.push_back({"memory", CoreSort::kMemory, shim_memory});
  CoreInstance shim_side = caller;
  caller.exports.clear();
  if (caller_memory_) {
    caller.exports.push_back({"memory", CoreSort::kMemory,
                              New(Space::kCoreMemory, *caller_memory_)});
  }
  for (size_t k = 0; k < slot_reallocs_.size(); ++k) {
    caller.exports.push_back({out_.Keep(absl::StrCat("realloc", k)), CoreSort::kFunc,
                              New(Space::kCoreFunc, slot_reallocs_[k])});
  }
  CoreInstance bridge;
  bridge.module = out_.Add(Item{CoreModuleSection{out_.KeepBytes(BuildBridgeModule(
      caller_memory_.has_value(), static_cast<uint32_t>(slot_reallocs_.size()),
      options_.multi_memory))}});
  bridge.args.push_back({"shim", out_.Add(Item{shim_side})});
  if (!caller.exports.empty()) {
    bridge.args.push_back({"caller", out_.Add(Item{caller})});
  }
  const uint32_t bridge_instance = out_.Add(Item{bridge});
  const std::vector<CanonOption> full_opts = {
      {CanonOptionCode::kUtf8, 0},
      {CanonOptionCode::kMemory, shim_memory},
      {CanonOptionCode::kRealloc, shim_realloc}};

  // One core func per shim import, grouped by import module.
  std::map<std::string, std::vector<CoreInlineExport>> groups;
  for (const CoreModuleImport& im : shim_info_.imports) {
    const std::string module(im.module), field(im.field);
    if (module == "wb:bridge") continue;  // the bridge instance itself
    if (module == "env" && field == "memory") {
      groups[module].push_back({out_.Keep(field), CoreSort::kMemory, shim_memory});
      continue;
    }
    if (im.desc.kind != 0) {
      return absl::InternalError(absl::StrFormat("unexpected shim import %s %s",
                                                 module, field));
    }
    Canon c;
    if (module == "wb:canon") {
      auto op = UntypedBuiltin(field);
      if (!op) {
        return absl::InternalError(absl::StrFormat("unknown built-in %s", field));
      }
      c.opcode = *op;
      c.memory = shim_memory;
    } else {
      std::string function = field;
      std::optional<CanonOpcode> typed;
      bool async = false;
      bool drop = false;
      if (field.starts_with("[async-lower]")) {
        function = field.substr(13);
        async = true;
      } else if (field.starts_with("[resource-drop]")) {
        function = field.substr(15);
        drop = true;
      } else if (field.starts_with("[stream-") || field.starts_with("[future-")) {
        const size_t close = field.find(']');
        if (close != std::string::npos) typed = TypedBuiltin(field.substr(1, close - 1));
        if (!typed) {
          return absl::InternalError(absl::StrFormat("unknown shim import %s", field));
        }
        function = field.substr(close + 1);
      }
      if (drop) {
        WB_ASSIGN_OR_RETURN(uint32_t type, p3_->Resource(out_, module, function));
        c.opcode = CanonOpcode::kResourceDrop;
        c.type_index = type;
      } else if (typed) {
        const bool stream = field.starts_with("[stream");
        WB_ASSIGN_OR_RETURN(uint32_t type,
                            p3_->StreamOrFuture(out_, module, function, stream));
        c.opcode = *typed;
        c.type_index = type;
        if (*typed == CanonOpcode::kStreamRead || *typed == CanonOpcode::kStreamWrite ||
            *typed == CanonOpcode::kFutureRead || *typed == CanonOpcode::kFutureWrite) {
          c.options = full_opts;
          c.options.push_back({CanonOptionCode::kAsync, 0});
        }
      } else {
        WB_ASSIGN_OR_RETURN(uint32_t func, p3_->Func(out_, module, function));
        c.opcode = CanonOpcode::kLower;
        c.func_index = func;
        c.options = full_opts;
        if (async) c.options.push_back({CanonOptionCode::kAsync, 0});
      }
    }
    groups[module].push_back({out_.Keep(field), CoreSort::kFunc, out_.Add(Item{c})});
  }
  CoreInstance shim;
  shim.module = out_.Add(Item{CoreModuleSection{Bytes(shim_)}});
  for (auto& [module, exports] : groups) {
    CoreInstance inline_instance;
    inline_instance.is_instantiate = false;
    inline_instance.exports = std::move(exports);
    shim.args.push_back({out_.Keep(module), out_.Add(Item{inline_instance})});
  }
  shim.args.push_back({"wb:bridge", bridge_instance});
  const uint32_t shim_instance = out_.Add(Item{shim});
  for (const CoreModuleExport& e : shim_info_.exports) {
    if (e.name == kFinish) finish_func_ = alias_core(shim_instance, CoreSort::kFunc, kFinish);
  }

  // Point the stub table at the shim, and the bridge's realloc at the
  // shim's cabi_realloc.
  std::vector<std::pair<std::string, CoreSignature>> targets;
  for (const Replacement& r : replacements_) targets.push_back({r.key, r.target});
  CoreInstance fixup;
  fixup.module = out_.Add(Item{CoreModuleSection{out_.KeepBytes(BuildFixupModule(targets))}});
  fixup.args = {{"stub", *stub_instance_},
                {"shim-memory", shim_memory_instance},
                {"shim", shim_instance}};
  out_.Add(Item{fixup});

  for (const auto& [import, used] : p2_used_) {
    explain_.push_back(absl::StrFormat(
        "import %s: removed; the shim provides %s", import,
        used.empty() ? "nothing (no function of it is used)"
                     : absl::StrJoin(used, ", ")));
  }
  explain_.push_back(absl::StrFormat(
      "shim: %u bytes after removing what the component does not use",
      shim_.size()));
  return absl::OkStatus();
}

}  // namespace wasi_bridge::upgrade::internal
