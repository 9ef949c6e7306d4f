#!/bin/sh
# Build the p2-on-p3 shim core module: build-shim.sh OUT.wasm
# (quick standalone check; CMake does the same for the real build)
set -eu
out=${1:?usage: build-shim.sh OUT.wasm}
here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-clang-19}
LD=${LD:-wasm-ld-19}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
objs=
for src in "$here"/p2-on-p3/*.c; do
  obj="$tmp/$(basename "$src" .c).o"
  "$CC" --target=wasm32 -std=c17 -O2 -ffreestanding -nostdlib -fno-builtin -mbulk-memory \
    -Wall -Wextra -Werror -c "$src" -o "$obj"
  objs="$objs $obj"
done
# shellcheck disable=SC2086
"$LD" --no-entry --import-memory --strip-all --stack-first -z stack-size=65536 \
  $objs -o "$out"
