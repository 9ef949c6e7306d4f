// wasi:filesystem/{types,preopens}@0.3.0, with no directory granted yet.
//
// Every command upgraded from WASI 0.2 imports these interfaces (the shim
// refers to descriptors), so the host provides them with their exact
// types. `get-directories` returns no preopens; without a descriptor a
// guest cannot call any descriptor method, so those only trap if reached
// by a host bug. Granting directories (`--dir HOST::GUEST`, with escape
// checks) is the next slice.
#include <memory>
#include <string>
#include <vector>

#include "engine/wasi/host.h"
#include "engine/wasi/instance.h"
#include "engine/wasi/types.h"

namespace wasi_bridge::engine::wasi {

using cabi::CabiType;
using cabi::TypeRef;
using cabi::Value;

namespace {

constexpr cabi::ResourceId kDescriptor = 0x7fff0010;

TypeRef DescriptorType() {
  return CabiType::Variant({{"block-device", nullptr},
                            {"character-device", nullptr},
                            {"directory", nullptr},
                            {"fifo", nullptr},
                            {"symbolic-link", nullptr},
                            {"regular-file", nullptr},
                            {"socket", nullptr},
                            {"other", CabiType::Option(CabiType::String())}});
}

TypeRef FsErrorCode() {
  std::vector<cabi::Case> cases;
  for (const char* name :
       {"access", "already", "bad-descriptor", "busy", "deadlock", "quota", "exist",
        "file-too-large", "illegal-byte-sequence", "in-progress", "interrupted", "invalid", "io",
        "is-directory", "loop", "too-many-links", "message-size", "name-too-long", "no-device",
        "no-entry", "no-lock", "insufficient-memory", "insufficient-space", "not-directory",
        "not-empty", "not-recoverable", "unsupported", "no-tty", "no-such-device", "overflow",
        "not-permitted", "pipe", "read-only", "invalid-seek", "text-file-busy", "cross-device"}) {
    cases.push_back({name, nullptr});
  }
  cases.push_back({"other", CabiType::Option(CabiType::String())});
  return CabiType::Variant(std::move(cases));
}

}  // namespace

void AddFilesystem(const std::shared_ptr<WasiContext>& ctx, Imports& out) {
  Runtime& rt = *ctx->runtime;
  const TypeRef u64 = CabiType::U64();
  const TypeRef str = CabiType::String();
  const TypeRef desc_type = DescriptorType();
  const TypeRef desc_flags = CabiType::Flags(6);
  const TypeRef path_flags = CabiType::Flags(1);
  const TypeRef open_flags = CabiType::Flags(4);
  const TypeRef opt_instant = CabiType::Option(Instant());
  const TypeRef stat = CabiType::Record({{"type", desc_type},
                                         {"link-count", u64},
                                         {"size", u64},
                                         {"data-access-timestamp", opt_instant},
                                         {"data-modification-timestamp", opt_instant},
                                         {"status-change-timestamp", opt_instant}});
  const TypeRef new_ts =
      CabiType::Variant({{"no-change", nullptr}, {"now", nullptr}, {"timestamp", Instant()}});
  const TypeRef entry = CabiType::Record({{"type", desc_type}, {"name", str}});
  const TypeRef error = FsErrorCode();
  const TypeRef advice =
      CabiType::Enum({"normal", "sequential", "random", "will-need", "dont-need", "no-reuse"});
  const TypeRef hash = CabiType::Record({{"lower", u64}, {"upper", u64}});
  const TypeRef own = CabiType::Own(kDescriptor);
  const TypeRef self = CabiType::Borrow(kDescriptor);
  auto res = [&](TypeRef ok) { return CabiType::Result(std::move(ok), error); };
  const TypeRef done = CabiType::Future(res(nullptr));
  const TypeRef bytes = CabiType::Stream(CabiType::U8());

  auto types = NewHostInstance();
  types->AddType("instant", Instant());
  types->AddType("filesize", u64);
  types->AddType("descriptor-type", desc_type);
  types->AddType("descriptor-flags", desc_flags);
  types->AddType("descriptor-stat", stat);
  types->AddType("path-flags", path_flags);
  types->AddType("open-flags", open_flags);
  types->AddType("link-count", u64);
  types->AddType("new-timestamp", new_ts);
  types->AddType("directory-entry", entry);
  types->AddType("error-code", error);
  types->AddType("advice", advice);
  types->AddType("metadata-hash-value", hash);
  types->AddType("descriptor", own);

  struct Method {
    const char* name;
    std::vector<std::pair<std::string, TypeRef>> params;  // after self
    TypeRef result;
    bool is_async;
  };
  const std::vector<Method> methods = {
      {"read-via-stream", {{"offset", u64}}, CabiType::Tuple({bytes, done}), false},
      {"write-via-stream", {{"data", bytes}, {"offset", u64}}, done, false},
      {"append-via-stream", {{"data", bytes}}, done, false},
      {"advise", {{"offset", u64}, {"length", u64}, {"advice", advice}}, res(nullptr), true},
      {"sync-data", {}, res(nullptr), true},
      {"get-flags", {}, res(desc_flags), true},
      {"get-type", {}, res(desc_type), true},
      {"set-size", {{"size", u64}}, res(nullptr), true},
      {"set-times",
       {{"data-access-timestamp", new_ts}, {"data-modification-timestamp", new_ts}},
       res(nullptr),
       true},
      {"read-directory", {}, CabiType::Tuple({CabiType::Stream(entry), done}), false},
      {"sync", {}, res(nullptr), true},
      {"create-directory-at", {{"path", str}}, res(nullptr), true},
      {"stat", {}, res(stat), true},
      {"stat-at", {{"path-flags", path_flags}, {"path", str}}, res(stat), true},
      {"set-times-at",
       {{"path-flags", path_flags},
        {"path", str},
        {"data-access-timestamp", new_ts},
        {"data-modification-timestamp", new_ts}},
       res(nullptr),
       true},
      {"link-at",
       {{"old-path-flags", path_flags},
        {"old-path", str},
        {"new-descriptor", self},
        {"new-path", str}},
       res(nullptr),
       true},
      {"open-at",
       {{"path-flags", path_flags}, {"path", str}, {"open-flags", open_flags}, {"flags", desc_flags}},
       res(own),
       true},
      {"readlink-at", {{"path", str}}, res(str), true},
      {"remove-directory-at", {{"path", str}}, res(nullptr), true},
      {"rename-at",
       {{"old-path", str}, {"new-descriptor", self}, {"new-path", str}},
       res(nullptr),
       true},
      {"symlink-at", {{"old-path", str}, {"new-path", str}}, res(nullptr), true},
      {"unlink-file-at", {{"path", str}}, res(nullptr), true},
      {"is-same-object", {{"other", self}}, CabiType::Bool(), true},
      {"metadata-hash", {}, res(hash), true},
      {"metadata-hash-at", {{"path-flags", path_flags}, {"path", str}}, res(hash), true},
  };
  for (const Method& m : methods) {
    FuncSignature sig;
    sig.params.push_back({"self", self});
    for (const auto& p : m.params) sig.params.push_back(p);
    sig.result = m.result;
    sig.is_async = m.is_async;
    const std::string name = std::string("[method]descriptor.") + m.name;
    auto unreachable = [name]() {
      return absl::FailedPreconditionError(
          name + ": the host has granted no descriptor (--dir is not implemented yet)");
    };
    if (m.is_async) {
      types->Add(name, rt.AsyncHostFunc(sig, [unreachable](std::vector<Value>) {
        return HostPromise::Ready(unreachable());
      }));
    } else {
      types->Add(name, rt.HostFunc(sig, [unreachable](std::vector<Value>) -> CallResult {
        return unreachable();
      }));
    }
  }
  Provide(out, "wasi:filesystem/types@0.3.0", types);

  auto preopens = NewHostInstance();
  preopens->AddType("descriptor", own);
  FuncSignature sig;
  sig.result = CabiType::List(CabiType::Tuple({own, str}));
  preopens->Add("get-directories", rt.HostFunc(sig, [](std::vector<Value>) -> CallResult {
    return Value::List({});
  }));
  Provide(out, "wasi:filesystem/preopens@0.3.0", preopens);
}

}  // namespace wasi_bridge::engine::wasi
