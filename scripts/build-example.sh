#!/usr/bin/env bash
# build-example.sh - regenerate examples/hello-p2.wasm from examples/hello-p2.wat
# with `jco parse`, then check it with jco's wasm-tools (decode + transpile).
# Needs the oracles (bash ../shared/tools/install-oracles.sh, or scripts/setup.sh,
# which writes build/oracles.env).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ -z "${JCO:-}" ] && [ -f build/oracles.env ]; then source build/oracles.env; fi
: "${JCO:?JCO is not set: run scripts/setup.sh (writes build/oracles.env) or install-oracles.sh}"
: "${ORACLES:?ORACLES is not set}"
"$JCO" parse examples/hello-p2.wat -o examples/hello-p2.wasm
echo "wrote examples/hello-p2.wasm ($(stat -c %s examples/hello-p2.wasm) bytes)"
"$JCO" wit examples/hello-p2.wasm
VALIDATOR=../shared/fixtures/validate-components.mjs
if [ -f "$VALIDATOR" ]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  ln -s "$ORACLES/node_modules" "$tmp/node_modules"
  cp "$VALIDATOR" "$tmp/"
  (cd "$tmp" && node validate-components.mjs --full "$ROOT/examples/hello-p2.wasm")
fi
