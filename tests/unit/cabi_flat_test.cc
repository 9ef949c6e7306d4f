// Canonical ABI flat forms: LowerFlat/LiftFlat (including the variant join
// coercions), flat-value traps, and whole-call helpers that spill beyond
// MAX_FLAT_PARAMS (16) and MAX_FLAT_RESULTS (1) through memory.
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/cabi/layout.h"
#include "engine/cabi/load_store.h"
#include "engine/cabi/test_support.h"
#include "gtest/gtest.h"

namespace wasi_bridge::engine::cabi {
namespace {

using T = CabiType;
using CV = CoreValue;
using testing::BumpAllocator;
using testing::TestHandleTable;
using testing::VectorMemory;
using Cores = std::vector<CoreValue>;

constexpr uint32_t kMemSize = 65536;
constexpr uint32_t kHeap = 1024;

std::string Str(const Cores& cs) {
  std::string s = "[";
  for (const CoreValue& c : cs) s += ToString(c) + " ";
  return s + "]";
}

class CabiFlatTest : public ::testing::Test {
 protected:
  CabiFlatTest() : mem_(kMemSize), heap_(mem_, kHeap) {
    ctx_.memory = &mem_;
    ctx_.realloc = heap_.AsFn();
    ctx_.handles = &handles_;
  }

  absl::StatusOr<Value> Lift(const TypeRef& t, const Cores& cs, bool all = true) {
    CoreValueIter it(cs);
    auto v = LiftFlat(ctx_, t, it);
    if (v.ok() && all) EXPECT_TRUE(it.done()) << "unconsumed core values for " << ToString(t);
    return v;
  }

  Cores Lower(const TypeRef& t, const Value& v) {
    auto r = LowerFlat(ctx_, t, v);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : Cores{};
  }

  void ExpectTrap(const absl::Status& s, absl::StatusCode code, const std::string& msg) {
    EXPECT_EQ(s.code(), code) << s;
    EXPECT_NE(std::string(s.message()).find(msg), std::string::npos)
        << "message: " << s.message() << "\nwanted: " << msg;
  }

  uint8_t* At(uint32_t p) { return mem_.vec().data() + p; }

  VectorMemory mem_;
  BumpAllocator heap_;
  TestHandleTable handles_;
  CallContext ctx_;
};

// --- lowering ------------------------------------------------------------------

TEST_F(CabiFlatTest, LowerScalars) {
  EXPECT_EQ(Lower(T::Bool(), Value::Bool(true)), (Cores{CV::I32(1)}));
  EXPECT_EQ(Lower(T::S8(), Value::S8(-1)), (Cores{CV::I32(0xffffffff)}));
  EXPECT_EQ(Lower(T::S16(), Value::S16(-2)), (Cores{CV::I32(0xfffffffe)}));
  EXPECT_EQ(Lower(T::U16(), Value::U16(0xffff)), (Cores{CV::I32(0xffff)}));
  EXPECT_EQ(Lower(T::S64(), Value::S64(-1)), (Cores{CV::I64(~uint64_t{0})}));
  EXPECT_EQ(Lower(T::U64(), Value::U64(1ull << 63)), (Cores{CV::I64(1ull << 63)}));
  EXPECT_EQ(Lower(T::F32(), Value::F32(1.5f)), (Cores{CV::F32(1.5f)}));
  EXPECT_EQ(Lower(T::F32(), Value::F32Bits(0xffc01234)), (Cores{CV::F32Bits(kCanonicalF32Nan)}));
  EXPECT_EQ(Lower(T::F64(), Value::F64Bits(0xfff0000000000001)),
            (Cores{CV::F64Bits(kCanonicalF64Nan)}));
  EXPECT_EQ(Lower(T::Char(), Value::Char(0x1F600)), (Cores{CV::I32(0x1F600)}));
  EXPECT_EQ(Lower(T::Flags(3), Value::Flags(0xff)), (Cores{CV::I32(7)}));
  EXPECT_EQ(Lower(T::Stream(), Value::Stream(5)), (Cores{CV::I32(5)}));
}

TEST_F(CabiFlatTest, LowerCompounds) {
  EXPECT_EQ(Lower(T::Tuple({T::U8(), T::F64()}), Value::Tuple({Value::U8(3), Value::F64(2.0)})),
            (Cores{CV::I32(3), CV::F64(2.0)}));
  EXPECT_EQ(Lower(T::FixedList(T::U8(), 3),
                  Value::List({Value::U8(1), Value::U8(2), Value::U8(3)})),
            (Cores{CV::I32(1), CV::I32(2), CV::I32(3)}));
  // Strings and lists go to memory: [ptr, length].
  Cores s = Lower(T::String(), Value::String("hey"));
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1], CV::I32(3));
  EXPECT_EQ(std::string(reinterpret_cast<char*>(At(s[0].u32())), 3), "hey");
  Cores l = Lower(T::List(T::U32()), Value::List({Value::U32(9)}));
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[1], CV::I32(1));
  EXPECT_EQ(l[0].u32() % 4, 0u);
  EXPECT_EQ(*At(l[0].u32()), 9);
}

