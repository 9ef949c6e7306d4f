#include "engine/cabi/value.h"

#include <bit>
#include <cmath>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace wasi_bridge::engine::cabi {

namespace {

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    } else {
      out += static_cast<char>(c);  // UTF-8 passes through
    }
  }
  out += '"';
  return out;
}

std::string Join(const std::vector<Value>& vs) {
  std::vector<std::string> parts;
  parts.reserve(vs.size());
  for (const Value& v : vs) parts.push_back(ToString(v));
  return absl::StrJoin(parts, ", ");
}

}  // namespace

std::string ToString(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int8_t>) {
          return absl::StrCat(v, "s8");
        } else if constexpr (std::is_same_v<T, uint8_t>) {
          return absl::StrCat(v, "u8");
        } else if constexpr (std::is_same_v<T, int16_t>) {
          return absl::StrCat(v, "s16");
        } else if constexpr (std::is_same_v<T, uint16_t>) {
          return absl::StrCat(v, "u16");
        } else if constexpr (std::is_same_v<T, int32_t>) {
          return absl::StrCat(v, "s32");
        } else if constexpr (std::is_same_v<T, uint32_t>) {
          return absl::StrCat(v, "u32");
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return absl::StrCat(v, "s64");
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          return absl::StrCat(v, "u64");
        } else if constexpr (std::is_same_v<T, F32Value>) {
          float f = std::bit_cast<float>(v.bits);
          if (std::isnan(f)) return absl::StrFormat("nan:0x%08x_f32", v.bits);
          return absl::StrFormat("%.9g_f32", f);
        } else if constexpr (std::is_same_v<T, F64Value>) {
          double d = std::bit_cast<double>(v.bits);
          if (std::isnan(d)) return absl::StrFormat("nan:0x%016x_f64", v.bits);
          return absl::StrFormat("%.17g_f64", d);
        } else if constexpr (std::is_same_v<T, CharValue>) {
          return absl::StrFormat("char(U+%04X)", v.code_point);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return Quote(v);
        } else if constexpr (std::is_same_v<T, ErrorContextValue>) {
          return absl::StrCat("error-context(", v.index, ")");
        } else if constexpr (std::is_same_v<T, ListValue>) {
          return absl::StrCat("[", Join(v.elems), "]");
        } else if constexpr (std::is_same_v<T, RecordValue>) {
          return absl::StrCat("{", Join(v.fields), "}");
        } else if constexpr (std::is_same_v<T, VariantValue>) {
          if (v.payload == nullptr) return absl::StrCat("case", v.index);
          return absl::StrCat("case", v.index, "(", ToString(*v.payload), ")");
        } else if constexpr (std::is_same_v<T, FlagsValue>) {
          return absl::StrFormat("flags(0x%x)", v.bits);
        } else if constexpr (std::is_same_v<T, OwnValue>) {
          return absl::StrCat("own(", v.rep, ")");
        } else if constexpr (std::is_same_v<T, BorrowValue>) {
          return absl::StrCat("borrow(", v.rep, ")");
        } else if constexpr (std::is_same_v<T, StreamValue>) {
          return absl::StrCat("stream(", v.index, ")");
        } else {
          static_assert(std::is_same_v<T, FutureValue>);
          return absl::StrCat("future(", v.index, ")");
        }
      },
      value.storage());
}

}  // namespace wasi_bridge::engine::cabi
