// libFuzzer target for the WAVE reader and writer (engine/component/wave.h,
// what `run --invoke` parses). The first byte picks a type, the rest is the
// text. Oracles: parsing never crashes or hangs; a value that parses prints,
// its printed text parses again as the same type and prints identically
// (comparing texts, not values: every NaN prints as `nan`).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/component/wave.h"

namespace {

namespace cabi = wasi_bridge::engine::cabi;
using T = cabi::CabiType;
using wasi_bridge::engine::TypeLabels;

struct Typed {
  cabi::TypeRef type;
  TypeLabels labels;
};

std::vector<Typed> MakeTypes() {
  TypeLabels flag_labels{{"read", "write", "exec"}, {}};
  const cabi::TypeRef flags = T::Flags(3);
  const cabi::TypeRef variant = T::Variant(
      {{"a", nullptr}, {"b", T::String()}, {"ok", T::U8()}, {"none", nullptr}});
  const cabi::TypeRef record = T::Record({
      {"b", T::Bool()}, {"n", T::S64()}, {"u", T::U64()}, {"f", T::F32()},
      {"d", T::F64()}, {"c", T::Char()}, {"s", T::String()}, {"l", T::List(T::U8())},
      {"t", T::Tuple({T::String(), T::U32()})}, {"v", variant},
      {"e", T::Enum({"x", "inf", "y-z"})}, {"o", T::Option(T::Option(T::U8()))},
      {"r", T::Result(T::Option(T::U8()), T::String())}, {"fl", flags}});
  TypeLabels record_labels;
  record_labels.children.resize(14);
  record_labels.children[13] = flag_labels;
  return {
      {T::Bool(), {}},          {T::S8(), {}},
      {T::U64(), {}},           {T::S64(), {}},
      {T::F32(), {}},           {T::F64(), {}},
      {T::Char(), {}},          {T::String(), {}},
      {T::List(T::String()), {}},
      {T::FixedList(T::U16(), 3), {}},
      {variant, {}},            {T::Option(T::Result(nullptr, nullptr)), {}},
      {flags, flag_labels},     {record, record_labels},
      {T::List(T::Tuple({T::String(), T::List(T::Option(T::S32()))})), {}},
  };
}

[[noreturn]] void Fail(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "wave_fuzz: %s\n  first:  %s\n  second: %s\n", what, a.c_str(),
               b.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace wave = wasi_bridge::engine::wave;
  static const std::vector<Typed> types = MakeTypes();
  if (size == 0) return 0;
  const Typed& t = types[data[0] % types.size()];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto value = wave::ParseValue(text, t.type, &t.labels);
  if (value.ok()) {
    auto printed = wave::Print(*value, t.type, &t.labels);
    if (!printed.ok()) Fail("a parsed value does not print", text, std::string(printed.status().message()));
    auto again = wave::ParseValue(*printed, t.type, &t.labels);
    if (!again.ok()) Fail("printed text does not parse", *printed, std::string(again.status().message()));
    auto reprinted = wave::Print(*again, t.type, &t.labels);
    if (!reprinted.ok() || *reprinted != *printed) {
      Fail("printing is not stable", *printed, reprinted.ok() ? *reprinted : "(error)");
    }
  }
  // The call form too: `f(` + text, as --invoke splits and parses it.
  const std::string call = "f(" + text;
  auto split = wave::SplitCall(call);
  if (split.ok()) {
    const wave::Params params = {{"a", t.type}, {"b", T::Option(T::U8())}};
    const std::vector<TypeLabels> labels = {t.labels, {}};
    (void)wave::ParseArgs(call, *split, params, &labels);
  }
  return 0;
}
