// Encoding of every production of model.h; the inverse of the readers.
#include "adapter/binary/writer.h"

#include "adapter/binary/byte_writer.h"
#include "adapter/binary/canon_info.h"

namespace wasi_bridge::binary {
namespace {

constexpr uint8_t kComponentPreamble[8] = {0x00, 0x61, 0x73, 0x6d,
                                           0x0d, 0x00, 0x01, 0x00};

class Encoder {
 public:
  explicit Encoder(ByteWriter& w) : w_(w) {}

  template <typename T, typename F>
  void Vec(const std::vector<T>& items, F each) {
    w_.U32(static_cast<uint32_t>(items.size()));
    for (const T& item : items) each(item);
  }

  void CoreValType(const binary::CoreValType& t) {
    w_.Byte(t.code);
    if (t.code == 0x63 || t.code == 0x64) w_.S33(t.heap_type);
  }

  void CoreFieldType(const binary::CoreFieldType& f) {
    CoreValType(f.storage);
    w_.Flag(f.mutable_);
  }

  void CoreSubType(const binary::CoreSubType& st, bool in_rec_group) {
    if (st.prefix != 0) {
      // A bare non-final `sub` outside a rec group collides with the module
      // type opcode, so components write it as `00 50`.
      if (st.prefix == 0x50 && !in_rec_group) w_.Byte(0x00);
      w_.Byte(st.prefix);
      Vec(st.supertypes, [&](uint32_t i) { w_.U32(i); });
    }
    std::visit(
        [&](const auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, CoreFuncType>) {
            w_.Byte(0x60);
            Vec(c.params, [&](const auto& t) { CoreValType(t); });
            Vec(c.results, [&](const auto& t) { CoreValType(t); });
          } else if constexpr (std::is_same_v<T, CoreStructType>) {
            w_.Byte(0x5f);
            Vec(c.fields, [&](const auto& f) { CoreFieldType(f); });
          } else {
            w_.Byte(0x5e);
            CoreFieldType(c.element);
          }
        },
        st.composite);
  }

  void Limits(const binary::Limits& l) {
    w_.Byte(l.flags);
    w_.U64(l.min);
    if (l.flags & 0x01) w_.U64(l.max);
    if (l.flags & 0x08) w_.U32(l.page_size_log2);
  }

  void CoreExternDesc(const binary::CoreExternDesc& d) {
    w_.Byte(d.kind);
    switch (d.kind) {
      case 0x00:
        w_.U32(d.type_index);
        break;
      case 0x01:
        CoreValType(d.value_type);
        Limits(d.limits);
        break;
      case 0x02:
        Limits(d.limits);
        break;
      case 0x03:
        CoreValType(d.value_type);
        w_.Flag(d.mutable_);
        break;
      case 0x04:
        w_.Byte(d.tag_attribute);
        w_.U32(d.type_index);
        break;
    }
  }

  void CoreType(const binary::CoreType& t) {
    if (const auto* mt = std::get_if<CoreModuleType>(&t.value)) {
      w_.Byte(0x50);
      Vec(mt->decls, [&](const CoreModuleDecl& d) { ModuleDecl(d); });
      return;
    }
    const auto& rec = std::get<CoreRecType>(t.value);
    if (rec.explicit_rec) {
      w_.Byte(0x4e);
      Vec(rec.types, [&](const auto& st) { CoreSubType(st, true); });
    } else {
      CoreSubType(rec.types.front(), false);
    }
  }

  void ModuleDecl(const CoreModuleDecl& d) {
    w_.Byte(static_cast<uint8_t>(d.kind));
    switch (d.kind) {
      case CoreModuleDecl::Kind::kImport:
        w_.Name(d.import.module);
        w_.Name(d.import.field);
        CoreExternDesc(d.import.desc);
        break;
      case CoreModuleDecl::Kind::kType:
        CoreType(*d.type);
        break;
      case CoreModuleDecl::Kind::kAlias:
        w_.Byte(static_cast<uint8_t>(d.alias_sort));
        w_.Byte(0x01);
        w_.U32(d.alias_outer_count);
        w_.U32(d.alias_index);
        break;
      case CoreModuleDecl::Kind::kExport:
        w_.Name(d.export_name);
        CoreExternDesc(d.export_desc);
        break;
    }
  }

  void ValType(const binary::ValType& t) {
    if (t.is_index) {
      w_.S33(t.index);
    } else {
      w_.Byte(static_cast<uint8_t>(t.prim));
    }
  }

