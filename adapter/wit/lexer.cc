#include "adapter/wit/lexer.h"

#include "absl/strings/str_format.h"

namespace wasi_bridge::wit {
namespace {

bool IsIdStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsIdChar(char c) {
  return IsIdStart(c) || (c >= '0' && c <= '9') || c == '-';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsVersionChar(char c) {
  return IsIdChar(c) || c == '+';
}

class Lexer {
 public:
  Lexer(std::string_view src, std::string_view file) : src_(src), file_(file) {}

  absl::StatusOr<std::vector<Token>> Run() {
    std::vector<Token> out;
    while (true) {
      auto status = SkipTrivia();
      if (!status.ok()) return status;
      Token t;
      t.pos = pos_;
      if (i_ >= src_.size()) {
        t.kind = Tok::kEof;
        out.push_back(t);
        return out;
      }
      const size_t start = i_;
      const char c = src_[i_];
      if (IsIdStart(c) || c == '%') {
        const bool explicit_id = c == '%';
        if (explicit_id) Advance();
        const size_t id_start = i_;
        if (i_ >= src_.size() || !IsIdStart(src_[i_])) {
          return WitError(file_, t.pos, "expected an identifier after `%`");
        }
        while (i_ < src_.size() && IsIdChar(src_[i_])) Advance();
        t.kind = explicit_id ? Tok::kExplicitId : Tok::kId;
        t.text = src_.substr(id_start, i_ - id_start);
      } else if (IsDigit(c)) {
        while (i_ < src_.size() && IsDigit(src_[i_])) Advance();
        t.kind = Tok::kInteger;
        if (i_ + 1 < src_.size() && src_[i_] == '.' && IsDigit(src_[i_ + 1])) {
          LexVersion();  // `@since(version = 0.2.0)`
          t.kind = Tok::kVersion;
        }
        t.text = src_.substr(start, i_ - start);
      } else if (c == '@') {
        Advance();
        const size_t v = i_;
        if (i_ < src_.size() && IsDigit(src_[i_])) {
          LexVersion();
          t.kind = Tok::kVersion;
        } else if (i_ < src_.size() && IsIdStart(src_[i_])) {
          while (i_ < src_.size() && IsIdChar(src_[i_])) Advance();
          t.kind = Tok::kAttribute;
        } else {
          return WitError(file_, t.pos,
                          "expected a version or an attribute after `@`");
        }
        t.text = src_.substr(v, i_ - v);
      } else if (c == '-' && i_ + 1 < src_.size() && src_[i_ + 1] == '>') {
        Advance();
        Advance();
        t.kind = Tok::kArrow;
        t.text = "->";
      } else {
        Tok k;
        switch (c) {
          case '{': k = Tok::kLBrace; break;
          case '}': k = Tok::kRBrace; break;
          case '(': k = Tok::kLParen; break;
          case ')': k = Tok::kRParen; break;
          case '<': k = Tok::kLAngle; break;
          case '>': k = Tok::kRAngle; break;
          case ',': k = Tok::kComma; break;
          case ';': k = Tok::kSemicolon; break;
          case ':': k = Tok::kColon; break;
          case '.': k = Tok::kDot; break;
          case '/': k = Tok::kSlash; break;
          case '=': k = Tok::kEquals; break;
          case '*': k = Tok::kStar; break;
          case '_': k = Tok::kUnderscore; break;
          default: {
            const unsigned char u = static_cast<unsigned char>(c);
            return WitError(file_, t.pos,
                            u >= 0x20 && u < 0x7f
                                ? absl::StrFormat("unexpected character `%c`", c)
                                : absl::StrFormat("unexpected byte 0x%02x", u));
          }
        }
        Advance();
        t.kind = k;
        t.text = src_.substr(start, 1);
      }
      out.push_back(t);
    }
  }

 private:
  void Advance() {
    if (src_[i_] == '\n') {
      ++pos_.line;
      pos_.column = 1;
    } else {
      ++pos_.column;
    }
    ++i_;
  }

  // semver: digits and dots, then `-pre.release` and `+build` parts, where a
  // dot only continues the version if an identifier character follows (so
  // `@0.2.0.{a}` stops before `.{`).
  void LexVersion() {
    while (i_ < src_.size()) {
      const char c = src_[i_];
      if (IsVersionChar(c)) {
        Advance();
      } else if (c == '.' && i_ + 1 < src_.size() &&
                 IsVersionChar(src_[i_ + 1])) {
        Advance();
      } else {
        break;
      }
    }
  }

  absl::Status SkipTrivia() {
    while (i_ < src_.size()) {
      const char c = src_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        Advance();
      } else if (c == '/' && i_ + 1 < src_.size() && src_[i_ + 1] == '/') {
        while (i_ < src_.size() && src_[i_] != '\n') Advance();
      } else if (c == '/' && i_ + 1 < src_.size() && src_[i_ + 1] == '*') {
        const Pos start = pos_;
        Advance();
        Advance();
        int depth = 1;  // block comments nest
        while (depth > 0) {
          if (i_ >= src_.size()) {
            return WitError(file_, start, "unterminated block comment");
          }
          if (src_[i_] == '/' && i_ + 1 < src_.size() && src_[i_ + 1] == '*') {
            Advance();
            Advance();
            ++depth;
          } else if (src_[i_] == '*' && i_ + 1 < src_.size() &&
                     src_[i_ + 1] == '/') {
            Advance();
            Advance();
            --depth;
          } else {
            Advance();
          }
        }
      } else {
        break;
      }
    }
    return absl::OkStatus();
  }

  std::string_view src_;
  std::string_view file_;
  size_t i_ = 0;
  Pos pos_;
};

}  // namespace

absl::Status WitError(std::string_view file, Pos pos,
                      std::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrFormat("%s:%d:%d: %s", file, pos.line, pos.column, message));
}

absl::StatusOr<std::vector<Token>> Lex(std::string_view source,
                                       std::string_view file) {
  return Lexer(source, file).Run();
}

const char* TokName(Tok t) {
  switch (t) {
    case Tok::kEof: return "end of file";
    case Tok::kId: return "identifier";
    case Tok::kExplicitId: return "identifier";
    case Tok::kInteger: return "integer";
    case Tok::kVersion: return "version";
    case Tok::kAttribute: return "attribute";
    case Tok::kLBrace: return "`{`";
    case Tok::kRBrace: return "`}`";
    case Tok::kLParen: return "`(`";
    case Tok::kRParen: return "`)`";
    case Tok::kLAngle: return "`<`";
    case Tok::kRAngle: return "`>`";
    case Tok::kComma: return "`,`";
    case Tok::kSemicolon: return "`;`";
    case Tok::kColon: return "`:`";
    case Tok::kDot: return "`.`";
    case Tok::kSlash: return "`/`";
    case Tok::kEquals: return "`=`";
    case Tok::kArrow: return "`->`";
    case Tok::kStar: return "`*`";
    case Tok::kUnderscore: return "`_`";
  }
  return "?";
}

}  // namespace wasi_bridge::wit
