#!/usr/bin/env bash
# test.sh - the whole test suite, non-interactive:
#   1. scripts/setup.sh --deps-only (Debian packages + oracles -> build/oracles.env)
#   2. builds build/release (Release, -Werror, unit tests), build/asan (ASan+UBSan,
#      RelWithDebInfo, unit tests) and build/fuzz (libFuzzer + ASan/UBSan)
#   3. builds the fixture components once into build/fixtures (needs the oracles;
#      rebuilt only when ../shared/fixtures changes)
#   4. ctest in build/release and build/asan, then the pytest integration suite
# Prints a final line "N passed, N failed" (ctest + pytest + failed build steps)
# and exits non-zero if anything failed.
# Env: WB_JOBS (build/ctest parallelism, default nproc), WB_SHARED (../shared),
#      PYTHON (python3), WB_SKIP_FUZZ=1 / WB_SKIP_ASAN=1 to leave those builds out,
#      plus the knobs the tests read (WB_TRUNC_COUNT, WB_FLIP_COUNT, WB_FUZZ_SECONDS,
#      WB_FUZZ_SEED). A libFuzzer crash input is kept in build/fuzz/artifacts/.
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${WB_JOBS:-$(nproc)}
SHARED=${WB_SHARED:-$ROOT/../shared}
PASSED=0
FAILED=0
SKIPPED=0
REPORT=()
log() { printf '\n== %s\n' "$*"; }
note() { REPORT+=("$*"); }
step_failed() { FAILED=$((FAILED + 1)); note "FAILED: $*"; echo "FAILED: $*" >&2; }

# ---- 1. dependencies ----------------------------------------------------------
log "setup.sh --deps-only"
bash scripts/setup.sh --deps-only </dev/null || step_failed "scripts/setup.sh --deps-only"
if [ -f build/oracles.env ]; then
  # shellcheck disable=SC1091
  source build/oracles.env
fi
export ORACLES=${ORACLES:-} JCO=${JCO:-} NODE26=${NODE26:-}

# ---- 2. builds ----------------------------------------------------------------
COMMON=(-G Ninja -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19)
declare -A BUILT=()
build() { # build NAME [--targets "T..."] cmake-args...   (targets: those that exist; default all)
  local name=$1 want="" targets=() t; shift
  if [ "${1:-}" = --targets ]; then want=$2; shift 2; fi
  log "build/$name: configure + build (jobs: $JOBS)"
  if ! cmake -S . -B "build/$name" "${COMMON[@]}" "$@" >"build/$name.configure.log" 2>&1; then
    tail -n 30 "build/$name.configure.log"
    step_failed "configure build/$name (log: build/$name.configure.log)"
    return 1
  fi
  for t in $want; do
    # grep reads the whole list: with -q it can exit early, and pipefail would
    # then count ninja's SIGPIPE as a missing target.
    ninja -C "build/$name" -t targets all 2>/dev/null | grep "^$t:" >/dev/null && targets+=("$t")
  done
  if ! ninja -C "build/$name" -j "$JOBS" "${targets[@]}"; then
    step_failed "build build/$name"
    return 1
  fi
  BUILT[$name]=1
}
mkdir -p build
build release -DCMAKE_BUILD_TYPE=Release -DWB_WERROR=ON -DWB_TESTS=ON
if [ "${WB_SKIP_ASAN:-0}" != 1 ]; then
  build asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWB_SANITIZE=ON -DWB_TESTS=ON
fi
if [ "${WB_SKIP_FUZZ:-0}" != 1 ]; then
  # tests/fuzz is added from tests/ (WB_TESTS=ON); only the fuzz targets and the
  # CLI are built here, not the unit tests a second time.
  build fuzz --targets "component_fuzz upgrade_fuzz wit_fuzz wave_fuzz wasi-bridge" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWB_FUZZ=ON -DWB_SANITIZE=ON -DWB_TESTS=ON
fi

# ---- 3. fixtures --------------------------------------------------------------
FIX=build/fixtures
log "fixtures -> $FIX"
if [ -z "$ORACLES" ] || [ ! -d "$ORACLES/node_modules/@bytecodealliance/jco" ]; then
  echo "SKIP fixtures: oracles not installed (no ORACLES/jco); fixture tests will skip"
  note "fixtures: not built (oracles missing)"
