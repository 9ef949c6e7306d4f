// wasi:random/{random,insecure,insecure-seed}@0.3.0 over getrandom(2).
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/wasi/host.h"
#include "engine/wasi/instance.h"

namespace wasi_bridge::engine::wasi {

using cabi::CabiType;
using cabi::Value;

namespace {

// At most this many bytes per call: the spec lets the host return fewer
// than max-len, and a guest asking for 2^64 must not exhaust the host.
constexpr uint64_t kMaxRandomBytes = 1 << 20;

absl::Status Fill(uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t got = ::getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrFormat("getrandom: %s", std::strerror(errno)));
    }
    p += got;
    n -= static_cast<size_t>(got);
  }
  return absl::OkStatus();
}

CallResult Bytes(const std::vector<Value>& args) {
  uint64_t n = *args.at(0).Get<uint64_t>();
  if (n > kMaxRandomBytes) n = kMaxRandomBytes;
  std::vector<uint8_t> out(static_cast<size_t>(n));
  if (absl::Status s = Fill(out.data(), out.size()); !s.ok()) return s;
  return Value::Bytes(std::move(out));
}

CallResult U64(const std::vector<Value>&) {
  uint64_t v = 0;
  if (absl::Status s = Fill(reinterpret_cast<uint8_t*>(&v), sizeof v); !s.ok()) return s;
  return Value::U64(v);
}

}  // namespace

void AddRandom(const std::shared_ptr<WasiContext>& ctx, Imports& out) {
  Runtime& rt = *ctx->runtime;
  FuncSignature bytes_sig;
  bytes_sig.params = {{"max-len", CabiType::U64()}};
  bytes_sig.result = CabiType::List(CabiType::U8());
  FuncSignature u64_sig;
  u64_sig.result = CabiType::U64();

  auto secure = NewHostInstance();
  secure->Add("get-random-bytes", rt.HostFunc(bytes_sig, Bytes));
  secure->Add("get-random-u64", rt.HostFunc(u64_sig, U64));
  Provide(out, "wasi:random/random@0.3.0", secure);

  // The insecure interfaces use the same source: nothing is lost by it.
  auto insecure = NewHostInstance();
  insecure->Add("get-insecure-random-bytes", rt.HostFunc(bytes_sig, Bytes));
  insecure->Add("get-insecure-random-u64", rt.HostFunc(u64_sig, U64));
  Provide(out, "wasi:random/insecure@0.3.0", insecure);

  auto seed = NewHostInstance();
  FuncSignature seed_sig;
  seed_sig.result = CabiType::Tuple({CabiType::U64(), CabiType::U64()});
  // The spec: the seed is fixed for the instance ("returns the same value
  // every time"): drawn on the first call, then kept.
  auto fixed = std::make_shared<std::optional<std::array<uint64_t, 2>>>();
  seed->Add("get-insecure-seed",
            rt.HostFunc(seed_sig, [fixed](std::vector<Value>) -> CallResult {
              if (!fixed->has_value()) {
                std::array<uint64_t, 2> v = {0, 0};
                if (absl::Status s = Fill(reinterpret_cast<uint8_t*>(v.data()), sizeof v);
                    !s.ok()) {
                  return s;
                }
                *fixed = v;
              }
              const std::array<uint64_t, 2>& v = **fixed;
              return Value::Tuple({Value::U64(v[0]), Value::U64(v[1])});
            }));
  Provide(out, "wasi:random/insecure-seed@0.3.0", seed);
}

}  // namespace wasi_bridge::engine::wasi
