#include "adapter/binary/summary.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_format.h"
#include "adapter/binary/canon_info.h"
#include "adapter/binary/extern_names.h"

namespace wasi_bridge::binary {
namespace {

const char* ExternKindText(ExternKind k) {
  switch (k) {
    case ExternKind::kCoreModule: return "core-module";
    case ExternKind::kFunc: return "func";
    case ExternKind::kValue: return "value";
    case ExternKind::kType: return "type";
    case ExternKind::kComponent: return "component";
    case ExternKind::kInstance: return "instance";
  }
  return "?";
}

const char* SortText(const Sort& s) {
  switch (s.kind) {
    case SortKind::kCore:
      return s.core == CoreSort::kModule ? "core-module" : "core";
    case SortKind::kFunc: return "func";
    case SortKind::kValue: return "value";
    case SortKind::kType: return "type";
    case SortKind::kComponent: return "component";
    case SortKind::kInstance: return "instance";
  }
  return "?";
}

void Walk(const Component& c, uint32_t depth, Summary& out) {
  for (const Section& s : c.sections) {
    const uint32_t payload = s.offset + 1 + s.size_width;
    if (const auto* m = std::get_if<CoreModuleSection>(&s.body)) {
      out.core_modules.push_back(
          {static_cast<uint32_t>(out.core_modules.size()), payload,
           static_cast<uint32_t>(m->bytes.size()), depth});
    } else if (const auto* nested =
                   std::get_if<std::shared_ptr<Component>>(&s.body)) {
      out.components.push_back({static_cast<uint32_t>(out.components.size()),
                                payload, (*nested)->size, depth + 1});
      Walk(**nested, depth + 1, out);
    } else if (const auto* canons = std::get_if<std::vector<Canon>>(&s.body)) {
      for (const Canon& canon : *canons) {
        const CanonInfo* info = FindCanonInfo(static_cast<uint8_t>(canon.opcode));
        ++out.canon_counts[std::string(info->name)];
        if (info->status == CanonStatus::kRemoved) {
          out.notes.push_back(absl::StrFormat(
              "uses `%s` (0x%02x), a pre-0.3.0 encoding", info->name,
              info->opcode));
        }
      }
    }
  }
}

bool IsWasi(std::string_view name, std::string_view* version) {
  auto iface = ParseInterfaceName(name);
  if (!iface || iface->ns != "wasi") return false;
  *version = iface->version;
  return true;
}

void Escape(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

Summary Summarize(const Component* component, uint64_t file_size) {
  Summary out;
  out.size = file_size;
  if (component == nullptr) {
    out.kind = "core-module";
    out.wasi_generation = "none";
    return out;
  }
  out.kind = "component";
  std::set<std::string> versions;
  bool has02 = false, has03 = false;
  for (const Section& s : component->sections) {
    if (const auto* imports = std::get_if<std::vector<Import>>(&s.body)) {
      for (const Import& im : *imports) {
        out.imports.push_back(
            {std::string(im.name.name), ExternKindText(im.desc.kind)});
        std::string_view v;
        if (IsWasi(im.name.name, &v) && !v.empty()) {
          versions.insert(std::string(v));
          if (v.starts_with("0.2.")) {
            has02 = true;
            out.polyfill.push_back(std::string(im.name.name));
          } else if (v.starts_with("0.3.")) {
            has03 = true;
          }
        }
      }
    } else if (const auto* exports = std::get_if<std::vector<Export>>(&s.body)) {
      for (const Export& ex : *exports) {
        out.exports.push_back(
            {std::string(ex.name.name), SortText(ex.item.sort)});
        std::string_view v;
        if (IsWasi(ex.name.name, &v) && !v.empty()) {
          versions.insert(std::string(v));
          has02 |= v.starts_with("0.2.");
          has03 |= v.starts_with("0.3.");
        }
      }
    }
  }
  out.wasi_versions.assign(versions.begin(), versions.end());
  out.wasi_generation = has02 && has03 ? "mixed"
                        : has02        ? "0.2"
                        : has03        ? "0.3"
                                       : "none";
  Walk(*component, 0, out);
  return out;
}

std::string SummaryToJson(const Summary& s, std::string_view file) {
  std::string o = "{\n  \"file\": ";
  Escape(o, file);
  o += ",\n  \"kind\": ";
  Escape(o, s.kind);
  o += absl::StrFormat(",\n  \"size\": %u", s.size);
  auto items = [&](const char* key, const std::vector<SummaryItem>& v) {
    o += absl::StrFormat(",\n  \"%s\": [", key);
    for (size_t i = 0; i < v.size(); ++i) {
      o += i ? ",\n    {\"name\": " : "\n    {\"name\": ";
      Escape(o, v[i].name);
      o += ", \"kind\": ";
      Escape(o, v[i].kind);
      o += "}";
    }
    o += v.empty() ? "]" : "\n  ]";
  };
  auto strings = [&](const std::vector<std::string>& v) {
    o += "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) o += ", ";
      Escape(o, v[i]);
    }
    o += "]";
  };
  auto nested = [&](const char* key, const std::vector<NestedItem>& v) {
    o += absl::StrFormat(",\n  \"%s\": [", key);
    for (size_t i = 0; i < v.size(); ++i) {
      o += absl::StrFormat(
          "%s\n    {\"index\": %u, \"offset\": %u, \"size\": %u, "
          "\"depth\": %u}",
          i ? "," : "", v[i].index, v[i].offset, v[i].size, v[i].depth);
    }
    o += v.empty() ? "]" : "\n  ]";
  };
  items("imports", s.imports);
  items("exports", s.exports);
  o += ",\n  \"wasi\": {\"versions\": ";
  strings(s.wasi_versions);
  o += ", \"generation\": ";
  Escape(o, s.wasi_generation);
  o += "}";
  nested("core_modules", s.core_modules);
  nested("components", s.components);
  o += ",\n  \"canon\": {";
  bool first = true;
  for (const auto& [name, count] : s.canon_counts) {
    o += first ? "" : ", ";
    first = false;
    Escape(o, name);
    o += absl::StrFormat(": %d", count);
  }
  o += "},\n  \"polyfill\": [";
  for (size_t i = 0; i < s.polyfill.size(); ++i) {
    o += i ? ", {\"import\": " : "{\"import\": ";
    Escape(o, s.polyfill[i]);
    o += "}";
  }
  o += "],\n  \"notes\": ";
  strings(s.notes);
  o += "\n}\n";
  return o;
}

std::string SummaryToText(const Summary& s, std::string_view file) {
  std::string o = absl::StrFormat("%s: %s, %u bytes\n", file, s.kind, s.size);
  if (s.kind != "component") return o;
  o += absl::StrFormat("WASI: %s", s.wasi_generation);
  if (!s.wasi_versions.empty()) {
    o += " (";
    for (size_t i = 0; i < s.wasi_versions.size(); ++i) {
      o += (i ? ", " : "") + s.wasi_versions[i];
    }
    o += ")";
  }
  o += "\n";
  auto items = [&](const char* title, const std::vector<SummaryItem>& v) {
    o += absl::StrFormat("%s (%u):\n", title, v.size());
    for (const auto& it : v) {
      o += absl::StrFormat("  %-10s %s\n", it.kind, it.name);
    }
  };
  items("imports", s.imports);
  items("exports", s.exports);
  o += absl::StrFormat("core modules (%u):\n", s.core_modules.size());
  for (const auto& m : s.core_modules) {
    o += absl::StrFormat("  #%u at byte %u, %u bytes, depth %u\n", m.index,
                         m.offset, m.size, m.depth);
  }
  o += absl::StrFormat("nested components (%u):\n", s.components.size());
  for (const auto& c : s.components) {
    o += absl::StrFormat("  #%u at byte %u, %u bytes, depth %u\n", c.index,
                         c.offset, c.size, c.depth);
  }
  o += "canon built-ins:\n";
  for (const auto& [name, count] : s.canon_counts) {
    o += absl::StrFormat("  %-28s %d\n", name, count);
  }
  o += absl::StrFormat("0.2 imports `upgrade` would polyfill (%u):\n",
                       s.polyfill.size());
  for (const auto& p : s.polyfill) o += "  " + p + "\n";
  for (const auto& n : s.notes) o += "note: " + n + "\n";
  return o;
}

}  // namespace wasi_bridge::binary
