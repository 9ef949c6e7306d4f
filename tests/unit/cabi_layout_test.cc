// Canonical ABI layout: alignment, elem_size, flattening, type validation.
// Expected numbers are worked out by hand from CanonicalABI.md's rules.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/cabi/layout.h"
#include "engine/cabi/types.h"
#include "gtest/gtest.h"

namespace wasi_bridge::engine::cabi {
namespace {

using T = CabiType;
constexpr CoreType I32 = CoreType::kI32;
constexpr CoreType I64 = CoreType::kI64;
constexpr CoreType F32 = CoreType::kF32;
constexpr CoreType F64 = CoreType::kF64;
using Flat = std::vector<CoreType>;

void ExpectLayout(const TypeRef& t, uint32_t size, uint32_t align) {
  ASSERT_TRUE(t->status().ok()) << ToString(t) << ": " << t->status();
  EXPECT_EQ(ElemSize(t), size) << ToString(t);
  EXPECT_EQ(Alignment(t), align) << ToString(t);
}

std::vector<Case> NCases(size_t n, TypeRef payload = nullptr) {
  std::vector<Case> cases(n);
  for (size_t i = 0; i < n; ++i) cases[i] = {"c" + std::to_string(i), payload};
  return cases;
}

TypeRef Rec(std::vector<TypeRef> ts) {
  std::vector<Field> fields;
  for (size_t i = 0; i < ts.size(); ++i) fields.push_back({"f" + std::to_string(i), ts[i]});
  return T::Record(std::move(fields));
}

TEST(CabiLayoutTest, Primitives) {
  ExpectLayout(T::Bool(), 1, 1);
  ExpectLayout(T::S8(), 1, 1);
  ExpectLayout(T::U8(), 1, 1);
  ExpectLayout(T::S16(), 2, 2);
  ExpectLayout(T::U16(), 2, 2);
  ExpectLayout(T::S32(), 4, 4);
  ExpectLayout(T::U32(), 4, 4);
  ExpectLayout(T::S64(), 8, 8);
  ExpectLayout(T::U64(), 8, 8);
  ExpectLayout(T::F32(), 4, 4);
  ExpectLayout(T::F64(), 8, 8);
  ExpectLayout(T::Char(), 4, 4);
  ExpectLayout(T::String(), 8, 4);
  ExpectLayout(T::ErrorContext(), 4, 4);
  ExpectLayout(T::Own(1), 4, 4);
  ExpectLayout(T::Borrow(1), 4, 4);
  ExpectLayout(T::Stream(), 4, 4);
  ExpectLayout(T::Stream(T::U64()), 4, 4);
  ExpectLayout(T::Future(T::String()), 4, 4);
  ExpectLayout(T::Future(), 4, 4);
  // memory64 sizes (used only for the max-value-size validation rule).
  EXPECT_EQ(T::String()->size64(), 16u);
  EXPECT_EQ(T::List(T::U8())->size64(), 16u);
  EXPECT_EQ(T::U32()->size64(), 4u);
}

TEST(CabiLayoutTest, Lists) {
  ExpectLayout(T::List(T::U64()), 8, 4);
  ExpectLayout(T::List(T::U8()), 8, 4);
  ExpectLayout(T::FixedList(T::U8(), 3), 3, 1);
  ExpectLayout(T::FixedList(T::U32(), 5), 20, 4);
  ExpectLayout(T::FixedList(T::U64(), 1), 8, 8);
  ExpectLayout(T::FixedList(T::String(), 2), 16, 4);
  // record{u8, u32, u8} is 12 bytes, so two of them are 24.
  ExpectLayout(T::FixedList(Rec({T::U8(), T::U32(), T::U8()}), 2), 24, 4);
  ExpectLayout(T::FixedList(T::FixedList(T::U16(), 3), 3), 18, 2);
}

TEST(CabiLayoutTest, Maps) {
  TypeRef m = T::Map(T::String(), T::U32());
  ExpectLayout(m, 8, 4);
  // The element is tuple<string, u32>: 8 + 4.
  EXPECT_EQ(m->list_elem().kind(), TypeKind::kTuple);
  EXPECT_EQ(m->list_elem().size(), 12u);
  EXPECT_EQ(m->list_elem().alignment(), 4u);
  TypeRef m2 = T::Map(T::U8(), T::U64());
  EXPECT_EQ(m2->list_elem().size(), 16u);
  EXPECT_EQ(m2->list_elem().alignment(), 8u);
  EXPECT_EQ(Flatten(m2), (Flat{I32, I32}));
}

TEST(CabiLayoutTest, Records) {
  TypeRef r = Rec({T::U8(), T::U32(), T::U8()});
  ExpectLayout(r, 12, 4);
  EXPECT_EQ(FieldOffsets(*r), (std::vector<uint32_t>{0, 4, 8}));
  ExpectLayout(Rec({T::U8(), T::U16()}), 4, 2);
  ExpectLayout(Rec({T::U64(), T::U8()}), 16, 8);
  ExpectLayout(Rec({T::U8(), T::U8(), T::U8()}), 3, 1);
  ExpectLayout(Rec({T::U16(), T::U8()}), 4, 2);
  TypeRef r2 = Rec({T::U8(), T::String(), T::U8(), T::F64(), T::Bool()});
  // u8@0, string@4 (8), u8@12, f64@16, bool@24 -> 25 -> align 8 -> 32
  ExpectLayout(r2, 32, 8);
  EXPECT_EQ(FieldOffsets(*r2), (std::vector<uint32_t>{0, 4, 12, 16, 24}));
  // Tuples lay out exactly like records.
  ExpectLayout(T::Tuple({T::U8(), T::U32(), T::U8()}), 12, 4);
  ExpectLayout(T::Tuple({T::Char(), T::U8()}), 8, 4);
  // Nested: record{u8, record{u8, u64}} -> inner 16/8; outer 0 + pad -> 8 + 16 = 24.
  ExpectLayout(Rec({T::U8(), Rec({T::U8(), T::U64()})}), 24, 8);
}

TEST(CabiLayoutTest, VariantsAndDiscriminants) {
  EXPECT_EQ(DiscriminantSize(1), 1u);
  EXPECT_EQ(DiscriminantSize(2), 1u);
  EXPECT_EQ(DiscriminantSize(256), 1u);
  EXPECT_EQ(DiscriminantSize(257), 2u);
  EXPECT_EQ(DiscriminantSize(65536), 2u);
  EXPECT_EQ(DiscriminantSize(65537), 4u);

  ExpectLayout(T::Variant(NCases(1)), 1, 1);
  ExpectLayout(T::Variant(NCases(256)), 1, 1);
  ExpectLayout(T::Variant(NCases(257)), 2, 2);
  ExpectLayout(T::Variant(NCases(65536)), 2, 2);
  ExpectLayout(T::Variant(NCases(65537)), 4, 4);
  // 257 cases with a u8 payload: disc u16 @0, payload @2 -> 3 -> align 2 -> 4.
  TypeRef v257 = T::Variant(NCases(257, T::U8()));
  ExpectLayout(v257, 4, 2);
  EXPECT_EQ(VariantPayloadOffset(*v257), 2u);

  std::vector<std::string> labels(300);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = "l" + std::to_string(i);
  ExpectLayout(T::Enum(labels), 2, 2);
  ExpectLayout(T::Enum({"a", "b", "c"}), 1, 1);

  TypeRef o8 = T::Option(T::U8());
  ExpectLayout(o8, 2, 1);
  EXPECT_EQ(VariantPayloadOffset(*o8), 1u);
  TypeRef o32 = T::Option(T::U32());
  ExpectLayout(o32, 8, 4);
  EXPECT_EQ(VariantPayloadOffset(*o32), 4u);
  ExpectLayout(T::Option(T::U64()), 16, 8);
  ExpectLayout(T::Option(T::String()), 12, 4);
  ExpectLayout(T::Result(nullptr, nullptr), 1, 1);
  ExpectLayout(T::Result(T::U64(), T::U8()), 16, 8);
  ExpectLayout(T::Result(nullptr, T::U16()), 4, 2);
  ExpectLayout(T::Result(T::String(), nullptr), 12, 4);
  // variant { a(u8), b(tuple<u16, u8>), c }: payload max size 4 (tuple 2+1 -> 4), align 2.
  TypeRef v = T::Variant({{"a", T::U8()}, {"b", T::Tuple({T::U16(), T::U8()})}, {"c", nullptr}});
  ExpectLayout(v, 6, 2);
  EXPECT_EQ(MaxCaseAlignment(*v), 2u);
  EXPECT_EQ(VariantPayloadOffset(*v), 2u);
  // option<option<u32>>: inner 8/4; outer disc @0, payload @4 -> 12.
  ExpectLayout(T::Option(T::Option(T::U32())), 12, 4);
}

TEST(CabiLayoutTest, Flags) {
  EXPECT_EQ(FlagsSize(1), 1u);
  EXPECT_EQ(FlagsSize(8), 1u);
  EXPECT_EQ(FlagsSize(9), 2u);
  EXPECT_EQ(FlagsSize(16), 2u);
  EXPECT_EQ(FlagsSize(17), 4u);
  EXPECT_EQ(FlagsSize(32), 4u);
  ExpectLayout(T::Flags(1), 1, 1);
  ExpectLayout(T::Flags(8), 1, 1);
  ExpectLayout(T::Flags(9), 2, 2);
  ExpectLayout(T::Flags(16), 2, 2);
  ExpectLayout(T::Flags(17), 4, 4);
  ExpectLayout(T::Flags(32), 4, 4);
  EXPECT_EQ(Flatten(T::Flags(32)), (Flat{I32}));
}

TEST(CabiLayoutTest, FlattenPrimitives) {
  EXPECT_EQ(Flatten(T::Bool()), (Flat{I32}));
  EXPECT_EQ(Flatten(T::S8()), (Flat{I32}));
  EXPECT_EQ(Flatten(T::U16()), (Flat{I32}));
  EXPECT_EQ(Flatten(T::U32()), (Flat{I32}));
  EXPECT_EQ(Flatten(T::S64()), (Flat{I64}));
  EXPECT_EQ(Flatten(T::U64()), (Flat{I64}));
  EXPECT_EQ(Flatten(T::F32()), (Flat{F32}));
  EXPECT_EQ(Flatten(T::F64()), (Flat{F64}));
  EXPECT_EQ(Flatten(T::Char()), (Flat{I32}));
  EXPECT_EQ(Flatten(T::String()), (Flat{I32, I32}));
  EXPECT_EQ(Flatten(T::ErrorContext()), (Flat{I32}));
  EXPECT_EQ(Flatten(T::Own(3)), (Flat{I32}));
  EXPECT_EQ(Flatten(T::Borrow(3)), (Flat{I32}));
  EXPECT_EQ(Flatten(T::Stream(T::U64())), (Flat{I32}));
  EXPECT_EQ(Flatten(T::Future()), (Flat{I32}));
  EXPECT_EQ(Flatten(T::List(T::F64())), (Flat{I32, I32}));
}

TEST(CabiLayoutTest, FlattenCompounds) {
  EXPECT_EQ(Flatten(Rec({T::U8(), T::F64(), T::String()})), (Flat{I32, F64, I32, I32}));
  EXPECT_EQ(Flatten(T::FixedList(T::U8(), 3)), (Flat{I32, I32, I32}));
  EXPECT_EQ(Flatten(T::FixedList(T::Tuple({T::F32(), T::U64()}), 2)), (Flat{F32, I64, F32, I64}));
  EXPECT_EQ(Flatten(T::Enum({"a", "b"})), (Flat{I32}));
  EXPECT_EQ(Flatten(T::Result(nullptr, nullptr)), (Flat{I32}));
  EXPECT_EQ(Flatten(T::Option(T::F32())), (Flat{I32, F32}));
  EXPECT_EQ(Flatten(T::Result(T::U64(), T::U8())), (Flat{I32, I64}));
  EXPECT_EQ(Flatten(T::Result(T::U8(), nullptr)), (Flat{I32, I32}));
  // join
  EXPECT_EQ(Flatten(T::Variant({{"a", T::U32()}, {"b", T::F32()}})), (Flat{I32, I32}));
  EXPECT_EQ(Flatten(T::Variant({{"a", T::F32()}, {"b", T::S64()}})), (Flat{I32, I64}));
  EXPECT_EQ(Flatten(T::Variant({{"a", T::F32()}, {"b", T::F64()}})), (Flat{I32, I64}));
  EXPECT_EQ(Flatten(T::Variant({{"a", T::F64()}, {"b", T::U32()}})), (Flat{I32, I64}));
  EXPECT_EQ(Flatten(T::Variant({{"a", T::F64()}, {"b", T::F64()}})), (Flat{I32, F64}));
  EXPECT_EQ(Flatten(T::Variant({{"a", T::F32()}, {"b", T::F32()}, {"c", nullptr}})),
            (Flat{I32, F32}));
  // Slot-wise join of different-length payloads.
  EXPECT_EQ(Flatten(T::Variant({{"a", T::Tuple({T::U8(), T::F32()})},
                                {"b", T::Tuple({T::F32(), T::U64(), T::F64()})}})),
            (Flat{I32, I32, I64, F64}));
  EXPECT_EQ(Flatten(T::Variant({{"s", T::String()}, {"n", T::U64()}})), (Flat{I32, I64, I32}));
  // Discriminant is one i32 whatever its memory size.
  EXPECT_EQ(Flatten(T::Variant(NCases(70000, T::F32()))), (Flat{I32, F32}));
  EXPECT_EQ(T::Variant(NCases(3, T::String()))->flat_count(), 3u);
}

TEST(CabiLayoutTest, Join) {
  EXPECT_EQ(Join(I32, I32), I32);
  EXPECT_EQ(Join(F32, F32), F32);
  EXPECT_EQ(Join(I64, I64), I64);
  EXPECT_EQ(Join(F64, F64), F64);
  EXPECT_EQ(Join(I32, F32), I32);
  EXPECT_EQ(Join(F32, I32), I32);
  EXPECT_EQ(Join(F32, I64), I64);
  EXPECT_EQ(Join(I32, I64), I64);
  EXPECT_EQ(Join(I32, F64), I64);
  EXPECT_EQ(Join(F32, F64), I64);
  EXPECT_EQ(Join(F64, I64), I64);
}

std::vector<TypeRef> Repeat(TypeRef t, size_t n) { return std::vector<TypeRef>(n, t); }

TEST(CabiLayoutTest, FlattenFuncParams) {
  auto ft = FlattenFunc(Repeat(T::U32(), 16), {}, FlattenContext::kLift);
  ASSERT_TRUE(ft.ok());
  EXPECT_EQ(ft->params, Flat(16, I32));
  EXPECT_FALSE(ft->params_indirect);
  EXPECT_TRUE(ft->results.empty());

  ft = FlattenFunc(Repeat(T::U32(), 17), {}, FlattenContext::kLift);
  ASSERT_TRUE(ft.ok());
  EXPECT_EQ(ft->params, (Flat{I32}));
  EXPECT_TRUE(ft->params_indirect);

  // 8 strings = 16 flat values: fits; 8 strings + bool = 17: spills.
  ft = FlattenFunc(Repeat(T::String(), 8), {}, FlattenContext::kLower);
  ASSERT_TRUE(ft.ok());
  EXPECT_EQ(ft->params.size(), 16u);
  std::vector<TypeRef> p = Repeat(T::String(), 8);
  p.push_back(T::Bool());
  ft = FlattenFunc(p, {}, FlattenContext::kLower);
  ASSERT_TRUE(ft.ok());
  EXPECT_EQ(ft->params, (Flat{I32}));

  ft = FlattenFunc({T::U8(), T::F64(), T::U64()}, {T::F32()}, FlattenContext::kLift);
  ASSERT_TRUE(ft.ok());
  EXPECT_EQ(ft->params, (Flat{I32, F64, I64}));
  EXPECT_EQ(ft->results, (Flat{F32}));
  EXPECT_FALSE(ft->results_indirect);

  // A huge fixed list spills without materialising its flattening.
  ft = FlattenFunc({T::FixedList(T::U8(), 1 << 20)}, {}, FlattenContext::kLift);
  ASSERT_TRUE(ft.ok());
  EXPECT_EQ(ft->params, (Flat{I32}));
}

TEST(CabiLayoutTest, FlattenFuncResults) {
  // One flat result is returned directly in both contexts.
  for (FlattenContext c : {FlattenContext::kLift, FlattenContext::kLower}) {
    auto ft = FlattenFunc({T::U32()}, {T::U64()}, c);
    ASSERT_TRUE(ft.ok());
    EXPECT_EQ(ft->params, (Flat{I32}));
    EXPECT_EQ(ft->results, (Flat{I64}));
  }
  // More than one: lift returns a pointer, lower takes an out-pointer.
  auto lift = FlattenFunc({T::U32()}, {T::String()}, FlattenContext::kLift);
  ASSERT_TRUE(lift.ok());
  EXPECT_EQ(lift->params, (Flat{I32}));
  EXPECT_EQ(lift->results, (Flat{I32}));
  EXPECT_TRUE(lift->results_indirect);
  auto lower = FlattenFunc({T::U32()}, {T::String()}, FlattenContext::kLower);
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->params, (Flat{I32, I32}));
  EXPECT_TRUE(lower->results.empty());
  EXPECT_TRUE(lower->results_indirect);
  // Spilled params and results together under lower: [ptr, out-ptr].
  auto both = FlattenFunc(Repeat(T::U64(), 17), {T::Option(T::U8())}, FlattenContext::kLower);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->params, (Flat{I32, I32}));
  EXPECT_TRUE(both->results.empty());
  // result<_, _> is one i32.
  auto r = FlattenFunc({}, {T::Result(nullptr, nullptr)}, FlattenContext::kLift);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->results, (Flat{I32}));
  // Invalid types are refused.
  EXPECT_FALSE(FlattenFunc({T::Flags(0)}, {}, FlattenContext::kLift).ok());
  EXPECT_FALSE(FlattenFunc({nullptr}, {}, FlattenContext::kLift).ok());
}

