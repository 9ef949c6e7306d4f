// CoreStore on wabt's interpreter (libwabt.a, wabt::interp).
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/core/executor.h"
#include "wabt/binary-reader.h"
#include "wabt/error-formatter.h"
#include "wabt/feature.h"
#include "wabt/interp/binary-reader-interp.h"
#include "wabt/interp/interp.h"

namespace wasi_bridge::engine {
namespace {

namespace wi = wabt::interp;

absl::StatusOr<wabt::Type> ToWabt(CoreType t) {
  switch (t) {
    case CoreType::kI32: return wabt::Type(wabt::Type::I32);
    case CoreType::kI64: return wabt::Type(wabt::Type::I64);
    case CoreType::kF32: return wabt::Type(wabt::Type::F32);
    case CoreType::kF64: return wabt::Type(wabt::Type::F64);
    case CoreType::kV128: return wabt::Type(wabt::Type::V128);
    case CoreType::kFuncRef: return wabt::Type(wabt::Type::FuncRef);
    case CoreType::kExternRef: return wabt::Type(wabt::Type::ExternRef);
  }
  return absl::InvalidArgumentError("unknown core type");
}

CoreType FromWabt(wabt::Type t) {
  switch (t) {
    case wabt::Type::I64: return CoreType::kI64;
    case wabt::Type::F32: return CoreType::kF32;
    case wabt::Type::F64: return CoreType::kF64;
    case wabt::Type::V128: return CoreType::kV128;
    case wabt::Type::FuncRef: return CoreType::kFuncRef;
    case wabt::Type::ExternRef: return CoreType::kExternRef;
    default: return CoreType::kI32;
  }
}

CoreExternKind KindOf(wabt::ExternalKind k) {
  switch (k) {
    case wabt::ExternalKind::Table: return CoreExternKind::kTable;
    case wabt::ExternalKind::Memory: return CoreExternKind::kMemory;
    case wabt::ExternalKind::Global: return CoreExternKind::kGlobal;
    case wabt::ExternalKind::Tag: return CoreExternKind::kTag;
    default: return CoreExternKind::kFunc;
  }
}

CoreValue FromValue(wabt::Type t, const wi::Value& v) {
  CoreValue out;
  out.type = FromWabt(t);
  switch (t) {
    case wabt::Type::I32: out.bits = v.Get<uint32_t>(); break;
    case wabt::Type::I64: out.bits = v.Get<uint64_t>(); break;
    case wabt::Type::F32: {
      const float f = v.Get<float>();
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      out.bits = bits;
      break;
    }
    case wabt::Type::F64: {
      const double d = v.Get<double>();
      std::memcpy(&out.bits, &d, 8);
      break;
    }
    case wabt::Type::V128: {
      const ::v128 x = v.Get<::v128>();
      std::memcpy(&out.bits, &x, 8);
      std::memcpy(&out.high, reinterpret_cast<const char*>(&x) + 8, 8);
      break;
    }
    default:
      out.bits = v.Get<wi::Ref>().index;
  }
  return out;
}

wi::Value ToValue(const CoreValue& c) {
  switch (c.type) {
    case CoreType::kI32: return wi::Value::Make(static_cast<uint32_t>(c.bits));
    case CoreType::kI64: return wi::Value::Make(static_cast<uint64_t>(c.bits));
    case CoreType::kF32: {
      float f;
      const uint32_t bits = static_cast<uint32_t>(c.bits);
      std::memcpy(&f, &bits, 4);
      return wi::Value::Make(f);
    }
    case CoreType::kF64: {
      double d;
      std::memcpy(&d, &c.bits, 8);
      return wi::Value::Make(d);
    }
    case CoreType::kV128: {
      ::v128 x;
      std::memcpy(&x, &c.bits, 8);
      std::memcpy(reinterpret_cast<char*>(&x) + 8, &c.high, 8);
      return wi::Value::Make(x);
    }
    default:
      return wi::Value::Make(wi::Ref{static_cast<size_t>(c.bits)});
  }
}

class WabtModule : public CoreModule {
 public:
  WabtModule(wi::Module::Ptr module, std::vector<CoreImport> imports,
             std::vector<CoreExport> exports)
      : module_(std::move(module)),
        imports_(std::move(imports)),
        exports_(std::move(exports)) {}
  const std::vector<CoreImport>& imports() const override { return imports_; }
  const std::vector<CoreExport>& exports() const override { return exports_; }
  wi::Ref ref() const { return module_.ref(); }

