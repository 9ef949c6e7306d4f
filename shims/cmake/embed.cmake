# cmake -DIN=file.wasm -DOUT=file.cc -DFUNC=Name -P embed.cmake
# Writes a C++ source defining wb::shims::FUNC() over the bytes of IN.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
if(n EQUAL 0)
  message(FATAL_ERROR "embed.cmake: ${IN} is empty")
endif()
# 16 bytes (32 hex digits) per line, then each byte pair -> 0xNN,
string(REGEX REPLACE "([0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f])"
       "\\1\n" hex "${hex}")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
get_filename_component(name "${IN}" NAME)
file(WRITE "${OUT}.tmp" "// Generated from ${name} by shims/cmake/embed.cmake. Do not edit.
#include \"wasi_bridge/shims.h\"

namespace wb::shims {
namespace {
constexpr uint8_t kBytes[] = {
${bytes}
};
}  // namespace

std::span<const uint8_t> ${FUNC}() { return kBytes; }

}  // namespace wb::shims
")
# Only touch OUT when the content changed (avoids needless recompiles).
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
