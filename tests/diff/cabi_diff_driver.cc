// wb_cabi_diff: the engine side of the Canonical ABI differential test
// (tests/integration/test_cabi_diff.py, tests/diff/README.md).
//
//   wb_cabi_diff COMPONENT.wasm CASES.json [COMPONENT.wasm CASES.json]...
//
// For each component: validates it, instantiates it with one host function
// per imported `id-K` (and the imported named types), then calls each
// case's export (`run-K`, `call-K` or `const-K`, see gen.py) with the
// case's arguments. The host `id-K` records the arguments it got and
// returns them as the function's result type (the case's "ret" recipe: one
// parameter, or a tuple/record built from some of them).
//
// Types come from the component binary itself (its type, import and export
// sections; the generator's components use nothing else that defines
// types), not from the case file, so the host signatures are the ones the
// component declares. The export's signature (built by the engine) must
// agree with the import's.
//
// Prints one JSON document: {"results": [{"name", "result": V | null,
// "host_args": [V...] | null} | {"name", "error": "...", "trap": bool,
// "host_args": ...}]} with V in the json-from-wast value form
// (engine/component/wast_values.h). After a trap the instance is poisoned,
// so the component is instantiated afresh for the next case.
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "adapter/binary/model.h"
#include "adapter/binary/reader.h"
#include "adapter/binary/validator.h"
#include "engine/cabi/types.h"
#include "engine/cabi/value.h"
#include "engine/component/json.h"
#include "engine/component/runtime.h"
#include "engine/component/wast_values.h"
#include "engine/core/executor.h"

namespace wb = wasi_bridge;
namespace bin = wasi_bridge::binary;
namespace cabi = wasi_bridge::engine::cabi;
using wb::engine::JsonValue;
using wb::engine::TypeLabels;