 private:
  wi::Module::Ptr module_;
  std::vector<CoreImport> imports_;
  std::vector<CoreExport> exports_;
};

class WabtStore : public CoreStore {
 public:
  WabtStore() : store_(Features()) {}

  absl::StatusOr<std::shared_ptr<CoreModule>> Compile(
      absl::Span<const uint8_t> bytes) override {
    wabt::Errors errors;
    wi::ModuleDesc desc;
    const wabt::ReadBinaryOptions options(Features(), nullptr,
                                          /*read_debug_names=*/false,
                                          /*stop_on_first_error=*/true,
                                          /*fail_on_custom_section_error=*/false);
    if (wabt::Failed(wi::ReadBinaryInterp("core module", bytes.data(),
                                          bytes.size(), options, &errors,
                                          &desc))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot load core module: ",
          errors.empty() ? "invalid" : errors.front().message));
    }
    std::vector<CoreImport> imports;
    for (const auto& im : desc.imports) {
      imports.push_back({im.type.module, im.type.name,
                         KindOf(im.type.type->kind)});
    }
    std::vector<CoreExport> exports;
    for (const auto& ex : desc.exports) {
      exports.push_back({ex.type.name, KindOf(ex.type.type->kind)});
    }
    wi::Module::Ptr module = wi::Module::New(store_, std::move(desc));
    return std::make_shared<WabtModule>(std::move(module), std::move(imports),
                                        std::move(exports));
  }

