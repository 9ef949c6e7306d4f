#!/bin/sh
# Checks a built shim: check-shim.sh [SHIM.wasm]   (default: builds one)
#  1. every 0.2.12 export has the canonical ABI lowering of its WIT function,
#  2. every 0.3.0 import (and canon built-in) has the lowering wit-component expects,
#  both by letting `wasm-tools component new` validate generated core modules;
#  3. if node is available ($NODE26 or node), runs the mock harness.
# Needs wasm-tools on PATH (source build/oracles.env).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
wit=$here/../../polyfill-wit
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
shim=${1:-}
if [ -z "$shim" ]; then shim=$tmp/shim.wasm; "$here/../build-shim.sh" "$shim"; fi

mkworld() {  # dir version interfaces...
  d=$1; v=$2; shift 2
  mkdir -p "$d/deps"
  for p in "$wit/wasi-$v"/*/; do ln -s "$p" "$d/deps/$(basename "$p")"; done
  { echo "package test:shim;"; echo "world w {"
    for i in "$@"; do echo "  import wasi:$i@$v;"; done; echo "}"; } > "$d/world.wit"
}
mkworld "$tmp/w2" 0.2.12 io/error io/poll io/streams cli/environment cli/exit cli/stdin \
  cli/stdout cli/stderr cli/terminal-input cli/terminal-output cli/terminal-stdin \
  cli/terminal-stdout cli/terminal-stderr clocks/monotonic-clock clocks/wall-clock \
  random/random random/insecure random/insecure-seed filesystem/types filesystem/preopens
mkworld "$tmp/w3" 0.3.0 cli/environment cli/exit cli/stdin cli/stdout cli/stderr \
  cli/terminal-input cli/terminal-output cli/terminal-stdin cli/terminal-stdout \
  cli/terminal-stderr clocks/monotonic-clock clocks/system-clock random/random \
  random/insecure random/insecure-seed filesystem/types filesystem/preopens

for side in exports:w2 imports:w3; do
  mode=${side%%:*}; world=${side#*:}
  python3 "$here/shim_signatures.py" "$mode" "$shim" "$tmp/$mode.wat"
  wasm-tools parse "$tmp/$mode.wat" -o "$tmp/$mode.wasm"
  wasm-tools component embed "$tmp/$world" "$tmp/$mode.wasm" --world w -o "$tmp/$mode.emb.wasm"
  wasm-tools component new "$tmp/$mode.emb.wasm" -o "$tmp/$mode.component.wasm"
  echo "$mode: signatures OK"
done

node=${NODE26:-$(command -v node || true)}
if [ -n "$node" ]; then "$node" "$here/mock-run.mjs" "$shim" | tail -1; fi
