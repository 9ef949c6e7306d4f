"""`wasi-bridge wast`: the component-model spec scripts run on the engine.

Each script under values/, resources/ and linking/ of the spec tests
(SHARED/corpus/component-model-tests) runs through `wasi-bridge wast`; the
summary line must show at least the recorded number of passed commands, and
no failures for the scripts listed as fully supported. Raise the floors (and
grow FULLY_SUPPORTED) as the engine improves; never lower them silently.

Needs wasm-tools (it assembles the scripts): $WASM_TOOLS, PATH,
$ORACLES/cargo/bin or ~/.cache/wasi-bridge-oracles/cargo/bin.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import SHARED, assert_no_crash, run

SPEC_TESTS = SHARED / "corpus/component-model-tests"
SUITES = ["values", "resources", "linking"]

# Passed commands observed per script (the engine at the time of recording).
PASS_FLOORS = {
    "values/alignment.wast": 23,
    "values/concat.wast": 46,
    "values/numerics.wast": 23,
    "values/post-return.wast": 5,
    "values/realloc.wast": 12,
    "values/strings.wast": 13,
    "values/transcode.wast": 10,
    "values/variants.wast": 9,
    "resources/borrows.wast": 4,
    "resources/handle-table.wast": 27,
    "resources/multiple-resources.wast": 2,
    "linking/link-time-virtualization.wast": 8,
    "linking/shared-everything-dynamic-linking.wast": 14,
    "linking/tags.wast": 2,
    "linking/unit.wast": 238,
}

# Scripts that must run without a single failed command (skips allowed).
FULLY_SUPPORTED = {
    "values/concat.wast",
    "values/post-return.wast",
    "values/transcode.wast",
    "values/variants.wast",
    "resources/multiple-resources.wast",
    "linking/link-time-virtualization.wast",
    "linking/shared-everything-dynamic-linking.wast",
    "linking/unit.wast",
}

SUMMARY = re.compile(
    r"^wast: (?P<passed>\d+) passed, (?P<failed>\d+) failed"
    r"(?: \((?P<trap_text>\d+) trap with different message\))?"
    r", (?P<skipped>\d+) skipped(?: \((?P<reasons>.*)\))?$",
    re.MULTILINE)


def find_wasm_tools() -> Path | None:
    candidates = []
    if os.environ.get("WASM_TOOLS"):
        candidates.append(Path(os.environ["WASM_TOOLS"]))
    which = shutil.which("wasm-tools")
    if which:
        candidates.append(Path(which))
    if os.environ.get("ORACLES"):
        candidates.append(Path(os.environ["ORACLES"]) / "cargo/bin/wasm-tools")
    candidates.append(Path.home() / ".cache/wasi-bridge-oracles/cargo/bin/wasm-tools")
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    return None


def script_params():
    scripts = []
    for suite in SUITES:
        scripts += sorted((SPEC_TESTS / suite).glob("*.wast"))
    if not scripts:
        return [pytest.param(None, id="spec-tests-missing",
                             marks=pytest.mark.skip(reason=f"spec tests not found: {SPEC_TESTS} "
                                                    "(set WB_SHARED)"))]
    return [pytest.param(p, id=str(p.relative_to(SPEC_TESTS))) for p in scripts]


@pytest.fixture(scope="session")
def wast_bin(wb_bin) -> Path:
    """The CLI, if it has the `wast` command (it needs the engine runtime)."""
    r = run(wb_bin, "wast")
    if "unknown command" in r.output:
        pytest.skip(f"runtime not built: {wb_bin} has no `wast` command")
    return wb_bin


@pytest.fixture(scope="session")
def wasm_tools() -> Path:
    p = find_wasm_tools()
    if p is None:
        pytest.skip("wasm-tools not found ($WASM_TOOLS, PATH, $ORACLES/cargo/bin, "
                    "~/.cache/wasi-bridge-oracles/cargo/bin); install it with "
                    "../shared/tools/install-oracles.sh")
    return p


def wast_env(wasm_tools: Path) -> dict:
    env = dict(os.environ)
    env["WASM_TOOLS"] = str(wasm_tools)
    return env


def parse_summary(r) -> dict:
    m = SUMMARY.search(r.stdout)
    assert m, f"no summary line\n{r!r}"
    out = {k: int(m.group(k) or 0) for k in ("passed", "failed", "trap_text", "skipped")}
    out["reasons"] = m.group("reasons") or ""
    return out


@pytest.mark.parametrize("script", script_params())
def test_spec_script(wast_bin, wasm_tools, script):
    key = str(script.relative_to(SPEC_TESTS))
    r = run(wast_bin, "wast", script, timeout=600, env=wast_env(wasm_tools))
    assert_no_crash(r)
    assert r.stdout.startswith("assembler: wasm-tools "), repr(r)
    s = parse_summary(r)
    assert r.returncode == (0 if s["failed"] == 0 else 1), repr(r)
    floor = PASS_FLOORS.get(key, 0)
    assert s["passed"] >= floor, f"{key}: {s['passed']} passed, floor is {floor}\n{r!r}"
    if key in FULLY_SUPPORTED:
        assert s["failed"] == 0, f"{key} is listed as fully supported\n{r!r}"
    # Every failure is reported on its own line.
    failures = [l for l in r.stdout.splitlines() if l.startswith(f"{script}:")]
    assert len(failures) == s["failed"], repr(r)


def test_reports_each_failure(wast_bin, wasm_tools, tmp_path):
    script = tmp_path / "t.wast"
    script.write_text("""\
