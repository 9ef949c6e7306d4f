#include "adapter/binary/reader.h"
#include "adapter/binary/validator.h"
#include "adapter/wit/decode.h"
#include "adapter/wit/encode.h"
#include "adapter/wit/parser.h"
#include "adapter/wit/printer.h"
#include "adapter/wit/resolver.h"
#include "gtest/gtest.h"

namespace wasi_bridge::wit {
namespace {

absl::StatusOr<Resolve> ResolveSources(
    const std::vector<std::pair<std::string, std::string>>& sources,
    const ResolveOptions& options = {}) {
  std::vector<ast::File> files;
  for (const auto& [name, text] : sources) {
    auto f = ParseWit(text, name);
    if (!f.ok()) return f.status();
    files.push_back(std::move(*f));
  }
  return ResolveFiles(files, options);
}

constexpr char kIo[] = R"(
  package test:io@1.0.0;
  interface error { resource error { to-string: func() -> string; } }
  interface streams {
    use error.{error};
    variant stream-error { failed(error), closed }
    resource output-stream {
      write: func(bytes: list<u8>) -> result<_, stream-error>;
    }
  }
)";

constexpr char kApp[] = R"(
  package test:app;
  interface api {
    use test:io/streams@1.0.0.{output-stream};
    type count = u64;
    record stats { written: count, chunks: list<count> }
    open: func(name: string) -> output-stream;
    get-stats: func() -> stats;
    @unstable(feature = extra)
    extra: func();
  }
  world app {
    import api;
    import log: func(msg: string);
    export run: func() -> result;
  }
  world bigger {
    include app;
    export done: async func(s: stream<u8>) -> future<u32>;
  }
)";

TEST(WitResolveTest, ElaboratesDependenciesAndIncludes) {
  auto r = ResolveSources({{"io.wit", kIo}, {"app.wit", kApp}});
  ASSERT_TRUE(r.ok()) << r.status();
  auto app = r->FindWorld("test:app/app");
  ASSERT_TRUE(app.has_value());
  std::vector<std::string> imports;
  for (const auto& item : r->worlds[*app].imports) imports.push_back(item.key);
  // api uses streams, which uses error: both are imported ahead of api.
  EXPECT_EQ(imports, (std::vector<std::string>{
                         "test:io/error@1.0.0", "test:io/streams@1.0.0",
                         "test:app/api", "log"}));
  auto bigger = r->FindWorld("bigger");
  ASSERT_TRUE(bigger.has_value());
  EXPECT_EQ(r->worlds[*bigger].imports.size(), 4u);
  EXPECT_EQ(r->worlds[*bigger].exports.size(), 2u);
  // The unstable function is left out unless its feature is enabled.
  const InterfaceId api = r->worlds[*app].imports[2].interface;
  EXPECT_EQ(r->interfaces[api].functions.size(), 2u);
  auto with_extra = ResolveSources({{"io.wit", kIo}, {"app.wit", kApp}},
                                   ResolveOptions{{"extra"}, false});
  ASSERT_TRUE(with_extra.ok());
  EXPECT_EQ(with_extra->interfaces[api].functions.size(), 3u);
}

TEST(WitResolveTest, MethodsGetBorrowedSelf) {
  auto r = ResolveSources({{"io.wit", kIo}});
  ASSERT_TRUE(r.ok()) << r.status();
  const Interface& streams = r->interfaces[1];
  ASSERT_EQ(streams.functions.size(), 1u);
  const Function& write = streams.functions[0];
  EXPECT_EQ(write.name, "[method]output-stream.write");
  EXPECT_EQ(PrintFuncSignature(*r, write),
            "func(self: borrow<output-stream>, bytes: list<u8>) -> "
            "result<_, stream-error>");
}

struct BadResolve {
  const char* source;
  const char* fragment;
};

TEST(WitResolveTest, ReportsNameErrorsWithPositions) {
  const BadResolve cases[] = {
      {"package a:b; interface i { f: func(x: nope); }",
       "bad.wit:1:39: type `nope` is not defined"},
      {"package a:b; interface i { use j.{t}; } interface j { use i.{u}; }",
       "depends on itself"},
      {"package a:b; interface i { type t = u32; type t = u8; }",
       "defined more than once"},
      {"package a:b; interface i { record r { a: u32, a: u8 } }",
       "field `a` is repeated"},
      {"package a:b; interface i { type n = u32; type t = borrow<n>; }",
       "is not a resource"},
      {"package a:b; interface i { type a = b; type b = a; }",
       "refers to itself"},
      {"package a:b; world w { import x:y/z; }", "package `x:y` is not loaded"},
      {"package a:b; world w { import nope; }", "interface `nope` does not exist"},
      {"package a:b; world w { include other; }", "world `other` does not exist"},
      {"package a:b; world w { import f: func(); import f: func(); }",
       "imported or exported more than once"},
      {"interface i {}", "no `package` declaration"},
  };
  for (const auto& c : cases) {
    auto r = ResolveSources({{"bad.wit", c.source}});
    ASSERT_FALSE(r.ok()) << c.source;
    EXPECT_NE(std::string(r.status().message()).find(c.fragment),
              std::string::npos)
        << c.source << "\n  -> " << r.status().message();
  }
}

TEST(WitResolveTest, PrintedWorldParsesBackToTheSameWorld) {
  auto r = ResolveSources({{"io.wit", kIo}, {"app.wit", kApp}});
  ASSERT_TRUE(r.ok()) << r.status();
  const WorldId app = *r->FindWorld("app");
  const std::string text = PrintWorld(*r, app);
  auto again = ResolveSources({{"printed.wit", text}});
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << text;
  EXPECT_EQ(WorldSummary(*again, *again->FindWorld("app")),
            WorldSummary(*r, app));
  EXPECT_EQ(PrintWorld(*again, *again->FindWorld("app")), text);
}

TEST(WitResolveTest, EncodedWorldValidatesAndDecodesToTheSameWorld) {
  auto r = ResolveSources({{"io.wit", kIo}, {"app.wit", kApp}});
  ASSERT_TRUE(r.ok()) << r.status();
  for (const char* name : {"app", "bigger"}) {
    const WorldId w = *r->FindWorld(name);
    auto bytes = EncodeWorldPackage(*r, w);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    auto component = binary::ReadComponent(
        binary::Bytes(bytes->data(), bytes->size()));
    ASSERT_TRUE(component.ok()) << component.status();
    const auto errors = binary::ValidateComponent(*component);
    for (const auto& e : errors) ADD_FAILURE() << e.message;
    auto decoded = DecodeComponentWorld(*component);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->resolve.worlds[decoded->world].name, name);
    EXPECT_EQ(WorldSummary(decoded->resolve, decoded->world),
              WorldSummary(*r, w));
  }
}

}  // namespace
}  // namespace wasi_bridge::wit
