// What `wasi-bridge inspect` reports about a binary, computed from the model.
#ifndef WASI_BRIDGE_ADAPTER_BINARY_SUMMARY_H_
#define WASI_BRIDGE_ADAPTER_BINARY_SUMMARY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "adapter/binary/model.h"

namespace wasi_bridge::binary {

struct SummaryItem {
  std::string name;  // as written, e.g. "wasi:cli/environment@0.2.12"
  std::string kind;  // "func", "instance", "type", "component", ...
};

struct NestedItem {
  uint32_t index = 0;   // in order of appearance, depth-first
  uint32_t offset = 0;  // byte offset of the item's preamble
  uint32_t size = 0;
  uint32_t depth = 0;   // 0 = the top-level component
};

struct Summary {
  std::string kind;  // "component" or "core-module"
  uint64_t size = 0;
  std::vector<SummaryItem> imports;
  std::vector<SummaryItem> exports;
  std::vector<std::string> wasi_versions;  // sorted, unique
  std::string wasi_generation;  // "none", "0.2", "0.3" or "mixed"
  std::vector<NestedItem> core_modules;
  std::vector<NestedItem> components;
  std::map<std::string, int> canon_counts;  // by canon name
  std::vector<std::string> polyfill;        // 0.2 WASI imports to upgrade
  std::vector<std::string> notes;
};

// Summarises a component (`component` may be null for a core module).
Summary Summarize(const Component* component, uint64_t file_size);

// Stable JSON (keys in a fixed order) and a human-readable report.
std::string SummaryToJson(const Summary& s, std::string_view file);
std::string SummaryToText(const Summary& s, std::string_view file);

}  // namespace wasi_bridge::binary

#endif  // WASI_BRIDGE_ADAPTER_BINARY_SUMMARY_H_