void ExpectInvalid(const TypeRef& t, const std::string& substr) {
  EXPECT_FALSE(t->status().ok()) << ToString(t);
  EXPECT_EQ(t->status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(t->status().message()).find(substr), std::string::npos)
      << t->status();
}

TEST(CabiLayoutTest, Validation) {
  ExpectInvalid(T::Flags(0), "flags must have 1..32 flags (got 0)");
  ExpectInvalid(T::Flags(33), "flags must have 1..32 flags (got 33)");
  ExpectInvalid(T::Record({}), "record must have at least one field");
  ExpectInvalid(T::Tuple({}), "tuple must have at least one element");
  ExpectInvalid(T::Variant({}), "variant must have at least one case");
  ExpectInvalid(T::Enum({}), "enum must have at least one label");
  ExpectInvalid(T::FixedList(T::U8(), 0), "fixed-length list must have length >= 1");
  ExpectInvalid(T::List(nullptr), "list element type is null");
  ExpectInvalid(T::Option(nullptr), "option element type is null");
  ExpectInvalid(T::Map(T::U8(), nullptr), "map value type is null");
  ExpectInvalid(T::Record({{"a", T::U8()}, {"b", nullptr}}), "record field type is null");
  ExpectInvalid(T::Stream(T::Borrow(1)), "stream payload must not contain a borrow");
  ExpectInvalid(T::Future(T::Option(T::Borrow(1))), "future payload must not contain a borrow");
  ExpectInvalid(T::Primitive(TypeKind::kList), "non-primitive");
  // Errors propagate to every enclosing type.
  ExpectInvalid(T::List(T::Option(T::Flags(40))), "got 40");
  // Optional payloads may be null.
  EXPECT_TRUE(T::Result(nullptr, nullptr)->status().ok());
  EXPECT_TRUE(T::Stream(nullptr)->status().ok());
  EXPECT_TRUE(T::Variant({{"a", nullptr}})->status().ok());
}

