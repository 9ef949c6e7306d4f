// `wasi-bridge wit`: print the WIT world of a component, or load WIT
// packages, resolve them and print (or encode) a world.
#include <cstdio>
#include <string>

#include "adapter/binary/reader.h"
#include "adapter/binary/writer.h"
#include "adapter/wit/decode.h"
#include "adapter/wit/encode.h"
#include "adapter/wit/printer.h"
#include "adapter/wit/resolver.h"
#include "cli/commands.h"
#include "cli/file_io.h"

namespace wasi_bridge::cli {
namespace {

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "wasi-bridge: %s\n", std::string(s.message()).c_str());
  return 1;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

void Print(const wit::Resolve& r, wit::WorldId w, bool summary) {
  if (summary) {
    for (const std::string& line : wit::WorldSummary(r, w)) {
      std::printf("%s\n", line.c_str());
    }
    return;
  }
  const std::string text = wit::PrintWorld(r, w);
  std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace

int RunWit(const Args& args) {
  std::vector<std::string> paths;
  std::string world, output;
  bool summary = false;
  wit::ResolveOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--world" || args[i] == "-w") {
      if (++i == args.size()) break;
      world = std::string(args[i]);
    } else if (args[i] == "--summary") {
      summary = true;
    } else if (args[i] == "--all-features") {
      options.all_features = true;
    } else if (args[i] == "--features") {
      if (++i == args.size()) break;
      std::string_view list = args[i];
      while (!list.empty()) {
        const size_t comma = list.find(',');
        options.features.emplace_back(list.substr(0, comma));
        list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
      }
    } else if (args[i] == "-o" || args[i] == "--output") {
      if (++i == args.size()) break;
      output = std::string(args[i]);
    } else if (!args[i].empty() && args[i][0] == '-') {
      std::fprintf(stderr, "wasi-bridge: unknown option `%s`\n",
                   std::string(args[i]).c_str());
      return 2;
    } else {
      paths.push_back(std::string(args[i]));
    }
  }
  if (paths.empty()) {
    std::fprintf(stderr, "wasi-bridge: wit needs a component or WIT paths "
                         "(see wasi-bridge --help)\n");
    return 2;
  }
  if (paths.size() == 1 && EndsWith(paths[0], ".wasm")) {
    auto data = ReadFile(paths[0]);
    if (!data.ok()) return Fail(data.status());
    auto component =
        binary::ReadComponent(binary::Bytes(data->data(), data->size()));
    if (!component.ok()) {
      std::printf("%s: error %s\n", paths[0].c_str(),
                  std::string(component.status().message()).c_str());
      return 1;
    }
    auto decoded = wit::DecodeComponentWorld(*component);
    if (!decoded.ok()) return Fail(decoded.status());
    Print(decoded->resolve, decoded->world, summary);
    return 0;
  }
  auto resolve = wit::LoadWit(paths, options);
  if (!resolve.ok()) return Fail(resolve.status());
  std::vector<wit::WorldId> worlds;
  if (!world.empty()) {
    auto w = resolve->FindWorld(world);
    if (!w) {
      std::fprintf(stderr, "wasi-bridge: no world named `%s`\n", world.c_str());
      return 1;
    }
    worlds.push_back(*w);
  } else {
    for (wit::WorldId w = 0; w < resolve->worlds.size(); ++w) worlds.push_back(w);
  }
  if (!output.empty()) {
    if (worlds.size() != 1) {
      std::fprintf(stderr, "wasi-bridge: -o needs exactly one world "
                           "(use --world)\n");
      return 2;
    }
    auto encoded = wit::EncodeWorldPackage(*resolve, worlds[0]);
    if (!encoded.ok()) return Fail(encoded.status());
    auto status = WriteFileAtomically(output, *encoded);
    return status.ok() ? 0 : Fail(status);
  }
  for (size_t i = 0; i < worlds.size(); ++i) {
    if (i) std::printf("\n");
    Print(*resolve, worlds[i], summary);
  }
  return 0;
}

}  // namespace wasi_bridge::cli
