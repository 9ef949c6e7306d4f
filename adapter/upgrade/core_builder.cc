#include "adapter/upgrade/core_builder.h"

#include "adapter/binary/byte_writer.h"

namespace wasi_bridge::upgrade {

using binary::ByteWriter;
using binary::CoreSignature;
using binary::CoreSort;

CodeWriter& CodeWriter::U32(uint32_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    bytes_.push_back(v ? (b | 0x80) : b);
  } while (v);
  return *this;
}

CodeWriter& CodeWriter::I32Const(int32_t v) {
  Op(0x41);
  int64_t x = v;
  while (true) {
    uint8_t b = x & 0x7f;
    x >>= 7;
    const bool done = (x == 0 && !(b & 0x40)) || (x == -1 && (b & 0x40));
    bytes_.push_back(done ? b : (b | 0x80));
    if (done) return *this;
  }
}

uint32_t CoreModuleBuilder::Type(const CoreSignature& sig) {
  for (size_t i = 0; i < types_.size(); ++i) {
    if (types_[i] == sig) return static_cast<uint32_t>(i);
  }
  types_.push_back(sig);
  return static_cast<uint32_t>(types_.size() - 1);
}

uint32_t CoreModuleBuilder::ImportFunc(std::string module, std::string name,
                                       const CoreSignature& sig) {
  imports_.push_back({std::move(module), std::move(name), CoreSort::kFunc,
                      Type(sig)});
  return imported_funcs_++;
}

uint32_t CoreModuleBuilder::ImportMemory(std::string module, std::string name,
                                         uint32_t min_pages) {
  imports_.push_back(
      {std::move(module), std::move(name), CoreSort::kMemory, min_pages});
  return imported_memories_++;
}

uint32_t CoreModuleBuilder::ImportTable(std::string module, std::string name,
                                        uint32_t min) {
  imports_.push_back({std::move(module), std::move(name), CoreSort::kTable, min});
  return imported_tables_++;
}

uint32_t CoreModuleBuilder::DefineMemory(uint32_t min_pages) {
  memories_.push_back(min_pages);
  return imported_memories_ + static_cast<uint32_t>(memories_.size()) - 1;
}

uint32_t CoreModuleBuilder::DefineTable(uint32_t size) {
  tables_.push_back(size);
  return imported_tables_ + static_cast<uint32_t>(tables_.size()) - 1;
}

uint32_t CoreModuleBuilder::DefineFunc(const CoreSignature& sig,
                                       const std::vector<uint8_t>& body,
                                       uint32_t i32_locals) {
  funcs_.push_back({Type(sig), body, i32_locals});
  return imported_funcs_ + static_cast<uint32_t>(funcs_.size()) - 1;
}

void CoreModuleBuilder::Export(std::string name, CoreSort sort,
                               uint32_t index) {
  exports_.push_back({std::move(name), sort, index});
}

void CoreModuleBuilder::Elements(uint32_t table, std::vector<uint32_t> funcs) {
  segments_.push_back({table, std::move(funcs)});
}

namespace {

void Section(ByteWriter& out, uint8_t id, const ByteWriter& body) {
  out.Byte(id);
  out.U32(static_cast<uint32_t>(body.size()));
  out.Raw(body.bytes());
}

}  // namespace

std::vector<uint8_t> CoreModuleBuilder::Finish() const {
  ByteWriter out;
  out.Raw(std::vector<uint8_t>{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00});
  if (!types_.empty()) {
    ByteWriter s;
    s.U32(static_cast<uint32_t>(types_.size()));
    for (const CoreSignature& t : types_) {
      s.Byte(0x60);
      s.U32(static_cast<uint32_t>(t.params.size()));
      for (const auto& p : t.params) s.Byte(p.code);
      s.U32(static_cast<uint32_t>(t.results.size()));
      for (const auto& r : t.results) s.Byte(r.code);
    }
    Section(out, 1, s);
  }
  if (!imports_.empty()) {
    ByteWriter s;
    s.U32(static_cast<uint32_t>(imports_.size()));
    for (const Import& im : imports_) {
      s.Name(im.module);
      s.Name(im.name);
      switch (im.sort) {
        case CoreSort::kFunc:
          s.Byte(0x00);
          s.U32(im.type_or_min);
          break;
        case CoreSort::kTable:
          s.Byte(0x01);
          s.Byte(0x70);
          s.Byte(0x00);
          s.U32(im.type_or_min);
          break;
        default:  // memory
          s.Byte(0x02);
          s.Byte(0x00);
          s.U32(im.type_or_min);
          break;
      }
    }
    Section(out, 2, s);
  }
  if (!funcs_.empty()) {
    ByteWriter s;
    s.U32(static_cast<uint32_t>(funcs_.size()));
    for (const Func& f : funcs_) s.U32(f.type);
    Section(out, 3, s);
  }
  if (!tables_.empty()) {
    ByteWriter s;
    s.U32(static_cast<uint32_t>(tables_.size()));
    for (uint32_t size : tables_) {
      s.Byte(0x70);
      s.Byte(0x01);
      s.U32(size);
      s.U32(size);
    }
    Section(out, 4, s);
  }
  if (!memories_.empty()) {
    ByteWriter s;
    s.U32(static_cast<uint32_t>(memories_.size()));
    for (uint32_t min : memories_) {
      s.Byte(0x00);
      s.U32(min);
    }
    Section(out, 5, s);
  }
  if (!exports_.empty()) {
    ByteWriter s;
    s.U32(static_cast<uint32_t>(exports_.size()));
    for (const ExportEntry& e : exports_) {
      s.Name(e.name);
      s.Byte(static_cast<uint8_t>(e.sort));
      s.U32(e.index);
    }
    Section(out, 7, s);
  }
  if (!segments_.empty()) {
    ByteWriter s;
    s.U32(static_cast<uint32_t>(segments_.size()));
    for (const Segment& seg : segments_) {
      // Flags 2: active, explicit table index, elemkind funcref.
      s.U32(2);
      s.U32(seg.table);
      s.Byte(0x41);  // i32.const 0
      s.Byte(0x00);
      s.Byte(0x0b);
      s.Byte(0x00);  // elemkind funcref
      s.U32(static_cast<uint32_t>(seg.funcs.size()));
      for (uint32_t f : seg.funcs) s.U32(f);
    }
    Section(out, 9, s);
  }
  if (!funcs_.empty()) {
    ByteWriter s;
    s.U32(static_cast<uint32_t>(funcs_.size()));
    for (const Func& f : funcs_) {
      ByteWriter body;
      if (f.i32_locals == 0) {
        body.U32(0);
      } else {
        body.U32(1);
        body.U32(f.i32_locals);
        body.Byte(kI32);
      }
      body.Raw(f.body);
      body.Byte(0x0b);
      s.U32(static_cast<uint32_t>(body.size()));
      s.Raw(body.bytes());
    }
    Section(out, 10, s);
  }
  return out.Take();
}

}  // namespace wasi_bridge::upgrade