TEST(CabiLayoutTest, DepthLimit) {
  TypeRef t = T::U8();
  for (int i = 1; i < 100; ++i) t = T::Option(t);
  EXPECT_EQ(t->depth(), 100u);
  EXPECT_TRUE(t->status().ok());
  ExpectInvalid(T::List(t), "type nesting is too deep (depth 101 > 100)");
}

TEST(CabiLayoutTest, MaxValueSize) {
  // test/validation/max-value-size.wast: elem_size(t, i64) must be < 2^28.
  EXPECT_TRUE(T::FixedList(T::U8(), 268435455)->status().ok());
  EXPECT_TRUE(T::FixedList(T::U64(), 33554431)->status().ok());
  EXPECT_TRUE(T::FixedList(T::String(), 16777215)->status().ok());
  EXPECT_TRUE(
      T::Tuple({T::FixedList(T::U8(), 268435454), T::FixedList(T::U8(), 1)})->status().ok());
  EXPECT_TRUE(T::Record({{"a", T::FixedList(T::U8(), 134217727)},
                         {"b", T::FixedList(T::U8(), 134217728)}})
                  ->status()
                  .ok());
  EXPECT_TRUE(T::Stream(T::FixedList(T::U8(), 268435455))->status().ok());
  EXPECT_TRUE(T::Option(T::Map(T::U8(), T::FixedList(T::U8(), 268435455)))->status().ok());
  ExpectInvalid(T::FixedList(T::U8(), 268435456), "exceeds maximum byte size");
  ExpectInvalid(T::FixedList(T::U64(), 33554432), "exceeds maximum byte size");
  ExpectInvalid(T::FixedList(T::U64(), 536870912), "exceeds maximum byte size");  // 2^32 bytes
  ExpectInvalid(T::Tuple({T::FixedList(T::U8(), 268435455), T::FixedList(T::U8(), 1)}),
                "exceeds maximum byte size");
  ExpectInvalid(T::Record({{"a", T::FixedList(T::U8(), 134217728)},
                           {"b", T::FixedList(T::U8(), 134217728)}}),
                "exceeds maximum byte size");
  ExpectInvalid(T::FixedList(T::FixedList(T::U8(), 268435455), 2), "exceeds maximum byte size");
  // Pointer-width sensitive: 2^24 strings are 2^27 bytes on memory32 but
  // 2^28 on memory64.
  ExpectInvalid(T::FixedList(T::String(), 16777216), "exceeds maximum byte size");
  // Saturation: absurd products do not wrap around.
  ExpectInvalid(T::FixedList(T::FixedList(T::FixedList(T::U64(), 0xffffffff), 0xffffffff),
                             0xffffffff),
                "exceeds maximum byte size");
}

TEST(CabiLayoutTest, TypeToString) {
  EXPECT_EQ(ToString(T::Record({{"a", T::U8()}, {"b", T::List(T::String())}})),
            "record { a: u8, b: list<string> }");
  EXPECT_EQ(ToString(T::Result(nullptr, T::FixedList(T::U8(), 3))), "result<_, list<u8, 3>>");
  EXPECT_EQ(ToString(T::Variant({{"x", nullptr}, {"y", T::Own(2)}})), "variant { x, y(own<2>) }");
  EXPECT_EQ(ToString(T::Map(T::String(), T::Flags(3))), "map<string, flags<3>>");
  EXPECT_EQ(ToString(T::Stream()), "stream");
}

}  // namespace
}  // namespace wasi_bridge::engine::cabi