  void OptValType(const std::optional<binary::ValType>& t) {
    if (t) {
      w_.Byte(0x01);
      ValType(*t);
    } else {
      w_.Byte(0x00);
    }
  }

  void Named(const std::vector<NamedValType>& v) {
    Vec(v, [&](const NamedValType& nv) {
      w_.Name(nv.name);
      ValType(nv.type);
    });
  }

  void ResultList(const std::optional<binary::ValType>& r) {
    if (r) {
      w_.Byte(0x00);
      ValType(*r);
    } else {
      w_.Byte(0x01);
      w_.Byte(0x00);
    }
  }

  void Sort(const binary::Sort& s) {
    w_.Byte(static_cast<uint8_t>(s.kind));
    if (s.kind == SortKind::kCore) w_.Byte(static_cast<uint8_t>(s.core));
  }

  void SortIndex(const binary::SortIndex& s) {
    Sort(s.sort);
    w_.U32(s.index);
  }

  void ExternName(const binary::ExternName& n) {
    w_.Byte(n.form);
    w_.Name(n.name);
    if (n.form == 0x02) {
      Vec(n.attributes, [&](const NameAttribute& a) {
        w_.Byte(a.kind);
        w_.Name(a.value);
      });
    }
  }

  void ExternDesc(const binary::ExternDesc& d) {
    w_.Byte(static_cast<uint8_t>(d.kind));
    switch (d.kind) {
      case ExternKind::kCoreModule:
        w_.Byte(0x11);
        w_.U32(d.index);
        break;
      case ExternKind::kFunc:
      case ExternKind::kComponent:
      case ExternKind::kInstance:
        w_.U32(d.index);
        break;
      case ExternKind::kValue:
        w_.Byte(d.bound);
        if (d.bound == 0) {
          w_.U32(d.index);
        } else {
          ValType(d.value_type);
        }
        break;
      case ExternKind::kType:
        w_.Byte(d.bound);
        if (d.bound == 0) w_.U32(d.index);
        break;
    }
  }

  void Alias(const binary::Alias& a) {
    Sort(a.sort);
    w_.Byte(static_cast<uint8_t>(a.target));
    if (a.target == Alias::Target::kOuter) {
      w_.U32(a.outer_count);
      w_.U32(a.outer_index);
    } else {
      w_.U32(a.instance);
      w_.Name(a.name);
    }
  }

  void Decls(const std::vector<TypeDecl>& decls) {
    Vec(decls, [&](const TypeDecl& d) {
      w_.Byte(static_cast<uint8_t>(d.kind));
      switch (d.kind) {
        case TypeDecl::Kind::kCoreType:
          CoreType(*d.core_type);
          break;
        case TypeDecl::Kind::kType:
          TypeDef(*d.type);
          break;
        case TypeDecl::Kind::kAlias:
          Alias(d.alias);
          break;
        case TypeDecl::Kind::kImport:
        case TypeDecl::Kind::kExport:
          ExternName(d.name);
          ExternDesc(d.desc);
          break;
      }
    });
  }

  void Labels(const std::vector<std::string_view>& names) {
    Vec(names, [&](std::string_view n) { w_.Name(n); });
  }

