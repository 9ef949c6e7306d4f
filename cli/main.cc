#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>
#include "adapter/binary/reader.h"
#include "adapter/binary/writer.h"
int main(int argc, char** argv) {
  std::ifstream f(argv[1], std::ios::binary);
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(f)), {});
  auto c = wasi_bridge::binary::ReadComponent(wasi_bridge::binary::Bytes(data.data(), data.size()));
  if (!c.ok()) { fprintf(stderr, "%s\n", c.status().ToString().c_str()); return 1; }
  auto out = wasi_bridge::binary::WriteComponent(*c);
  printf("%s sections=%zu verbatim=%zu same=%d\n", argv[1], c->sections.size(), wasi_bridge::binary::CountVerbatimSections(*c), out == data);
  return out == data ? 0 : 2;
}