  absl::StatusOr<std::vector<CoreExtern>> Instantiate(
      const CoreModule& module, absl::Span<const CoreExtern> imports) override {
    const auto& m = static_cast<const WabtModule&>(module);
    if (imports.size() != m.imports().size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "module needs %u imports, %u given", m.imports().size(),
          imports.size()));
    }
    wi::RefVec refs;
    for (size_t i = 0; i < imports.size(); ++i) {
      if (imports[i].kind != m.imports()[i].kind) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "import %s.%s: wrong kind of extern", m.imports()[i].module,
            m.imports()[i].name));
      }
      refs.push_back(wi::Ref{static_cast<size_t>(imports[i].handle)});
    }
    wi::Trap::Ptr trap;
    wi::Instance::Ptr instance =
        wi::Instance::Instantiate(store_, m.ref(), refs, &trap);
    if (!instance) {
      return Trap(trap ? trap->message() : "instantiation failed");
    }
    std::vector<CoreExtern> exports;
    const auto& refs_out = instance->exports();
    for (size_t i = 0; i < refs_out.size(); ++i) {
      exports.push_back({m.exports()[i].kind, refs_out[i].index});
    }
    roots_.push_back(std::move(instance));
    return exports;
  }

  CoreExtern NewHostFunc(CoreFuncType type, HostCallback callback) override {
    wi::ValueTypes params, results;
    for (CoreType t : type.params) params.push_back(*ToWabt(t));
    for (CoreType t : type.results) results.push_back(*ToWabt(t));
    const CoreFuncType sig = type;
    auto cb = [this, sig, callback = std::move(callback)](
                  wi::Thread&, const wi::Values& in, wi::Values& out,
                  wi::Trap::Ptr* out_trap) -> wabt::Result {
      std::vector<CoreValue> args(in.size());
      for (size_t i = 0; i < in.size(); ++i) {
        args[i] = FromValue(*ToWabt(sig.params[i]), in[i]);
      }
      std::vector<CoreValue> res(sig.results.size());
      for (size_t i = 0; i < res.size(); ++i) res[i].type = sig.results[i];
      absl::Status status = callback(args, absl::MakeSpan(res));
      if (!status.ok()) {
        *out_trap = wi::Trap::New(store_, std::string(status.message()));
        return wabt::Result::Error;
      }
      // Called directly (a lifted built-in) wabt hands in an empty vector.
      out.resize(res.size());
      for (size_t i = 0; i < res.size(); ++i) out[i] = ToValue(res[i]);
      return wabt::Result::Ok;
    };
    wi::HostFunc::Ptr f = wi::HostFunc::New(
        store_, wi::FuncType(std::move(params), std::move(results)),
        std::move(cb));
    const CoreExtern ext{CoreExternKind::kFunc, f.ref().index};
    roots_.push_back(std::move(f));
    return ext;
  }

  absl::StatusOr<std::vector<CoreValue>> Call(
      CoreExtern func, absl::Span<const CoreValue> args) override {
    wi::Func::Ptr f = Get<wi::Func>(func);
    if (!f) return absl::InvalidArgumentError("not a function");
    const wi::FuncType& type = f->type();
    if (args.size() != type.params.size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "function takes %u arguments, %u given", type.params.size(),
          args.size()));
    }
    wi::Values params;
    for (const CoreValue& a : args) params.push_back(ToValue(a));
    wi::Values results;
    wi::Trap::Ptr trap;
    // A Thread per call: each task calls on its own fiber with its own
    // interpreter stacks, so suspended calls do not interfere.
    wi::Thread thread(store_);
    if (wabt::Failed(f->Call(thread, params, results, &trap))) {
      std::string message = trap ? trap->message() : "trap";
      // The spec's tests spell the unreachable trap this way.
      if (message == "unreachable executed") {
        message = "wasm `unreachable` instruction executed";
      }
      return Trap(message);
    }
    std::vector<CoreValue> out;
    for (size_t i = 0; i < results.size(); ++i) {
      out.push_back(FromValue(type.results[i], results[i]));
    }
    return out;
  }

  absl::StatusOr<CoreFuncType> FuncType(CoreExtern func) override {
    wi::Func::Ptr f = Get<wi::Func>(func);
    if (!f) return absl::InvalidArgumentError("not a function");
    CoreFuncType t;
    for (wabt::Type p : f->type().params) t.params.push_back(FromWabt(p));
    for (wabt::Type r : f->type().results) t.results.push_back(FromWabt(r));
    return t;
  }

  absl::Span<uint8_t> MemoryBytes(CoreExtern memory) override {
    wi::Memory::Ptr m = Get<wi::Memory>(memory);
    if (!m) return {};
    return absl::MakeSpan(m->UnsafeData(), static_cast<size_t>(m->ByteSize()));
  }

 private:
  static wabt::Features Features() {
    wabt::Features f;
    f.EnableAll();
    f.disable_function_references();
    f.disable_gc();
    return f;
  }

  template <typename T>
  typename T::Ptr Get(CoreExtern e) {
    const wi::Ref ref{static_cast<size_t>(e.handle)};
    if (!store_.IsValid(ref) || !store_.Is<T>(ref)) return {};
    return store_.UnsafeGet<T>(ref);
  }

  wi::Store store_;
  // Keeps instances and host functions alive (wabt collects unrooted ones).
  std::vector<wi::Object::Ptr> roots_;
};

}  // namespace

absl::Status Trap(std::string_view message) {
  return absl::Status(kTrapCode, absl::string_view(message.data(), message.size()));
}

bool IsTrap(const absl::Status& status) { return status.code() == kTrapCode; }

std::unique_ptr<CoreStore> NewWabtStore() {
  return std::make_unique<WabtStore>();
}

}  // namespace wasi_bridge::engine