elif [ ! -f "$SHARED/fixtures/build-fixtures.sh" ]; then
  echo "SKIP fixtures: $SHARED/fixtures/build-fixtures.sh not found; fixture tests will skip"
  note "fixtures: not built ($SHARED/fixtures missing)"
else
  # Up to date when the sources, the oracle versions and the script are unchanged.
  stamp=$( { (cd "$SHARED/fixtures" && find . -type f -print0 | sort -z | xargs -0 sha256sum);
             cat "$ORACLES/package.json" 2>/dev/null; echo "NODE26=${NODE26:-}"; } | sha256sum | cut -d' ' -f1)
  if [ -f "$FIX/.stamp" ] && [ "$(cat "$FIX/.stamp")" = "$stamp" ] && [ -f "$FIX/cli_probe.p2.wasm" ]; then
    echo "fixtures up to date"
  else
    rm -rf "$FIX"; mkdir -p "$FIX"
    echo "building fixtures (log: build/fixtures.log) ..."
    if (export ORACLES NODE26; bash "$SHARED/fixtures/build-fixtures.sh" "$FIX") </dev/null >build/fixtures.log 2>&1; then
      echo "$stamp" > "$FIX/.stamp"
      echo "fixtures built: $(ls "$FIX"/*.wasm | wc -l) .wasm files"
    else
      tail -n 30 build/fixtures.log
      step_failed "build fixtures (log: build/fixtures.log)"
    fi
  fi
fi

# ---- 4a. unit tests (ctest) ---------------------------------------------------
run_ctest() { # run_ctest NAME
  local name=$1 out rc total nfail
  log "ctest build/$name"
  if [ -z "${BUILT[$name]:-}" ]; then echo "skipped: build/$name did not build"; return; fi
  out=$(cd "build/$name" && ctest --output-on-failure -j "$JOBS" 2>&1); rc=$?
  printf '%s\n' "$out"
  if grep -q "No tests were found" <<<"$out"; then
    note "ctest $name: no tests"; return
  fi
  read -r total nfail < <(sed -nE 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2 \1/p' <<<"$out" | tail -n1)
  if [ -z "${total:-}" ]; then
    step_failed "ctest $name (exit $rc, no summary)"; return
  fi
  PASSED=$((PASSED + total - nfail)); FAILED=$((FAILED + nfail))
  note "ctest $name: $((total - nfail)) passed, $nfail failed"
  if [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then step_failed "ctest $name exit $rc"; fi
}
run_ctest release
[ "${WB_SKIP_ASAN:-0}" != 1 ] && run_ctest asan

# ---- 4b. integration tests (pytest) -------------------------------------------
log "pytest tests/integration"
PY=${PYTHON:-python3}
if ! "$PY" -c 'import pytest' 2>/dev/null; then PY=/usr/bin/python3; fi
JUNIT=build/pytest.xml
rm -f "$JUNIT"
WB_BIN=$ROOT/build/release/cli/wasi-bridge \
WB_ASAN_BIN=$ROOT/build/asan/cli/wasi-bridge \
WB_FIXTURES=$ROOT/$FIX \
WB_FUZZ_DIR=$ROOT/build/fuzz \
WB_SHARED=$SHARED \
  "$PY" -m pytest tests/integration -v -rs -p no:cacheprovider --junitxml="$JUNIT" </dev/null
rc=$?
if [ -f "$JUNIT" ]; then
  read -r p f s < <("$PY" - "$JUNIT" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
k = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - k, f, k)
EOF
)
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f)); SKIPPED=$((SKIPPED + s))
  note "pytest: $p passed, $f failed, $s skipped (exit $rc)"
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ] && [ "$f" -eq 0 ]; then step_failed "pytest exit $rc"; fi
elif [ "$rc" -eq 5 ]; then
  note "pytest: no tests collected"
else
  step_failed "pytest exit $rc (no report)"
fi

# ---- summary ------------------------------------------------------------------
log "summary"
for line in "${REPORT[@]}"; do echo "  $line"; done
[ "$SKIPPED" -gt 0 ] && echo "  ($SKIPPED skipped; see the pytest -rs lines above for reasons)"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
