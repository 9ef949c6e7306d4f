"""`wasi-bridge validate` against the component-model spec tests in
../shared/corpus/component-model-tests: every component the scripts expect
to be valid must validate, every `assert_invalid` / `assert_malformed`
binary must be rejected, except the known gaps listed (with reasons) in
spec_validation_gaps.txt. wasm-tools (json-from-wast) assembles the scripts;
the test skips, saying so, when it is absent."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from conftest import HERE, SHARED, run

SPEC = SHARED / "corpus/component-model-tests"
DIRS = ["values", "resources", "linking", "validation", "binary", "async"]
GAPS_FILE = HERE / "spec_validation_gaps.txt"


def wast_files():
    files = []
    for d in DIRS:
        files += sorted((SPEC / d).glob("*.wast"))
    return files


def load_gaps():
    gaps = {}
    for line in GAPS_FILE.read_text().splitlines():
        line = line.split("#", 1)
        if not line[0].strip():
            continue
        kind, where = line[0].split()
        gaps[where] = (kind, line[1].strip() if len(line) > 1 else "")
    return gaps


GAPS = load_gaps()
TOTALS: Counter = Counter()


def params():
    files = wast_files()
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no spec tests under {SPEC}"))]
    return [pytest.param(f, id=f"{f.parent.name}/{f.name}") for f in files]


@pytest.mark.parametrize("wast", params())
def test_spec_script_validation(wb_bin, wast, tmp_path):
    tool = shutil.which("wasm-tools")
    if tool is None:
        pytest.skip("wasm-tools not on PATH (scripts/setup.sh builds it into $ORACLES/cargo/bin)")
    out = tmp_path / "script.json"
    cp = subprocess.run([tool, "json-from-wast", str(wast), "-o", str(out), "--wasm-dir",
                         str(tmp_path)], capture_output=True, timeout=120)
    if cp.returncode != 0:
        # e.g. async/cancellable.wast still spells the `cancellable` immediate,
        # which the spec (and wasm-tools) dropped after this copy was taken.
        first = cp.stderr.decode().strip().splitlines()[0] if cp.stderr else "?"
        pytest.skip(f"wasm-tools cannot assemble {wast.name}: {first}")
    rel = f"{wast.parent.name}/{wast.name}"
    unexpected, closed = [], []
    for c in json.loads(out.read_text())["commands"]:
        kind = c["type"]
        if kind not in ("module", "module_definition", "assert_invalid", "assert_malformed"):
            continue
        if c.get("module_type") != "binary":
            continue  # text-only malformed cases: nothing binary to check
        expect_valid = kind in ("module", "module_definition")
        r = run(wb_bin, "validate", tmp_path / c["filename"])
        assert r.returncode in (0, 1), repr(r)
        ok = (r.returncode == 0) == expect_valid
        where = f"{rel}:{c['line']}"
        gap = GAPS.get(where)
        TOTALS[(kind, ok)] += 1
        if ok and gap:
            closed.append(where)
        elif not ok and not gap:
            what = "valid" if expect_valid else f"invalid ({c.get('text', '')})"
            unexpected.append(f"{where}: spec says {what}; wasi-bridge: {r.stdout.strip()[-300:]}")
    assert not unexpected, "\n".join(unexpected)
    assert not closed, ("these known gaps are fixed now; remove them from "
                        f"{GAPS_FILE.name}:\n" + "\n".join(closed))


def test_gaps_file_is_explained():
    for where, (kind, reason) in GAPS.items():
        assert kind in ("valid", "invalid"), where
        assert reason, f"{where} has no reason"
        assert re.match(r"^[a-z]+/[a-z0-9-]+\.wast:\d+$", where), where
