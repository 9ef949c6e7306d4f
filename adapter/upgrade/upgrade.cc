#include "adapter/upgrade/upgrade.h"

#include <array>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "adapter/binary/core_module_info.h"
#include "adapter/binary/reader.h"
#include "adapter/binary/validator.h"
#include "adapter/binary/validator_internal.h"
#include "adapter/binary/writer.h"
#include "adapter/support/status_macros.h"
#include "adapter/upgrade/emitter.h"
#include "adapter/upgrade/glue_modules.h"
#include "adapter/upgrade/items.h"
#include "adapter/upgrade/p3_imports.h"
#include "adapter/upgrade/shim_dce.h"
#include "adapter/upgrade/wasi_names.h"
#include "wasi_bridge/shims.h"

namespace wasi_bridge::upgrade {

using namespace binary;  // NOLINT

namespace {

constexpr uint32_t kNone = UINT32_MAX;
constexpr std::string_view kFinish = "wb:shim#finish";

// A 0.2 lowering (or resource destructor) the shim takes over.
struct Replacement {
  std::string key;     // shim export, "wasi:io/streams#[method]output-stream.write"
  std::string origin;  // "wasi:io/streams@0.2.12 [method]output-stream.write"
  CoreSignature lowering;
  std::optional<uint32_t> realloc;  // old core func index
  std::optional<uint32_t> memory;   // old core memory index
  std::optional<uint32_t> slot;
  CoreSignature target;  // the shim export's type
};

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

class Upgrader {
 public:
  Upgrader(std::span<const uint8_t> input, const UpgradeOptions& options)
      : input_(input), options_(options) {}

  absl::StatusOr<UpgradeResult> Run();

 private:
  uint32_t& OldIndexOf(size_t item) { return old_index_[item]; }
  bool Removed(Space s, uint32_t i) const {
    const auto& r = removed_[static_cast<size_t>(s)];
    return i < r.size() && r[i];
  }
  void MarkRemoved(size_t item);
  absl::Status Classify();
  absl::Status MatchShim();
  absl::Status EmitOriginals();
  absl::Status EmitShim();
  absl::Status EmitP3Imports();
  absl::Status RetypeRun();
  // The item defining index `i` of space `s` in the input.
  const Item* Definition(Space s, uint32_t i) const {
    const auto& d = definition_[static_cast<size_t>(s)];
    return i < d.size() ? &items_[d[i]] : nullptr;
  }
  uint32_t New(Space s, uint32_t old) const {
    const auto& m = map_[static_cast<size_t>(s)];
    return old < m.size() ? m[old] : kNone;
  }

  std::span<const uint8_t> input_;
  UpgradeOptions options_;
  Component component_;
  std::vector<std::optional<CoreSignature>> core_sigs_;
  std::vector<Item> items_;
  std::vector<uint32_t> old_index_;
  std::array<std::vector<uint32_t>, kSpaceCount> definition_;
  std::array<std::vector<uint8_t>, kSpaceCount> removed_;
  std::array<std::vector<uint32_t>, kSpaceCount> map_;

  enum class Fate { kKeep, kRemove, kReplace };
  std::vector<Fate> fate_;
  std::vector<int> replacement_of_;
  std::vector<Replacement> replacements_;
  absl::flat_hash_map<uint32_t, std::pair<WasiInterface, std::string>> p2_funcs_, p2_types_;
  std::map<std::string, std::vector<std::string>> p2_used_;  // import -> items
  std::vector<std::string> p2_imports_;
  absl::flat_hash_map<std::string, size_t> p3_existing_;  // name -> item
  std::vector<size_t> widened_;  // existing 0.3 imports the shim imports too
  bool p3_emitted_ = false;
  std::optional<size_t> run_export_;
  std::optional<std::string> p3_run_;  // the component's own 0.3 run export
  std::optional<uint32_t> caller_memory_;  // old index
  std::vector<uint32_t> slot_reallocs_;     // old core func index per slot

  std::vector<uint8_t> shim_;
  CoreModuleInfo shim_info_;
  Emitter out_;
  std::optional<uint32_t> stub_instance_;
  uint32_t run_core_old_ = 0;
  uint32_t finish_func_ = 0;  // the shim's finish export, aliased
  std::unique_ptr<P3Imports> p3_;
  std::vector<std::string> explain_;
};

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
    return absl::UnimplementedError(absl::StrFormat(
        "cannot upgrade: %s uses %s %u, which comes from a WASI 0.2 import "
        "the upgrade replaces",
        DescribeItem(it), SpaceName(uses->first), uses->second));
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
    absl::Status status;
    ForEachRef(copy, [&](Space s, uint32_t& idx) {
      const uint32_t n = New(s, idx);
      if (n == kNone && status.ok()) {
        status = absl::InternalError(absl::StrFormat(
            "%s refers to a removed %s", DescribeItem(copy), SpaceName(s)));
      }
      idx = n;
    });
    WB_RETURN_IF_ERROR(status);
    const uint32_t index = out_.Add(std::move(copy));
    if (space) map_[static_cast<size_t>(*space)][old_index_[i]] = index;
  }
  return absl::OkStatus();
}

// Canon built-in opcodes for the `[op]function` imports of the shim.
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
      caller_memory_.has_value(), static_cast<uint32_t>(slot_reallocs_.size())))}});
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

absl::StatusOr<UpgradeResult> Upgrader::Run() {
  if (options_.target != "0.3.0") {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--target %s: only 0.3.0 is available (no WASI 0.3.1 WIT is bundled)",
        options_.target));
  }
  WB_ASSIGN_OR_RETURN(component_, ReadComponent(Bytes(input_)));
  {
    ValidateOptions vo;
    internal::ComponentTypeResult typed = internal::ComputeComponentType(component_, vo);
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

  WB_RETURN_IF_ERROR(Classify());
  WB_RETURN_IF_ERROR(MatchShim());
  WB_RETURN_IF_ERROR(EmitOriginals());
  if (!stub_instance_) {
    return absl::FailedPreconditionError(
        "nothing to upgrade: no WASI 0.2 function is used");
  }
  WB_RETURN_IF_ERROR(EmitShim());
  WB_RETURN_IF_ERROR(RetypeRun());

  Component rewritten = BuildComponent(std::move(out_.items()), out_.strings());
  UpgradeResult result;
  result.component = WriteComponent(rewritten);
  result.shim_bytes = shim_.size();
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

}  // namespace

absl::StatusOr<UpgradeResult> UpgradeComponent(std::span<const uint8_t> input,
                                               const UpgradeOptions& options) {
  Upgrader upgrader(input, options);
  return upgrader.Run();
}

}  // namespace wasi_bridge::upgrade
