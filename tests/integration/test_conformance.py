"""`wasi-bridge conformance`: wasi-testsuite directories on a runtime, with reports."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from conftest import SHARED, report, run

SUITE = SHARED / "corpus/wasi-testsuite/c-wasip1"


def needs_suite():
    if not SUITE.is_dir():
        pytest.skip(f"wasi-testsuite not found: {SUITE} (set WB_SHARED)")


@pytest.mark.parametrize("args, code, message", [
    ([], 2, "usage"),
    (["DIR", "--runtime", "quickjs"], 2, "unknown runtime"),
    (["DIR", "--timeout", "0"], 2, "--timeout"),
    (["DIR", "--bogus"], 2, "unknown option"),
    (["/nonexistent-suite"], 1, "not a directory"),
])
def test_usage_errors(wb_bin, args, code, message):
    r = run(wb_bin, "conformance", *[str(SUITE) if a == "DIR" else a for a in args])
    assert r.returncode == code, r
    assert message in r.stderr, r


def test_builtin_runs_what_its_host_provides(wb_bin, oracles, tmp_path):
    """The default runtime is `wasi-bridge run`; cases with a "root" get a
    fresh copy of it granted as `--dir COPY::/`. Every c-wasip1 case passes."""
    needs_suite()
    out = tmp_path / "builtin.json"
    r = run(wb_bin, "conformance", SUITE, "--json", out, timeout=1200)
    assert r.returncode == 0, r
    data = json.loads(out.read_text())
    assert data["runtime"] == "builtin"
    cases = {c["name"]: c for c in data["cases"]}
    for name in ("clock_getres-monotonic", "clock_gettime-realtime", "sock_shutdown-not_sock",
                 "fopen-with-access", "stat-dev-ino"):
        assert cases[name]["status"] == "pass", cases[name]
    assert all(c["status"] == "pass" for c in data["cases"]), [
        (c["name"], c["status"], c.get("reason")) for c in data["cases"] if c["status"] != "pass"]
    report(f"conformance c-wasip1 on the builtin engine: {data['summary']}")


def test_jco_with_and_without_upgrade(wb_bin, oracles, node26, tmp_path, monkeypatch):
    needs_suite()
    monkeypatch.setenv("NODE26", str(node26))
    counts = {}
    for label, extra in (("jco (0.2)", []), ("jco+upgrade (0.3)", ["--upgrade"])):
        js, xml = tmp_path / f"{len(counts)}.json", tmp_path / f"{len(counts)}.xml"
        r = run(wb_bin, "conformance", SUITE, "--runtime", "jco", "--json", js, "--junit", xml,
                *extra, timeout=1200)
        assert r.returncode in (0, 1), r
        data = json.loads(js.read_text())
        counts[label] = data["summary"]
        suite = ET.parse(xml).getroot()
        assert int(suite.get("tests")) == len(data["cases"])
        assert int(suite.get("failures")) == data["summary"]["fail"]
        assert "[1/" in r.stderr  # progress lines
    report("conformance c-wasip1 on jco: " +
           ", ".join(f"{k}: {v['pass']} pass {v['fail']} fail {v['skip']} skip"
                     for k, v in counts.items()))
    assert counts["jco (0.2)"]["pass"] > 0
    assert counts["jco+upgrade (0.3)"]["pass"] >= counts["jco (0.2)"]["pass"]


def test_builtin_passes_every_cli_clocks_random_case_jco_passes(wb_bin, oracles, node26, tmp_path,
                                                                 monkeypatch):
    """rust-wasip3 (mixed 0.2+0.3 binaries): the cli, clocks and random cases
    on the built-in engine against jco + preview3-shim, side by side."""
    suite = SHARED / "corpus/wasi-testsuite/rust-wasip3"
    if not suite.is_dir():
        pytest.skip(f"wasi-testsuite not found: {suite} (set WB_SHARED)")
    monkeypatch.setenv("NODE26", str(node26))
    results = {}
    for runtime in ("builtin", "jco"):
        out = tmp_path / f"{runtime}.json"
        r = run(wb_bin, "conformance", suite, "--runtime", runtime, "--filter",
                "^(cli-|monotonic-clock|random|run-)", "--timeout", "20", "--json", out,
                timeout=1200)
        assert r.returncode in (0, 1), r
        results[runtime] = {c["name"]: c["status"] for c in json.loads(out.read_text())["cases"]}
    assert results["builtin"], "no cli/clocks/random cases selected"
    lines = [f"  {name:28} builtin {results['builtin'][name]:5} jco {results['jco'][name]}"
             for name in sorted(results["builtin"])]
    passed = {k: sum(v == "pass" for v in results[k].values()) for k in results}
    report("rust-wasip3 cli/clocks/random cases, builtin vs jco:\n" + "\n".join(lines) +
           f"\n  passed: builtin {passed['builtin']}, jco {passed['jco']}")
    missing = [n for n, s in results["jco"].items() if s == "pass" and results["builtin"][n] != "pass"]
    assert not missing, missing


def test_builtin_filesystem_cases(wb_bin, oracles, tmp_path):
    """rust-wasip3's filesystem cases on the built-in host (`--dir COPY::/`):
    flags and types, advise, read-directory, unlink errors, escapes."""
    suite = SHARED / "corpus/wasi-testsuite/rust-wasip3"
    if not suite.is_dir():
        pytest.skip(f"wasi-testsuite not found: {suite} (set WB_SHARED)")
    out = tmp_path / "fs.json"
    r = run(wb_bin, "conformance", suite, "--filter", "^filesystem-", "--timeout", "30",
            "--json", out, timeout=1200)
    data = json.loads(out.read_text())
    cases = {c["name"]: (c["status"], c.get("reason")) for c in data["cases"]}
    assert cases, "no filesystem cases selected"
    assert all(s == "pass" for s, _ in cases.values()), cases
    assert r.returncode == 0, r
    report(f"rust-wasip3 filesystem cases on the builtin engine: {data['summary']}")
