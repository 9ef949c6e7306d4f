// JSON (wasm-tools json-from-wast) <-> Canonical ABI values.
#include "engine/component/wast_values.h"

#include <string>

#include "engine/component/json.h"
#include "gtest/gtest.h"

namespace wasi_bridge::engine {
namespace {

using cabi::CabiType;
using cabi::TypeRef;
using cabi::Value;
using T = CabiType;

JsonValue J(std::string_view text) {
  auto v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *v : JsonValue();
}

Value From(std::string_view json, const TypeRef& type, const TypeLabels* labels = nullptr) {
  auto v = ValueFromJson(J(json), type, labels);
  EXPECT_TRUE(v.ok()) << json << ": " << v.status();
  return v.ok() ? *v : Value();
}

std::string FromError(std::string_view json, const TypeRef& type,
                      const TypeLabels* labels = nullptr) {
  auto v = ValueFromJson(J(json), type, labels);
  EXPECT_FALSE(v.ok()) << json << " converted to " << (v.ok() ? cabi::ToString(*v) : "");
  return v.ok() ? "" : std::string(v.status().message());
}

// ValueFromJson then ValueToJson gives the input back (compact form).
void ExpectRoundTrip(std::string_view json, const TypeRef& type,
                     const TypeLabels* labels = nullptr) {
  Value v = From(json, type, labels);
  auto back = ValueToJson(v, type, labels);
  ASSERT_TRUE(back.ok()) << json << ": " << back.status();
  EXPECT_EQ(ToJson(*back), ToJson(J(json)));
}

TEST(WastValuesTest, Integers) {
  EXPECT_EQ(From(R"({"type":"u8","value":"255"})", T::U8()), Value::U8(255));
  EXPECT_EQ(From(R"({"type":"s8","value":"-128"})", T::S8()), Value::S8(-128));
  EXPECT_EQ(From(R"({"type":"u16","value":"65535"})", T::U16()), Value::U16(65535));
  EXPECT_EQ(From(R"({"type":"s16","value":"-10"})", T::S16()), Value::S16(-10));
  EXPECT_EQ(From(R"({"type":"u32","value":"42"})", T::U32()), Value::U32(42));
  EXPECT_EQ(From(R"({"type":"s32","value":"-1"})", T::S32()), Value::S32(-1));
  EXPECT_EQ(From(R"({"type":"u64","value":"18446744073709551615"})", T::U64()),
            Value::U64(UINT64_MAX));
  EXPECT_EQ(From(R"({"type":"s64","value":"-9223372036854775808"})", T::S64()),
            Value::S64(INT64_MIN));
  EXPECT_EQ(From(R"({"type":"u32","value":7})", T::U32()), Value::U32(7));  // JSON number
  EXPECT_NE(FromError(R"({"type":"u8","value":"256"})", T::U8()).find("out of range for u8"),
            std::string::npos);
  FromError(R"({"type":"u32","value":"-1"})", T::U32());
  FromError(R"({"type":"u32","value":"0x10"})", T::U32());
  FromError(R"({"type":"u32","value":" 1"})", T::U32());
  FromError(R"({"type":"u32","value":"1.0"})", T::U32());
  FromError(R"({"type":"u32","value":""})", T::U32());
  FromError(R"({"type":"u32"})", T::U32());
}

TEST(WastValuesTest, TypeTagMustAgree) {
  EXPECT_EQ(FromError(R"({"type":"u32","value":"1"})", T::U8()),
            "type mismatch: the value is a u32 but the function expects u8");
  FromError(R"({"type":"tuple","value":[]})", T::Record({{"a", T::U8()}}));
  FromError(R"({"value":"1"})", T::U8());
  FromError(R"("1")", T::U8());
  FromError(R"({"type":"u8","value":"1","extra":0})", T::U8());
}

TEST(WastValuesTest, BoolCharString) {
  EXPECT_EQ(From(R"({"type":"bool","value":true})", T::Bool()), Value::Bool(true));
  FromError(R"({"type":"bool","value":"true"})", T::Bool());
  EXPECT_EQ(From(R"({"type":"char","value":"Z"})", T::Char()), Value::Char('Z'));
  EXPECT_EQ(From(R"({"type":"char","value":"\u26f3"})", T::Char()), Value::Char(0x26f3));
  EXPECT_EQ(From(R"({"type":"char","value":"\ud83d\ude00"})", T::Char()), Value::Char(0x1f600));
  FromError(R"({"type":"char","value":"ab"})", T::Char());
  FromError(R"({"type":"char","value":""})", T::Char());
  EXPECT_EQ(From(R"({"type":"string","value":"h\u00e9"})", T::String()),
            Value::String("h\xc3\xa9"));
  ExpectRoundTrip(R"({"type":"char","value":"⛳"})", T::Char());
  ExpectRoundTrip(R"({"type":"string","value":"a\"b"})", T::String());
}

TEST(WastValuesTest, FloatsAreBitPatterns) {
  EXPECT_EQ(From(R"({"type":"f32","value":"1084227584"})", T::F32()), Value::F32(5.0f));
  EXPECT_EQ(From(R"({"type":"f64","value":"4621256167635550208"})", T::F64()), Value::F64(9.0));
  FromError(R"({"type":"f32","value":"4294967296"})", T::F32());
  ExpectRoundTrip(R"({"type":"f32","value":"2143289345"})", T::F32());  // a NaN payload
  std::string why;
  // -0.0 is not +0.0: bitwise equality.
  EXPECT_FALSE(ValuesMatch(Value::F32(-0.0f), J(R"({"type":"f32","value":"0"})"), T::F32(), &why));
  EXPECT_TRUE(ValuesMatch(Value::F32Bits(0x7fc00000), J(R"({"type":"f32","value":"nan:canonical"})"),
                          T::F32(), &why));
  EXPECT_TRUE(ValuesMatch(Value::F32Bits(0xffc00000), J(R"({"type":"f32","value":"nan:canonical"})"),
                          T::F32(), &why));
  EXPECT_FALSE(ValuesMatch(Value::F32Bits(0x7fc00001),
                           J(R"({"type":"f32","value":"nan:canonical"})"), T::F32(), &why));
  EXPECT_TRUE(ValuesMatch(Value::F32Bits(0x7fc00001),
                          J(R"({"type":"f32","value":"nan:arithmetic"})"), T::F32(), &why));
  EXPECT_FALSE(ValuesMatch(Value::F32Bits(0x7f800001),  // signalling
                           J(R"({"type":"f32","value":"nan:arithmetic"})"), T::F32(), &why));
  EXPECT_TRUE(ValuesMatch(Value::F64Bits(0x7ff8000000000000ull),
                          J(R"({"type":"f64","value":"nan:canonical"})"), T::F64(), &why));
  EXPECT_FALSE(ValuesMatch(Value::F64(1.0), J(R"({"type":"f64","value":"nan:arithmetic"})"),
                           T::F64(), &why));
}

TEST(WastValuesTest, ListsTuplesRecords) {
  TypeRef list = T::List(T::U32());
  EXPECT_EQ(From(R"({"type":"list","value":[{"type":"u32","value":"1"},{"type":"u32","value":"2"}]})",
                 list),
            Value::List({Value::U32(1), Value::U32(2)}));
  EXPECT_EQ(From(R"({"type":"list","value":[]})", list), Value::List({}));
  TypeRef fixed = T::FixedList(T::U8(), 2);
  ExpectRoundTrip(R"({"type":"list","value":[{"type":"u8","value":"1"},{"type":"u8","value":"2"}]})",
                  fixed);
  FromError(R"({"type":"list","value":[{"type":"u8","value":"1"}]})", fixed);

  TypeRef tuple = T::Tuple({T::String(), T::U32()});
  ExpectRoundTrip(R"({"type":"tuple","value":[{"type":"string","value":"n="},{"type":"u32","value":"7"}]})",
                  tuple);
  FromError(R"({"type":"tuple","value":[{"type":"string","value":"n="}]})", tuple);

  TypeRef rec = T::Record({{"s", T::String()}, {"n", T::U8()}});
  const Value want = Value::Record({Value::String("x"), Value::U8(3)});
  EXPECT_EQ(From(R"({"type":"record","value":[["s",{"type":"string","value":"x"}],["n",{"type":"u8","value":"3"}]]})",
                 rec),
            want);
  // Any member order; fields end up in declaration order.
  EXPECT_EQ(From(R"({"type":"record","value":[["n",{"type":"u8","value":"3"}],["s",{"type":"string","value":"x"}]]})",
                 rec),
            want);
  EXPECT_NE(FromError(R"({"type":"record","value":[["s",{"type":"string","value":"x"}]]})", rec)
                .find("field \"n\" missing"),
            std::string::npos);
  FromError(R"({"type":"record","value":[["s",{"type":"string","value":"x"}],["n",{"type":"u8","value":"3"}],["q",{"type":"u8","value":"3"}]]})",
            rec);
  FromError(R"({"type":"record","value":[["s",{"type":"string","value":"x"}],["s",{"type":"string","value":"x"}],["n",{"type":"u8","value":"3"}]]})",
            rec);
  ExpectRoundTrip(R"({"type":"record","value":[["s",{"type":"string","value":"x"}],["n",{"type":"u8","value":"3"}]]})",
                  rec);
  // Errors name the path.
  EXPECT_EQ(FromError(R"({"type":"record","value":[["s",{"type":"string","value":"x"}],["n",{"type":"u8","value":"300"}]]})",
                      rec),
            "at .n: 300 is out of range for u8");
}

TEST(WastValuesTest, Maps) {
  TypeRef map = T::Map(T::String(), T::U32());
  const char* json =
      R"({"type":"map","value":[[{"type":"string","value":"a"},{"type":"u32","value":"1"}]]})";
  EXPECT_EQ(From(json, map),
            Value::List({Value::Record({Value::String("a"), Value::U32(1)})}));
  ExpectRoundTrip(json, map);
}

TEST(WastValuesTest, VariantsEnumsOptionsResults) {
  TypeRef var = T::Variant({{"none", nullptr}, {"s", T::String()}, {"n", T::U32()}});
  EXPECT_EQ(From(R"({"type":"variant","value":{"case":"none"}})", var), Value::Variant(0));
  EXPECT_EQ(From(R"({"type":"variant","value":{"case":"n","payload":{"type":"u32","value":"5"}}})", var),
            Value::Variant(2, Value::U32(5)));
  ExpectRoundTrip(R"({"type":"variant","value":{"case":"s","payload":{"type":"string","value":"x"}}})",
                  var);
  ExpectRoundTrip(R"({"type":"variant","value":{"case":"none"}})", var);
  FromError(R"({"type":"variant","value":{"case":"q"}})", var);
  FromError(R"({"type":"variant","value":{"case":"n"}})", var);  // payload missing
  FromError(R"({"type":"variant","value":{"case":"none","payload":{"type":"u32","value":"5"}}})", var);

  TypeRef en = T::Enum({"red", "green", "blue"});
  EXPECT_EQ(From(R"({"type":"enum","value":"blue"})", en), Value::Enum(2));
  ExpectRoundTrip(R"({"type":"enum","value":"green"})", en);
  FromError(R"({"type":"enum","value":"pink"})", en);

  TypeRef opt = T::Option(T::U32());
  EXPECT_EQ(From(R"({"type":"option","value":null})", opt), Value::None());
  EXPECT_EQ(From(R"({"type":"option","value":{"type":"u32","value":"5"}})", opt),
            Value::Some(Value::U32(5)));
  ExpectRoundTrip(R"({"type":"option","value":null})", opt);
  ExpectRoundTrip(R"({"type":"option","value":{"type":"u32","value":"5"}})", opt);

  TypeRef res = T::Result(T::String(), T::U32());
  EXPECT_EQ(From(R"({"type":"result","value":{"Ok":{"type":"string","value":"yo"}}})", res),
            Value::Ok(Value::String("yo")));
  EXPECT_EQ(From(R"({"type":"result","value":{"Err":{"type":"u32","value":"404"}}})", res),
            Value::Err(Value::U32(404)));
  ExpectRoundTrip(R"({"type":"result","value":{"Err":{"type":"u32","value":"404"}}})", res);
  FromError(R"({"type":"result","value":{"Ok":null}})", res);
  FromError(R"({"type":"result","value":{"ok":{"type":"string","value":"yo"}}})", res);
  FromError(R"({"type":"result","value":{}})", res);

  TypeRef bare = T::Result(nullptr, nullptr);
  EXPECT_EQ(From(R"({"type":"result","value":{"Ok":null}})", bare), Value::Ok());
  EXPECT_EQ(From(R"({"type":"result","value":{"Err":null}})", bare), Value::Err());
  ExpectRoundTrip(R"({"type":"result","value":{"Err":null}})", bare);
}

TEST(WastValuesTest, FlagsNeedLabels) {
  TypeRef flags = T::Flags(3);
  TypeLabels labels;
  labels.flags = {"a", "b", "c"};
  EXPECT_EQ(From(R"({"type":"flags","value":["a","c"]})", flags, &labels), Value::Flags(0b101));
  EXPECT_EQ(From(R"({"type":"flags","value":[]})", flags, &labels), Value::Flags(0));
  ExpectRoundTrip(R"({"type":"flags","value":["a","b","c"]})", flags, &labels);
  EXPECT_NE(FromError(R"({"type":"flags","value":["a"]})", flags).find("labels unknown"),
            std::string::npos);
  FromError(R"({"type":"flags","value":["d"]})", flags, &labels);
  FromError(R"({"type":"flags","value":["a","a"]})", flags, &labels);

  // Nested: option<record { f: flags }>, labels in a parallel tree.
  TypeRef nested = T::Option(T::Record({{"f", flags}}));
  TypeLabels tree;
  tree.children.resize(1);
  tree.children[0].children.push_back(labels);
  EXPECT_TRUE(ContainsFlags(*nested));
  EXPECT_FALSE(ContainsFlags(*T::List(T::Tuple({T::U8(), T::String()}))));
  EXPECT_FALSE(tree.empty());
  EXPECT_EQ(From(R"({"type":"option","value":{"type":"record","value":[["f",{"type":"flags","value":["b"]}]]}})",
                 nested, &tree),
            Value::Some(Value::Record({Value::Flags(0b010)})));
}

TEST(WastValuesTest, HandlesHaveNoJsonForm) {
  auto v = ValueFromJson(J(R"({"type":"own","value":"1"})"), T::Own(0));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_FALSE(ValueToJson(Value::Own(1), T::Own(0)).ok());
}

TEST(WastValuesTest, ValuesMatchExplainsMismatches) {
  TypeRef rec = T::Record({{"a", T::U32()}, {"b", T::List(T::U32())}});
  const JsonValue expected = J(
      R"({"type":"record","value":[["a",{"type":"u32","value":"1"}],["b",{"type":"list","value":[{"type":"u32","value":"3"},{"type":"u32","value":"4"}]}]]})");
  std::string why;
  EXPECT_TRUE(ValuesMatch(Value::Record({Value::U32(1), Value::List({Value::U32(3), Value::U32(4)})}),
                          expected, rec, &why))
      << why;
  EXPECT_FALSE(ValuesMatch(
      Value::Record({Value::U32(1), Value::List({Value::U32(3), Value::U32(5)})}), expected, rec,
      &why));
  EXPECT_EQ(why, "at .b[1]: got 5u32, expected 4u32");
  EXPECT_FALSE(ValuesMatch(Value::Record({Value::U32(1), Value::List({Value::U32(3)})}), expected,
                           rec, &why));
  EXPECT_NE(why.find("at .b: got a list of 1 elements, expected 2"), std::string::npos) << why;
  // The actual value has the wrong shape entirely.
  EXPECT_FALSE(ValuesMatch(Value::U32(1), expected, rec, &why));
  EXPECT_NE(why.find("got 1u32"), std::string::npos) << why;

  TypeRef var = T::Variant({{"x", nullptr}, {"y", T::U8()}});
  EXPECT_FALSE(ValuesMatch(Value::Variant(0), J(R"({"type":"variant","value":{"case":"y","payload":{"type":"u8","value":"1"}}})"),
                           var, &why));
  EXPECT_NE(why.find("got case x"), std::string::npos) << why;
  EXPECT_NE(why.find("expected case y"), std::string::npos) << why;
  EXPECT_FALSE(ValuesMatch(Value::Variant(1, Value::U8(2)),
                           J(R"({"type":"variant","value":{"case":"y","payload":{"type":"u8","value":"1"}}})"),
                           var, &why));
  EXPECT_EQ(why, "at .y: got 2u8, expected 1u8");

  // A malformed expectation is a mismatch, not a crash.
  EXPECT_FALSE(ValuesMatch(Value::U32(1), J(R"({"type":"u8","value":"1"})"), T::U32(), &why));
  EXPECT_NE(why.find("type mismatch"), std::string::npos);
  EXPECT_FALSE(ValuesMatch(Value::U32(1), J("null"), T::U32(), nullptr));
  EXPECT_FALSE(ValuesMatch(Value::U32(1), J(R"({"type":"u32","value":"1"})"), nullptr, &why));
}

}  // namespace
}  // namespace wasi_bridge::engine
