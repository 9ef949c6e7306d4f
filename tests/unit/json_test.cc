// The strict JSON reader of engine/component/json.h.
#include "engine/component/json.h"

#include <string>

#include "gtest/gtest.h"

namespace wasi_bridge::engine {
namespace {

JsonValue Parse(std::string_view text) {
  auto v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *v : JsonValue();
}

std::string Error(std::string_view text) {
  auto v = ParseJson(text);
  EXPECT_FALSE(v.ok()) << text << " parsed as " << (v.ok() ? ToJson(*v) : "");
  return v.ok() ? "" : std::string(v.status().message());
}

TEST(JsonTest, Scalars) {
  EXPECT_TRUE(Parse("null").is_null());
  EXPECT_TRUE(Parse(" true ").bool_value());
  EXPECT_FALSE(Parse("false").bool_value());
  EXPECT_EQ(Parse("\"hi\"").string_value(), "hi");
  for (const char* n : {"0", "-0", "12", "-12", "1.5", "1e10", "1E+2", "-0.25e-3",
                        "18446744073709551615"}) {
    JsonValue v = Parse(n);
    ASSERT_TRUE(v.is_number()) << n;
    EXPECT_EQ(v.number_text(), n);  // kept verbatim
  }
}

TEST(JsonTest, ObjectsKeepKeyOrder) {
  JsonValue v = Parse(R"({"z": 1, "a": [true, null], "m": {"x": "y"}})");
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.object().size(), 3u);
  EXPECT_EQ(v.object()[0].first, "z");
  EXPECT_EQ(v.object()[1].first, "a");
  EXPECT_EQ(v.object()[2].first, "m");
  ASSERT_NE(v.Find("a"), nullptr);
  EXPECT_EQ(v.Find("a")->array().size(), 2u);
  EXPECT_EQ(v.Find("missing"), nullptr);
  ASSERT_NE(v.Find("m")->FindString("x"), nullptr);
  EXPECT_EQ(*v.Find("m")->FindString("x"), "y");
  EXPECT_EQ(v.FindString("z"), nullptr);  // a number, not a string
  EXPECT_EQ(ToJson(v), R"({"z":1,"a":[true,null],"m":{"x":"y"}})");
  EXPECT_TRUE(Parse("{}").object().empty());
  EXPECT_TRUE(Parse("[ ]").array().empty());
}

TEST(JsonTest, StringEscapes) {
  EXPECT_EQ(Parse(R"("a\"b\\c\/d\b\f\n\r\t")").string_value(), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(Parse(R"("\u0041\u00e9\u26F3")").string_value(), "A\xc3\xa9\xe2\x9b\xb3");
  // A surrogate pair: U+1F600.
  EXPECT_EQ(Parse(R"("\ud83d\ude00")").string_value(), "\xf0\x9f\x98\x80");
  EXPECT_EQ(Parse(R"("\u0000")").string_value(), std::string(1, '\0'));
  // Raw UTF-8 passes through.
  EXPECT_EQ(Parse("\"\xe2\x9b\xb3\"").string_value(), "\xe2\x9b\xb3");
}

TEST(JsonTest, RoundTrip) {
  const char* text = R"({"s":"a\"\\\n\u0001é","n":[-1.5e3,0],"b":[true,false,null],"o":{}})";
  JsonValue v = Parse(text);
  JsonValue again = Parse(ToJson(v));
  EXPECT_EQ(v, again);
  EXPECT_EQ(ToJson(again), ToJson(v));
}

TEST(JsonTest, Positions) {
  JsonValue v = Parse("{\n  \"a\": [1,\n    \"x\"]\n}");
  EXPECT_EQ(v.line(), 1u);
  EXPECT_EQ(v.column(), 1u);
  const JsonValue* a = v.Find("a");
  EXPECT_EQ(a->line(), 2u);
  EXPECT_EQ(a->column(), 8u);
  EXPECT_EQ(a->array()[1].line(), 3u);
  EXPECT_EQ(a->array()[1].column(), 5u);
}

TEST(JsonTest, ErrorsCarryLineAndColumn) {
  EXPECT_EQ(Error("{\"a\": 1,}"), "1:9: unexpected '}', expected a string key");
  EXPECT_EQ(Error("[1,\n 2\n 3]"), "3:2: unexpected '3', expected ',' or ']'");
  EXPECT_EQ(Error(""), "1:1: unexpected end of input, expected a value");
  EXPECT_EQ(Error("[1] 2"), "1:5: unexpected data after the JSON value");
  EXPECT_EQ(Error("{\"a\": 1, \"a\": 2}"), "1:10: duplicate key \"a\"");
}

TEST(JsonTest, RejectsNonStrictInput) {
  for (const char* bad : {
           "[1,]", "{,}", "[01]", "[-]", "[1.]", "[.5]", "[1e]", "[+1]", "[NaN]",
           "[Infinity]", "[tru]", "[truex]", "['a']", "// c\n1", "/* c */ 1",
           "{a: 1}", "{\"a\" 1}", "[\"a\tb\"]", "[\"a\nb\"]", "\"\\x41\"",
           "\"\\u12\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d\\u0041\"",
           "\"unterminated", "[1", "{\"a\":", "\xef\xbb\xbf{}", "1 2",
       }) {
    EXPECT_FALSE(ParseJson(bad).ok()) << bad;
  }
}

TEST(JsonTest, RejectsInvalidUtf8) {
  for (const char* bad : {"\"\xff\"", "\"\xc0\xaf\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"",
                          "\"\xf4\x90\x80\x80\"", "\"\xe2\x9b\"", "\"\x80\""}) {
    EXPECT_FALSE(ParseJson(bad).ok()) << bad;
  }
}

TEST(JsonTest, NestingLimit) {
  std::string deep(kMaxJsonDepth + 1, '[');
  deep += std::string(kMaxJsonDepth + 1, ']');
  EXPECT_NE(Error(deep).find("nesting too deep"), std::string::npos);
  std::string ok(kMaxJsonDepth - 1, '[');
  ok += std::string(kMaxJsonDepth - 1, ']');
  EXPECT_TRUE(ParseJson(ok).ok());
}

TEST(JsonTest, IntegerHelpers) {
  EXPECT_EQ(Parse("42").AsUint64().value(), 42u);
  EXPECT_EQ(Parse("18446744073709551615").AsUint64().value(), UINT64_MAX);
  EXPECT_FALSE(Parse("18446744073709551616").AsUint64().ok());
  EXPECT_FALSE(Parse("-1").AsUint64().ok());
  EXPECT_EQ(Parse("-9223372036854775808").AsInt64().value(), INT64_MIN);
  EXPECT_FALSE(Parse("1.0").AsInt64().ok());
  EXPECT_FALSE(Parse("1e3").AsInt64().ok());
  EXPECT_FALSE(Parse("\"1\"").AsInt64().ok());
}

}  // namespace
}  // namespace wasi_bridge::engine
