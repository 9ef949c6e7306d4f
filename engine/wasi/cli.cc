// wasi:cli/{types,environment,exit,terminal-*}@0.3.0.
#include <memory>
#include <string>
#include <vector>

#include "engine/wasi/host.h"
#include "engine/wasi/instance.h"
#include "engine/wasi/types.h"

namespace wasi_bridge::engine::wasi {

using cabi::CabiType;
using cabi::Value;

namespace {

// A resource type no host function ever creates (terminal-input/output:
// the host reports no terminal), with an id far from the runtime's own.
cabi::TypeRef UnusedResource(cabi::ResourceId id) { return CabiType::Own(id); }
constexpr cabi::ResourceId kTerminalInput = 0x7fff0001;
constexpr cabi::ResourceId kTerminalOutput = 0x7fff0002;

}  // namespace

void AddCli(const std::shared_ptr<WasiContext>& ctx, Imports& out) {
  Runtime& rt = *ctx->runtime;

  auto types = NewHostInstance();
  types->AddType("error-code", CliErrorCode());
  Provide(out, "wasi:cli/types@0.3.0", types);

  auto env = NewHostInstance();
  {
    FuncSignature sig;
    sig.result = CabiType::List(CabiType::Tuple({CabiType::String(), CabiType::String()}));
    env->Add("get-environment", rt.HostFunc(sig, [ctx](std::vector<Value>) -> CallResult {
      std::vector<Value> pairs;
      for (const auto& [k, v] : ctx->config.env) {
        pairs.push_back(Value::Tuple({Value::String(k), Value::String(v)}));
      }
      return Value::List(std::move(pairs));
    }));
  }
  {
    FuncSignature sig;
    sig.result = CabiType::List(CabiType::String());
    env->Add("get-arguments", rt.HostFunc(sig, [ctx](std::vector<Value>) -> CallResult {
      std::vector<Value> args;
      for (const auto& a : ctx->config.args) args.push_back(Value::String(a));
      return Value::List(std::move(args));
    }));
  }
  {
    FuncSignature sig;
    sig.result = CabiType::Option(CabiType::String());
    env->Add("get-initial-cwd", rt.HostFunc(sig, [ctx](std::vector<Value>) -> CallResult {
      if (!ctx->config.initial_cwd) return Value::None();
      return Value::Some(Value::String(*ctx->config.initial_cwd));
    }));
  }
  Provide(out, "wasi:cli/environment@0.3.0", env);

  auto exit = NewHostInstance();
  {
    FuncSignature sig;
    sig.params = {{"status", CabiType::Result(nullptr, nullptr)}};
    exit->Add("exit", rt.HostFunc(sig, [ctx](std::vector<Value> args) -> CallResult {
      ctx->exit_code = args.at(0).Get<cabi::VariantValue>()->index == 0 ? 0 : 1;
      return absl::AbortedError(kExitMessage);
    }));
  }
  {
    FuncSignature sig;
    sig.params = {{"status-code", CabiType::U8()}};
    exit->Add("exit-with-code", rt.HostFunc(sig, [ctx](std::vector<Value> args) -> CallResult {
      ctx->exit_code = *args.at(0).Get<uint8_t>();
      return absl::AbortedError(kExitMessage);
    }));
  }
  Provide(out, "wasi:cli/exit@0.3.0", exit);

  // Terminals: the host reports none (every getter returns none).
  auto input = NewHostInstance();
  input->AddType("terminal-input", UnusedResource(kTerminalInput));
  Provide(out, "wasi:cli/terminal-input@0.3.0", input);
  auto output = NewHostInstance();
  output->AddType("terminal-output", UnusedResource(kTerminalOutput));
  Provide(out, "wasi:cli/terminal-output@0.3.0", output);
  struct Getter {
    const char* interface;
    const char* func;
    const char* type;
    cabi::ResourceId resource;
  };
  for (const Getter& g : {Getter{"terminal-stdin", "get-terminal-stdin", "terminal-input",
                                 kTerminalInput},
                          Getter{"terminal-stdout", "get-terminal-stdout", "terminal-output",
                                 kTerminalOutput},
                          Getter{"terminal-stderr", "get-terminal-stderr", "terminal-output",
                                 kTerminalOutput}}) {
    auto inst = NewHostInstance();
    inst->AddType(g.type, UnusedResource(g.resource));
    FuncSignature sig;
    sig.result = CabiType::Option(UnusedResource(g.resource));
    inst->Add(g.func, rt.HostFunc(sig, [](std::vector<Value>) -> CallResult {
      return Value::None();
    }));
    Provide(out, std::string("wasi:cli/") + g.interface + "@0.3.0", inst);
  }
}

}  // namespace wasi_bridge::engine::wasi