namespace {

absl::StatusOr<std::string> ReadAll(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

struct FuncInfo {
  wb::engine::FuncSignature sig;
  std::vector<TypeLabels> param_labels;
  TypeLabels result_labels;
};

// An entry of the component's type index space.
struct TypeInfo {
  cabi::TypeRef value;
  TypeLabels labels;
  std::shared_ptr<FuncInfo> func;
};

// The component's type index space and imports, as far as the generated
// components use them.
class TypeSpace {
 public:
  absl::Status Build(const bin::Component& c) {
    for (const bin::Section& section : c.sections) {
      absl::Status st = absl::OkStatus();
      std::visit(
          [&](const auto& body) {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, std::vector<bin::TypeDef>>) {
              for (const auto& def : body) {
                auto t = Def(def);
                if (!t.ok()) {
                  st = t.status();
                  return;
                }
                types_.push_back(std::move(*t));
              }
            } else if constexpr (std::is_same_v<T, std::vector<bin::Import>>) {
              for (const auto& im : body) {
                const std::string name(im.name.name);
                if (im.desc.index >= types_.size()) {
                  st = absl::InvalidArgumentError("import type index out of range");
                  return;
                }
                const TypeInfo t = types_[im.desc.index];  // a copy: push_back below
                if (im.desc.kind == bin::ExternKind::kType && im.desc.bound == 0 && t.value) {
                  types_.push_back(t);
                  type_imports_.push_back({name, t.value});
                } else if (im.desc.kind == bin::ExternKind::kFunc && t.func) {
                  func_imports_[name] = t.func;
                } else {
                  st = absl::UnimplementedError(absl::StrCat("import `", name,
                                                             "`: only functions and eq value "
                                                             "types are supported"));
                  return;
                }
              }
            } else if constexpr (std::is_same_v<T, std::vector<bin::Export>>) {
              for (const auto& ex : body) {
                if (ex.item.sort.kind != bin::SortKind::kType) continue;
                if (ex.item.index >= types_.size()) {
                  st = absl::InvalidArgumentError("export type index out of range");
                  return;
                }
                TypeInfo t = types_[ex.item.index];
                types_.push_back(std::move(t));
              }
            } else if constexpr (std::is_same_v<T, std::vector<bin::Alias>>) {
              for (const auto& a : body) {
                if (a.sort.kind == bin::SortKind::kType) {
                  st = absl::UnimplementedError("type aliases are not supported");
                  return;
                }
              }
            }
          },
          section.body);
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }

  const std::vector<std::pair<std::string, cabi::TypeRef>>& type_imports() const {
    return type_imports_;
  }
  const std::map<std::string, std::shared_ptr<FuncInfo>>& func_imports() const {
    return func_imports_;
  }

 private:
  absl::StatusOr<TypeInfo> Val(const bin::ValType& t) {
    using P = bin::PrimValType;
    TypeInfo out;
    if (!t.is_index) {
      switch (t.prim) {
        case P::kBool: out.value = cabi::CabiType::Bool(); break;
        case P::kS8: out.value = cabi::CabiType::S8(); break;
        case P::kU8: out.value = cabi::CabiType::U8(); break;
        case P::kS16: out.value = cabi::CabiType::S16(); break;
        case P::kU16: out.value = cabi::CabiType::U16(); break;
        case P::kS32: out.value = cabi::CabiType::S32(); break;
        case P::kU32: out.value = cabi::CabiType::U32(); break;
        case P::kS64: out.value = cabi::CabiType::S64(); break;
        case P::kU64: out.value = cabi::CabiType::U64(); break;
        case P::kF32: out.value = cabi::CabiType::F32(); break;
        case P::kF64: out.value = cabi::CabiType::F64(); break;
        case P::kChar: out.value = cabi::CabiType::Char(); break;
        case P::kString: out.value = cabi::CabiType::String(); break;
        case P::kErrorContext:
          return absl::UnimplementedError("error-context is not supported");
      }
      return out;
    }
    if (t.index >= types_.size() || !types_[t.index].value) {
      return absl::InvalidArgumentError(absl::StrCat("type ", t.index, " is not a value type"));
    }
    return types_[t.index];
  }

  absl::StatusOr<TypeInfo> Opt(const std::optional<bin::ValType>& t) {
    if (!t) return TypeInfo();
    return Val(*t);
  }

  absl::StatusOr<TypeInfo> Def(const bin::TypeDef& def) {
    TypeInfo out;
    absl::Status st = absl::OkStatus();
    auto take = [&](const absl::StatusOr<TypeInfo>& r) -> const TypeInfo* {
      if (!r.ok()) {
        if (st.ok()) st = r.status();
        return nullptr;
      }
      return &*r;
    };
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, bin::PrimType>) {
            auto r = Val(bin::ValType::Prim(v.prim));
            if (take(r)) out = *r;
          } else if constexpr (std::is_same_v<T, bin::RecordType>) {
            std::vector<cabi::Field> fields;
            for (const auto& f : v.fields) {
              auto r = Val(f.type);
              if (!take(r)) return;
              fields.push_back({std::string(f.name), r->value});
              out.labels.children.push_back(r->labels);
            }
            out.value = cabi::CabiType::Record(std::move(fields));
          } else if constexpr (std::is_same_v<T, bin::VariantType>) {
            std::vector<cabi::Case> cases;
            for (const auto& c : v.cases) {
              auto r = Opt(c.type);
              if (!take(r)) return;
              cases.push_back({std::string(c.name), r->value});
              out.labels.children.push_back(r->labels);
            }
            out.value = cabi::CabiType::Variant(std::move(cases));
          } else if constexpr (std::is_same_v<T, bin::ListType>) {
            auto r = Val(v.element);
            if (!take(r)) return;
            out.value = v.fixed_length ? cabi::CabiType::FixedList(r->value, *v.fixed_length)
                                       : cabi::CabiType::List(r->value);
            out.labels.children.push_back(r->labels);
          } else if constexpr (std::is_same_v<T, bin::TupleType>) {
            std::vector<cabi::TypeRef> elems;
            for (const auto& e : v.elements) {
              auto r = Val(e);
              if (!take(r)) return;
              elems.push_back(r->value);
              out.labels.children.push_back(r->labels);
            }
            out.value = cabi::CabiType::Tuple(std::move(elems));
          } else if constexpr (std::is_same_v<T, bin::FlagsType>) {
            out.value = cabi::CabiType::Flags(static_cast<uint32_t>(v.names.size()));
            for (auto n : v.names) out.labels.flags.emplace_back(n);
          } else if constexpr (std::is_same_v<T, bin::EnumType>) {
            std::vector<std::string> labels(v.names.begin(), v.names.end());
            out.value = cabi::CabiType::Enum(std::move(labels));
          } else if constexpr (std::is_same_v<T, bin::OptionType>) {
            auto r = Val(v.element);
            if (!take(r)) return;
            out.value = cabi::CabiType::Option(r->value);
            out.labels.children.push_back(r->labels);
          } else if constexpr (std::is_same_v<T, bin::ResultType>) {
            auto ok = Opt(v.ok);
            auto err = Opt(v.err);
            if (!take(ok) || !take(err)) return;
            out.value = cabi::CabiType::Result(ok->value, err->value);
            out.labels.children.push_back(ok->labels);
            out.labels.children.push_back(err->labels);
          } else if constexpr (std::is_same_v<T, bin::MapType>) {
            auto k = Val(v.key);
            auto m = Val(v.value);
            if (!take(k) || !take(m)) return;
            out.value = cabi::CabiType::Map(k->value, m->value);
            out.labels.children.push_back(k->labels);
            out.labels.children.push_back(m->labels);
          } else if constexpr (std::is_same_v<T, bin::FuncType>) {
            auto f = std::make_shared<FuncInfo>();
            f->sig.is_async = v.is_async;
            for (const auto& p : v.params) {
              auto r = Val(p.type);
              if (!take(r)) return;
              f->sig.params.push_back({std::string(p.name), r->value});
              f->param_labels.push_back(r->labels);
            }
            auto r = Opt(v.result);
            if (!take(r)) return;
            f->sig.result = r->value;
            f->result_labels = r->labels;
            out.func = std::move(f);
          } else {
            st = absl::UnimplementedError(
                "resource, stream, future, component and instance types are not supported");
          }
        },
        def.value);
    if (!st.ok()) return st;
    if (out.value && !out.value->status().ok()) return out.value->status();
    return out;
  }

  std::vector<TypeInfo> types_;
  std::vector<std::pair<std::string, cabi::TypeRef>> type_imports_;
  std::map<std::string, std::shared_ptr<FuncInfo>> func_imports_;
};

