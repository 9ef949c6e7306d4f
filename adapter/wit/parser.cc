// A recursive-descent parser for WIT (component-model WIT.md grammar).
#include "adapter/wit/parser.h"

#include <array>

#include "absl/strings/str_format.h"
#include "adapter/binary/extern_names.h"
#include "adapter/support/status_macros.h"

namespace wasi_bridge::wit {
namespace {

using namespace ast;  // NOLINT: the parser builds every AST node kind
using binary::PrimValType;

constexpr std::array<std::string_view, 44> kKeywords = {
    "as",       "async",   "bool",     "borrow",  "char",    "constructor",
    "enum",     "export",  "f32",      "f64",     "flags",   "float32",
    "float64",  "func",    "future",   "import",  "include", "interface",
    "list",     "map",     "option",   "own",     "package", "record",
    "resource", "result",  "s16",      "s32",     "s64",     "s8",
    "static",   "stream",  "string",   "tuple",   "type",    "u16",
    "u32",      "u64",     "u8",       "use",     "variant", "with",
    "world",    "error-context"};

std::optional<PrimValType> PrimOf(std::string_view w) {
  static constexpr std::pair<std::string_view, PrimValType> kPrims[] = {
      {"bool", PrimValType::kBool},     {"s8", PrimValType::kS8},
      {"u8", PrimValType::kU8},         {"s16", PrimValType::kS16},
      {"u16", PrimValType::kU16},       {"s32", PrimValType::kS32},
      {"u32", PrimValType::kU32},       {"s64", PrimValType::kS64},
      {"u64", PrimValType::kU64},       {"f32", PrimValType::kF32},
      {"f64", PrimValType::kF64},       {"float32", PrimValType::kF32},
      {"float64", PrimValType::kF64},   {"char", PrimValType::kChar},
      {"string", PrimValType::kString},
      {"error-context", PrimValType::kErrorContext}};
  for (const auto& [name, p] : kPrims) {
    if (name == w) return p;
  }
  return std::nullopt;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string_view file)
      : t_(std::move(tokens)), file_(file) {}

  absl::StatusOr<File> ParseFile() {
    File f;
    f.path = std::string(file_);
    // An optional leading `package a:b@v;`.
    std::vector<Gate> gates;
    while (!AtEof()) {
      WB_ASSIGN_OR_RETURN(gates, ParseGates());
      if (IsWord("package")) {
        const Pos at = Peek().pos;
        Next();
        WB_ASSIGN_OR_RETURN(PackageId id, ParsePackageId());
        if (Peek().kind == Tok::kSemicolon) {
          Next();
          if (f.main.id || !f.main.interfaces.empty() ||
              !f.main.worlds.empty()) {
            return Err(at, "`package` declarations must come first, and "
                           "only once per file");
          }
          f.main.id = id;
          f.main.pos = at;
          continue;
        }
        WB_RETURN_IF_ERROR(Expect(Tok::kLBrace));
        PackageBody nested;
        nested.id = id;
        nested.pos = at;
        while (Peek().kind != Tok::kRBrace) {
          if (AtEof()) return Err(Peek().pos, "expected `}` closing package");
          WB_ASSIGN_OR_RETURN(std::vector<Gate> g, ParseGates());
          WB_RETURN_IF_ERROR(ParsePackageItem(nested, std::move(g)));
        }
        Next();
        f.nested.push_back(std::move(nested));
        continue;
      }
      WB_RETURN_IF_ERROR(ParsePackageItem(f.main, std::move(gates)));
    }
    return f;
  }

