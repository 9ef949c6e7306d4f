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

// copy(dst, src, len) from memory `src_mem` to `dst_mem`, eight bytes at a
// time, then the tail byte by byte. Loads and stores rather than
// memory.copy: jco lowers multi-memory modules to one memory only for
// plain loads and stores.
std::vector<uint8_t> CopyLoop(std::optional<uint32_t> dst_mem,
                              std::optional<uint32_t> src_mem) {
  CodeWriter c;
  if (!dst_mem || !src_mem) {
    c.Op(0x00);  // unreachable: no lowering passed a memory
    return c.bytes();
  }
  constexpr uint32_t kDst = 0, kSrc = 1, kLen = 2, kI = 3;
  const std::pair<uint32_t, std::pair<uint8_t, uint8_t>> steps[] = {
      {8, {0x29, 0x37}},  // i64.load / i64.store
      {1, {0x2d, 0x3a}},  // i32.load8_u / i32.store8
  };
  for (const auto& [width, ops] : steps) {
    c.Op(0x02).Op(0x40);  // block
    c.Op(0x03).Op(0x40);  // loop
    // while (len - i >= width)
    c.LocalGet(kLen).LocalGet(kI).Op(0x6b).I32Const(static_cast<int32_t>(width));
    c.Op(0x49).Op(0x0d).U32(1);  // i32.lt_u, br_if out of the block
    c.LocalGet(kDst).LocalGet(kI).Op(0x6a);
    c.LocalGet(kSrc).LocalGet(kI).Op(0x6a);
    c.MemoryAccess(ops.first, 0, *src_mem);
    c.MemoryAccess(ops.second, 0, *dst_mem);
    c.LocalGet(kI).I32Const(static_cast<int32_t>(width)).Op(0x6a);
    c.Op(0x21).U32(kI);  // local.set
    c.Op(0x0c).U32(0);   // br to the loop
    c.Op(0x0b).Op(0x0b);
  }
  return c.bytes();
}

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

std::vector<uint8_t> BuildShimMemoryModule(uint32_t shim_memory_pages) {
  CoreModuleBuilder b;
  const uint32_t memory = b.DefineMemory(shim_memory_pages);
  const uint32_t rt = b.DefineTable(1);
  CodeWriter realloc;
  realloc.LocalGet(0).LocalGet(1).LocalGet(2).LocalGet(3).I32Const(0);
  realloc.CallIndirect(b.Type(kRealloc), rt);
  b.Export("realloc", CoreSort::kFunc, b.DefineFunc(kRealloc, realloc.bytes()));
  b.Export("memory", CoreSort::kMemory, memory);
  b.Export("rt", CoreSort::kTable, rt);
  return b.Finish();
}

std::vector<uint8_t> BuildBridgeModule(bool caller_memory, uint32_t slots,
                                       bool memory_copy) {
  CoreModuleBuilder b;
  const uint32_t shim = b.ImportMemory("shim", "memory", 0);
  std::optional<uint32_t> caller;
  if (caller_memory) caller = b.ImportMemory("caller", "memory", 0);
  std::vector<uint32_t> reallocs;
  for (uint32_t k = 0; k < slots; ++k) {
    reallocs.push_back(b.ImportFunc("caller", absl::StrCat("realloc", k), kRealloc));
  }
  const CoreSignature copy = Sig({kI32, kI32, kI32}, {});
  auto copier = [&](std::optional<uint32_t> dst, std::optional<uint32_t> src) {
    if (!memory_copy || !dst || !src) return CopyLoop(dst, src);
    CodeWriter c;
    c.LocalGet(0).LocalGet(1).LocalGet(2).MemoryCopy(*dst, *src);
    return c.bytes();
  };
  b.Export("copy-in", CoreSort::kFunc, b.DefineFunc(copy, copier(shim, caller), 1));
  b.Export("copy-out", CoreSort::kFunc, b.DefineFunc(copy, copier(caller, shim), 1));

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
  return b.Finish();
}

std::vector<uint8_t> BuildRunWrapperModule(const CoreSignature& run_sig) {
  CoreModuleBuilder b;
  const uint32_t run = b.ImportFunc("run", "run", run_sig);
  const uint32_t finish = b.ImportFunc("shim", "finish", Sig({}, {}));
  CodeWriter code;
  for (uint32_t p = 0; p < run_sig.params.size(); ++p) code.LocalGet(p);
  code.Call(run).Call(finish);
  b.Export("run", CoreSort::kFunc, b.DefineFunc(run_sig, code.bytes()));
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
  const uint32_t rt = b.ImportTable("shim-memory", "rt", 1);
  b.Elements(stub_table, funcs);
  b.Elements(rt, {realloc});
  return b.Finish();
}

}  // namespace wasi_bridge::upgrade