TEST_F(CabiFlatTest, LowerVariantJoins) {
  // variant { a(f32), b(u64) } -> [i32, i64]
  TypeRef v = T::Variant({{"a", T::F32()}, {"b", T::U64()}});
  EXPECT_EQ(Lower(v, Value::Variant(0, Value::F32(1.5f))),
            (Cores{CV::I32(0), CV::I64(std::bit_cast<uint32_t>(1.5f))}));
  EXPECT_EQ(Lower(v, Value::Variant(1, Value::U64(7))), (Cores{CV::I32(1), CV::I64(7)}));
  // variant { a(u32), b(f32) } -> [i32, i32]: the f32 travels as its bits.
  TypeRef w = T::Variant({{"a", T::U32()}, {"b", T::F32()}});
  EXPECT_EQ(Lower(w, Value::Variant(1, Value::F32(-2.0f))),
            (Cores{CV::I32(1), CV::I32(std::bit_cast<uint32_t>(-2.0f))}));
  // A NaN payload is canonicalised before it is reinterpreted.
  EXPECT_EQ(Lower(w, Value::Variant(1, Value::F32Bits(0x7f800001))),
            (Cores{CV::I32(1), CV::I32(kCanonicalF32Nan)}));
  // variant { a(f64), b(u32) } -> [i32, i64]
  TypeRef x = T::Variant({{"a", T::F64()}, {"b", T::U32()}});
  EXPECT_EQ(Lower(x, Value::Variant(0, Value::F64(1.0))),
            (Cores{CV::I32(0), CV::I64(std::bit_cast<uint64_t>(1.0))}));
  EXPECT_EQ(Lower(x, Value::Variant(1, Value::U32(0xffffffff))),
            (Cores{CV::I32(1), CV::I64(0xffffffff)}));  // zero-extended
  // Unused slots are zero of their type.
  EXPECT_EQ(Lower(T::Option(T::F32()), Value::None()), (Cores{CV::I32(0), CV::F32Bits(0)}));
  EXPECT_EQ(Lower(T::Result(T::U64(), T::U8()), Value::Err(Value::U8(3))),
            (Cores{CV::I32(1), CV::I64(3)}));
  TypeRef y = T::Variant({{"a", nullptr}, {"b", T::Tuple({T::F32(), T::F64(), T::U8()})}});
  EXPECT_EQ(Lower(y, Value::Variant(0)),
            (Cores{CV::I32(0), CV::F32Bits(0), CV::F64Bits(0), CV::I32(0)}));
}

// --- lifting -------------------------------------------------------------------