 private:
  // ---- token helpers.
  const Token& Peek(size_t ahead = 0) const {
    const size_t i = std::min(pos_ + ahead, t_.size() - 1);
    return t_[i];
  }
  const Token& Next() {
    const Token& t = t_[pos_];
    if (pos_ + 1 < t_.size()) ++pos_;
    return t;
  }
  bool AtEof() const { return Peek().kind == Tok::kEof; }
  bool IsWord(std::string_view w, size_t ahead = 0) const {
    return Peek(ahead).kind == Tok::kId && Peek(ahead).text == w;
  }
  absl::Status Err(Pos p, std::string_view msg) const {
    return WitError(file_, p, msg);
  }
  std::string Describe(const Token& t) const {
    if (t.kind == Tok::kId || t.kind == Tok::kExplicitId ||
        t.kind == Tok::kInteger || t.kind == Tok::kVersion) {
      return absl::StrFormat("`%s`", t.text);
    }
    return TokName(t.kind);
  }
  absl::Status Expect(Tok kind) {
    if (Peek().kind != kind) {
      return Err(Peek().pos, absl::StrFormat("expected %s, found %s",
                                             TokName(kind), Describe(Peek())));
    }
    Next();
    return absl::OkStatus();
  }
  absl::Status ExpectWord(std::string_view w) {
    if (!IsWord(w)) {
      return Err(Peek().pos, absl::StrFormat("expected `%s`, found %s", w,
                                             Describe(Peek())));
    }
    Next();
    return absl::OkStatus();
  }
  // A name: a non-keyword identifier or a `%`-escaped one, in kebab case.
  absl::StatusOr<std::string> ParseId(std::string_view what) {
    const Token& t = Peek();
    if (t.kind == Tok::kExplicitId ||
        (t.kind == Tok::kId && !IsWitKeyword(t.text))) {
      if (!binary::IsKebabLabel(t.text)) {
        return Err(t.pos, absl::StrFormat("%s `%s` is not a valid kebab-case "
                                          "identifier",
                                          what, t.text));
      }
      Next();
      return std::string(t.text);
    }
    if (t.kind == Tok::kId) {
      return Err(t.pos, absl::StrFormat("expected %s, found keyword `%s` "
                                        "(write `%%%s` to use it as a name)",
                                        what, t.text, t.text));
    }
    return Err(t.pos, absl::StrFormat("expected %s, found %s", what,
                                      Describe(t)));
  }

  // ---- gates.
  absl::StatusOr<std::vector<Gate>> ParseGates() {
    std::vector<Gate> gates;
    while (Peek().kind == Tok::kAttribute) {
      const Token& at = Next();
      Gate g;
      g.kind = std::string(at.text);
      if (g.kind != "since" && g.kind != "unstable" && g.kind != "deprecated") {
        return Err(at.pos, absl::StrFormat("unknown attribute `@%s`", g.kind));
      }
      WB_RETURN_IF_ERROR(Expect(Tok::kLParen));
      const Token& key = Peek();
      if (key.kind != Tok::kId) {
        return Err(key.pos, "expected `version` or `feature`");
      }
      g.key = std::string(key.text);
      const bool want_feature = g.kind == "unstable";
      if (g.key != (want_feature ? "feature" : "version")) {
        return Err(key.pos, absl::StrFormat("`@%s` takes `%s = ...`", g.kind,
                                            want_feature ? "feature"
                                                         : "version"));
      }
      Next();
      WB_RETURN_IF_ERROR(Expect(Tok::kEquals));
      const Token& v = Peek();
      if (want_feature ? v.kind != Tok::kId : v.kind != Tok::kVersion) {
        return Err(v.pos, absl::StrFormat("expected a %s, found %s",
                                          want_feature ? "feature name"
                                                       : "version",
                                          Describe(v)));
      }
      g.value = std::string(v.text);
      Next();
      WB_RETURN_IF_ERROR(Expect(Tok::kRParen));
      gates.push_back(std::move(g));
    }
    return gates;
  }

  // ---- packages and paths.
  absl::StatusOr<PackageId> ParsePackageId() {
    PackageId id;
    WB_ASSIGN_OR_RETURN(id.ns, ParseId("package namespace"));
    WB_RETURN_IF_ERROR(Expect(Tok::kColon));
    WB_ASSIGN_OR_RETURN(id.name, ParseId("package name"));
    if (Peek().kind == Tok::kColon) {
      return Err(Peek().pos, "nested package namespaces are not supported");
    }
    if (Peek().kind == Tok::kVersion) id.version = std::string(Next().text);
    return id;
  }

