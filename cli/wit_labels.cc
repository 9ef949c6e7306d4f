#include "cli/wit_labels.h"

namespace wasi_bridge::cli {
namespace {

engine::TypeLabels Labels(const wit::Resolve& r, wit::TypeId id, int depth) {
  engine::TypeLabels out;
  id = r.Dealias(id);
  if (depth > 100 || id >= r.types.size()) return out;
  const wit::Type& t = r.types[id];
  const auto child = [&](const std::optional<wit::TypeId>& c) {
    return c ? Labels(r, *c, depth + 1) : engine::TypeLabels();
  };
  using K = wit::Type::Kind;
  switch (t.kind) {
    case K::kFlags:
      out.flags = t.names;
      break;
    case K::kRecord:
    case K::kVariant:
    case K::kTuple:
      for (const auto& m : t.members) out.children.push_back(child(m.second));
      break;
    case K::kList:
    case K::kOption:
      out.children.push_back(child(t.a));
      break;
    case K::kResult:
    case K::kMap:
      out.children.push_back(child(t.a));
      out.children.push_back(child(t.b));
      break;
    default:
      break;
  }
  return out;
}

}  // namespace

engine::TypeLabels LabelsFromWit(const wit::Resolve& r, wit::TypeId id) {
  return Labels(r, id, 0);
}

std::vector<engine::TypeLabels> FunctionLabels(const wit::Resolve& r, const wit::Function& fn) {
  std::vector<engine::TypeLabels> out;
  for (const auto& p : fn.params) out.push_back(LabelsFromWit(r, p.second));
  out.push_back(fn.result ? LabelsFromWit(r, *fn.result) : engine::TypeLabels());
  return out;
}

}  // namespace wasi_bridge::cli
