#include "adapter/binary/extern_names.h"

#include "re2/re2.h"

namespace wasi_bridge::binary {
namespace {

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// SemVer 2.0 (https://semver.org), as the spec requires for versions.
const RE2& SemverPattern() {
  static const RE2* const kPattern = new RE2(
      R"((0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*))"
      R"((-((0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))"
      R"((\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?)"
      R"((\+([0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*))?)");
  return *kPattern;
}

}  // namespace

bool IsKebabLabel(std::string_view label) {
  // label ::= fragment ('-' fragment)*; a fragment is all lowercase or all
  // uppercase letters and digits; only the first must start with a letter.
  if (label.empty()) return false;
  size_t i = 0;
  bool first = true;
  while (true) {
    size_t end = label.find('-', i);
    if (end == std::string_view::npos) end = label.size();
    std::string_view word = label.substr(i, end - i);
    if (word.empty()) return false;
    if (first && !IsLower(word[0]) && !IsUpper(word[0])) return false;
    bool lower = false, upper = false;
    for (char c : word) {
      if (IsLower(c)) {
        lower = true;
      } else if (IsUpper(c)) {
        upper = true;
      } else if (!IsDigit(c)) {
        return false;
      }
    }
    if (lower && upper) return false;
    if (end == label.size()) return true;
    i = end + 1;
    first = false;
  }
}

std::string LowercaseName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (IsUpper(c)) c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool NameSet::Insert(std::string_view name) {
  auto has = [](const std::vector<std::string>& v, const std::string& x) {
    for (const auto& e : v) {
      if (e == x) return true;
    }
    return false;
  };
  const std::string key = LowercaseName(name);
  // `[method]a.a` / `[static]a.a`: method and resource share a name, which
  // then collides with the plain name `a` (the spec's annotated-names
  // tests); `[method]request.method` beside a type `method` is fine.
  std::string label;
  for (std::string_view prefix : {"[method]", "[static]"}) {
    const size_t dot = name.find('.');
    if (name.starts_with(prefix) && dot != std::string_view::npos) {
      const std::string resource =
          LowercaseName(name.substr(prefix.size(), dot - prefix.size()));
      const std::string member = LowercaseName(name.substr(dot + 1));
      label = member == resource ? member : "\x01" + member;  // \x01: no plain name
    }
  }
  if (label.empty()) {
    if (has(plain_, key) || has(labels_, key) || has(annotated_, key)) {
      return false;
    }
    plain_.push_back(key);
    return true;
  }
  if (has(annotated_, key) || has(plain_, label)) return false;
  annotated_.push_back(key);
  labels_.push_back(label);
  return true;
}

std::optional<InterfaceName> ParseInterfaceName(std::string_view name) {
  const size_t colon = name.find(':');
  const size_t slash = name.find('/');
  if (colon == std::string_view::npos || slash == std::string_view::npos ||
      slash < colon) {
    return std::nullopt;
  }
  InterfaceName out;
  out.ns = name.substr(0, colon);
  out.package = name.substr(colon + 1, slash - colon - 1);
  std::string_view rest = name.substr(slash + 1);
  const size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    out.version = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  out.interface = rest;
  return out;
}

std::string CheckExternName(std::string_view name) {
  if (name.starts_with("[async]") ||
      name.starts_with("[async method]") ||
      name.starts_with("[async static]")) {
    return "the `[async]` name prefixes are a pre-0.3.0 encoding; WASI 0.3.0 "
           "marks async functions in their type";
  }
  if (auto iface = ParseInterfaceName(name)) {
    // Namespaces and packages are lowercase labels; nested package paths
    // (🪺) are not accepted.
    auto lower = [](std::string_view l) {
      return IsKebabLabel(l) && LowercaseName(l) == l;
    };
    if (!lower(iface->ns) || !lower(iface->package) ||
        !IsKebabLabel(iface->interface)) {
      return "is not a valid extern name: interface names are "
             "`namespace:package/interface`, kebab-case labels with a "
             "lowercase namespace and package";
    }
    if (name.find('@') != std::string_view::npos &&
        !RE2::FullMatch(re2::StringPiece(iface->version.data(), iface->version.size()),
                       SemverPattern())) {
      return "`" + std::string(iface->version) + "` is not a valid semver";
    }
    return "";
  }
  std::string_view label = name;
  auto strip = [&](std::string_view prefix) {
    if (!label.starts_with(prefix)) return false;
    label.remove_prefix(prefix.size());
    return true;
  };
  if (strip("[constructor]")) {
    return IsKebabLabel(label) ? "" : "constructor name must be a label";
  }
  if (strip("[method]") || strip("[static]")) {
    const size_t dot = label.find('.');
    if (dot == std::string_view::npos || !IsKebabLabel(label.substr(0, dot)) ||
        !IsKebabLabel(label.substr(dot + 1))) {
      return "method and static names must be `resource.name` labels";
    }
    return "";
  }
  if (!IsKebabLabel(label)) {
    return "`" + std::string(label) + "` is not in kebab case";
  }
  return "";
}

}  // namespace wasi_bridge::binary