TEST_F(CabiFlatTest, LiftScalarsFollowSpecWrapping) {
  // lift_flat_unsigned/signed keep the low bits: no trap.
  EXPECT_EQ(*Lift(T::U8(), {CV::I32(0x1ff)}), Value::U8(0xff));
  EXPECT_EQ(*Lift(T::S8(), {CV::I32(0x80)}), Value::S8(-128));
  EXPECT_EQ(*Lift(T::S8(), {CV::I32(0xffffff7f)}), Value::S8(127));
  EXPECT_EQ(*Lift(T::U16(), {CV::I32(0x12345678)}), Value::U16(0x5678));
  EXPECT_EQ(*Lift(T::S16(), {CV::I32(0x8000)}), Value::S16(-32768));
  EXPECT_EQ(*Lift(T::S32(), {CV::I32(0xffffffff)}), Value::S32(-1));
  EXPECT_EQ(*Lift(T::S64(), {CV::I64(~uint64_t{0})}), Value::S64(-1));
  // bool: non-zero is true.
  EXPECT_EQ(*Lift(T::Bool(), {CV::I32(2)}), Value::Bool(true));
  EXPECT_EQ(*Lift(T::Bool(), {CV::I32(0)}), Value::Bool(false));
  // flags: extra bits ignored.
  EXPECT_EQ(*Lift(T::Flags(8), {CV::I32(0xfff)}), Value::Flags(0xff));
  EXPECT_EQ(*Lift(T::Flags(32), {CV::I32(0xffffffff)}), Value::Flags(0xffffffff));
  // NaN canonicalisation.
  EXPECT_EQ(*Lift(T::F32(), {CV::F32Bits(0xff800001)}), Value::F32Bits(kCanonicalF32Nan));
  EXPECT_EQ(*Lift(T::F64(), {CV::F64Bits(0x7ff0000000000002)}), Value::F64Bits(kCanonicalF64Nan));
  EXPECT_EQ(*Lift(T::F32(), {CV::F32(-0.0f)}), Value::F32Bits(0x80000000));
}

TEST_F(CabiFlatTest, LiftVariantCoercions) {
  TypeRef v = T::Variant({{"a", T::U32()}, {"b", T::U64()}});
  // ('i64', 'i32'): wrap.
  EXPECT_EQ(*Lift(v, {CV::I32(0), CV::I64(0x100000005)}), Value::Variant(0, Value::U32(5)));
  EXPECT_EQ(*Lift(v, {CV::I32(1), CV::I64(0x100000005)}),
            Value::Variant(1, Value::U64(0x100000005)));
  // ('i32', 'f32'): reinterpret, then canonicalise.
  TypeRef w = T::Variant({{"a", T::U32()}, {"b", T::F32()}});
  EXPECT_EQ(*Lift(w, {CV::I32(1), CV::I32(std::bit_cast<uint32_t>(2.5f))}),
            Value::Variant(1, Value::F32(2.5f)));
  EXPECT_EQ(*Lift(w, {CV::I32(1), CV::I32(0x7fa00000)}),
            Value::Variant(1, Value::F32Bits(kCanonicalF32Nan)));
  // ('i64', 'f32') and ('i64', 'f64').
  TypeRef x = T::Variant({{"a", T::F32()}, {"b", T::F64()}});
  EXPECT_EQ(*Lift(x, {CV::I32(0), CV::I64(0xdead00000000ull | std::bit_cast<uint32_t>(0.5f))}),
            Value::Variant(0, Value::F32(0.5f)));
  EXPECT_EQ(*Lift(x, {CV::I32(1), CV::I64(std::bit_cast<uint64_t>(-3.0))}),
            Value::Variant(1, Value::F64(-3.0)));
  // Unused trailing slots are consumed (with type checks) and ignored.
  TypeRef y = T::Variant({{"a", nullptr}, {"b", T::Tuple({T::F32(), T::F64()})}});
  EXPECT_EQ(*Lift(y, {CV::I32(0), CV::F32(9.0f), CV::F64(7.0)}), Value::Variant(0));
  ExpectTrap(Lift(y, {CV::I32(0), CV::F32(9.0f), CV::I64(7)}).status(),
             absl::StatusCode::kInvalidArgument, "core value type mismatch: expected f64, got i64");
  // Nested variants inside a joined slot.
  TypeRef z = T::Variant({{"a", T::Option(T::F32())}, {"b", T::Tuple({T::U64(), T::U64()})}});
  EXPECT_EQ(Flatten(z), (std::vector<CoreType>{CoreType::kI32, CoreType::kI64, CoreType::kI64}));
  EXPECT_EQ(*Lift(z, {CV::I32(0), CV::I64(1), CV::I64(std::bit_cast<uint32_t>(4.0f))}),
            Value::Variant(0, Value::Some(Value::F32(4.0f))));
}

