"""Differential test of the engine's synchronous Canonical ABI against jco.

tests/diff/gen.py generates WB_CABI_DIFF_CASES (default 2000) random
component function types `id-K: func(p0: T0, ...) -> R` with values, in
components of 50 functions. Each component imports `id-K` and exports
  run-K    same type; its core function forwards the flat arguments (or the
           spilled-argument pointer) to the lowered id-K, so arguments go
           host -> lower -> guest -> lift -> host `id-K` and back as R;
  call-K   func() -> R: calls id-K with arguments encoded by gen.py (an
           independent encoder), returns what id-K returns;
  const-K  func() -> R: returns R encoded by gen.py;
  bad-K    func() -> R (some K): R with one corruption every lift must trap
           on (bad char or discriminant, invalid UTF-8, pointers out of
           bounds or misaligned).
The host `id-K` returns its arguments as R, so the expected result of every
case is known from its arguments. Some call-K/const-K encodings are
non-canonical in ways the spec tolerates (garbage padding and unused bits,
bool as any non-zero, ...; gen.py `Image`), listed per case as "quirks".

The engine side (tests/diff/cabi_diff_driver.cc, target wb_cabi_diff) and
the jco side (tests/diff/jco_side.mjs, jco-transpile) both run every case;
both must produce exactly the expected results and host arguments (NaNs:
the engine must give the canonical NaN, as the spec's lift does; jco any
NaN), so they agree with each other. Differences known to be jco's are
listed in JCO_DEVIATIONS and reported, not failed; engine bugs would go to
ENGINE_BUGS (none known).

Env: WB_CABI_DIFF_CASES (2000), WB_CABI_DIFF_SEED (fixed), WB_CABI_DIFF_BIN
(the driver; default next to WB_BIN's build: <build>/tests/diff/wb_cabi_diff),
WASM_TOOLS, ORACLES (jco), WB_CABI_DIFF_KEEP=DIR (keep the generated files).
Without wasm-tools everything skips; without jco only the jco comparison.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import REPO, WB_BIN, assert_no_crash, find_wasm_tools, run

DIFF = REPO / "tests/diff"
CASES = int(os.environ.get("WB_CABI_DIFF_CASES", "2000"))
SEED = int(os.environ.get("WB_CABI_DIFF_SEED", "20260623"))
PER_COMPONENT = 50

# Engine bugs found by this test: predicate over a case -> bug description.
# The matching cases are expected to fail on the engine (reported, not
# failed); all others stay strict. None known.
ENGINE_BUGS: dict[str, tuple] = {}

# jco (jco-transpile 0.15 / js-component-bindgen) departs from the spec's
# Canonical ABI (CanonicalABI.md, definitions.py) here; cases that use such
# an encoding may fail on jco only.
JCO_QUIRKS = {
    # call-K/const-K encodings (quirks recorded by gen.py)
    "bool-not-1": "traps on a bool other than 0/1 (\"invalid variant discriminant for bool\"); "
                  "the spec's convert_int_to_bool takes any non-zero value as true",
    "flags-extra-bits": "traps on flags bits beyond the labels (\"flags have extraneous bits "
                        "set\"); the spec's unpack_flags_from_int ignores them",
    "int-high-bits": "traps on u8/s8/u16/s16 flat i32 values with bits above the width "
                     "(\"must be between\"); the spec's lift_flat_unsigned/signed wrap",
    "i64-slot-high-bits": "does not wrap a variant's joined i64 slot to 32 bits before "
                          "lifting an i32/f32 payload (wrap_i64_to_i32): garbage high bits "
                          "change values and pointers",
    "negative-in-i64-slot": "same cause: a negative s8/s16/s32 payload zero-extended into a "
                            "joined i64 slot (as the spec's lower_flat_variant produces) "
                            "lifts as a large positive number or traps",
}
JCO_NO_TRAP = {
    # bad-K corruptions jco does not trap on
    "string-utf8": "decodes invalid UTF-8 with replacement characters (TextDecoder, not "
                   "fatal) instead of trapping",
    "return-area-misaligned": "does not check the alignment of a returned result pointer",
    "numeric-list-out-of-bounds": "lifts list<number> with ArrayBuffer.slice, which clamps "
                                  "instead of trapping on out-of-bounds contents",
    "empty-list-out-of-bounds": "does not bounds-check the pointer of an empty list (the "
                                "spec traps if ptr + 0 is beyond the memory)",
}


# ------------------------------------------------------------------ helpers




def find_driver() -> Path:
    if os.environ.get("WB_CABI_DIFF_BIN"):
        return Path(os.environ["WB_CABI_DIFF_BIN"])
    # WB_BIN is <build>/cli/wasi-bridge
    return WB_BIN.parent.parent / "tests/diff/wb_cabi_diff"


def oracle_node_modules() -> Path | None:
    roots = [Path(os.environ["ORACLES"])] if os.environ.get("ORACLES") else []
    roots.append(Path.home() / ".cache/wasi-bridge-oracles")
    for r in roots:
        if (r / "node_modules/@bytecodealliance/jco-transpile").is_dir():
            return r / "node_modules"
    return None


def is_nan(kind: str, bits: int) -> bool:
    if kind == "f32":
        return (bits >> 23) & 0xFF == 0xFF and bits & 0x7FFFFF != 0
    return (bits >> 52) & 0x7FF == 0x7FF and bits & ((1 << 52) - 1) != 0


CANONICAL_NAN = {"f32": str(0x7FC00000), "f64": str(0x7FF8000000000000)}


def normalize(v, nan: str):
    """A json-from-wast value with NaNs replaced: nan="canonical" gives the
    canonical NaN's bits (what the spec's lift produces), nan="any" a
    placeholder (any NaN is as good)."""
    if isinstance(v, dict):
        t = v.get("type")
        if t in ("f32", "f64") and isinstance(v.get("value"), str) and \
                is_nan(t, int(v["value"])):
            return {"type": t, "value": CANONICAL_NAN[t] if nan == "canonical" else "NaN"}
        return {k: normalize(x, nan) for k, x in v.items()}
    if isinstance(v, list):
        return [normalize(x, nan) for x in v]
    return v


def first_diff(a, b, path="") -> str | None:
    if type(a) is not type(b):
        return f"{path or '.'}: {json.dumps(a)[:200]} vs expected {json.dumps(b)[:200]}"
    if isinstance(a, dict):
        if set(a) != set(b):
            return f"{path or '.'}: keys {sorted(a)} vs expected {sorted(b)}"
        for k in a:
            d = first_diff(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path or '.'}: length {len(a)} vs expected {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path or '.'}: {a!r} vs expected {b!r}"


def check(case: dict, got: dict | None, nan: str) -> str | None:
    """Why `got` (one side's record for `case`) is wrong, or None."""
    if got is None:
        return "no result reported"
    if case["kind"] == "bad":
        if "error" not in got:
            return f"returned {json.dumps(got.get('result'))[:200]}, expected a trap " \
                   f"({case['trap']})"
        return None
    if "error" in got:
        return f"error: {got['error'][:300]}"
    d = first_diff(normalize(got.get("result"), nan), normalize(case["expected"], nan))
    if d:
        return f"result {d}"
    d = first_diff(normalize(got.get("host_args"), nan), normalize(case["host_args"], nan))
    if d:
        return f"host args {d}"
    return None


def describe(case: dict, why: str) -> str:
    return (f"{case['name']} ({case['kind']}, quirks {case['quirks']}): {why}\n"
            f"    params {json.dumps(case['params'])[:400]}\n"
            f"    result {json.dumps(case['result'])[:200]}")


def chunks(pairs: list, n: int) -> list[list]:
    k = max(1, (len(pairs) + n - 1) // n)
    return [pairs[i:i + k] for i in range(0, len(pairs), k)]


def jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    wasm_tools = find_wasm_tools()
    if wasm_tools is None:
        pytest.skip("wasm-tools not found ($WASM_TOOLS, PATH, $ORACLES/cargo/bin, "
                    "~/.cache/wasi-bridge-oracles/cargo/bin): it assembles the generated "
                    "components; install it with ../shared/tools/install-oracles.sh")
    keep = os.environ.get("WB_CABI_DIFF_KEEP")
    out = Path(keep) if keep else tmp_path_factory.mktemp("cabi-diff")
    cp = subprocess.run([sys.executable, str(DIFF / "gen.py"), "--seed", str(SEED), "--cases",
                         str(CASES), "--per-component", str(PER_COMPONENT), "--out", str(out),
                         "--wasm-tools", str(wasm_tools)],
                        capture_output=True, text=True, timeout=600)
    assert cp.returncode == 0, cp.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    cases = {}
    pairs = []
    for comp in manifest["components"]:
        doc = json.loads((out / f"{comp}.json").read_text())
        for c in doc["cases"]:
            cases[c["name"]] = c
        pairs.append((out / f"{comp}.wasm", out / f"{comp}.json"))
    return {"dir": out, "manifest": manifest, "cases": cases, "pairs": pairs}


@pytest.fixture(scope="module")
def engine_results(generated):
    driver = find_driver()
    if not (driver.is_file() and os.access(driver, os.X_OK)):
        pytest.fail(f"wb_cabi_diff not built: {driver} (build target wb_cabi_diff, or set "
                    "WB_CABI_DIFF_BIN)", pytrace=False)

    def one(chunk):
        args = [str(p) for pair in chunk for p in pair]
        r = run(driver, *args, timeout=600)
        assert_no_crash(r)
        assert r.returncode == 0, repr(r)
        return json.loads(r.stdout)["results"]

    with ThreadPoolExecutor(jobs()) as ex:
        parts = list(ex.map(one, chunks(generated["pairs"], jobs())))
    return {x["name"]: x for part in parts for x in part}


@pytest.fixture(scope="module")
def jco_results(generated, tmp_path_factory):
    modules = oracle_node_modules()
    if modules is None:
        pytest.skip("jco not installed (no node_modules/@bytecodealliance/jco-transpile under "
                    "$ORACLES or ~/.cache/wasi-bridge-oracles; run "
                    "../shared/tools/install-oracles.sh): jco comparison skipped")
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not on PATH: jco comparison skipped")
    work = tmp_path_factory.mktemp("cabi-diff-jco")
    (work / "node_modules").symlink_to(modules)
    shutil.copy(DIFF / "jco_side.mjs", work / "jco_side.mjs")

    def one(item):
        i, chunk = item
        args = [str(p) for pair in chunk for p in pair]
        cp = subprocess.run([node, "jco_side.mjs", str(work / f"out{i}"), *args], cwd=work,
                            capture_output=True, stdin=subprocess.DEVNULL, timeout=900)
        assert cp.returncode == 0, cp.stderr.decode("utf-8", "replace")[-3000:]
        return json.loads(cp.stdout)["results"]

    with ThreadPoolExecutor(jobs()) as ex:
        parts = list(ex.map(one, enumerate(chunks(generated["pairs"], jobs()))))
    return {x["name"]: x for part in parts for x in part}


# --------------------------------------------------------------------- tests


def kinds_in(t, out: Counter):
    out[t["k"]] += 1
    if t["k"] == "flags":
        out[f"flags>{8 * ((len(t['labels']) - 1) // 8)}"] += 1
    if t["k"] == "enum" and len(t["labels"]) > 256:
        out["enum>256"] += 1
    if t["k"] == "list" and t["e"]["k"] == "string":
        out["list<string>"] += 1
    for key in ("e", "ok", "err"):
        if t.get(key):
            kinds_in(t[key], out)
    for f in t.get("elems", []):
        kinds_in(f, out)
    for _, f in t.get("fields", []) + t.get("cases", []):
        if f:
            kinds_in(f, out)


def test_generated_cases_cover_the_abi(generated, wb_bin):
    stats = generated["manifest"]["stats"]
    cases = generated["cases"].values()
    print(f"\ncabi-diff: seed {SEED}, {stats['functions']} function types in "
          f"{len(generated['pairs'])} components, {stats['cases']} cases; {stats}")
    assert stats["functions"] == CASES
    kinds = Counter()
    for c in cases:
        if c["kind"] == "run":
            for t in c["params"]:
                kinds_in(t, kinds)
    if CASES >= 1000:
        for k in ["bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64",
                  "char", "string", "list", "list<string>", "record", "tuple", "variant",
                  "enum", "enum>256", "option", "result", "flags", "flags>8", "flags>16",
                  "flags>24"]:
            assert kinds[k] > 0, f"no {k} generated: {kinds}"
        assert stats["spilled_params"] > CASES // 10
        assert stats["flat_params_16"] > 0
        assert stats["multi_flat_results"] > CASES // 4
        assert stats["bad"] > 0 and stats["dirty"] > 0
    # every generated component passes the validator
    for wasm, _ in generated["pairs"]:
        r = run(wb_bin, "validate", wasm)
        assert_no_crash(r)
        assert r.returncode == 0, f"{wasm.name} rejected by wasi-bridge validate:\n{r!r}"


def engine_bug(case: dict) -> str | None:
    for name, (pred, _) in ENGINE_BUGS.items():
        if pred(case):
            return name
    return None


def test_engine_matches_expected(generated, engine_results):
    failures, known = [], Counter()
    per_kind = Counter()
    for name, case in generated["cases"].items():
        got = engine_results.get(name)
        why = check(case, got, nan="canonical")
        if why is None and case["kind"] == "bad" and not got.get("trap"):
            why = f"failed without a trap: {got.get('error')}"
        bug = engine_bug(case)
        if why and bug:
            known[bug] += 1
        elif why:
            failures.append(describe(case, why))
        else:
            per_kind[case["kind"]] += 1
    print(f"\nengine: {sum(per_kind.values())}/{len(generated['cases'])} cases as expected "
          f"{dict(per_kind)}; known engine bugs: {dict(known) or 'none'}")
    assert not failures, f"{len(failures)} engine failures:\n" + "\n".join(failures[:20])


def jco_known(case: dict, got: dict | None) -> str | None:
    """The JCO_QUIRKS/JCO_NO_TRAP entry explaining a jco failure, or None."""
    if case["kind"] == "bad":
        return case["trap"] if case["trap"] in JCO_NO_TRAP else None
    for q in case["quirks"]:
        if q in JCO_QUIRKS:
            return q
    return None


def test_jco_matches_expected(generated, jco_results):
    failures, known = [], Counter()
    passed = Counter()
    for name, case in generated["cases"].items():
        got = jco_results.get(name)
        why = check(case, got, nan="any")
        if why is None:
            passed[case["kind"]] += 1
            continue
        k = jco_known(case, got)
        if k:
            known[k] += 1
        else:
            failures.append(describe(case, why))
    print(f"\njco: {sum(passed.values())}/{len(generated['cases'])} cases as expected "
          f"{dict(passed)}; known jco deviations: {dict(known)}")
    for k in known:
        print(f"  jco {k}: {JCO_QUIRKS.get(k) or JCO_NO_TRAP.get(k)}")
    assert not failures, f"{len(failures)} jco failures:\n" + "\n".join(failures[:20])


def test_engine_and_jco_agree(generated, engine_results, jco_results):
    """The two implementations give identical results (NaNs compared as
    NaN) wherever neither is known to be wrong, traps included."""
    same, differ, excused = 0, [], Counter()
    nan_payload_kept = 0
    for name, case in generated["cases"].items():
        e, j = engine_results.get(name), jco_results.get(name)
        if e is None or j is None:
            differ.append(f"{name}: missing on {'engine' if e is None else 'jco'}")
            continue
        if ("error" in e) != ("error" in j) or "error" not in e and (
                first_diff(normalize(e.get("result"), "any"), normalize(j.get("result"), "any"))
                or first_diff(normalize(e.get("host_args"), "any"),
                              normalize(j.get("host_args"), "any"))):
            k = jco_known(case, j) or engine_bug(case)
            if k:
                excused[k] += 1
            else:
                differ.append(describe(case, f"engine {json.dumps(e)[:300]}\n    jco "
                                             f"{json.dumps(j)[:300]}"))
            continue
        same += 1
        if "error" not in j and normalize(j.get("result"), "canonical") != j.get("result"):
            nan_payload_kept += 1
    print(f"\nengine vs jco: {same}/{len(generated['cases'])} identical; differences "
          f"explained by known deviations: {dict(excused)}; cases where jco returned a "
          f"non-canonical NaN (the spec's lift canonicalises): {nan_payload_kept}")
    assert not differ, f"{len(differ)} differences:\n" + "\n".join(differ[:20])
