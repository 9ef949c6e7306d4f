// Validation of canon definitions: operands, options, the async rules, and
// the core signature each definition gives its function.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapter/binary/canon_info.h"
#include "adapter/binary/validator_internal.h"

namespace wasi_bridge::binary::internal {
namespace {

constexpr uint8_t kI32 = 0x7f, kI64 = 0x7e;
constexpr size_t kMaxFlatParams = 16;
constexpr size_t kMaxFlatAsyncParams = 4;
constexpr size_t kMaxFlatResults = 1;

CoreSignature Sig(std::vector<uint8_t> params, std::vector<uint8_t> results) {
  CoreSignature s;
  for (uint8_t p : params) s.params.push_back(CoreValType{p, 0});
  for (uint8_t r : results) s.results.push_back(CoreValType{r, 0});
  return s;
}

struct Options {
  int encodings = 0;
  std::optional<uint32_t> memory, realloc, post_return, callback;
  bool async = false;
};

const char* OptionName(CanonOptionCode c) {
  switch (c) {
    case CanonOptionCode::kUtf8:
    case CanonOptionCode::kUtf16:
    case CanonOptionCode::kLatin1Utf16: return "string-encoding";
    case CanonOptionCode::kMemory: return "memory";
    case CanonOptionCode::kRealloc: return "realloc";
    case CanonOptionCode::kPostReturn: return "post-return";
    case CanonOptionCode::kAsync: return "async";
    case CanonOptionCode::kCallback: return "callback";
  }
  return "?";
}

}  // namespace

void Validator::ValidateCanon(Scope& s, const Canon& c) {
  const CanonInfo& info = *FindCanonInfo(static_cast<uint8_t>(c.opcode));
  const uint32_t at = c.offset;
  auto fail = [&](std::string msg) {
    Error(at, absl::StrFormat("canon %s: %s", info.name, msg));
  };

  // ---- options: duplicates, bounds and core types of referenced funcs.
  Options o;
  absl::flat_hash_set<uint8_t> seen;
  for (const CanonOption& opt : c.options) {
    const uint8_t group = opt.code <= CanonOptionCode::kLatin1Utf16
                              ? 0
                              : static_cast<uint8_t>(opt.code);
    if (!seen.insert(group).second) {
      fail(absl::StrFormat("canonical option `%s` conflicts with a previous "
                           "option",
                           OptionName(opt.code)));
    }
    switch (opt.code) {
      case CanonOptionCode::kUtf8:
      case CanonOptionCode::kUtf16:
      case CanonOptionCode::kLatin1Utf16:
        ++o.encodings;
        break;
      case CanonOptionCode::kMemory:
        if (opt.index >= s.core_memories) {
          fail(absl::StrFormat("memory index %u out of bounds", opt.index));
        }
        o.memory = opt.index;
        break;
      case CanonOptionCode::kAsync:
        o.async = true;
        break;
      default: {
        if (opt.index >= s.core_funcs.size()) {
          fail(absl::StrFormat("canonical option `%s`: core function index "
                               "%u out of bounds",
                               OptionName(opt.code), opt.index));
          break;
        }
        const auto& sig = s.core_funcs[opt.index].signature;
        if (opt.code == CanonOptionCode::kRealloc) {
          o.realloc = opt.index;
          if (sig && !(*sig == Sig({kI32, kI32, kI32, kI32}, {kI32}))) {
            fail(absl::StrFormat("canonical option `realloc` uses a core "
                                 "function with an incorrect signature %s; "
                                 "expected (func (param i32 i32 i32 i32) "
                                 "(result i32))",
                                 FormatSignature(*sig)));
          }
        } else if (opt.code == CanonOptionCode::kCallback) {
          o.callback = opt.index;
          if (sig && !(*sig == Sig({kI32, kI32, kI32}, {kI32}))) {
            fail(absl::StrFormat("canonical option `callback` uses a core "
                                 "function with an incorrect signature %s; "
                                 "expected (func (param i32 i32 i32) "
                                 "(result i32))",
                                 FormatSignature(*sig)));
          }
        } else {
          o.post_return = opt.index;
        }
        break;
      }
    }
  }
  auto only = [&](std::initializer_list<CanonOptionCode> allowed) {
    for (const CanonOption& opt : c.options) {
      bool fine = false;
      for (auto a : allowed) {
        const bool both_enc = a <= CanonOptionCode::kLatin1Utf16 &&
                              opt.code <= CanonOptionCode::kLatin1Utf16;
        fine |= a == opt.code || both_enc;
      }
      if (!fine) {
        fail(absl::StrFormat("canonical option `%s` is not allowed here",
                             OptionName(opt.code)));
      }
    }
  };
  auto require_memory = [&](const char* why) {
    if (!o.memory) {
      fail(absl::StrFormat("canonical option `memory` is required (%s)", why));
    }
  };
  auto require_realloc = [&](const char* why) {
    if (!o.realloc) {
      fail(absl::StrFormat("canonical option `realloc` is required (%s)",
                           why));
    }
  };
  auto type_of_kind = [&](TKind want, const char* what) -> const TypeNode* {
    if (c.type_index >= s.types.size()) {
      fail(absl::StrFormat("type index %u out of bounds", c.type_index));
      return nullptr;
    }
    const TypeNode& n = arena_.Get(s.types[c.type_index]);
    if (n.kind != want) {
      fail(absl::StrFormat("`%s` requires a %s type, but type index %u is "
                           "a %s",
                           info.name, what, c.type_index,
                           arena_.Describe(s.types[c.type_index])));
      return nullptr;
    }
    return &n;
  };
  auto push = [&](CoreSignature sig) {
    s.core_funcs.push_back(CoreItem{CoreSort::kFunc, std::move(sig)});
  };

  switch (info.status) {
    case CanonStatus::kRemoved:
      fail(c.opcode == CanonOpcode::kBackpressureSet
               ? "`backpressure.set` (0x08) is a pre-0.3.0 encoding; WASI "
                 "0.3.0 uses backpressure.inc/dec (0x24/0x25)"
               : "`resource.drop async` (0x07) was removed before WASI 0.3.0");
      break;
    case CanonStatus::kThreading:
      fail(absl::StrFormat("opcode 0x%02x needs cooperative threads (🧵), "
                           "which wasi-bridge does not support",
                           static_cast<uint8_t>(c.opcode)));
      break;
    default:
      break;
  }

  switch (c.opcode) {
    case CanonOpcode::kLift: {
      const TypeNode* ft = type_of_kind(TKind::kFunc, "function");
      if (c.func_index >= s.core_funcs.size()) {
        fail(absl::StrFormat("core function index %u out of bounds",
                             c.func_index));
      }
      only({CanonOptionCode::kUtf8, CanonOptionCode::kMemory,
            CanonOptionCode::kRealloc, CanonOptionCode::kPostReturn,
            CanonOptionCode::kAsync, CanonOptionCode::kCallback});
      if (o.callback && !o.async) {
        fail("the `callback` canonical option requires `async`");
      }
      if (!ft) {
        s.funcs.push_back(arena_.Add(TypeNode{.kind = TKind::kFunc}));
        return;
      }
      if (o.async && !ft->is_async) {
        fail("the `async` canonical option requires an async function type");
      }
      if (o.async && o.post_return) {
        fail("cannot specify post-return function in async");
      }
      if (o.async && !o.callback) {
        fail("async lift without a `callback` (stackful lift, 🚟) is not "
             "part of WASI 0.3.0");
      }
      // Flattened core signature (CanonicalABI.md flatten_functype, 'lift').
      std::vector<uint8_t> params, results;
      bool params_need_memory = false;
      for (const auto& [name, t] : ft->members) {
        const TypeNode& p = arena_.Get(*t);
        params_need_memory |= p.has_string_or_list;
        params.insert(params.end(), p.flat.begin(), p.flat.end());
      }
      if (params.size() > kMaxFlatParams) {
        params = {kI32};
        params_need_memory = true;
      }
      bool result_needs_memory = false;
      if (ft->a) {
        const TypeNode& r = arena_.Get(*ft->a);
        results = r.flat;
        result_needs_memory = r.has_string_or_list;
      }
      if (o.async) {
        results = o.callback ? std::vector<uint8_t>{kI32}
                             : std::vector<uint8_t>{};
      } else if (results.size() > kMaxFlatResults) {
        results = {kI32};
        result_needs_memory = true;
      }
      if (params_need_memory) {
        require_memory("parameters are passed in memory");
        require_realloc("parameters are passed in memory");
      } else if (result_needs_memory) {
        require_memory("results are passed in memory");
      }
      const CoreSignature want = Sig(params, results);
      if (c.func_index < s.core_funcs.size()) {
        const auto& have = s.core_funcs[c.func_index].signature;
        if (have && !(*have == want)) {
          fail(absl::StrFormat("type mismatch: lifted core function %u has "
                               "type %s, expected %s",
                               c.func_index, FormatSignature(*have),
                               FormatSignature(want)));
        }
        if (o.post_return && o.post_return < s.core_funcs.size()) {
          const auto& pr = s.core_funcs[*o.post_return].signature;
          const CoreSignature pr_want{want.results, {}};
          if (pr && !(*pr == pr_want)) {
            fail(absl::StrFormat("post-return function has type %s, expected "
                                 "%s",
                                 FormatSignature(*pr),
                                 FormatSignature(pr_want)));
          }
        }
      }
      s.funcs.push_back(s.types[c.type_index]);
      return;
    }
    case CanonOpcode::kLower: {
      only({CanonOptionCode::kUtf8, CanonOptionCode::kMemory,
            CanonOptionCode::kRealloc, CanonOptionCode::kAsync});
      if (c.func_index >= s.funcs.size()) {
        fail(absl::StrFormat("function index %u out of bounds", c.func_index));
        push(CoreSignature{});
        return;
      }
      const TypeNode& ft = arena_.Get(s.funcs[c.func_index]);
      if (o.async && !ft.is_async) {
        fail("the `async` canonical option requires an async function type");
      }
      std::vector<uint8_t> params, results;
      bool params_need_memory = false;
      for (const auto& [name, t] : ft.members) {
        if (!t) continue;
        const TypeNode& p = arena_.Get(*t);
        params_need_memory |= p.has_string_or_list;
        params.insert(params.end(), p.flat.begin(), p.flat.end());
      }
      bool result_needs_memory = false;
      if (ft.a) {
        const TypeNode& r = arena_.Get(*ft.a);
        results = r.flat;
        result_needs_memory = r.has_string_or_list;
      }
      const size_t max_params = o.async ? kMaxFlatAsyncParams : kMaxFlatParams;
      if (params.size() > max_params) {
        params = {kI32};
        params_need_memory = true;
      }
      if (o.async) {
        if (!results.empty()) {
          params.push_back(kI32);
          result_needs_memory = true;
        }
        results = {kI32};
      } else if (results.size() > kMaxFlatResults) {
        params.push_back(kI32);
        results.clear();
        result_needs_memory = true;
      }
      if (params_need_memory) require_memory("parameters are read from memory");
      if (result_needs_memory) {
        require_memory("results are written to memory");
        if (ft.a && arena_.Get(*ft.a).has_string_or_list) {
          require_realloc("results contain strings or lists");
        }
      }
      push(Sig(params, results));
      return;
    }
    case CanonOpcode::kResourceNew:
    case CanonOpcode::kResourceRep: {
      const TypeNode* r = type_of_kind(TKind::kResource, "resource");
      if (r && !r->local_resource) {
        fail("not a local resource (requires a resource type defined in "
             "this component, not an imported or instantiated one)");
      }
      push(c.opcode == CanonOpcode::kResourceNew ? Sig({kI32}, {kI32})
                                                 : Sig({kI32}, {kI32}));
      return;
    }
    case CanonOpcode::kResourceDrop:
    case CanonOpcode::kResourceDropAsync:
      type_of_kind(TKind::kResource, "resource");
      push(Sig({kI32}, {}));
      return;
    case CanonOpcode::kTaskReturn: {
      only({CanonOptionCode::kUtf8, CanonOptionCode::kMemory});
      std::vector<uint8_t> params;
      if (c.result) {
        auto t = ResolveValType(s, *c.result, at);
        if (t) {
          const TypeNode& r = arena_.Get(*t);
          params = r.flat;
          if (r.has_borrow) fail("task.return result may not contain a borrow");
          if (r.has_string_or_list || params.size() > kMaxFlatParams) {
            require_memory("the result is passed in memory");
          }
          if (params.size() > kMaxFlatParams) params = {kI32};
        }
      }
      push(Sig(params, {}));
      return;
    }
    case CanonOpcode::kContextGet:
    case CanonOpcode::kContextSet:
      if (c.context_type.code != kI32) {
        fail("context slots must be i32 (i64 needs memory64)");
      }
      if (c.slot >= 2) {
        fail(absl::StrFormat("context slot %u out of bounds (0 or 1)", c.slot));
      } else if (c.slot == 1) {
        fail("context slot 1 needs cooperative threads (🧵), which "
             "wasi-bridge does not support");
      }
      push(c.opcode == CanonOpcode::kContextGet ? Sig({}, {kI32})
                                                : Sig({kI32}, {}));
      return;
    case CanonOpcode::kStreamNew:
    case CanonOpcode::kFutureNew: {
      const bool is_stream = c.opcode == CanonOpcode::kStreamNew;
      type_of_kind(is_stream ? TKind::kStream : TKind::kFuture,
                   is_stream ? "stream" : "future");
      push(Sig({}, {kI64}));
      return;
    }
    case CanonOpcode::kStreamRead:
    case CanonOpcode::kStreamWrite:
    case CanonOpcode::kFutureRead:
    case CanonOpcode::kFutureWrite: {
      const bool is_stream = c.opcode == CanonOpcode::kStreamRead ||
                             c.opcode == CanonOpcode::kStreamWrite;
      const bool is_read = c.opcode == CanonOpcode::kStreamRead ||
                           c.opcode == CanonOpcode::kFutureRead;
      only({CanonOptionCode::kUtf8, CanonOptionCode::kMemory,
            CanonOptionCode::kRealloc, CanonOptionCode::kAsync});
      const TypeNode* t = type_of_kind(is_stream ? TKind::kStream
                                                 : TKind::kFuture,
                                       is_stream ? "stream" : "future");
      if (t && t->a) {
        require_memory("the element type has a payload");
        if (is_read && arena_.Get(*t->a).has_string_or_list) {
          require_realloc("the element type contains strings or lists");
        }
      }
      push(is_stream ? Sig({kI32, kI32, kI32}, {kI32})
                     : Sig({kI32, kI32}, {kI32}));
      return;
    }
    case CanonOpcode::kStreamCancelRead:
    case CanonOpcode::kStreamCancelWrite:
      type_of_kind(TKind::kStream, "stream");
      push(Sig({kI32}, {kI32}));
      return;
    case CanonOpcode::kFutureCancelRead:
    case CanonOpcode::kFutureCancelWrite:
      type_of_kind(TKind::kFuture, "future");
      push(Sig({kI32}, {kI32}));
      return;
    case CanonOpcode::kStreamDropReadable:
    case CanonOpcode::kStreamDropWritable:
      type_of_kind(TKind::kStream, "stream");
      push(Sig({kI32}, {}));
      return;
    case CanonOpcode::kFutureDropReadable:
    case CanonOpcode::kFutureDropWritable:
      type_of_kind(TKind::kFuture, "future");
      push(Sig({kI32}, {}));
      return;
    case CanonOpcode::kErrorContextNew:
      only({CanonOptionCode::kUtf8, CanonOptionCode::kMemory});
      require_memory("the message is read from memory");
      push(Sig({kI32, kI32}, {kI32}));
      return;
    case CanonOpcode::kErrorContextDebugMessage:
      only({CanonOptionCode::kUtf8, CanonOptionCode::kMemory,
            CanonOptionCode::kRealloc});
      require_memory("the message is written to memory");
      require_realloc("the message is allocated in memory");
      push(Sig({kI32, kI32}, {}));
      return;
    case CanonOpcode::kWaitableSetWait:
    case CanonOpcode::kWaitableSetPoll:
      if (c.memory >= s.core_memories) {
        fail(absl::StrFormat("memory index %u out of bounds", c.memory));
      }
      push(Sig({kI32, kI32}, {kI32}));
      return;
    case CanonOpcode::kThreadNewIndirect:
      if (c.type_index >= s.core_types.size()) {
        fail(absl::StrFormat("core type index %u out of bounds",
                             c.type_index));
      }
      if (c.table >= s.core_tables) {
        fail(absl::StrFormat("table index %u out of bounds", c.table));
      }
      push(Sig({kI32, kI32}, {kI32}));
      return;
    // Built-ins whose only operand checks are the flag bytes (done by the
    // reader); they differ only in their core signature.
    case CanonOpcode::kTaskCancel:
    case CanonOpcode::kBackpressureInc:
    case CanonOpcode::kBackpressureDec:
      push(Sig({}, {}));
      return;
    case CanonOpcode::kBackpressureSet:
    case CanonOpcode::kSubtaskDrop:
    case CanonOpcode::kErrorContextDrop:
    case CanonOpcode::kWaitableSetDrop:
    case CanonOpcode::kThreadResumeLater:
      push(Sig({kI32}, {}));
      return;
    case CanonOpcode::kSubtaskCancel:
    case CanonOpcode::kThreadSuspendThenResume:
    case CanonOpcode::kThreadYieldThenResume:
    case CanonOpcode::kThreadSuspendThenPromote:
    case CanonOpcode::kThreadYieldThenPromote:
      push(Sig({kI32}, {kI32}));
      return;
    case CanonOpcode::kThreadYield:
    case CanonOpcode::kWaitableSetNew:
    case CanonOpcode::kThreadIndex:
    case CanonOpcode::kThreadSuspend:
      push(Sig({}, {kI32}));
      return;
    case CanonOpcode::kWaitableJoin:
      push(Sig({kI32, kI32}, {}));
      return;
  }
}

}  // namespace wasi_bridge::binary::internal