TEST_F(CabiFlatTest, LiftTraps) {
  ExpectTrap(Lift(T::Enum({"a", "b", "c"}), {CV::I32(5)}).status(),
             absl::StatusCode::kInvalidArgument, "invalid variant discriminant 5 (3 cases)");
  ExpectTrap(Lift(T::Option(T::U8()), {CV::I32(0xffffffff), CV::I32(0)}).status(),
             absl::StatusCode::kInvalidArgument,
             "invalid variant discriminant 4294967295 (2 cases)");
  ExpectTrap(Lift(T::Char(), {CV::I32(0xD800)}).status(), absl::StatusCode::kInvalidArgument,
             "invalid `char` bit pattern 0xD800");
  ExpectTrap(Lift(T::Char(), {CV::I32(0x110000)}).status(), absl::StatusCode::kInvalidArgument,
             "invalid `char` bit pattern 0x110000");
  ExpectTrap(Lift(T::String(), {CV::I32(65535), CV::I32(2)}).status(),
             absl::StatusCode::kOutOfRange, "string pointer/length out of bounds");
  ExpectTrap(Lift(T::List(T::U64()), {CV::I32(4), CV::I32(1)}).status(),
             absl::StatusCode::kInvalidArgument, "unaligned pointer 4 for alignment 8 (list)");
  ExpectTrap(Lift(T::List(T::U8()), {CV::I32(0), CV::I32(1u << 28)}).status(),
             absl::StatusCode::kOutOfRange, "list byte length 268435456 exceeds maximum");
  ExpectTrap(Lift(T::Own(1), {CV::I32(3)}).status(), absl::StatusCode::kInvalidArgument,
             "unknown handle index 3");
  // Host-side misuse of the iterator.
  ExpectTrap(Lift(T::U64(), {CV::I32(1)}).status(), absl::StatusCode::kInvalidArgument,
             "core value type mismatch: expected i64, got i32");
  ExpectTrap(Lift(T::String(), {CV::I32(1)}).status(), absl::StatusCode::kInvalidArgument,
             "core value missing");
  ExpectTrap(LowerFlat(ctx_, T::FixedList(T::U8(), 100000), Value::List({})).status(),
             absl::StatusCode::kInvalidArgument, "more than LiftFlat/LowerFlat support");
}

// --- random round trips ---------------------------------------------------------

TEST_F(CabiFlatTest, RandomRoundTrips) {
  std::mt19937_64 rng(424242);
  testing::RandomTypeOptions opt;
  int cases = 0;
  for (StringEncoding enc :
       {StringEncoding::kUtf8, StringEncoding::kUtf16, StringEncoding::kLatin1Utf16}) {
    ctx_.encoding = enc;
    for (int i = 0; i < 1000; ++i, ++cases) {
      TypeRef t = testing::RandomType(rng, opt);
      ASSERT_TRUE(t->status().ok()) << ToString(t);
      Value v = testing::RandomValue(rng, *t);
      heap_.Reset(kHeap);
      auto flat = LowerFlat(ctx_, t, v);
      ASSERT_TRUE(flat.ok()) << ToString(t) << " = " << ToString(v) << ": " << flat.status();
      // The core values have exactly the flattened types.
      std::vector<CoreType> want = Flatten(t);
      ASSERT_EQ(flat->size(), want.size()) << ToString(t);
      for (size_t k = 0; k < want.size(); ++k) {
        ASSERT_EQ((*flat)[k].type, want[k]) << ToString(t) << " slot " << k;
      }
      auto back = Lift(t, *flat);
      ASSERT_TRUE(back.ok()) << ToString(t) << " " << Str(*flat) << ": " << back.status();
      EXPECT_EQ(*back, testing::CanonicalizeNans(v))
          << "type " << ToString(t) << "\n  lowered " << ToString(v) << "\n  lifted  "
          << ToString(*back);
    }
  }
  EXPECT_EQ(cases, 3000);
}