  absl::StatusOr<UsePath> ParseUsePath() {
    UsePath p;
    p.pos = Peek().pos;
    WB_ASSIGN_OR_RETURN(std::string first, ParseId("interface name"));
    if (Peek().kind != Tok::kColon) {
      p.name = std::move(first);
      return p;
    }
    Next();
    p.ns = std::move(first);
    WB_ASSIGN_OR_RETURN(p.package, ParseId("package name"));
    WB_RETURN_IF_ERROR(Expect(Tok::kSlash));
    WB_ASSIGN_OR_RETURN(p.name, ParseId("interface name"));
    if (Peek().kind == Tok::kVersion) p.version = std::string(Next().text);
    return p;
  }

  absl::Status ParsePackageItem(PackageBody& pkg, std::vector<Gate> gates) {
    if (IsWord("interface")) {
      Next();
      Interface iface;
      iface.pos = Peek().pos;
      iface.gates = std::move(gates);
      WB_ASSIGN_OR_RETURN(iface.name, ParseId("interface name"));
      WB_RETURN_IF_ERROR(ParseInterfaceBody(iface));
      pkg.interfaces.push_back(std::move(iface));
      return absl::OkStatus();
    }
    if (IsWord("world")) {
      Next();
      World w;
      w.pos = Peek().pos;
      w.gates = std::move(gates);
      WB_ASSIGN_OR_RETURN(w.name, ParseId("world name"));
      WB_RETURN_IF_ERROR(ParseWorldBody(w));
      pkg.worlds.push_back(std::move(w));
      return absl::OkStatus();
    }
    if (IsWord("use")) {
      Use u;
      u.pos = Next().pos;
      u.gates = std::move(gates);
      WB_ASSIGN_OR_RETURN(u.path, ParseUsePath());
      if (u.path.IsLocal()) {
        return Err(u.path.pos, "a top-level `use` needs a fully qualified "
                               "`ns:pkg/interface` path");
      }
      UseName n;
      n.name = u.path.name;
      n.pos = u.path.pos;
      if (IsWord("as")) {
        Next();
        WB_ASSIGN_OR_RETURN(n.as, ParseId("alias"));
      }
      u.names.push_back(std::move(n));
      WB_RETURN_IF_ERROR(Expect(Tok::kSemicolon));
      pkg.uses.push_back(std::move(u));
      return absl::OkStatus();
    }
    return Err(Peek().pos, absl::StrFormat("expected `interface`, `world`, "
                                           "`use` or `package`, found %s",
                                           Describe(Peek())));
  }

  // ---- interfaces.
  absl::Status ParseInterfaceBody(Interface& iface) {
    WB_RETURN_IF_ERROR(Expect(Tok::kLBrace));
    while (Peek().kind != Tok::kRBrace) {
      if (AtEof()) return Err(Peek().pos, "expected `}` closing interface");
      WB_ASSIGN_OR_RETURN(std::vector<Gate> gates, ParseGates());
      InterfaceItem item;
      if (IsWord("use")) {
        item.kind = InterfaceItem::Kind::kUse;
        WB_ASSIGN_OR_RETURN(item.use, ParseUse());
        item.use.gates = std::move(gates);
      } else if (IsTypeDefStart()) {
        item.kind = InterfaceItem::Kind::kType;
        WB_ASSIGN_OR_RETURN(item.type, ParseTypeDef());
        item.type.gates = std::move(gates);
      } else {
        item.kind = InterfaceItem::Kind::kFunc;
        WB_ASSIGN_OR_RETURN(item.func, ParseNamedFunc());
        item.func.gates = std::move(gates);
      }
      iface.items.push_back(std::move(item));
    }
    Next();
    return absl::OkStatus();
  }

  bool IsTypeDefStart() const {
    return IsWord("type") || IsWord("record") || IsWord("variant") ||
           IsWord("enum") || IsWord("flags") || IsWord("resource");
  }

