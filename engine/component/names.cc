#include "engine/component/names.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "adapter/binary/byte_reader.h"

namespace wasi_bridge::engine {

namespace {

uint64_t Key(NameSort sort, uint32_t index) {
  return (uint64_t{static_cast<uint8_t>(sort)} << 32) | index;
}

const char* SortText(NameSort sort) {
  switch (sort) {
    case NameSort::kCoreFunc: return "core func";
    case NameSort::kCoreModule: return "core module";
    case NameSort::kCoreInstance: return "core instance";
    case NameSort::kFunc: return "func";
    case NameSort::kInstance: return "instance";
    case NameSort::kComponent: return "component";
  }
  return "item";
}

// The sort of a `sortnames` entry (Binary.md `sort`), if messages use it.
std::optional<NameSort> SortOf(uint8_t sort, uint8_t core_sort) {
  if (sort == 0x00) {
    switch (core_sort) {
      case 0x00: return NameSort::kCoreFunc;
      case 0x11: return NameSort::kCoreModule;
      case 0x12: return NameSort::kCoreInstance;
      default: return std::nullopt;
    }
  }
  switch (sort) {
    case 0x01: return NameSort::kFunc;
    case 0x04: return NameSort::kComponent;
    case 0x05: return NameSort::kInstance;
    default: return std::nullopt;
  }
}

// Reads subsections until the data ends or something is malformed.
void ReadSubsections(binary::Bytes data, ComponentNames& out, std::string& component) {
  binary::ByteReader r(data);
  while (!r.AtEnd()) {
    auto id = r.ReadByte("name subsection id");
    if (!id.ok()) return;
    auto size = r.ReadU32("name subsection size");
    if (!size.ok()) return;
    auto body = r.ReadBytes(*size, "name subsection");
    if (!body.ok()) return;
    binary::ByteReader sub(*body);
    if (*id == 0) {
      auto name = sub.ReadName("component name");
      if (!name.ok()) return;
      component = std::string(*name);
      continue;
    }
    if (*id != 1) continue;  // unknown subsections are skipped
    auto sort = sub.ReadByte("sort");
    if (!sort.ok()) return;
    uint8_t core_sort = 0;
    if (*sort == 0x00) {
      auto cs = sub.ReadByte("core sort");
      if (!cs.ok()) return;
      core_sort = *cs;
    }
    const std::optional<NameSort> which = SortOf(*sort, core_sort);
    auto count = sub.ReadU32("name count");
    if (!count.ok()) return;
    for (uint32_t i = 0; i < *count; ++i) {
      auto index = sub.ReadU32("name index");
      if (!index.ok()) return;
      auto name = sub.ReadName("name");
      if (!name.ok()) return;
      if (which) out.Set(*which, *index, std::string(*name));
    }
  }
}

}  // namespace

ComponentNames ComponentNames::Read(const binary::Component& c) {
  ComponentNames out;
  for (const binary::Section& section : c.sections) {
    const auto* custom = std::get_if<binary::CustomSection>(&section.body);
    if (custom == nullptr || custom->name != "component-name") continue;
    ReadSubsections(custom->data, out, out.component_);
    break;
  }
  return out;
}

void ComponentNames::Set(NameSort sort, uint32_t index, std::string name) {
  names_[Key(sort, index)] = std::move(name);
}

std::string ComponentNames::Describe(NameSort sort, uint32_t index) const {
  auto it = names_.find(Key(sort, index));
  if (it != names_.end()) return absl::StrCat(SortText(sort), " $", it->second);
  return absl::StrCat(SortText(sort), " ", index);
}

}  // namespace wasi_bridge::engine