struct Case {
  std::string name, import, export_name;
  std::string kind;      // run | call | const | bad
  std::string ret_kind;  // param | tuple | record | none
  std::vector<size_t> ret_from;
  const JsonValue* args = nullptr;
};

// What one host `id-K` saw during the current call.
struct HostLog {
  bool called = false;
  std::vector<JsonValue> args;
};

JsonValue Str(std::string s) { return JsonValue::String(std::move(s)); }

absl::StatusOr<std::vector<Case>> ParseCases(const JsonValue& doc) {
  const JsonValue* cases = doc.Find("cases");
  if (cases == nullptr || !cases->is_array()) {
    return absl::InvalidArgumentError("cases file has no \"cases\" array");
  }
  std::vector<Case> out;
  for (const JsonValue& c : cases->array()) {
    Case k;
    const std::string* name = c.FindString("name");
    const std::string* im = c.FindString("import");
    const std::string* ex = c.FindString("export");
    const JsonValue* ret = c.Find("ret");
    k.args = c.Find("args");
    if (!name || !im || !ex || !ret || !k.args || !k.args->is_array()) {
      return absl::InvalidArgumentError("malformed case");
    }
    k.name = *name;
    if (const std::string* kind = c.FindString("kind")) k.kind = *kind;
    k.import = *im;
    k.export_name = *ex;
    const std::string* kind = ret->FindString("kind");
    const JsonValue* from = ret->Find("from");
    if (!kind || !from || !from->is_array()) return absl::InvalidArgumentError("malformed ret");
    k.ret_kind = *kind;
    for (const JsonValue& i : from->array()) {
      auto n = i.AsUint64();
      if (!n.ok()) return n.status();
      k.ret_from.push_back(static_cast<size_t>(*n));
    }
    out.push_back(std::move(k));
  }
  return out;
}

class ComponentRun {
 public:
  ComponentRun(const bin::Component& component, const TypeSpace& types,
               const std::vector<Case>& cases)
      : component_(component), types_(types) {
    for (const Case& c : cases) recipes_[c.import] = &c;
  }

  // Calls every case; appends one result object per case.
  void RunAll(const std::vector<Case>& cases, std::vector<JsonValue>& out) {
    for (const Case& c : cases) out.push_back(RunOne(c));
    instance_.reset();
    runtime_.reset();
  }

