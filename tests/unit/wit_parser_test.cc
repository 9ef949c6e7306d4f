#include "adapter/wit/parser.h"

#include "gtest/gtest.h"

namespace wasi_bridge::wit {
namespace {

TEST(WitParserTest, ParsesAWorldWithEveryConstruct) {
  constexpr char kSource[] = R"(
    // comment /* and */ nested /* block /* comments */ */
    package my:pkg@1.2.3-rc.1+build;

    @since(version = 1.0.0)
    interface types {
      use other.{a, b as c};
      type size = u64;
      record point { x: s32, y: s32, }
      variant shape { circle(f64), square(tuple<u32, u32>), none }
      enum color { red, green }
      flags perms { read, write }
      @unstable(feature = fancy)
      resource blob {
        constructor(init: list<u8>);
        read: func(n: u32) -> result<list<u8>, string>;
        merge: static func(a: borrow<blob>, b: borrow<blob>) -> blob;
        wait: async func() -> future<option<u8>>;
      }
      chunks: func(s: stream<u8>, f: future) -> result<_, color>;
      lookup: func(m: map<string, list<u8, 4>>) -> result;
      %type: func(%record: string);
    }

    world app {
      import types;
      import wasi:cli/stdout@0.3.0;
      import log: func(msg: string);
      export api: interface { ping: func() -> bool; }
      include other-world with { a as b }
      type id = string;
    }

    package nested:one { interface x { f: func(); } }
  )";
  auto file = ParseWit(kSource, "t.wit");
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE(file->main.id.has_value());
  EXPECT_EQ(file->main.id->version, "1.2.3-rc.1+build");
  ASSERT_EQ(file->main.interfaces.size(), 1u);
  const auto& items = file->main.interfaces[0].items;
  ASSERT_EQ(items.size(), 10u);
  EXPECT_EQ(items[0].use.names[1].as, "c");
  EXPECT_EQ(items[6].type.methods.size(), 4u);
  EXPECT_EQ(items[6].type.gates[0].value, "fancy");
  EXPECT_TRUE(items[6].type.methods[3].func.is_async);
  EXPECT_EQ(items[8].func.params[0].type.args[1].fixed_length, 4u);
  EXPECT_EQ(items[9].func.name, "type");
  ASSERT_EQ(file->main.worlds.size(), 1u);
  EXPECT_EQ(file->main.worlds[0].items.size(), 6u);
  EXPECT_EQ(file->main.worlds[0].items[1].path.ToString(),
            "wasi:cli/stdout@0.3.0");
  ASSERT_EQ(file->nested.size(), 1u);
  EXPECT_EQ(file->nested[0].id->ToString(), "nested:one");
}

TEST(WitParserTest, VersionBeforeUseListStopsAtTheDot) {
  auto file = ParseWit(
      "package a:b; interface i { use wasi:io/streams@0.2.0.{input-stream}; }",
      "v.wit");
  ASSERT_TRUE(file.ok()) << file.status();
  const auto& use = file->main.interfaces[0].items[0].use;
  EXPECT_EQ(use.path.version, "0.2.0");
  EXPECT_EQ(use.names[0].name, "input-stream");
}

struct BadWit {
  const char* source;
  const char* location;  // "line:column"
  const char* fragment;
};

// Each malformed snippet must fail with its position and a useful message.
const BadWit kBad[] = {
    {"package a:b; interface { }", "1:24", "expected interface name"},
    {"package a:b;\ninterface i { f: func(; }", "2:23", "expected parameter name"},
    {"package a:b; interface i { f: func() -> ; }", "1:41", "expected a type"},
    {"package a:b; interface i { f: func() }", "1:38", "expected `;`"},
    {"package a:b; interface i {", "1:27", "expected `}` closing interface"},
    {"package a:b; interface i { record r { a u32 } }", "1:41", "expected `:`"},
    {"package a:b; interface i { enum e { } }", "1:28", "must have at least one case"},
    {"package a:b; interface i { variant v { a(u32 } }", "1:46", "expected `)`"},
    {"package a:b; interface i { type t = list<u8; }", "1:44", "expected `>`"},
    {"package a:b; interface i { type t = list<u8, 0>; }", "1:46", "length must be > 0"},
    {"package a:b; interface i { type t = list<u8, x>; }", "1:46", "fixed list length"},
    {"package a:b; interface i { type t = own<r>; }", "1:37", "not WIT syntax"},
    {"package a:b; interface i { type t = result<_>; }", "1:45", "expected `,`"},
    {"package a:b; interface i { type record = u32; }", "1:33", "keyword `record`"},
    {"package a:b; interface i { type Bad_Name = u32; }", "1:33", "not a valid kebab-case"},
    {"package a:b; interface i { type a--b = u32; }", "1:33", "not a valid kebab-case"},
    {"package a:b; interface i { f: func() -> (a: u32); }", "1:41", "named or multiple results"},
    {"package a:b; interface i { use x; }", "1:33", "expected `.`"},
    {"package a:b; interface i { use x.{}; }", "1:35", "expected imported name"},
    {"package a:b; interface i { @since(feature = x) f: func(); }", "1:35", "takes `version = ...`"},
    {"package a:b; interface i { @unstable(version = 1.0.0) f: func(); }", "1:38", "takes `feature = ...`"},
    {"package a:b; interface i { @wat(version = 1.0.0) f: func(); }", "1:28", "unknown attribute `@wat`"},
    {"package a:b; interface i { @since(version = x) f: func(); }", "1:45", "expected a version"},
    {"package a:b; world w { import; }", "1:30", "expected interface name"},
    {"package a:b; world w { frobnicate x; }", "1:24", "expected `import`, `export`"},
    {"package a:b; world w { include x with { a b } }", "1:43", "expected `as`"},
    {"package a:b; world w { export f: func() }", "1:41", "expected `;`"},
    {"package a:b; thing x {}", "1:14", "expected `interface`, `world`"},
    {"package a:b:c;", "1:12", "nested package namespaces"},
    {"package a;", "1:10", "expected `:`"},
    {"interface i {} package a:b;", "1:16", "must come first"},
    {"package a:b; interface i { f: func(); } /* open", "1:41", "unterminated block comment"},
    {"package a:b; @", "1:14", "expected a version or an attribute"},
    {"package a:b; interface i { f: func(x: u32 y: u32); }", "1:43", "expected `,` or `)`"},
    {"package a:b; interface i { resource r { constructor(); f } }", "1:58", "expected `:`"},
    {"package a:b; interface i { type t = \x01; }", "1:37", "unexpected byte 0x01"},
    {"package a:b; use x;", "1:18", "fully qualified"},
    {"package a:b; interface i { type t = tuple<>; }", "1:43", "expected a type"},
};

TEST(WitParserTest, MalformedSnippetsNameLineAndColumn) {
  ASSERT_GE(std::size(kBad), 30u);
  for (const BadWit& bad : kBad) {
    auto file = ParseWit(bad.source, "bad.wit");
    ASSERT_FALSE(file.ok()) << "accepted: " << bad.source;
    const std::string message(file.status().message());
    EXPECT_NE(message.find(std::string("bad.wit:") + bad.location + ":"),
              std::string::npos)
        << bad.source << "\n  -> " << message;
    EXPECT_NE(message.find(bad.fragment), std::string::npos)
        << bad.source << "\n  -> " << message;
  }
}

TEST(WitParserTest, KeywordsNeedEscapes) {
  EXPECT_TRUE(IsWitKeyword("record"));
  EXPECT_TRUE(IsWitKeyword("error-context"));
  EXPECT_FALSE(IsWitKeyword("records"));
}

}  // namespace
}  // namespace wasi_bridge::wit