(component
  (core module $m
    (func (export "f") (result i32) i32.const 42)
    (func (export "g") unreachable)
    (func (export "h") (param i32) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (type $fl (flags "a" "b" "c"))
  (export $fle "fl" (type $fl))
  (func (export "f") (result u32) (canon lift (core func $i "f")))
  (func (export "g") (canon lift (core func $i "g")))
  (func (export "h") (param "x" $fle) (result u32) (canon lift (core func $i "h")))
)
(assert_return (invoke "f") (u32.const 42))
(assert_return (invoke "f") (u32.const 43))
(assert_trap (invoke "f") "unreachable")
(assert_trap (invoke "g") "no such message")
(assert_return (invoke "h" (flags.const "a" "c")) (u32.const 5))
(assert_return (invoke "h" (flags.const "z")) (u32.const 0))
(assert_invalid (component (export "a" (func 0))) "index out of bounds")
(assert_invalid (component) "valid after all")
""")
    r = run(wast_bin, "wast", script, env=wast_env(wasm_tools))
    assert_no_crash(r)
    assert r.returncode == 1, repr(r)
    lines = r.stdout.splitlines()
    assert f'{script}:14: assert_return "f": got 42u32, expected 43u32' in lines, repr(r)
    assert f'{script}:15: assert_trap "f": returned 42u32, expected trap "unreachable"' in lines
    assert any(l.startswith(f'{script}:16: assert_trap "g": trap with different message: got "')
               for l in lines), repr(r)
    assert any(l.startswith(f'{script}:18: assert_return "h": argument 0 (x): flags: unknown '
                            'label "z"') for l in lines), repr(r)
    assert any(l.startswith(f"{script}:20: assert_invalid: ") for l in lines), repr(r)
    s = parse_summary(r)
    assert (s["passed"], s["failed"], s["trap_text"], s["skipped"]) == (4, 5, 1, 0), repr(r)

    r = run(wast_bin, "wast", script, "--verbose", env=wast_env(wasm_tools))
    assert f'{script}:13: assert_return "f": ok' in r.stdout.splitlines(), repr(r)


def test_usage_errors(wast_bin, tmp_path):
    r = run(wast_bin, "wast")
    assert r.returncode == 2, repr(r)
    r = run(wast_bin, "wast", tmp_path / "missing.wast")
    assert r.returncode == 2, repr(r)
    r = run(wast_bin, "wast", tmp_path / "a.wast", "--bogus")
    assert r.returncode == 2, repr(r)


def test_missing_wasm_tools_is_a_clear_error(wast_bin, tmp_path):
    script = tmp_path / "empty.wast"
    script.write_text("(component)\n")
    env = {"PATH": str(tmp_path / "nothing"), "HOME": str(tmp_path)}
    r = run(wast_bin, "wast", script, env=env)
    assert r.returncode == 2, repr(r)
    assert "wasm-tools" in r.stderr and "not found" in r.stderr, repr(r)