// Hostile core values: random bits of the right kinds (small values made
// likely so some lifts get deep), over random memory. Every lift either
// succeeds or traps.
TEST_F(CabiFlatTest, RandomHostileLifts) {
  std::mt19937_64 rng(1234);
  testing::RandomTypeOptions opt;
  int ok = 0, trapped = 0;
  for (auto& b : mem_.vec()) b = static_cast<uint8_t>(rng() % 4);
  for (int i = 0; i < 3000; ++i) {
    ctx_.encoding = static_cast<StringEncoding>(rng() % 3);
    TypeRef t = testing::RandomType(rng, opt);
    Cores cs;
    for (CoreType ct : Flatten(t)) {
      uint64_t bits = rng() % 3 == 0 ? rng() : rng() % 8;
      if (ct == CoreType::kI32 || ct == CoreType::kF32) bits &= 0xffffffff;
      cs.push_back(CoreValue{ct, bits});
    }
    auto v = Lift(t, cs);
    if (v.ok()) {
      ++ok;
    } else {
      ++trapped;
      EXPECT_TRUE(v.status().code() == absl::StatusCode::kOutOfRange ||
                  v.status().code() == absl::StatusCode::kInvalidArgument)
          << v.status();
    }
  }
  EXPECT_GT(ok, 100);
  EXPECT_GT(trapped, 100);
}

// --- whole calls ------------------------------------------------------------------

std::vector<TypeRef> Repeat(TypeRef t, size_t n) { return std::vector<TypeRef>(n, t); }

std::vector<Value> U32s(size_t n) {
  std::vector<Value> vs;
  for (size_t i = 0; i < n; ++i) vs.push_back(Value::U32(static_cast<uint32_t>(100 + i)));
  return vs;
}

TEST_F(CabiFlatTest, SixteenParamsStayFlat) {
  auto params = Repeat(T::U32(), 16);
  auto core = LowerFunctionArgs(ctx_, params, U32s(16));
  ASSERT_TRUE(core.ok()) << core.status();
  ASSERT_EQ(core->size(), 16u);
  EXPECT_EQ((*core)[15], CV::I32(115));
  EXPECT_TRUE(heap_.calls().empty());
  auto lifted = LiftFunctionArgs(ctx_, params, {}, *core);
  ASSERT_TRUE(lifted.ok()) << lifted.status();
  EXPECT_EQ(lifted->args, U32s(16));
  EXPECT_FALSE(lifted->out_ptr.has_value());
}

TEST_F(CabiFlatTest, SeventeenParamsSpill) {
  auto params = Repeat(T::U32(), 17);
  auto core = LowerFunctionArgs(ctx_, params, U32s(17));
  ASSERT_TRUE(core.ok()) << core.status();
  ASSERT_EQ(core->size(), 1u);
  ASSERT_EQ(heap_.calls().size(), 1u);
  EXPECT_EQ(heap_.calls()[0].align, 4u);
  EXPECT_EQ(heap_.calls()[0].new_size, 68u);
  const uint32_t ptr = (*core)[0].u32();
  EXPECT_EQ(ptr, heap_.calls()[0].result);
  uint32_t last;
  std::memcpy(&last, At(ptr + 64), 4);
  EXPECT_EQ(last, 116u);
  // The callee (here: a host import called by the guest) lifts them back.
  auto lifted = LiftFunctionArgs(ctx_, params, {}, *core);
  ASSERT_TRUE(lifted.ok()) << lifted.status();
  EXPECT_EQ(lifted->args, U32s(17));
}

TEST_F(CabiFlatTest, MixedParamsSpillAsTuple) {
  // 8 strings (16 flat) + a u64 = 17: the tuple is laid out with alignment 8.
  std::vector<TypeRef> params = Repeat(T::String(), 8);
  params.push_back(T::U64());
  std::vector<Value> args;
  for (int i = 0; i < 8; ++i) args.push_back(Value::String(std::string(i, 'x')));
  args.push_back(Value::U64(0x1122334455667788));
  auto core = LowerFunctionArgs(ctx_, params, args);
  ASSERT_TRUE(core.ok()) << core.status();
  ASSERT_EQ(core->size(), 1u);
  EXPECT_EQ(heap_.calls()[0].align, 8u);
  EXPECT_EQ(heap_.calls()[0].new_size, 72u);  // 8 * 8 + 8
  auto lifted = LiftFunctionArgs(ctx_, params, {}, *core);
  ASSERT_TRUE(lifted.ok()) << lifted.status();
  EXPECT_EQ(lifted->args, args);
}

