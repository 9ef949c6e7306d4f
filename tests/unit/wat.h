// Assembles core-wasm text for tests with wabt's own parser.
#ifndef WASI_BRIDGE_TESTS_UNIT_WAT_H_
#define WASI_BRIDGE_TESTS_UNIT_WAT_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "wabt/binary-writer.h"
#include "wabt/error.h"
#include "wabt/feature.h"
#include "wabt/ir.h"
#include "wabt/resolve-names.h"
#include "wabt/stream.h"
#include "wabt/wast-lexer.h"
#include "wabt/wast-parser.h"

namespace wasi_bridge::testing {

// The binary of the module in `wat`, or an empty vector if it fails to parse.
inline std::vector<uint8_t> Wat(std::string_view wat) {
  wabt::Errors errors;
  auto lexer = wabt::WastLexer::CreateBufferLexer("test.wat", wat.data(),
                                                  wat.size(), &errors);
  wabt::Features features;
  features.EnableAll();
  wabt::WastParseOptions parse_options(features);
  std::unique_ptr<wabt::Module> module;
  if (wabt::Failed(wabt::ParseWatModule(lexer.get(), &module, &errors,
                                        &parse_options)) ||
      wabt::Failed(wabt::ResolveNamesModule(module.get(), &errors))) {
    return {};
  }
  wabt::MemoryStream stream;
  const wabt::WriteBinaryOptions write_options(features, true, false, false);
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, module.get(),
                                           write_options))) {
    return {};
  }
  return stream.output_buffer().data;
}

}  // namespace wasi_bridge::testing

#endif  // WASI_BRIDGE_TESTS_UNIT_WAT_H_