 private:
  absl::Status Instantiate() {
    instance_.reset();
    runtime_ = wb::engine::NewRuntime();
    std::vector<std::pair<std::string, wb::engine::ComponentItem>> imports;
    for (const auto& [name, type] : types_.type_imports()) {
      wb::engine::ComponentItem item;
      item.kind = wb::engine::ComponentItem::Kind::kType;
      item.type = type;
      imports.push_back({name, item});
    }
    for (const auto& [name, info] : types_.func_imports()) {
      auto it = recipes_.find(name);
      if (it == recipes_.end()) {
        return absl::InvalidArgumentError(absl::StrCat("no case for import `", name, "`"));
      }
      const Case* recipe = it->second;
      std::shared_ptr<FuncInfo> fi = info;
      HostLog* log = &logs_[name];
      imports.push_back(
          {name, runtime_->HostFunc(fi->sig, [fi, recipe, log](std::vector<cabi::Value> args)
                                                 -> absl::StatusOr<std::optional<cabi::Value>> {
             return Host(*fi, *recipe, *log, std::move(args));
           })});
    }
    auto inst = runtime_->Instantiate(component_, imports);
    if (!inst.ok()) return inst.status();
    instance_ = *inst;
    return absl::OkStatus();
  }

  static absl::StatusOr<std::optional<cabi::Value>> Host(const FuncInfo& fi, const Case& recipe,
                                                         HostLog& log,
                                                         std::vector<cabi::Value> args) {
    log.called = true;
    log.args.clear();
    if (args.size() != fi.sig.params.size()) {
      return absl::InvalidArgumentError("host got a wrong argument count");
    }
    for (size_t i = 0; i < args.size(); ++i) {
      auto j = wb::engine::ValueToJson(args[i], fi.sig.params[i].second, &fi.param_labels[i]);
      if (!j.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("host arg ", i, ": ", j.status().message()));
      }
      log.args.push_back(std::move(*j));
    }
    for (size_t i : recipe.ret_from) {
      if (i >= args.size()) return absl::InvalidArgumentError("ret index out of range");
    }
    if (recipe.ret_kind == "none") return std::optional<cabi::Value>();
    if (recipe.ret_kind == "param") {
      return std::optional<cabi::Value>(args[recipe.ret_from.at(0)]);
    }
    std::vector<cabi::Value> fields;
    for (size_t i : recipe.ret_from) fields.push_back(args[i]);
    return std::optional<cabi::Value>(cabi::Value::Record(std::move(fields)));
  }

  JsonValue RunOne(const Case& c) {
    std::vector<JsonValue::Member> m = {{"name", Str(c.name)}};
    auto fail = [&](const absl::Status& st, bool trap) {
      m.emplace_back("error", Str(std::string(st.message())));
      m.emplace_back("trap", JsonValue::Bool(trap));
      instance_.reset();  // a trap poisons the instance
    };
    auto sig_it = types_.func_imports().find(c.import);
    if (sig_it == types_.func_imports().end()) {
      fail(absl::NotFoundError(absl::StrCat("no import `", c.import, "`")), false);
      return JsonValue::Object(std::move(m));
    }
    const FuncInfo& fi = *sig_it->second;
    if (!instance_) {
      if (absl::Status st = Instantiate(); !st.ok()) {
        fail(absl::Status(st.code(), absl::StrCat("instantiate: ", st.message())), false);
        return JsonValue::Object(std::move(m));
      }
    }
    auto item = instance_->Export(c.export_name);
    if (!item.ok() || item->func == nullptr) {
      fail(absl::NotFoundError(absl::StrCat("no function export `", c.export_name, "`")), false);
      return JsonValue::Object(std::move(m));
    }
    // The engine's view of the export's type must be the declared one:
    // run-K has the type of id-K, const-K and call-K have no parameters
    // and id-K's result.
    const wb::engine::FuncSignature& es = item->func->signature();
    const bool forwards = c.kind == "run";
    bool same = es.params.size() == (forwards ? fi.sig.params.size() : 0) &&
                (es.result == nullptr) == (fi.sig.result == nullptr);
    for (size_t i = 0; same && i < es.params.size(); ++i) {
      same = es.params[i].first == fi.sig.params[i].first &&
             cabi::ToString(*es.params[i].second) == cabi::ToString(*fi.sig.params[i].second);
    }
    if (same && es.result) same = cabi::ToString(*es.result) == cabi::ToString(*fi.sig.result);
    if (!same) {
      fail(absl::InternalError("export signature differs from the import's"), false);
      return JsonValue::Object(std::move(m));
    }
    std::vector<cabi::Value> args;
    const auto& jargs = c.args->array();
    if (jargs.size() != es.params.size()) {
      fail(absl::InvalidArgumentError("argument count differs from the signature"), false);
      return JsonValue::Object(std::move(m));
    }
    for (size_t i = 0; i < jargs.size(); ++i) {
      auto v = wb::engine::ValueFromJson(jargs[i], fi.sig.params[i].second, &fi.param_labels[i]);
      if (!v.ok()) {
        fail(absl::InvalidArgumentError(absl::StrCat("argument ", i, ": ", v.status().message())),
             false);
        return JsonValue::Object(std::move(m));
      }
      args.push_back(std::move(*v));
    }
    HostLog& log = logs_[c.import];
    log = HostLog();
    auto r = item->func->Call(std::move(args));
    auto host_args = [&]() {
      return log.called ? JsonValue::Array(log.args) : JsonValue::Null();
    };
    if (!r.ok()) {
      fail(r.status(), wb::engine::IsTrap(r.status()));
      m.emplace_back("host_args", host_args());
      return JsonValue::Object(std::move(m));
    }
    JsonValue result;
    if (r->has_value()) {
      if (!fi.sig.result) {
        fail(absl::InternalError("a result from a function without one"), false);
        return JsonValue::Object(std::move(m));
      }
      auto j = wb::engine::ValueToJson(**r, fi.sig.result, &fi.result_labels);
      if (!j.ok()) {
        fail(absl::InternalError(absl::StrCat("result: ", j.status().message())), false);
        return JsonValue::Object(std::move(m));
      }
      result = std::move(*j);
    } else if (fi.sig.result) {
      fail(absl::InternalError("no result from a function with one"), false);
      return JsonValue::Object(std::move(m));
    }
    m.emplace_back("result", std::move(result));
    m.emplace_back("host_args", host_args());
    return JsonValue::Object(std::move(m));
  }

  const bin::Component& component_;
  const TypeSpace& types_;
  std::map<std::string, const Case*> recipes_;
  std::map<std::string, HostLog> logs_;
  std::unique_ptr<wb::engine::Runtime> runtime_;
  std::shared_ptr<wb::engine::ComponentInstance> instance_;
};