TEST_F(CabiFlatTest, SpilledParamPointerTraps) {
  auto params = Repeat(T::U64(), 17);
  ExpectTrap(LiftFunctionArgs(ctx_, params, {}, {CV::I32(4)}).status(),
             absl::StatusCode::kInvalidArgument, "unaligned pointer 4 for alignment 8");
  ExpectTrap(LiftFunctionArgs(ctx_, params, {}, {CV::I32(65536 - 128)}).status(),
             absl::StatusCode::kOutOfRange, "pointer 65408 + 136 out of bounds of memory");
  // Realloc misbehaving while spilling host->guest arguments.
  ctx_.realloc = [](uint32_t, uint32_t, uint32_t, uint32_t) -> absl::StatusOr<uint32_t> {
    return 65532;
  };
  ExpectTrap(LowerFunctionArgs(ctx_, params, std::vector<Value>(17, Value::U64(1))).status(),
             absl::StatusCode::kInvalidArgument, "realloc return: result not aligned: unaligned pointer 65532");
}

TEST_F(CabiFlatTest, SingleFlatResultIsDirect) {
  auto out = LowerFunctionResults(ctx_, {T::U32()}, {Value::U32(7)}, std::nullopt);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, (Cores{CV::I32(7)}));
  auto back = LiftFunctionResults(ctx_, {T::U32()}, *out);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, std::vector<Value>{Value::U32(7)});
  // No results at all.
  auto none = LowerFunctionResults(ctx_, {}, {}, std::nullopt);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto none_back = LiftFunctionResults(ctx_, {}, {});
  ASSERT_TRUE(none_back.ok());
  EXPECT_TRUE(none_back->empty());
}

TEST_F(CabiFlatTest, ResultsThroughOutPointer) {
  // Guest calls a host import returning a string: the guest passes an
  // out-pointer as the last core argument.
  std::vector<TypeRef> params = {T::U32()};
  std::vector<TypeRef> results = {T::String()};
  auto lifted = LiftFunctionArgs(ctx_, params, results, {CV::I32(5), CV::I32(256)});
  ASSERT_TRUE(lifted.ok()) << lifted.status();
  EXPECT_EQ(lifted->args, std::vector<Value>{Value::U32(5)});
  ASSERT_TRUE(lifted->out_ptr.has_value());
  EXPECT_EQ(*lifted->out_ptr, 256u);
  auto core = LowerFunctionResults(ctx_, results, {Value::String("result!")}, lifted->out_ptr);
  ASSERT_TRUE(core.ok()) << core.status();
  EXPECT_TRUE(core->empty());
  uint32_t ptr, len;
  std::memcpy(&ptr, At(256), 4);
  std::memcpy(&len, At(260), 4);
  EXPECT_EQ(len, 7u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(At(ptr)), 7), "result!");
  // Host calls a guest export returning a string: the guest returns a
  // pointer to (ptr, len).
  auto back = LiftFunctionResults(ctx_, results, {CV::I32(256)});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, std::vector<Value>{Value::String("result!")});
}

TEST_F(CabiFlatTest, OutPointerTraps) {
  std::vector<TypeRef> results = {T::Tuple({T::U64(), T::U8()})};
  ExpectTrap(LowerFunctionResults(ctx_, results, {Value::Tuple({Value::U64(1), Value::U8(2)})}, 12)
                 .status(),
             absl::StatusCode::kInvalidArgument, "unaligned pointer 12 for alignment 8");
  ExpectTrap(LowerFunctionResults(ctx_, results, {Value::Tuple({Value::U64(1), Value::U8(2)})},
                                  65536 - 8)
                 .status(),
             absl::StatusCode::kOutOfRange,
             "pointer 65528 + 16 out of bounds of memory (65536 bytes)");
  ExpectTrap(LiftFunctionResults(ctx_, results, {CV::I32(0xfffffff8)}).status(),
             absl::StatusCode::kOutOfRange, "pointer 4294967288 + 16 out of bounds");
  ExpectTrap(LowerFunctionResults(ctx_, results, {Value::Tuple({Value::U64(1), Value::U8(2)})},
                                  std::nullopt)
                 .status(),
             absl::StatusCode::kInvalidArgument, "out-pointer");
  // Core value count checks.
  ExpectTrap(LiftFunctionResults(ctx_, results, {}).status(), absl::StatusCode::kInvalidArgument,
             "expected 1 results, got 0");
  ExpectTrap(LiftFunctionArgs(ctx_, {T::U32()}, results, {CV::I32(1)}).status(),
             absl::StatusCode::kInvalidArgument, "expected 2 arguments, got 1");
  ExpectTrap(LowerFunctionArgs(ctx_, {T::U32()}, {}).status(), absl::StatusCode::kInvalidArgument,
             "host value count 0 does not match type count 1");
}

