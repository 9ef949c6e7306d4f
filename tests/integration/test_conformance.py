"""`wasi-bridge conformance`: wasi-testsuite directories on a runtime, with reports."""
from __future__ import annotations

import json
import os
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
    (["DIR", "--wasmtime"], 2, "--wasmtime needs a value"),
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


@pytest.mark.parametrize("suite_name", ["rust-wasip3", "rust-wasip1", "assemblyscript-wasip1"])
def test_builtin_passes_every_case_jco_passes(wb_bin, oracles, node26, tmp_path, monkeypatch,
                                              suite_name):
    """A whole suite on the built-in engine against jco + preview2/preview3-shim,
    side by side: builtin must pass every cli, clocks, random and filesystem
    case jco passes (the host has no sockets or http yet: those are reported)."""
    suite = SHARED / "corpus/wasi-testsuite" / suite_name
    if not suite.is_dir():
        pytest.skip(f"wasi-testsuite not found: {suite} (set WB_SHARED)")
    monkeypatch.setenv("NODE26", str(node26))
    results = {}
    for runtime in ("builtin", "jco"):
        out = tmp_path / f"{runtime}.json"
        r = run(wb_bin, "conformance", suite, "--runtime", runtime, "--timeout", "20",
                "--json", out, timeout=1800)
        assert r.returncode in (0, 1), r
        results[runtime] = {c["name"]: c["status"] for c in json.loads(out.read_text())["cases"]}
    lines = [f"  {name:36} builtin {results['builtin'][name]:5} jco {results['jco'][name]}"
             for name in sorted(results["builtin"])
             if results["builtin"][name] != "pass" or results["jco"][name] != "pass"]
    passed = {k: sum(v == "pass" for v in results[k].values()) for k in results}
    report(f"{suite_name} builtin vs jco (cases not passing on both):\n" + "\n".join(lines) +
           f"\n  passed: builtin {passed['builtin']}, jco {passed['jco']} "
           f"of {len(results['builtin'])}")
    in_scope = [n for n in results["jco"] if not n.startswith(("sockets-", "http-"))]
    missing = [n for n in in_scope
               if results["jco"][n] == "pass" and results["builtin"][n] != "pass"]
    assert not missing, missing
    assert (sum(results["builtin"][n] == "pass" for n in in_scope) >=
            sum(results["jco"][n] == "pass" for n in in_scope))


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


P3_SUITE = SHARED / "corpus/wasi-testsuite/rust-wasip3"


def test_wasmtime_runtime_command_line(wb_bin, tmp_path):
    """The wasmtime runtime's command line (`run --env K=V --dir COPY::/ -- FILE
    ARGS`), checked through a stand-in that logs it and runs it with
    `wasi-bridge run` (same flags); --upgrade hands it a 0.3 component."""
    if not P3_SUITE.is_dir():
        pytest.skip(f"wasi-testsuite not found: {P3_SUITE} (set WB_SHARED)")
    log = tmp_path / "argv.log"
    fake = tmp_path / "wasmtime"
    fake.write_text(f"""#!/bin/sh
printf '%s\\n' "$*" >> {log}
shift
exec {wb_bin} run "$@"
""")
    fake.chmod(0o755)
    out = tmp_path / "w.json"
    r = run(wb_bin, "conformance", P3_SUITE, "--runtime", "wasmtime", "--wasmtime", fake,
            "--filter", "^(cli-env|filesystem-io)$", "--upgrade", "--json", out, timeout=600)
    assert r.returncode == 0, r
    data = json.loads(out.read_text())
    assert data["runtime"] == "wasmtime+upgrade"
    assert [c["status"] for c in data["cases"]] == ["pass", "pass"], data
    lines = log.read_text().splitlines()
    env_line = next(line for line in lines if "cli-env.wasm" in line)
    assert env_line.startswith("run --env ") and " -- cli-env.wasm" in env_line, lines
    fs_line = next(line for line in lines if "filesystem-io.wasm" in line)
    assert "--dir " in fs_line and "-root::/ -- filesystem-io.wasm" in fs_line, lines


def test_wasmtime_is_reported_missing(wb_bin, tmp_path):
    if not P3_SUITE.is_dir():
        pytest.skip(f"wasi-testsuite not found: {P3_SUITE} (set WB_SHARED)")
    out = tmp_path / "w.json"
    r = run(wb_bin, "conformance", P3_SUITE, "--runtime", "wasmtime", "--wasmtime",
            tmp_path / "no-such-wasmtime", "--filter", "^cli-env$", "--json", out)
    assert r.returncode == 0, r
    case = json.loads(out.read_text())["cases"][0]
    assert case["status"] == "skip" and "wasmtime not found" in case["reason"], case


@pytest.mark.parametrize("suite_name", ["rust-wasip3", "c-wasip1", "rust-wasip1",
                                        "assemblyscript-wasip1"])
def test_builtin_and_upgrade_on_wasmtime(wb_bin, oracles, wasmtime, tmp_path, suite_name):
    """The side-by-side matrix on the reference runtime: the suite as it is
    on wasmtime, upgraded by wasi-bridge on wasmtime, and on the builtin
    engine beside them. An upgraded component must pass on wasmtime wherever
    the original does: what the adapter promises."""
    suite = SHARED / "corpus/wasi-testsuite" / suite_name
    if not suite.is_dir():
        pytest.skip(f"wasi-testsuite not found: {suite} (set WB_SHARED)")
    results = {}
    for label, extra in (("wasmtime", ["--runtime", "wasmtime"]),
                         ("wasmtime+upgrade", ["--runtime", "wasmtime", "--upgrade"]),
                         ("builtin", [])):
        out = tmp_path / f"{label}.json"
        r = run(wb_bin, "conformance", suite, *extra, "--wasmtime", wasmtime, "--timeout", "30",
                "--json", out, timeout=1800)
        assert r.returncode in (0, 1), r
        results[label] = {c["name"]: c["status"] for c in json.loads(out.read_text())["cases"]}
    names = sorted(results["wasmtime"])
    passed = {k: sum(v == "pass" for v in results[k].values()) for k in results}
    report(f"{suite_name} on wasmtime ({os.path.basename(wasmtime)}), upgraded on wasmtime, "
           f"builtin (cases not passing everywhere):\n" +
           "\n".join(f"  {n:36} wasmtime {results['wasmtime'][n]:5} "
                     f"upgraded {results['wasmtime+upgrade'][n]:5} builtin {results['builtin'][n]}"
                     for n in names if len({results[k][n] for k in results}) > 1 or
                     results["wasmtime"][n] != "pass") +
           f"\n  passed: " + ", ".join(f"{k} {v}" for k, v in passed.items()) +
           f" of {len(names)}")
    assert passed["wasmtime"] > 0
    lost = [n for n in names
            if results["wasmtime"][n] == "pass" and results["wasmtime+upgrade"][n] != "pass"]
    assert not lost, lost
