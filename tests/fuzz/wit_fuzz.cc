// libFuzzer target for the WIT front end: parse, resolve, print, then parse
// the printed text again; every stage must either fail cleanly or succeed,
// and printing a resolved world must give WIT that resolves to the same
// world (the printer and parser agree).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapter/wit/encode.h"
#include "adapter/wit/parser.h"
#include "adapter/wit/printer.h"
#include "adapter/wit/resolver.h"

namespace {

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "wit_fuzz: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wasi_bridge::wit;  // NOLINT: test driver
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  auto file = ParseWit(source, "fuzz.wit");
  if (!file.ok()) return 0;
  std::vector<ast::File> files;
  files.push_back(std::move(*file));
  auto resolve = ResolveFiles(files, ResolveOptions{{}, true});
  if (!resolve.ok()) return 0;
  for (WorldId w = 0; w < resolve->worlds.size(); ++w) {
    const std::string printed = PrintWorld(*resolve, w);
    auto again = ParseWit(printed, "printed.wit");
    if (!again.ok()) Fail("printed WIT does not parse", printed);
    std::vector<ast::File> again_files;
    again_files.push_back(std::move(*again));
    auto again_resolve = ResolveFiles(again_files, ResolveOptions{{}, true});
    if (!again_resolve.ok()) {
      Fail("printed WIT does not resolve",
           std::string(again_resolve.status().message()) + "\n" + printed);
    }
    const auto& world = resolve->worlds[w];
    auto same = again_resolve->FindWorld(world.name);
    if (!same || WorldSummary(*again_resolve, *same) != WorldSummary(*resolve, w)) {
      Fail("printed WIT describes a different world", printed);
    }
    // Encoding must not crash (it may refuse worlds it cannot express).
    (void)EncodeWorldPackage(*resolve, w);
  }
  return 0;
}
