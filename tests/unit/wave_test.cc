// WAVE (wasm-wave) text <-> Canonical ABI values, and `name(args)` calls.
#include "engine/component/wave.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace wasi_bridge::engine::wave {
namespace {

using cabi::CabiType;
using cabi::TypeRef;
using cabi::Value;
using T = CabiType;

Value Parsed(absl::string_view text, const TypeRef& type, const TypeLabels* labels = nullptr) {
  auto v = ParseValue(text, type, labels);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *v : Value();
}

std::string ParseError(absl::string_view text, const TypeRef& type,
                       const TypeLabels* labels = nullptr) {
  auto v = ParseValue(text, type, labels);
  EXPECT_FALSE(v.ok()) << text << " parsed as " << (v.ok() ? cabi::ToString(*v) : "");
  return v.ok() ? "" : std::string(v.status().message());
}

std::string Printed(const Value& v, const TypeRef& type, const TypeLabels* labels = nullptr) {
  auto s = Print(v, type, labels);
  EXPECT_TRUE(s.ok()) << cabi::ToString(v) << ": " << s.status();
  return s.ok() ? *s : "";
}

// Parsing `text` and printing the value gives `text` back.
void ExpectRoundTrip(absl::string_view text, const TypeRef& type,
                     const TypeLabels* labels = nullptr) {
  EXPECT_EQ(Printed(Parsed(text, type, labels), type, labels), text);
}

// Parsing `text` gives `want`, which prints as `printed`.
void ExpectReads(absl::string_view text, const TypeRef& type, const Value& want,
                 absl::string_view printed, const TypeLabels* labels = nullptr) {
  const Value got = Parsed(text, type, labels);
  EXPECT_EQ(got, want) << text << " -> " << cabi::ToString(got);
  EXPECT_EQ(Printed(got, type, labels), printed) << text;
}

TEST(WaveTest, Bools) {
  ExpectRoundTrip("true", T::Bool());
  ExpectRoundTrip("false", T::Bool());
  EXPECT_EQ(Parsed("  true // yes\n", T::Bool()), Value::Bool(true));
  EXPECT_EQ(ParseError("truex", T::Bool()), "expected bool, found truex at column 1");
  EXPECT_EQ(ParseError("1", T::Bool()), "expected bool, found 1 at column 1");
}

TEST(WaveTest, IntegerLimits) {
  ExpectReads("18446744073709551615", T::U64(), Value::U64(UINT64_MAX), "18446744073709551615");
  ExpectReads("-9223372036854775808", T::S64(), Value::S64(INT64_MIN), "-9223372036854775808");
  ExpectReads("9223372036854775807", T::S64(), Value::S64(INT64_MAX), "9223372036854775807");
  ExpectReads("-128", T::S8(), Value::S8(-128), "-128");
  ExpectReads("255", T::U8(), Value::U8(255), "255");
  ExpectReads("-32768", T::S16(), Value::S16(-32768), "-32768");
  ExpectReads("65535", T::U16(), Value::U16(65535), "65535");
  ExpectReads("-2147483648", T::S32(), Value::S32(INT32_MIN), "-2147483648");
  ExpectReads("4294967295", T::U32(), Value::U32(UINT32_MAX), "4294967295");
  ExpectReads("0", T::U32(), Value::U32(0), "0");
  EXPECT_EQ(ParseError("18446744073709551616", T::U64()),
            "18446744073709551616 is out of range for u64 at column 1");
  EXPECT_EQ(ParseError("-9223372036854775809", T::S64()),
            "-9223372036854775809 is out of range for s64 at column 1");
  EXPECT_EQ(ParseError("256", T::U8()), "256 is out of range for u8 at column 1");
  EXPECT_EQ(ParseError("-1", T::U32()), "-1 is out of range for u32 at column 1");
  EXPECT_EQ(ParseError("1.5", T::U32()), "expected u32, found 1.5 at column 1");
  EXPECT_EQ(ParseError("1e3", T::S32()), "expected s32, found 1e3 at column 1");
  EXPECT_EQ(ParseError("\"7\"", T::S32()), "expected s32, found \"7\" at column 1");
  EXPECT_EQ(ParseError("007", T::S32()), "invalid number 007 at column 1");
}

TEST(WaveTest, Floats) {
  ExpectRoundTrip("1.5", T::F64());
  ExpectRoundTrip("-0.25", T::F32());
  ExpectRoundTrip("0.1", T::F32());
  ExpectRoundTrip("0.1", T::F64());
  ExpectRoundTrip("-0", T::F64());
  ExpectRoundTrip("nan", T::F64());
  ExpectRoundTrip("inf", T::F32());
  ExpectRoundTrip("-inf", T::F64());
  ExpectReads("3", T::F64(), Value::F64(3.0), "3");
  ExpectReads("6.022e+23", T::F64(), Value::F64(6.022e23), "602200000000000000000000");
  ExpectReads("1e-7", T::F64(), Value::F64(1e-7), "0.0000001");
  ExpectReads("1E2", T::F32(), Value::F32(100.0f), "100");
  ExpectReads("nan", T::F32(), Value::F32Bits(0x7fc00000u), "nan");
  EXPECT_EQ(Printed(Value::F64(1e23), T::F64()), "100000000000000000000000");
  EXPECT_EQ(Printed(Value::F64Bits(0xfff0000000000001ull), T::F64()), "nan");
  EXPECT_EQ(Printed(Value::F32(std::numeric_limits<float>::max()), T::F32()),
            "340282350000000000000000000000000000000");
  EXPECT_EQ(Printed(Value::F64(5e-324), T::F64()), std::string("0.") + std::string(323, '0') + "5");
  EXPECT_EQ(ParseError("1e999", T::F64()), "1e999 is out of range for f64 at column 1");
  EXPECT_EQ(ParseError("infinity", T::F64()), "expected f64, found infinity at column 1");
  EXPECT_EQ(ParseError("NaN", T::F32()), "expected f32, found NaN at column 1");
}

TEST(WaveTest, CharsAndEscapes) {
  ExpectRoundTrip("'x'", T::Char());
  ExpectRoundTrip("'\\''", T::Char());
  ExpectRoundTrip("'\\\"'", T::Char());
  ExpectRoundTrip("'\\\\'", T::Char());
  ExpectRoundTrip("'\\n'", T::Char());
  ExpectRoundTrip("'é'", T::Char());
  ExpectReads("'\\u{1F600}'", T::Char(), Value::Char(0x1f600), "'\xf0\x9f\x98\x80'");
  ExpectReads("'\\u{0}'", T::Char(), Value::Char(0), "'\\u{0}'");
  ExpectReads("'\"'", T::Char(), Value::Char('"'), "'\\\"'");
  EXPECT_EQ(ParseError("''", T::Char()), "empty char at column 1");
  EXPECT_EQ(ParseError("'ab'", T::Char()),
            "a char holds exactly one character (strings use \") at column 1");
  EXPECT_EQ(ParseError("'\\u{d800}'", T::Char()),
            "\\u{d800} is not a Unicode scalar value at column 2");
  EXPECT_EQ(ParseError("'\\u{110000}'", T::Char()),
            "\\u{110000} is not a Unicode scalar value at column 2");
}

TEST(WaveTest, Strings) {
  ExpectRoundTrip("\"\"", T::String());
  ExpectRoundTrip("\"abc\\t123\"", T::String());
  ExpectRoundTrip("\"a\\nb\\r\\\\c\\\"d\\'e\"", T::String());
  ExpectRoundTrip("\"wörld ☃\"", T::String());
  ExpectReads("\"it's\"", T::String(), Value::String("it's"), "\"it\\'s\"");
  ExpectReads("\"\\u{48}\\u{1f44b}\"", T::String(), Value::String("H\xf0\x9f\x91\x8b"),
              "\"H\xf0\x9f\x91\x8b\"");
  ExpectReads("\"\\u{7}\"", T::String(), Value::String("\x07"), "\"\\u{7}\"");
  EXPECT_EQ(ParseError("\"abc", T::String()), "unterminated string at column 1");
  EXPECT_EQ(ParseError("\"a\nb\"", T::String()), "unterminated string at column 3");
  EXPECT_EQ(ParseError("\"\\q\"", T::String()), "invalid escape `\\q` at column 2");
  EXPECT_EQ(ParseError("\"\\u{zz}\"", T::String()),
            "invalid escape: \\u needs {hex digits} at column 2");
  EXPECT_EQ(ParseError("abc", T::String()), "expected string, found abc at column 1");
  EXPECT_EQ(ParseError("\"a\" \"b\"", T::String()),
            "expected end of input, found \"b\" at column 5");
  EXPECT_EQ(ParseError("\"\xff\"", T::String()), "not valid UTF-8");
}

TEST(WaveTest, MultilineStrings) {
  EXPECT_EQ(Parsed("\"\"\"\nA single line\n\"\"\"", T::String()), Value::String("A single line"));
  EXPECT_EQ(Parsed("\"\"\"\n    Indentation determined\n      by ending delimiter\n  \"\"\"",
                   T::String()),
            Value::String("  Indentation determined\n    by ending delimiter"));
  EXPECT_EQ(Parsed("\"\"\"\r\n  tab\\there \"quoted\"\r\n  \"\"\"", T::String()),
            Value::String("tab\there \"quoted\""));
  EXPECT_EQ(ParseError("\"\"\"abc\"\"\"", T::String()),
            "a multiline string starts with \"\"\" and a line break at column 1");
  EXPECT_EQ(ParseError("\"\"\"\n  x\n    \"\"\"", T::String()),
            "a multiline string line is indented less than its closing \"\"\" at line 2, column 1");
}

TEST(WaveTest, Lists) {
  const TypeRef u8s = T::List(T::U8());
  ExpectRoundTrip("[]", u8s);
  ExpectRoundTrip("[1, 2, 3]", u8s);
  ExpectReads("[ 1 ,2, ]", u8s, Value::List({Value::U8(1), Value::U8(2)}), "[1, 2]");
  // A packed list (as lifted) prints like any list.
  EXPECT_EQ(Printed(Value::Bytes({7, 8}), u8s), "[7, 8]");
  ExpectRoundTrip("[[], [\"a\"], [\"b\", \"c\"]]", T::List(T::List(T::String())));
  ExpectRoundTrip("[1, 2]", T::FixedList(T::S32(), 2));
  EXPECT_EQ(ParseError("[1]", T::FixedList(T::S32(), 2)),
            "expected 2 elements for list<s32, 2>, found 1 at column 1");
  EXPECT_EQ(ParseError("[1 2]", u8s), "expected `,` or `]`, found 2 at column 4");
  EXPECT_EQ(ParseError("[1, 300]", u8s), "300 is out of range for u8 at column 5");
  EXPECT_EQ(ParseError("[,]", u8s), "expected u8, found `,` at column 2");
  EXPECT_EQ(ParseError("[1,", u8s), "expected u8, found end of input at column 4");
}

TEST(WaveTest, TuplesAndMaps) {
  const TypeRef t = T::Tuple({T::String(), T::U32()});
  ExpectRoundTrip("(\"abc\", 123)", t);
  ExpectReads("(\"abc\", 123,)", t, Value::Tuple({Value::String("abc"), Value::U32(123)}),
              "(\"abc\", 123)");
  EXPECT_EQ(ParseError("(\"abc\")", t),
            "expected 2 elements for tuple<string, u32>, found 1 at column 1");
  EXPECT_EQ(ParseError("(\"abc\", 1, 2)", t),
            "too many elements for tuple<string, u32> at column 12");
  ExpectRoundTrip("[(\"a\", 1), (\"b\", 2)]", T::Map(T::String(), T::U8()));
}

TEST(WaveTest, Records) {
  const TypeRef point = T::Record({{"x", T::S32()}, {"y", T::S32()}});
  ExpectRoundTrip("{x: 1, y: -7}", point);
  ExpectReads("{ y: 2, x: 1, }", point, Value::Record({Value::S32(1), Value::S32(2)}),
              "{x: 1, y: 2}");
  EXPECT_EQ(ParseError("{x: 1}", point).substr(0, 19), "missing field `y` f");
  EXPECT_EQ(ParseError("{x: 1, x: 2}", point), "field `x` given twice at column 8");
  EXPECT_EQ(ParseError("{x: 1, z: 2}", point).substr(0, 17), "unknown field `z`");
  EXPECT_EQ(ParseError("{x 1}", point), "expected `:`, found 1 at column 4");
  EXPECT_EQ(ParseError("{}", point), "an empty record is written {:} at column 1");
  // Option fields may be left out; {:} when all are.
  const TypeRef opt = T::Record({{"required", T::U8()}, {"optional", T::Option(T::U8())}});
  ExpectReads("{required: 1}", opt, Value::Record({Value::U8(1), Value::None()}), "{required: 1}");
  ExpectRoundTrip("{required: 1, optional: some(2)}", opt);
  const TypeRef all_opt = T::Record({{"a", T::Option(T::U8())}, {"b", T::Option(T::U8())}});
  ExpectReads("{ : }", all_opt, Value::Record({Value::None(), Value::None()}), "{:}");
  ExpectReads("{b: 2}", all_opt, Value::Record({Value::None(), Value::Some(Value::U8(2))}),
              "{b: some(2)}");
  // Keywords are fine as field names.
  ExpectRoundTrip("{ok: true}", T::Record({{"ok", T::Bool()}}));
}

TEST(WaveTest, VariantsAndEnums) {
  const TypeRef v =
      T::Variant({{"empty", nullptr}, {"body", T::List(T::U8())}, {"err", T::String()}});
  ExpectRoundTrip("empty", v);
  ExpectRoundTrip("body([79, 75])", v);
  ExpectRoundTrip("%err(\"oops\")", v);
  ExpectReads("%empty", v, Value::Variant(0), "empty");
  ExpectReads("body ( [] )", v, Value::Variant(1, Value::List({})), "body([])");
  EXPECT_EQ(ParseError("err(\"oops\")", v).substr(0, 57),
            "expected variant { empty, body(list<u8>), err(string) }, ");
  EXPECT_EQ(ParseError("body", v), "`body` needs a payload: body(...) at column 5");
  EXPECT_EQ(ParseError("empty(1)", v), "`empty` takes no payload at column 6");
  EXPECT_EQ(ParseError("other", v),
            "expected variant { empty, body(list<u8>), err(string) }, found other at column 1");
  const TypeRef e = T::Enum({"ok", "not-found", "HTTP3"});
  ExpectRoundTrip("%ok", e);
  ExpectRoundTrip("not-found", e);
  ExpectRoundTrip("HTTP3", e);
  EXPECT_NE(ParseError("ok", e).find("written %ok"), std::string::npos);
}

TEST(WaveTest, Options) {
  const TypeRef o = T::Option(T::String());
  ExpectRoundTrip("none", o);
  ExpectRoundTrip("some(\"x\")", o);
  ExpectReads("\"flat some\"", o, Value::Some(Value::String("flat some")), "some(\"flat some\")");
  EXPECT_EQ(ParseError("some", o), "`some` needs a payload: some(...) at column 5");
  EXPECT_EQ(ParseError("none(1)", T::Option(T::U8())), "`none` takes no payload at column 5");
  // option<option<T>>: no flat form for the outer some.
  const TypeRef oo = T::Option(T::Option(T::U8()));
  ExpectRoundTrip("none", oo);
  ExpectRoundTrip("some(none)", oo);
  ExpectRoundTrip("some(some(0))", oo);
  ExpectReads("some(5)", oo, Value::Some(Value::Some(Value::U8(5))), "some(some(5))");
  EXPECT_EQ(ParseError("5", oo), "expected option<option<u8>>, found 5 at column 1");
  EXPECT_EQ(ParseError("some(some(some(0)))", oo),
            "expected u8, found some at column 11");
  // A variant payload whose case is called `some` must be escaped.
  const TypeRef ov = T::Option(T::Enum({"some", "other"}));
  ExpectReads("%some", ov, Value::Some(Value::Enum(0)), "some(%some)");
  ExpectReads("other", ov, Value::Some(Value::Enum(1)), "some(other)");
}

TEST(WaveTest, Results) {
  const TypeRef r = T::Result(T::U8(), T::String());
  ExpectRoundTrip("ok(1)", r);
  ExpectRoundTrip("err(\"oops\")", r);
  ExpectReads("123", r, Value::Ok(Value::U8(123)), "ok(123)");
  EXPECT_EQ(ParseError("ok", r), "`ok` needs a payload: ok(...) at column 3");
  const TypeRef unit = T::Result(nullptr, nullptr);
  ExpectRoundTrip("ok", unit);
  ExpectRoundTrip("err", unit);
  EXPECT_EQ(ParseError("ok(1)", unit), "`ok` takes no payload at column 3");
  EXPECT_EQ(ParseError("1", unit), "expected result<_, _>, found 1 at column 1");
  const TypeRef err_only = T::Result(nullptr, T::String());
  ExpectRoundTrip("ok", err_only);
  ExpectRoundTrip("err(\"e\")", err_only);
  const TypeRef nested = T::Result(T::Option(T::U8()), nullptr);
  ExpectRoundTrip("ok(none)", nested);
  EXPECT_EQ(ParseError("none", nested), "expected result<option<u8>, _>, found none at column 1");
}

TEST(WaveTest, Flags) {
  TypeLabels labels;
  labels.flags = {"read", "write", "exec"};
  const TypeRef f = T::Flags(3);
  ExpectRoundTrip("{}", f, &labels);
  ExpectRoundTrip("{read, exec}", f, &labels);
  ExpectReads("{ write, read, }", f, Value::Flags(3), "{read, write}", &labels);
  EXPECT_EQ(ParseError("{read, read}", f, &labels), "flag `read` given twice at column 8");
  EXPECT_EQ(ParseError("{delete}", f, &labels),
            "unknown flag `delete` (flags: read, write, exec) at column 2");
  EXPECT_EQ(ParseError("{read}", f), "the names of these flags are not known at column 1");
  EXPECT_FALSE(Print(Value::Flags(1), f).ok());
  // Labels reach nested flags.
  TypeLabels list_labels;
  list_labels.children = {labels};
  ExpectRoundTrip("[{}, {exec}]", T::List(f), &list_labels);
}

TEST(WaveTest, NoWaveForm) {
  EXPECT_NE(ParseError("1", T::Own(0)).find("cannot be written in WAVE"), std::string::npos);
  EXPECT_EQ(Print(Value::Own(1), T::Own(0)).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_FALSE(Print(Value::U8(1), T::String()).ok());  // does not fit the type
}

TEST(WaveTest, Calls) {
  const Params params = {{"a", T::S32()}, {"name", T::String()}, {"extra", T::Option(T::U8())}};
  const std::string text = "f(1, \"x\")";
  auto call = SplitCall(text);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->name, "f");
  auto args = ParseArgs(text, *call, params);
  ASSERT_TRUE(args.ok()) << args.status();
  // The trailing option is left out: none.
  EXPECT_EQ(*args, (std::vector<Value>{Value::S32(1), Value::String("x"), Value::None()}));

  const std::string bad = "f(1, 12)";
  auto c2 = SplitCall(bad);
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(ParseArgs(bad, *c2, params).status().message(),
            "argument 2 (`name`) expected string, found 12 at column 6");
  const std::string few = "f(1)";
  auto c3 = SplitCall(few);
  ASSERT_TRUE(c3.ok());
  EXPECT_EQ(ParseArgs(few, *c3, params).status().message(),
            "`f` takes 3 arguments, found 1 (missing `name`) at column 4");
  const std::string many = "f(1, \"x\", 2, 3)";
  auto c4 = SplitCall(many);
  ASSERT_TRUE(c4.ok());
  EXPECT_EQ(ParseArgs(many, *c4, params).status().message(),
            "`f` takes 3 arguments, found more at column 14");
  const std::string trailing = "f(1, \"x\") x";
  auto c5 = SplitCall(trailing);
  ASSERT_TRUE(c5.ok());
  EXPECT_EQ(ParseArgs(trailing, *c5, params).status().message(),
            "expected end of input after `)`, found x at column 11");
  const std::string unclosed = "f(1, \"x\"";
  auto c6 = SplitCall(unclosed);
  ASSERT_TRUE(c6.ok());
  EXPECT_EQ(ParseArgs(unclosed, *c6, params).status().message(),
            "expected `,` or `)`, found end of input at column 9");

  auto q = SplitCall(" local:calc/ops@1.0.0#add (1, 2)");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->name, "local:calc/ops@1.0.0#add");
  auto none = SplitCall("g()");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(ParseArgs("g()", *none, {}).ok());
  EXPECT_FALSE(SplitCall("add").ok());
  EXPECT_FALSE(SplitCall("(1)").ok());
  EXPECT_EQ(SplitCall("my func(1)").status().message(),
            "unexpected space in the function name at column 3");
}

TEST(WaveTest, ColumnsCountCodePoints) {
  const Params params = {{"s", T::String()}, {"n", T::U8()}};
  const std::string text = "f(\"é☃\", x)";
  auto call = SplitCall(text);
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(ParseArgs(text, *call, params).status().message(),
            "argument 2 (`n`) expected u8, found x at column 9");
  EXPECT_EQ(ParseError("[1,\n  x]", T::List(T::U8())), "expected u8, found x at line 2, column 3");
}

TEST(WaveTest, DeepNesting) {
  TypeRef t = T::U8();
  std::string text = "7";
  for (int i = 0; i < 40; ++i) {
    t = T::List(t);
    text = "[" + text + "]";
  }
  ExpectRoundTrip(text, t);
}

}  // namespace
}  // namespace wasi_bridge::engine::wave