TEST_F(CabiFlatTest, SpilledParamsAndOutPointerTogether) {
  std::vector<TypeRef> params = Repeat(T::F64(), 20);
  std::vector<TypeRef> results = {T::Option(T::String())};
  std::vector<Value> args;
  for (int i = 0; i < 20; ++i) args.push_back(Value::F64(i * 0.25));
  auto core = LowerFunctionArgs(ctx_, params, args);
  ASSERT_TRUE(core.ok());
  ASSERT_EQ(core->size(), 1u);
  Cores guest_args = *core;
  guest_args.push_back(CV::I32(512));  // out-pointer
  auto lifted = LiftFunctionArgs(ctx_, params, results, guest_args);
  ASSERT_TRUE(lifted.ok()) << lifted.status();
  EXPECT_EQ(lifted->args, args);
  EXPECT_EQ(lifted->out_ptr, 512u);
  Value result = Value::Some(Value::String("ok"));
  ASSERT_TRUE(LowerFunctionResults(ctx_, results, {result}, lifted->out_ptr).ok());
  auto back = LiftFunctionResults(ctx_, results, {CV::I32(512)});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, std::vector<Value>{result});
}

// Random signatures: host lowers args (lift side), guest-side helper lifts
// them back; results go the other way, spilling as FlattenFunc says.
TEST_F(CabiFlatTest, RandomCalls) {
  std::mt19937_64 rng(99);
  testing::RandomTypeOptions opt;
  opt.max_depth = 2;
  int spilled_params = 0, spilled_results = 0;
  for (int i = 0; i < 1000; ++i) {
    ctx_.encoding = static_cast<StringEncoding>(rng() % 3);
    heap_.Reset(kHeap);
    std::vector<TypeRef> params(rng() % 12);
    for (auto& p : params) p = testing::RandomType(rng, opt);
    std::vector<TypeRef> results;
    if (rng() % 4 != 0) results.push_back(testing::RandomType(rng, opt));
    std::vector<Value> args;
    for (auto& p : params) args.push_back(testing::RandomValue(rng, *p));
    std::vector<Value> rets;
    for (auto& r : results) rets.push_back(testing::RandomValue(rng, *r));
    std::vector<Value> want_args, want_rets;
    for (auto& a : args) want_args.push_back(testing::CanonicalizeNans(a));
    for (auto& r : rets) want_rets.push_back(testing::CanonicalizeNans(r));

    auto lift_sig = FlattenFunc(params, results, FlattenContext::kLift);
    auto lower_sig = FlattenFunc(params, results, FlattenContext::kLower);
    ASSERT_TRUE(lift_sig.ok() && lower_sig.ok());
    spilled_params += lift_sig->params_indirect;
    spilled_results += lift_sig->results_indirect;

    auto core = LowerFunctionArgs(ctx_, params, args);
    ASSERT_TRUE(core.ok()) << core.status();
    ASSERT_EQ(core->size(), lift_sig->params.size());
    Cores guest_args = *core;
    if (lower_sig->results_indirect) guest_args.push_back(CV::I32(256));
    auto lifted = LiftFunctionArgs(ctx_, params, results, guest_args);
    ASSERT_TRUE(lifted.ok()) << lifted.status();
    EXPECT_EQ(lifted->args, want_args);

    auto core_results = LowerFunctionResults(ctx_, results, rets, lifted->out_ptr);
    ASSERT_TRUE(core_results.ok()) << core_results.status();
    Cores from_guest =
        lift_sig->results_indirect ? Cores{CV::I32(*lifted->out_ptr)} : *core_results;
    ASSERT_EQ(from_guest.size(), lift_sig->results.size());
    auto back = LiftFunctionResults(ctx_, results, from_guest);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, want_rets);
  }
  EXPECT_GT(spilled_params, 50);
  EXPECT_GT(spilled_results, 200);
}

}  // namespace
}  // namespace wasi_bridge::engine::cabi