  void TypeDef(const binary::TypeDef& t) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, PrimType>) {
            w_.Byte(static_cast<uint8_t>(v.prim));
          } else if constexpr (std::is_same_v<T, RecordType>) {
            w_.Byte(0x72);
            Named(v.fields);
          } else if constexpr (std::is_same_v<T, VariantType>) {
            w_.Byte(0x71);
            Vec(v.cases, [&](const VariantCase& c) {
              w_.Name(c.name);
              OptValType(c.type);
              w_.Byte(0x00);
            });
          } else if constexpr (std::is_same_v<T, ListType>) {
            w_.Byte(v.fixed_length ? 0x67 : 0x70);
            ValType(v.element);
            if (v.fixed_length) w_.U32(*v.fixed_length);
          } else if constexpr (std::is_same_v<T, TupleType>) {
            w_.Byte(0x6f);
            Vec(v.elements, [&](const auto& e) { ValType(e); });
          } else if constexpr (std::is_same_v<T, FlagsType>) {
            w_.Byte(0x6e);
            Labels(v.names);
          } else if constexpr (std::is_same_v<T, EnumType>) {
            w_.Byte(0x6d);
            Labels(v.names);
          } else if constexpr (std::is_same_v<T, OptionType>) {
            w_.Byte(0x6b);
            ValType(v.element);
          } else if constexpr (std::is_same_v<T, ResultType>) {
            w_.Byte(0x6a);
            OptValType(v.ok);
            OptValType(v.err);
          } else if constexpr (std::is_same_v<T, OwnType>) {
            w_.Byte(0x69);
            w_.U32(v.resource);
          } else if constexpr (std::is_same_v<T, BorrowType>) {
            w_.Byte(0x68);
            w_.U32(v.resource);
          } else if constexpr (std::is_same_v<T, StreamType>) {
            w_.Byte(0x66);
            OptValType(v.element);
          } else if constexpr (std::is_same_v<T, FutureType>) {
            w_.Byte(0x65);
            OptValType(v.element);
          } else if constexpr (std::is_same_v<T, MapType>) {
            w_.Byte(0x63);
            ValType(v.key);
            ValType(v.value);
          } else if constexpr (std::is_same_v<T, FuncType>) {
            w_.Byte(v.is_async ? 0x43 : 0x40);
            Named(v.params);
            ResultList(v.result);
          } else if constexpr (std::is_same_v<T, ComponentType>) {
            w_.Byte(0x41);
            Decls(v.decls);
          } else if constexpr (std::is_same_v<T, InstanceType>) {
            w_.Byte(0x42);
            Decls(v.decls);
          } else if constexpr (std::is_same_v<T, ResourceType>) {
            w_.Byte(0x3f);
            CoreValType(v.rep);
            if (v.destructor) {
              w_.Byte(0x01);
              w_.U32(*v.destructor);
            } else {
              w_.Byte(0x00);
            }
          }
        },
        t.value);
  }

  void Options(const std::vector<CanonOption>& opts) {
    Vec(opts, [&](const CanonOption& o) {
      w_.Byte(static_cast<uint8_t>(o.code));
      switch (o.code) {
        case CanonOptionCode::kMemory:
        case CanonOptionCode::kRealloc:
        case CanonOptionCode::kPostReturn:
        case CanonOptionCode::kCallback:
          w_.U32(o.index);
          break;
        default:
          break;
      }
    });
  }

  void Canon(const binary::Canon& c) {
    const uint8_t op = static_cast<uint8_t>(c.opcode);
    w_.Byte(op);
    const CanonInfo* info = FindCanonInfo(op);
    switch (info->operands) {
      case CanonOperands::kLift:
        w_.Byte(0x00);
        w_.U32(c.func_index);
        Options(c.options);
        w_.U32(c.type_index);
        break;
      case CanonOperands::kLower:
        w_.Byte(0x00);
        w_.U32(c.func_index);
        Options(c.options);
        break;
      case CanonOperands::kNone:
        break;
      case CanonOperands::kType:
        w_.U32(c.type_index);
        break;
      case CanonOperands::kFlag:
        w_.Flag(c.flag);
        break;
      case CanonOperands::kTypeFlag:
        w_.U32(c.type_index);
        w_.Flag(c.flag);
        break;
      case CanonOperands::kTypeOptions:
        w_.U32(c.type_index);
        Options(c.options);
        break;
      case CanonOperands::kOptions:
        Options(c.options);
        break;
      case CanonOperands::kResultOptions:
        ResultList(c.result);
        Options(c.options);
        break;
      case CanonOperands::kContext:
        CoreValType(c.context_type);
        w_.U32(c.slot);
        break;
      case CanonOperands::kFlagMemory:
        w_.Flag(c.flag);
        w_.U32(c.memory);
        break;
      case CanonOperands::kTypeTable:
        w_.U32(c.type_index);
        w_.U32(c.table);
        break;
    }
  }

  void CoreInstance(const binary::CoreInstance& ci) {
    if (ci.is_instantiate) {
      w_.Byte(0x00);
      w_.U32(ci.module);
      Vec(ci.args, [&](const CoreInstantiateArg& a) {
        w_.Name(a.name);
        w_.Byte(0x12);
        w_.U32(a.instance);
      });
    } else {
      w_.Byte(0x01);
      Vec(ci.exports, [&](const CoreInlineExport& e) {
        w_.Name(e.name);
        w_.Byte(static_cast<uint8_t>(e.sort));
        w_.U32(e.index);
      });
    }
  }

  void Instance(const binary::Instance& inst) {
    if (inst.is_instantiate) {
      w_.Byte(0x00);
      w_.U32(inst.component);
      Vec(inst.args, [&](const InstantiateArg& a) {
        w_.Name(a.name);
        SortIndex(a.item);
      });
    } else {
      w_.Byte(0x01);
      Vec(inst.exports, [&](const InlineExport& e) {
        ExternName(e.name);
        SortIndex(e.item);
      });
    }
  }

  void Body(const SectionBody& body) {
    std::visit(
        [&](const auto& b) {
          using T = std::decay_t<decltype(b)>;
          if constexpr (std::is_same_v<T, CustomSection>) {
            w_.Name(b.name);
            w_.Raw(b.data);
          } else if constexpr (std::is_same_v<T, CoreModuleSection>) {
            w_.Raw(b.bytes);
          } else if constexpr (std::is_same_v<T, std::vector<binary::CoreInstance>>) {
            Vec(b, [&](const auto& x) { CoreInstance(x); });
          } else if constexpr (std::is_same_v<T, std::vector<binary::CoreType>>) {
            Vec(b, [&](const auto& x) { CoreType(x); });
          } else if constexpr (std::is_same_v<T, std::shared_ptr<Component>>) {
            WriteInto(*b, w_);
          } else if constexpr (std::is_same_v<T, std::vector<binary::Instance>>) {
            Vec(b, [&](const auto& x) { Instance(x); });
          } else if constexpr (std::is_same_v<T, std::vector<binary::Alias>>) {
            Vec(b, [&](const auto& x) { Alias(x); });
          } else if constexpr (std::is_same_v<T, std::vector<binary::TypeDef>>) {
            Vec(b, [&](const auto& x) { TypeDef(x); });
          } else if constexpr (std::is_same_v<T, std::vector<binary::Canon>>) {
            Vec(b, [&](const auto& x) { Canon(x); });
          } else if constexpr (std::is_same_v<T, Start>) {
            w_.U32(b.func);
            Vec(b.args, [&](uint32_t a) { w_.U32(a); });
            w_.U32(b.results);
          } else if constexpr (std::is_same_v<T, std::vector<Import>>) {
            Vec(b, [&](const Import& x) {
              ExternName(x.name);
              ExternDesc(x.desc);
            });
          } else if constexpr (std::is_same_v<T, std::vector<Export>>) {
            Vec(b, [&](const Export& x) {
              ExternName(x.name);
              SortIndex(x.item);
              if (x.ascribed) {
                w_.Byte(0x01);
                ExternDesc(*x.ascribed);
              } else {
                w_.Byte(0x00);
              }
            });
          } else if constexpr (std::is_same_v<T, std::vector<Value>>) {
            Vec(b, [&](const Value& v) {
              ValType(v.type);
              w_.U32(static_cast<uint32_t>(v.bytes.size()));
              w_.Raw(v.bytes);
            });
          }
        },
        body);
  }

  // Writes a whole component (preamble and sections) to `out`.
  static void WriteInto(const Component& c, ByteWriter& out) {
    out.Raw(Bytes(kComponentPreamble, sizeof(kComponentPreamble)));
    ByteWriter scratch;
    for (const Section& s : c.sections) {
      out.Byte(static_cast<uint8_t>(s.id));
      if (s.verbatim) {
        out.U32(static_cast<uint32_t>(s.verbatim->size()), s.size_width);
        out.Raw(*s.verbatim);
        continue;
      }
      if (const auto* m = std::get_if<CoreModuleSection>(&s.body)) {
        // Large and opaque: write straight through without a scratch copy.
        out.U32(static_cast<uint32_t>(m->bytes.size()), s.size_width);
        out.Raw(m->bytes);
        continue;
      }
      scratch.Clear();
      Encoder(scratch).Body(s.body);
      out.U32(static_cast<uint32_t>(scratch.size()), s.size_width);
      out.Raw(Bytes(scratch.bytes().data(), scratch.size()));
    }
  }

 private:
  ByteWriter& w_;
};

}  // namespace

std::vector<uint8_t> WriteComponent(const Component& component) {
  ByteWriter out;
  out.Reserve(component.size != 0 ? component.size : 4096);
  Encoder::WriteInto(component, out);
  return out.Take();
}

size_t CountVerbatimSections(const Component& component) {
  size_t n = 0;
  for (const Section& s : component.sections) {
    if (s.verbatim) ++n;
    if (const auto* c = std::get_if<std::shared_ptr<Component>>(&s.body)) {
      n += CountVerbatimSections(**c);
    }
  }
  return n;
}

}  // namespace wasi_bridge::binary