  absl::StatusOr<Use> ParseUse() {
    Use u;
    u.pos = Next().pos;  // `use`
    WB_ASSIGN_OR_RETURN(u.path, ParseUsePath());
    WB_RETURN_IF_ERROR(Expect(Tok::kDot));
    WB_RETURN_IF_ERROR(Expect(Tok::kLBrace));
    while (true) {
      UseName n;
      n.pos = Peek().pos;
      WB_ASSIGN_OR_RETURN(n.name, ParseId("imported name"));
      if (IsWord("as")) {
        Next();
        WB_ASSIGN_OR_RETURN(n.as, ParseId("alias"));
      }
      u.names.push_back(std::move(n));
      if (Peek().kind == Tok::kComma) {
        Next();
        if (Peek().kind == Tok::kRBrace) break;
        continue;
      }
      break;
    }
    WB_RETURN_IF_ERROR(Expect(Tok::kRBrace));
    WB_RETURN_IF_ERROR(Expect(Tok::kSemicolon));
    return u;
  }

  // `name: [async] func(...) [-> T];`
  absl::StatusOr<Func> ParseNamedFunc() {
    Func f;
    f.pos = Peek().pos;
    WB_ASSIGN_OR_RETURN(f.name, ParseId("function name"));
    WB_RETURN_IF_ERROR(Expect(Tok::kColon));
    WB_RETURN_IF_ERROR(ParseFuncType(f));
    WB_RETURN_IF_ERROR(Expect(Tok::kSemicolon));
    return f;
  }

  absl::Status ParseFuncType(Func& f) {
    if (IsWord("async")) {
      Next();
      f.is_async = true;
    }
    WB_RETURN_IF_ERROR(ExpectWord("func"));
    return ParseParamsAndResult(f, /*allow_result=*/true);
  }

