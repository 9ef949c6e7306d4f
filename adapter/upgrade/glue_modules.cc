#include "adapter/upgrade/glue_modules.h"

#include "absl/strings/str_cat.h"
#include "adapter/upgrade/core_builder.h"

namespace wasi_bridge::upgrade {

using binary::CoreSignature;
using binary::CoreSort;
using binary::CoreValType;

namespace {

CoreSignature Sig(std::vector<uint8_t> params, std::vector<uint8_t> results) {
  CoreSignature s;
  for (uint8_t p : params) s.params.push_back(CoreValType{p, 0});
  for (uint8_t r : results) s.results.push_back(CoreValType{r, 0});
  return s;
}

const CoreSignature kRealloc = Sig({kI32, kI32, kI32, kI32}, {kI32});

}  // namespace

std::vector<uint8_t> BuildStubModule(const std::vector<StubThunk>& thunks) {
  CoreModuleBuilder b;
  const uint32_t table = b.DefineTable(static_cast<uint32_t>(thunks.size()));
  b.Export("table", CoreSort::kTable, table);
  for (size_t i = 0; i < thunks.size(); ++i) {
    const StubThunk& t = thunks[i];
    CodeWriter code;
    for (uint32_t p = 0; p < t.lowering.params.size(); ++p) code.LocalGet(p);
    if (t.slot) code.I32Const(static_cast<int32_t>(*t.slot));
    code.I32Const(static_cast<int32_t>(i));
    code.CallIndirect(b.Type(t.target), table);
    const uint32_t f = b.DefineFunc(t.lowering, code.bytes());
    b.Export(absl::StrCat(i), CoreSort::kFunc, f);
  }
  return b.Finish();
}

std::vector<uint8_t> BuildBridgeModule(bool caller_memory, uint32_t slots,
                                       uint32_t shim_memory_pages) {
  CoreModuleBuilder b;
  std::optional<uint32_t> caller;
  if (caller_memory) caller = b.ImportMemory("caller", "memory", 0);
  std::vector<uint32_t> reallocs;
  for (uint32_t k = 0; k < slots; ++k) {
    reallocs.push_back(b.ImportFunc("caller", absl::StrCat("realloc", k), kRealloc));
  }
  const uint32_t shim = b.DefineMemory(shim_memory_pages);
  const uint32_t rt = b.DefineTable(1);

  const CoreSignature copy = Sig({kI32, kI32, kI32}, {});
  auto copy_between = [&](std::optional<uint32_t> dst, std::optional<uint32_t> src) {
    CodeWriter c;
    if (!dst || !src) {
      c.Op(0x00);  // unreachable: no lowering passed a memory
    } else {
      c.LocalGet(0).LocalGet(1).LocalGet(2).MemoryCopy(*dst, *src);
    }
    return c.bytes();
  };
  b.Export("copy-in", CoreSort::kFunc,
           b.DefineFunc(copy, copy_between(shim, caller)));
  b.Export("copy-out", CoreSort::kFunc,
           b.DefineFunc(copy, copy_between(caller, shim)));

  // caller-alloc(slot, align, size): the realloc of the lowering that made
  // the call, realloc(0, 0, align, size).
  CodeWriter alloc;
  for (uint32_t k = 0; k < slots; ++k) {
    alloc.LocalGet(0).I32Const(static_cast<int32_t>(k)).Op(0x46);  // i32.eq
    alloc.Op(0x04).Op(0x40);                                         // if
    alloc.I32Const(0).I32Const(0).LocalGet(1).LocalGet(2).Call(reallocs[k]);
    alloc.Op(0x0f);  // return
    alloc.Op(0x0b);  // end
  }
  alloc.Op(0x00);  // unreachable: a slot the stub never passes
  b.Export("caller-alloc", CoreSort::kFunc,
           b.DefineFunc(Sig({kI32, kI32, kI32}, {kI32}), alloc.bytes()));

  CodeWriter realloc;
  realloc.LocalGet(0).LocalGet(1).LocalGet(2).LocalGet(3).I32Const(0);
  realloc.CallIndirect(b.Type(kRealloc), rt);
  b.Export("realloc", CoreSort::kFunc, b.DefineFunc(kRealloc, realloc.bytes()));
  b.Export("memory", CoreSort::kMemory, shim);
  b.Export("rt", CoreSort::kTable, rt);
  return b.Finish();
}

std::vector<uint8_t> BuildFixupModule(
    const std::vector<std::pair<std::string, CoreSignature>>& targets) {
  CoreModuleBuilder b;
  std::vector<uint32_t> funcs;
  std::vector<std::pair<std::string, uint32_t>> imported;
  for (const auto& [name, sig] : targets) {
    uint32_t index = 0;
    bool found = false;
    for (const auto& [n, i] : imported) {
      if (n == name) {
        index = i;
        found = true;
      }
    }
    if (!found) {
      index = b.ImportFunc("shim", name, sig);
      imported.push_back({name, index});
    }
    funcs.push_back(index);
  }
  const uint32_t realloc = b.ImportFunc("shim", "cabi_realloc", kRealloc);
  const uint32_t stub_table =
      b.ImportTable("stub", "table", static_cast<uint32_t>(targets.size()));
  const uint32_t rt = b.ImportTable("bridge", "rt", 1);
  b.Elements(stub_table, funcs);
  b.Elements(rt, {realloc});
  return b.Finish();
}

}  // namespace wasi_bridge::upgrade
