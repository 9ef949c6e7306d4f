#include "cli/invoke.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapter/wit/decode.h"
#include "cli/wit_labels.h"
#include "engine/component/wast_values.h"

namespace wasi_bridge::cli {
namespace {

int InvokeFailed(const std::string& file, absl::string_view message) {
  std::fprintf(stderr, "wasi-bridge: %s: %s\n", file.c_str(), std::string(message).c_str());
  return 1;
}

// A function the component exports: at the root (`add`) or inside an
// exported instance (`local:calc/ops#add`).
struct ExportedFunc {
  std::string instance;  // empty at the root
  std::string func;
  std::shared_ptr<engine::ComponentFunction> fn;
  std::string FullName() const { return instance.empty() ? func : instance + "#" + func; }
};

std::vector<ExportedFunc> ExportedFuncs(const engine::ComponentInstance& root) {
  std::vector<ExportedFunc> out;
  for (const std::string& name : root.ExportNames()) {
    auto item = root.Export(name);
    if (!item.ok()) continue;
    if (item->func) out.push_back({"", name, item->func});
    if (!item->instance) continue;
    for (const std::string& inner : item->instance->ExportNames()) {
      auto f = item->instance->Export(inner);
      if (f.ok() && f->func) out.push_back({name, inner, f->func});
    }
  }
  return out;
}

// `iface#func` names one function; a bare `func` is looked up among root
// functions and the functions of exported instances alike, as wasmtime
// does, and must be unique.
absl::StatusOr<ExportedFunc> FindExport(const std::vector<ExportedFunc>& funcs,
                                        const std::string& name) {
  const size_t hash = name.rfind('#');
  std::vector<const ExportedFunc*> hits;
  for (const ExportedFunc& f : funcs) {
    const bool match = hash == std::string::npos
                           ? f.func == name
                           : f.instance == name.substr(0, hash) && f.func == name.substr(hash + 1);
    if (match) hits.push_back(&f);
  }
  if (hits.size() == 1) return *hits[0];
  std::vector<std::string> names;
  if (!hits.empty()) {
    for (const ExportedFunc* f : hits) names.push_back(f->FullName());
    return absl::InvalidArgumentError(
        absl::StrCat("`", name, "` is ambiguous: ", absl::StrJoin(names, ", "),
                     " (name one as INSTANCE#FUNC)"));
  }
  for (const ExportedFunc& f : funcs) names.push_back(f.FullName());
  return absl::NotFoundError(absl::StrCat(
      "no exported function `", name, "`; ",
      names.empty() ? std::string("the component exports no functions")
                    : absl::StrCat("the component exports: ", absl::StrJoin(names, ", "))));
}

bool NeedsLabels(const engine::FuncSignature& sig) {
  bool needs = sig.result != nullptr && engine::ContainsFlags(*sig.result);
  for (const auto& p : sig.params) needs |= p.second && engine::ContainsFlags(*p.second);
  return needs;
}

// Flags labels for `f`'s parameters and then its result, from the
// component's WIT world; empty if the world does not say.
std::vector<engine::TypeLabels> FuncLabels(const binary::Component& component,
                                           const ExportedFunc& f) {
  auto world = wit::DecodeComponentWorld(component);
  if (!world.ok()) return {};
  const wit::Resolve& r = world->resolve;
  const wit::Function* fn = nullptr;
  for (const wit::WorldItem& item : r.worlds[world->world].exports) {
    if (f.instance.empty() && item.kind == wit::WorldItem::Kind::kFunction &&
        item.key == f.func) {
      fn = &item.function;
    } else if (!f.instance.empty() && item.kind == wit::WorldItem::Kind::kInterface &&
               item.key == f.instance && item.interface < r.interfaces.size()) {
      for (const wit::Function& g : r.interfaces[item.interface].functions) {
        if (g.name == f.func) fn = &g;
      }
    }
  }
  if (fn == nullptr) return {};
  return FunctionLabels(r, *fn);
}

}  // namespace

int InvokeUsage(absl::string_view message) {
  std::fprintf(stderr, "wasi-bridge: --invoke: %s\n", std::string(message).c_str());
  return 2;
}

int Invoke(engine::Runtime& runtime, engine::wasi::WasiHost& host,
           const engine::ComponentInstance& instance, const binary::Component& component,
           const std::string& file, const std::string& text, const engine::wave::CallText& call) {
  auto target = FindExport(ExportedFuncs(instance), call.name);
  if (!target.ok()) return InvokeUsage(target.status().message());
  const engine::FuncSignature& sig = target->fn->signature();
  std::vector<engine::TypeLabels> labels;
  if (NeedsLabels(sig)) labels = FuncLabels(component, *target);
  auto args = engine::wave::ParseArgs(text, call, sig.params, &labels);
  if (!args.ok()) return InvokeUsage(args.status().message());

  auto pending = runtime.CallAsync(*target->fn, std::move(*args));
  absl::Status status =
      pending.ok() ? runtime.Run([&] { return (*pending)->ready(); }) : pending.status();
  host.Flush();
  std::fflush(stdout);
  if (host.exit_code()) return *host.exit_code();
  if (status.ok() && !(*pending)->result().ok()) status = (*pending)->result().status();
  if (!status.ok()) return InvokeFailed(file, status.message());
  const std::optional<engine::cabi::Value>& result = *(*pending)->result();
  if (!result || sig.result == nullptr) {
    // wasmtime prints an empty result list as the empty tuple.
    std::printf("()\n");
    std::fflush(stdout);
    return 0;
  }
  const engine::TypeLabels* result_labels =
      labels.size() == sig.params.size() + 1 ? &labels.back() : nullptr;
  auto printed = engine::wave::Print(*result, sig.result, result_labels);
  if (!printed.ok()) {
    return InvokeFailed(file, absl::StrCat("cannot print the result of `",
                                           target->FullName(), "`: ", printed.status().message()));
  }
  std::printf("%s\n", printed->c_str());
  std::fflush(stdout);
  return 0;
}


}  // namespace wasi_bridge::cli