  absl::Status ParseParamsAndResult(Func& f, bool allow_result) {
    WB_RETURN_IF_ERROR(Expect(Tok::kLParen));
    while (Peek().kind != Tok::kRParen) {
      Param p;
      p.pos = Peek().pos;
      WB_ASSIGN_OR_RETURN(p.name, ParseId("parameter name"));
      WB_RETURN_IF_ERROR(Expect(Tok::kColon));
      WB_ASSIGN_OR_RETURN(p.type, ParseType());
      f.params.push_back(std::move(p));
      if (Peek().kind == Tok::kComma) {
        Next();
        continue;
      }
      if (Peek().kind != Tok::kRParen) {
        return Err(Peek().pos, absl::StrFormat("expected `,` or `)`, found %s",
                                               Describe(Peek())));
      }
    }
    Next();
    if (Peek().kind == Tok::kArrow) {
      if (!allow_result) {
        return Err(Peek().pos, "this function may not declare a result");
      }
      Next();
      if (Peek().kind == Tok::kLParen) {
        return Err(Peek().pos, "named or multiple results are not supported; "
                               "return a single type");
      }
      WB_ASSIGN_OR_RETURN(TypeExpr r, ParseType());
      f.result = std::move(r);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<TypeDef> ParseTypeDef() {
    TypeDef d;
    d.pos = Peek().pos;
    const std::string_view kw = Next().text;
    WB_ASSIGN_OR_RETURN(d.name, ParseId("type name"));
    if (kw == "type") {
      d.kind = TypeDef::Kind::kAlias;
      WB_RETURN_IF_ERROR(Expect(Tok::kEquals));
      WB_ASSIGN_OR_RETURN(d.alias, ParseType());
      WB_RETURN_IF_ERROR(Expect(Tok::kSemicolon));
      return d;
    }
    if (kw == "resource") {
      d.kind = TypeDef::Kind::kResource;
      if (Peek().kind == Tok::kSemicolon) {
        Next();
        return d;
      }
      WB_RETURN_IF_ERROR(Expect(Tok::kLBrace));
      while (Peek().kind != Tok::kRBrace) {
        if (AtEof()) return Err(Peek().pos, "expected `}` closing resource");
        WB_ASSIGN_OR_RETURN(std::vector<Gate> gates, ParseGates());
        ResourceFunc rf;
        if (IsWord("constructor")) {
          rf.kind = ResourceFunc::Kind::kConstructor;
          rf.func.pos = Next().pos;
          rf.func.name = "constructor";
          WB_RETURN_IF_ERROR(ParseParamsAndResult(rf.func, true));
          WB_RETURN_IF_ERROR(Expect(Tok::kSemicolon));
        } else {
          rf.func.pos = Peek().pos;
          WB_ASSIGN_OR_RETURN(rf.func.name, ParseId("method name"));
          WB_RETURN_IF_ERROR(Expect(Tok::kColon));
          if (IsWord("static")) {
            Next();
            rf.kind = ResourceFunc::Kind::kStatic;
          }
          WB_RETURN_IF_ERROR(ParseFuncType(rf.func));
          WB_RETURN_IF_ERROR(Expect(Tok::kSemicolon));
        }
        rf.func.gates = std::move(gates);
        d.methods.push_back(std::move(rf));
      }
      Next();
      return d;
    }
    WB_RETURN_IF_ERROR(Expect(Tok::kLBrace));
    if (kw == "record") d.kind = TypeDef::Kind::kRecord;
    if (kw == "variant") d.kind = TypeDef::Kind::kVariant;
    if (kw == "enum") d.kind = TypeDef::Kind::kEnum;
    if (kw == "flags") d.kind = TypeDef::Kind::kFlags;
    while (Peek().kind != Tok::kRBrace) {
      if (AtEof()) {
        return Err(Peek().pos, absl::StrFormat("expected `}` closing %s", kw));
      }
      Case c;
      c.pos = Peek().pos;
      WB_ASSIGN_OR_RETURN(c.name, ParseId("case name"));
      if (d.kind == TypeDef::Kind::kRecord) {
        WB_RETURN_IF_ERROR(Expect(Tok::kColon));
        WB_ASSIGN_OR_RETURN(TypeExpr t, ParseType());
        d.fields.push_back(Param{c.name, std::move(t), c.pos});
      } else {
        if (d.kind == TypeDef::Kind::kVariant &&
            Peek().kind == Tok::kLParen) {
          Next();
          WB_ASSIGN_OR_RETURN(TypeExpr t, ParseType());
          c.type = std::move(t);
          WB_RETURN_IF_ERROR(Expect(Tok::kRParen));
        }
        d.cases.push_back(std::move(c));
      }
      if (Peek().kind == Tok::kComma) {
        Next();
        continue;
      }
      if (Peek().kind != Tok::kRBrace) {
        return Err(Peek().pos, absl::StrFormat("expected `,` or `}`, found %s",
                                               Describe(Peek())));
      }
    }
    Next();
    const bool empty = d.kind == TypeDef::Kind::kRecord ? d.fields.empty()
                                                        : d.cases.empty();
    if (empty && d.kind != TypeDef::Kind::kRecord) {
      return Err(d.pos, absl::StrFormat("%s `%s` must have at least one case",
                                        kw, d.name));
    }
    return d;
  }

  // ---- types.
  absl::StatusOr<TypeExpr> ParseType() {
    TypeExpr t;
    t.pos = Peek().pos;
    if (Peek().kind == Tok::kExplicitId) {
      t.kind = TypeExpr::Kind::kNamed;
      WB_ASSIGN_OR_RETURN(t.name, ParseId("type name"));
      return t;
    }
    if (Peek().kind != Tok::kId) {
      return Err(t.pos, absl::StrFormat("expected a type, found %s",
                                        Describe(Peek())));
    }
    const std::string_view w = Peek().text;
    if (auto p = PrimOf(w)) {
      Next();
      t.kind = TypeExpr::Kind::kPrim;
      t.prim = *p;
      return t;
    }
    auto one_arg = [&](TypeExpr::Kind k) -> absl::StatusOr<TypeExpr> {
      Next();
      t.kind = k;
      WB_RETURN_IF_ERROR(Expect(Tok::kLAngle));
      WB_ASSIGN_OR_RETURN(TypeExpr a, ParseType());
      t.args.push_back(std::move(a));
      return t;
    };
    if (w == "list") {
      WB_ASSIGN_OR_RETURN(t, one_arg(TypeExpr::Kind::kList));
      if (Peek().kind == Tok::kComma) {
        Next();
        const Token& n = Peek();
        if (n.kind != Tok::kInteger) {
          return Err(n.pos, "expected the fixed list length");
        }
        uint64_t len = 0;
        for (char c : n.text) {
          len = len * 10 + static_cast<uint64_t>(c - '0');
          if (len > UINT32_MAX) return Err(n.pos, "fixed list length too large");
        }
        if (len == 0) return Err(n.pos, "fixed list length must be > 0");
        t.fixed_length = static_cast<uint32_t>(len);
        Next();
      }
      WB_RETURN_IF_ERROR(Expect(Tok::kRAngle));
      return t;
    }
    if (w == "option") {
      WB_ASSIGN_OR_RETURN(t, one_arg(TypeExpr::Kind::kOption));
      WB_RETURN_IF_ERROR(Expect(Tok::kRAngle));
      return t;
    }
    if (w == "borrow") {
      Next();
      t.kind = TypeExpr::Kind::kBorrow;
      WB_RETURN_IF_ERROR(Expect(Tok::kLAngle));
      WB_ASSIGN_OR_RETURN(t.name, ParseId("resource name"));
      WB_RETURN_IF_ERROR(Expect(Tok::kRAngle));
      return t;
    }
    if (w == "map") {
      WB_ASSIGN_OR_RETURN(t, one_arg(TypeExpr::Kind::kMap));
      WB_RETURN_IF_ERROR(Expect(Tok::kComma));
      WB_ASSIGN_OR_RETURN(TypeExpr v, ParseType());
      t.args.push_back(std::move(v));
      WB_RETURN_IF_ERROR(Expect(Tok::kRAngle));
      return t;
    }
    if (w == "tuple") {
      Next();
      t.kind = TypeExpr::Kind::kTuple;
      WB_RETURN_IF_ERROR(Expect(Tok::kLAngle));
      while (true) {
        WB_ASSIGN_OR_RETURN(TypeExpr e, ParseType());
        t.args.push_back(std::move(e));
        if (Peek().kind != Tok::kComma) break;
        Next();
        if (Peek().kind == Tok::kRAngle) break;
      }
      WB_RETURN_IF_ERROR(Expect(Tok::kRAngle));
      return t;
    }
    if (w == "stream" || w == "future") {
      Next();
      t.kind = w == "stream" ? TypeExpr::Kind::kStream : TypeExpr::Kind::kFuture;
      if (Peek().kind == Tok::kLAngle) {
        Next();
        WB_ASSIGN_OR_RETURN(TypeExpr e, ParseType());
        t.args.push_back(std::move(e));
        WB_RETURN_IF_ERROR(Expect(Tok::kRAngle));
      }
      return t;
    }
    if (w == "result") {
      Next();
      t.kind = TypeExpr::Kind::kResult;
      if (Peek().kind != Tok::kLAngle) return t;
      Next();
      if (Peek().kind == Tok::kUnderscore) {
        Next();
        WB_RETURN_IF_ERROR(Expect(Tok::kComma));
        WB_ASSIGN_OR_RETURN(TypeExpr e, ParseType());
        t.args.push_back(std::move(e));
        t.has_err = true;
      } else {
        WB_ASSIGN_OR_RETURN(TypeExpr ok, ParseType());
        t.args.push_back(std::move(ok));
        t.has_ok = true;
        if (Peek().kind == Tok::kComma) {
          Next();
          WB_ASSIGN_OR_RETURN(TypeExpr e, ParseType());
          t.args.push_back(std::move(e));
          t.has_err = true;
        }
      }
      WB_RETURN_IF_ERROR(Expect(Tok::kRAngle));
      return t;
    }
    if (w == "own") {
      return Err(t.pos, "`own<T>` is not WIT syntax; write the resource "
                        "name itself");
    }
    t.kind = TypeExpr::Kind::kNamed;
    WB_ASSIGN_OR_RETURN(t.name, ParseId("type name"));
    return t;
  }

  // ---- worlds.
  absl::Status ParseWorldBody(World& w) {
    WB_RETURN_IF_ERROR(Expect(Tok::kLBrace));
    while (Peek().kind != Tok::kRBrace) {
      if (AtEof()) return Err(Peek().pos, "expected `}` closing world");
      WB_ASSIGN_OR_RETURN(std::vector<Gate> gates, ParseGates());
      WorldItem item;
      item.pos = Peek().pos;
      item.gates = std::move(gates);
      if (IsWord("import") || IsWord("export")) {
        item.kind = IsWord("import") ? WorldItem::Kind::kImport
                                     : WorldItem::Kind::kExport;
        Next();
        WB_RETURN_IF_ERROR(ParseExtern(item));
      } else if (IsWord("use")) {
        item.kind = WorldItem::Kind::kUse;
        WB_ASSIGN_OR_RETURN(item.use, ParseUse());
      } else if (IsWord("include")) {
        item.kind = WorldItem::Kind::kInclude;
        item.include.pos = Next().pos;
        WB_ASSIGN_OR_RETURN(item.include.world, ParseUsePath());
        if (IsWord("with")) {
          Next();
          WB_RETURN_IF_ERROR(Expect(Tok::kLBrace));
          while (Peek().kind != Tok::kRBrace) {
            WB_ASSIGN_OR_RETURN(std::string from, ParseId("included name"));
            WB_RETURN_IF_ERROR(ExpectWord("as"));
            WB_ASSIGN_OR_RETURN(std::string to, ParseId("new name"));
            item.include.with.push_back({std::move(from), std::move(to)});
            if (Peek().kind != Tok::kComma) break;
            Next();
          }
          WB_RETURN_IF_ERROR(Expect(Tok::kRBrace));
        } else {
          WB_RETURN_IF_ERROR(Expect(Tok::kSemicolon));
        }
      } else if (IsTypeDefStart()) {
        item.kind = WorldItem::Kind::kType;
        WB_ASSIGN_OR_RETURN(item.type, ParseTypeDef());
      } else {
        return Err(Peek().pos, absl::StrFormat("expected `import`, `export`, "
                                               "`use`, `include` or a type, "
                                               "found %s",
                                               Describe(Peek())));
      }
      w.items.push_back(std::move(item));
    }
    Next();
    return absl::OkStatus();
  }

  absl::Status ParseExtern(WorldItem& item) {
    // `name: func...`, `name: interface {...}`, or an interface path.
    const bool labelled =
        Peek(1).kind == Tok::kColon &&
        (IsWord("func", 2) || IsWord("async", 2) || IsWord("interface", 2));
    if (!labelled) {
      item.extern_kind = WorldItem::Extern::kPath;
      WB_ASSIGN_OR_RETURN(item.path, ParseUsePath());
      return Expect(Tok::kSemicolon);
    }
    WB_ASSIGN_OR_RETURN(item.name, ParseId("import or export name"));
    Next();  // `:`
    if (IsWord("interface")) {
      Next();
      item.extern_kind = WorldItem::Extern::kInterface;
      item.inline_interface = std::make_shared<Interface>();
      item.inline_interface->pos = item.pos;
      return ParseInterfaceBody(*item.inline_interface);
    }
    item.extern_kind = WorldItem::Extern::kFunc;
    item.func.name = item.name;
    item.func.pos = item.pos;
    WB_RETURN_IF_ERROR(ParseFuncType(item.func));
    return Expect(Tok::kSemicolon);
  }

  std::vector<Token> t_;
  std::string_view file_;
  size_t pos_ = 0;
};

}  // namespace

bool IsWitKeyword(std::string_view word) {
  for (std::string_view k : kKeywords) {
    if (k == word) return true;
  }
  return false;
}

absl::StatusOr<ast::File> ParseWit(std::string_view source,
                                   std::string_view file) {
  WB_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(source, file));
  return Parser(std::move(tokens), file).ParseFile();
}

}  // namespace wasi_bridge::wit

namespace wasi_bridge::wit::ast {

std::string UsePath::ToString() const {
  if (IsLocal()) return name;
  std::string s = ns + ":" + package + "/" + name;
  if (!version.empty()) s += "@" + version;
  return s;
}

std::string PackageId::ToString() const {
  std::string s = ns + ":" + name;
  if (!version.empty()) s += "@" + version;
  return s;
}

}  // namespace wasi_bridge::wit::ast