// Runs one component's cases; a component-level failure fails every case.
absl::Status RunComponent(const std::string& wasm_path, const std::string& cases_path,
                          std::vector<JsonValue>& out) {
  auto bytes_s = ReadAll(wasm_path);
  if (!bytes_s.ok()) return bytes_s.status();
  auto text = ReadAll(cases_path);
  if (!text.ok()) return text.status();
  auto doc = wb::engine::ParseJson(*text);
  if (!doc.ok()) return absl::InvalidArgumentError(absl::StrCat(cases_path, ": ",
                                                                doc.status().message()));
  auto cases = ParseCases(*doc);
  if (!cases.ok()) return cases.status();

  std::vector<uint8_t> bytes(bytes_s->begin(), bytes_s->end());
  auto component = bin::ReadComponent(bin::Bytes(bytes.data(), bytes.size()));
  absl::Status component_status = absl::OkStatus();
  if (!component.ok()) {
    component_status = component.status();
  } else if (auto errors = bin::ValidateComponent(*component); !errors.empty()) {
    component_status = absl::InvalidArgumentError(
        absl::StrCat("invalid component: ", errors[0].message));
  }
  TypeSpace types;
  if (component_status.ok()) component_status = types.Build(*component);
  if (!component_status.ok()) {
    for (const Case& c : *cases) {
      out.push_back(JsonValue::Object(
          {{"name", Str(c.name)},
           {"error", Str(absl::StrCat(wasm_path, ": ", component_status.message()))},
           {"trap", JsonValue::Bool(false)}}));
    }
    return absl::OkStatus();
  }
  ComponentRun run(*component, types, *cases);
  run.RunAll(*cases, out);
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || (argc - 1) % 2 != 0) {
    std::fprintf(stderr, "usage: %s COMPONENT.wasm CASES.json [COMPONENT.wasm CASES.json]...\n",
                 argv[0]);
    return 2;
  }
  std::vector<JsonValue> results;
  for (int i = 1; i + 1 < argc; i += 2) {
    absl::Status st = RunComponent(argv[i], argv[i + 1], results);
    if (!st.ok()) {
      std::fprintf(stderr, "%s: %s\n", argv[i], std::string(st.message()).c_str());
      return 1;
    }
  }
  std::string doc = wb::engine::ToJson(JsonValue::Object({{"results", JsonValue::Array(
                                                                          std::move(results))}}));
  std::fwrite(doc.data(), 1, doc.size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}
