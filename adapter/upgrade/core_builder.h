// A small encoder for the glue core modules the upgrade rewriter generates
// (stub thunks, the memory bridge, the table fixup). It writes exactly the
// sections those modules need; function bodies are raw instruction bytes.
#ifndef WASI_BRIDGE_ADAPTER_UPGRADE_CORE_BUILDER_H_
#define WASI_BRIDGE_ADAPTER_UPGRADE_CORE_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "adapter/binary/core_module_info.h"

namespace wasi_bridge::upgrade {

// Core value type codes.
inline constexpr uint8_t kI32 = 0x7f;
inline constexpr uint8_t kI64 = 0x7e;
inline constexpr uint8_t kF32 = 0x7d;
inline constexpr uint8_t kF64 = 0x7c;

// Instruction bytes for function bodies.
class CodeWriter {
 public:
  CodeWriter& LocalGet(uint32_t i) { return Op(0x20).U32(i); }
  CodeWriter& I32Const(int32_t v);
  CodeWriter& Call(uint32_t f) { return Op(0x10).U32(f); }
  CodeWriter& CallIndirect(uint32_t type, uint32_t table) {
    return Op(0x11).U32(type).U32(table);
  }
  CodeWriter& Op(uint8_t op) {
    bytes_.push_back(op);
    return *this;
  }
  CodeWriter& U32(uint32_t v);
  // memory.copy from memory `src` to memory `dst` (bulk memory).
  CodeWriter& MemoryCopy(uint32_t dst, uint32_t src) {
    return Op(0xfc).U32(10).U32(dst).U32(src);
  }
  // A load or store (`op`) with alignment exponent `align` on `memory`,
  // offset 0, in the multi-memory memarg form when memory is not 0.
  CodeWriter& MemoryAccess(uint8_t op, uint32_t align, uint32_t memory) {
    Op(op);
    if (memory == 0) return U32(align).U32(0);
    return U32(align | 0x40).U32(memory).U32(0);
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

class CoreModuleBuilder {
 public:
  // Returns the type index of `sig`, adding it once.
  uint32_t Type(const binary::CoreSignature& sig);

  // Imports must all be added before the first defined function.
  uint32_t ImportFunc(std::string module, std::string name,
                      const binary::CoreSignature& sig);
  uint32_t ImportMemory(std::string module, std::string name,
                        uint32_t min_pages);
  uint32_t ImportTable(std::string module, std::string name, uint32_t min);

  uint32_t DefineMemory(uint32_t min_pages);
  uint32_t DefineTable(uint32_t size);  // funcref, min = max = size
  // `body` is the instruction sequence without the final `end`; the
  // function gets `i32_locals` extra i32 locals after its parameters.
  uint32_t DefineFunc(const binary::CoreSignature& sig,
                      const std::vector<uint8_t>& body, uint32_t i32_locals = 0);
  void Export(std::string name, binary::CoreSort sort, uint32_t index);
  // An active element segment writing `funcs` into `table` at 0.
  void Elements(uint32_t table, std::vector<uint32_t> funcs);

  std::vector<uint8_t> Finish() const;

 private:
  struct Import {
    std::string module, name;
    binary::CoreSort sort;
    uint32_t type_or_min;
  };
  struct Func {
    uint32_t type;
    std::vector<uint8_t> body;
    uint32_t i32_locals;
  };
  struct ExportEntry {
    std::string name;
    binary::CoreSort sort;
    uint32_t index;
  };
  struct Segment {
    uint32_t table;
    std::vector<uint32_t> funcs;
  };
  std::vector<binary::CoreSignature> types_;
  std::vector<Import> imports_;
  uint32_t imported_funcs_ = 0, imported_memories_ = 0, imported_tables_ = 0;
  std::vector<Func> funcs_;
  std::vector<uint32_t> memories_;  // min pages
  std::vector<uint32_t> tables_;    // sizes
  std::vector<ExportEntry> exports_;
  std::vector<Segment> segments_;
};

}  // namespace wasi_bridge::upgrade

#endif  // WASI_BRIDGE_ADAPTER_UPGRADE_CORE_BUILDER_H_
