"""`wasi-bridge upgrade`: WASI 0.2 components rewritten to import WASI 0.3 only.

Every output is checked by independent tools (our validator, `jco wit`,
`wasm-tools validate` where installed) and run on an independent runtime
(jco + preview3-shim on Node 26) against the same program as a 0.2 component
on jco's preview2-shim. The wasi-testsuite part adapts each p1 test module
with the official preview1 adapter (`jco new --wasi-command`) first, then
compares the pass counts of the 0.2 and the upgraded component side by side.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import (EXAMPLE, HERE, REPO, SHARED, WB_FIXTURES, assert_no_crash, fixture_param, report,
                      run)

P1_SUITES = ["c-wasip1", "assemblyscript-wasip1", "rust-wasip1"]
WASI_TESTSUITE = SHARED / "corpus/wasi-testsuite"


def wasi_imports(wb_bin: Path, component: Path) -> list[str]:
    r = run(wb_bin, "inspect", "--json", component)
    assert r.returncode == 0, r
    return [i["name"] for i in json.loads(r.stdout)["imports"] if i["name"].startswith("wasi:")]


def upgrade(wb_bin: Path, src: Path, dst: Path, *extra) -> None:
    r = run(wb_bin, "upgrade", src, "-o", dst, *extra)
    assert_no_crash(r)
    assert r.returncode == 0, r


# ------------------------------------------------------------ the CLI itself


def test_example_imports_only_wasi_030(wb_bin, tmp_path):
    out = tmp_path / "hello.p3.wasm"
    upgrade(wb_bin, EXAMPLE, out)
    assert run(wb_bin, "validate", out).returncode == 0
    imports = wasi_imports(wb_bin, out)
    assert imports and all(i.endswith("@0.3.0") for i in imports), imports
    r = run(wb_bin, "inspect", "--json", out)
    exports = [e["name"] for e in json.loads(r.stdout)["exports"]]
    assert exports == ["wasi:cli/run@0.3.0"]


def test_explain_names_each_import_and_the_entry_point(wb_bin):
    r = run(wb_bin, "upgrade", EXAMPLE, "--explain")
    assert r.returncode == 0, r
    assert re.search(r"import wasi:io/streams@0\.2\.12: removed; the shim provides "
                     r".*\[method\]output-stream\.blocking-write-and-flush", r.stdout), r
    assert "import wasi:cli/stdout@0.3.0: added" in r.stdout
    assert "-> wasi:cli/run@0.3.0" in r.stdout


@pytest.mark.parametrize("args, code, message", [
    ([], 2, "usage"),
    (["--frobnicate", "x.wasm"], 2, "unknown option"),
    (["IN", "-o", "OUT", "--target", "0.4.0"], 2, "--target must be"),
    (["IN", "-o", "OUT", "--target", "0.3.1"], 1, "only 0.3.0 is available"),
    (["IN", "-o"], 2, "needs a value"),
])
def test_usage_errors(wb_bin, tmp_path, args, code, message):
    args = [str(EXAMPLE) if a == "IN" else str(tmp_path / "o.wasm") if a == "OUT" else a
            for a in args]
    r = run(wb_bin, "upgrade", *args)
    assert r.returncode == code, r
    assert message in r.output, r
    assert not (tmp_path / "o.wasm").exists()


def test_malformed_input_is_reported_and_nothing_written(wb_bin, tmp_path):
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(EXAMPLE.read_bytes()[:200])
    out = tmp_path / "out.wasm"
    r = run(wb_bin, "upgrade", bad, "-o", out)
    assert_no_crash(r)
    assert r.returncode == 1 and "byte" in r.stderr, r
    assert not out.exists()


def test_uncovered_interface_is_named_and_nothing_written(wb_bin, tmp_path):
    data = EXAMPLE.read_bytes()
    src = tmp_path / "sockets.wasm"
    src.write_bytes(data.replace(b"wasi:cli/stdout@0.2.12", b"wasi:sockets/tcp@0.2.1"))
    out = tmp_path / "out.wasm"
    r = run(wb_bin, "upgrade", src, "-o", out)
    assert r.returncode == 1, r
    assert "wasi:sockets/tcp@0.2.1" in r.stderr and "not covered" in r.stderr, r
    assert not out.exists()


def test_a_component_without_wasi_02_is_left_alone(wb_bin, tmp_path):
    p3 = WB_FIXTURES / "async-min.wasm"
    if not p3.is_file():
        pytest.skip(f"{p3} not built (build-fixtures.sh)")
    r = run(wb_bin, "upgrade", p3, "-o", tmp_path / "o.wasm")
    assert r.returncode == 1 and "nothing to upgrade" in r.stderr, r


# -------------------------------------------------- independent validation


def test_wasm_tools_validates_the_output(wb_bin, wasm_tools, tmp_path):
    out = tmp_path / "hello.p3.wasm"
    upgrade(wb_bin, EXAMPLE, out)
    cp = subprocess.run([str(wasm_tools), "validate", str(out)], capture_output=True, text=True)
    assert cp.returncode == 0, cp.stderr


# ------------------------------------------------- running on jco (Node 26)


@dataclass
class JcoRunner:
    """Transpiles components with jco and runs their wasi:cli/run export."""
    work: Path
    jco: Path
    node: Path
    runner: Path

    def transpile(self, component: Path, name: str) -> Path:
        out = self.work / name
        cp = subprocess.run([str(self.jco), "transpile", str(component), "-o", str(out),
                             "--name", name, "-q", "--no-typescript"],
                            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
        assert cp.returncode == 0, f"jco transpile {component}: {cp.stderr}"
        return out / f"{name}.js"

    def wit(self, component: Path) -> str:
        cp = subprocess.run([str(self.jco), "wit", str(component)], capture_output=True,
                            text=True, stdin=subprocess.DEVNULL, timeout=300)
        assert cp.returncode == 0, f"jco wit {component}: {cp.stderr}"
        return cp.stdout

    def run(self, js: Path, args=(), env=None, stdin=b"", cwd=None, timeout=25):
        full_env = {"PATH": os.environ.get("PATH", ""), **(env or {})}
        try:
            cp = subprocess.run([str(self.node), str(self.runner), str(js), *args],
                                input=stdin, capture_output=True, env=full_env,
                                cwd=cwd or self.work, timeout=timeout)
            return cp.returncode, cp.stdout.decode("utf-8", "replace"), \
                cp.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace")
            return 124, out, f"timed out after {timeout} s"


@pytest.fixture(scope="session")
def jco_runner(oracles, node26, tmp_path_factory) -> JcoRunner:
    work = tmp_path_factory.mktemp("jco-upgrade")
    (work / "node_modules").symlink_to(oracles / "node_modules")
    shutil.copy(REPO / "conformance/run_component.mjs", work / "run_component.mjs")
    jco = oracles / "node_modules/.bin/jco"
    return JcoRunner(work, jco, node26, work / "run_component.mjs")


def test_example_runs_the_same_after_upgrade(wb_bin, jco_runner, tmp_path):
    out = tmp_path / "hello_p3.wasm"
    upgrade(wb_bin, EXAMPLE, out)
    assert "import wasi:cli/stdout@0.3.0;" in jco_runner.wit(out)
    before = jco_runner.run(jco_runner.transpile(EXAMPLE, "hello_p2"))
    after = jco_runner.run(jco_runner.transpile(out, "hello_p3"))
    assert before[0] == 0 and before[1], before
    assert after[:2] == before[:2], (before, after)


# cli_probe prints lines that legitimately differ run to run.
VOLATILE = re.compile(r"^(argv\[0\]|env count|clock |random )")


def stable_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if not VOLATILE.match(line)]


@pytest.mark.parametrize("probe", [fixture_param("cli_probe.p2.wasm")])
def test_cli_probe_runs_the_same_after_upgrade(wb_bin, jco_runner, probe, tmp_path):
    out = tmp_path / "cli_probe_p3.wasm"
    upgrade(wb_bin, probe, out)
    imports = wasi_imports(wb_bin, out)
    assert imports and all(i.endswith("@0.3.0") for i in imports), imports
    data = tmp_path / "data"
    shutil.copytree(probe.parent / "data", data)
    env = {"GREETING": "hi", "JCO_PREOPENS": f"/data={data}"}
    results = {}
    for name, component in (("cli_probe_p2", probe), ("cli_probe_p3", out)):
        results[name] = jco_runner.run(jco_runner.transpile(component, name),
                                       args=["/data", "a1"], env=env, stdin=b"hello\n")
    p2, p3 = results["cli_probe_p2"], results["cli_probe_p3"]
    assert p2[0] == 0 and "fs roundtrip" in p2[1], p2
    assert p3[0] == p2[0], (p2, p3)
    assert stable_lines(p3[1]) == stable_lines(p2[1]), (p2, p3)
    assert p3[2] == p2[2], (p2, p3)


# componentize-qjs writes a composition: its 0.2 imports are passed whole to a
# nested component (the JS runtime), next to its own 0.3 imports.
P3CLI_ARGS = ["a1", "a 2"]
P3CLI_ENV = {"GREETING": "hey"}


@pytest.mark.parametrize("p3cli", [fixture_param("p3cli.wasm")])
def test_composition_upgrade_validates(wb_bin, wasm_tools, p3cli, tmp_path):
    out = tmp_path / "p3cli.up.wasm"
    r = run(wb_bin, "upgrade", p3cli, "-o", out, "--explain")
    assert r.returncode == 0, r
    assert "component 0: " in r.stdout + r.stderr, r
    imports = wasi_imports(wb_bin, out)
    assert imports and all(i.endswith("@0.3.0") for i in imports), imports
    cp = subprocess.run([str(wasm_tools), "validate", str(out)], capture_output=True, text=True)
    assert cp.returncode == 0, cp.stderr


@pytest.mark.parametrize("p3cli", [fixture_param("p3cli.wasm")])
def test_composition_runs_the_same_on_jco_after_upgrade(wb_bin, jco_runner, p3cli, tmp_path):
    out = tmp_path / "p3cli_up.wasm"
    upgrade(wb_bin, p3cli, out)
    data = tmp_path / "data"
    shutil.copytree(p3cli.parent / "data", data)
    env = {**P3CLI_ENV, "JCO_PREOPENS": f"/data={data}", "ARGV0": "p3cli"}
    results = {}
    for name, component in (("p3cli_before", p3cli), ("p3cli_after", out)):
        results[name] = jco_runner.run(jco_runner.transpile(component, name),
                                       args=P3CLI_ARGS, env=env, stdin=b"hello p3\n")
    before, after = results["p3cli_before"], results["p3cli_after"]
    assert before[0] == 0 and 'stdin bytes=9 first="hello p3"' in before[1], before
    assert after[:2] == before[:2], (before, after)


# ------------------------------------------------------------------ wasmtime
# The reference runtime enforces what jco does not: a task that is not
# async-typed may not block. Each program runs as it is and upgraded, under
# the same file name (argv[0] is printed), with the same flags.
WASMTIME_CASES = [
    pytest.param(EXAMPLE, [], [], b"", [], id="hello-p2"),
    fixture_param("cli_probe.p2.wasm", ["/data", "a1"], ["--env", "GREETING=hi"], b"hello\n", []),
    fixture_param("cli_probe.p2.wasm", ["/data", "a1"], ["--env", "GREETING=hi"], b"hello\n",
                  ["--multi-memory"]),
    fixture_param("p3cli.wasm", P3CLI_ARGS, ["--env", "GREETING=hey"], b"hello p3\n", []),
]


@pytest.mark.parametrize("component,args,flags,stdin,upgrade_flags", WASMTIME_CASES)
def test_runs_the_same_on_wasmtime_after_upgrade(wb_bin, wasmtime, tmp_path, component, args,
                                                 flags, stdin, upgrade_flags):
    out_dir = tmp_path / "upgraded"
    out_dir.mkdir()
    out = out_dir / component.name
    upgrade(wb_bin, component, out, *upgrade_flags)
    imports = wasi_imports(wb_bin, out)
    assert imports and all(i.endswith("@0.3.0") for i in imports), imports
    results = {}
    for label, c in (("as built", component), ("upgraded", out)):
        data = tmp_path / f"data-{label.replace(' ', '-')}"
        if (component.parent / "data").is_dir():
            shutil.copytree(component.parent / "data", data)
        else:
            data.mkdir()
        extra = ["-W", "multi-memory"] if "--multi-memory" in upgrade_flags else []
        cp = subprocess.run([str(wasmtime), "run", *extra, *flags, "--dir", f"{data}::/data",
                             str(c), *args], input=stdin, capture_output=True, cwd=c.parent,
                            timeout=120)
        results[label] = (cp.returncode, cp.stdout.decode(), cp.stderr.decode())
    before, after = results["as built"], results["upgraded"]
    assert before[0] == 0 and before[1], before
    assert after[0] == before[0], (before, after)
    assert stable_lines(after[1]) == stable_lines(before[1]), (before, after)
    assert after[2] == before[2], (before, after)


@pytest.mark.parametrize("calc", [fixture_param("calc.component.wasm")])
def test_async_exports_invoke_on_wasmtime(wb_bin, wasmtime, calc, tmp_path):
    """`--async-exports` makes a reactor's functions async funcs; wasmtime's
    --invoke still calls them and gets the same results."""
    out = tmp_path / "calc_p3.wasm"
    upgrade(wb_bin, calc, out, "--async-exports")
    for call in ("add(40, 2)", 'greet("w")'):
        got = [subprocess.run([str(wasmtime), "run", "--invoke", call, str(c)],
                              capture_output=True, text=True, timeout=120)
               for c in (calc, out)]
        assert got[0].returncode == 0 and got[0].stdout, (call, got[0])
        assert (got[1].returncode, got[1].stdout) == (got[0].returncode, got[0].stdout), (call, got)


# --------------------------------------------------- wasi-testsuite p1 suites


def outputs_of(suite: str, wb_bin: Path, jco: JcoRunner, work: Path) -> list[Path]:
    """Every case of `suite` upgraded (p1 modules adapted first) into `work`."""
    outs = []
    for wasm in sorted((WASI_TESTSUITE / suite).glob("*.wasm")):
        src = wasm
        if wasm.read_bytes()[4:8] == b"\x01\x00\x00\x00":  # a p1 core module
            src = work / f"{suite}-{wasm.stem}.p2.wasm"
            cp = subprocess.run([str(jco.jco), "new", str(wasm), "--wasi-command", "-o",
                                 str(src)], capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, timeout=300)
            assert cp.returncode == 0, f"jco new {wasm}: {cp.stderr}"
        out = work / f"{suite}-{wasm.stem}.p3.wasm"
        r = run(wb_bin, "upgrade", src, "-o", out)
        assert r.returncode == 0, r
        outs.append(out)
    return outs


def conformance(wb_bin: Path, jco: JcoRunner, suite: str, work: Path, *extra) -> dict:
    """{case: (status, reason)} of `wasi-bridge conformance SUITE --runtime jco`."""
    report_file = work / f"{suite}{'-'.join(extra)}.json"
    env = dict(os.environ, NODE26=str(jco.node), JCO=str(jco.jco))
    r = run(wb_bin, "conformance", WASI_TESTSUITE / suite, "--runtime", "jco", "--timeout", "30",
            "--json", report_file, *extra, timeout=3600, env=env)
    assert r.returncode in (0, 1), r
    data = json.loads(report_file.read_text())
    return {c["name"]: (c["status"], c.get("reason", "")) for c in data["cases"]}


def compare_suites(suites, before_label, wb_bin, jco_runner, wasm_tools, tmp_path):
    """Each suite on jco as it is and upgraded (`conformance --upgrade`), side by side;
    every upgraded component validates (ours, wasm-tools, jco wit) and imports no WASI 0.2."""
    if not all((WASI_TESTSUITE / s).is_dir() for s in suites):
        pytest.skip(f"wasi-testsuite {suites} not found under {WASI_TESTSUITE}")
    lines, regressions, totals = [], [], {"before": 0, "after": 0}
    for suite in suites:
        before = conformance(wb_bin, jco_runner, suite, tmp_path)
        after = conformance(wb_bin, jco_runner, suite, tmp_path, "--upgrade")
        lines.append(f"  {suite + '/':50} {before_label:24} upgraded (preview3-shim)")
        for name in sorted(before):
            b, a = before[name], after[name]
            totals["before"] += b[0] == "pass"
            totals["after"] += a[0] == "pass"
            if b[0] == "pass" and a[0] != "pass":
                regressions.append((f"{suite}/{name}", a[1]))
            detail = a[0] if a[0] != "fail" else f"FAIL: {a[1][:110]}"
            if a[0] == "skip":
                detail = f"skip: {a[1]}"
            lines.append(f"  {name:50} {b[0]:24} {detail}")
        for out in outputs_of(suite, wb_bin, jco_runner, tmp_path):
            assert run(wb_bin, "validate", out).returncode == 0, out
            imports = wasi_imports(wb_bin, out)
            assert all(not re.search(r"@0\.2\.", i) for i in imports), (out.name, imports)
            cp = subprocess.run([str(wasm_tools), "validate", str(out)], capture_output=True,
                                text=True)
            assert cp.returncode == 0, (out.name, cp.stderr)
            jco_runner.wit(out)  # jco reads it too (conformance --upgrade transpiled it)
    lines.append(f"  passed: {totals['before']} before, {totals['after']} upgraded")
    report(f"wasi-testsuite {', '.join(suites)} on jco:\n" + "\n".join(lines))
    assert not regressions, regressions
    assert totals["after"] >= totals["before"]


def test_wasi_testsuite_p1_upgraded_passes_at_least_as_many(wb_bin, jco_runner, wasm_tools,
                                                            tmp_path):
    """p1 modules -> 0.2 command components (preview1 adapter) -> upgraded."""
    compare_suites(P1_SUITES, "0.2 (preview2-shim)", wb_bin, jco_runner, wasm_tools, tmp_path)


def test_wasi_testsuite_mixed_p3_upgraded_passes_at_least_as_many(wb_bin, jco_runner,
                                                                  wasm_tools, tmp_path):
    """wasip3 binaries import 0.2 (Rust std) and 0.3: only the 0.2 part is replaced."""
    compare_suites(["rust-wasip3"], "0.2+0.3 (both shims)", wb_bin, jco_runner, wasm_tools,
                   tmp_path)


@pytest.mark.parametrize("version", ["0.2.0", "0.2.3", "0.2.6", "0.2.12"])
def test_every_02_version_is_accepted(wb_bin, wasm_tools, tmp_path, version):
    """The example re-assembled with each 0.2.x version in its import names."""
    wat = (REPO / "examples/hello-p2.wat").read_text().replace("@0.2.12", f"@{version}")
    src = tmp_path / "hello.wat"
    src.write_text(wat)
    p2 = tmp_path / "hello.wasm"
    cp = subprocess.run([str(wasm_tools), "parse", str(src), "-o", str(p2)],
                        capture_output=True, text=True)
    assert cp.returncode == 0, cp.stderr
    out = tmp_path / "hello.p3.wasm"
    r = run(wb_bin, "upgrade", p2, "-o", out, "--explain")
    assert r.returncode == 0, r
    assert f"import wasi:io/streams@{version}: removed" in r.stdout, r
    imports = wasi_imports(wb_bin, out)
    assert imports and all(i.endswith("@0.3.0") for i in imports), imports


CALC_CALLS = """
import {{ calc }} from "./{name}/{name}.js";
const out = [await calc.add(40, 2), await calc.greet("w"),
             String(await calc.sum(new Uint32Array([1, 2, 4294967295]))),
             await calc.flip({{ x: 1, y: -7 }})];
console.log(JSON.stringify(out));
"""


@pytest.mark.parametrize("calc", [fixture_param("calc.component.wasm")])
def test_async_exports_option(wb_bin, jco_runner, calc, tmp_path):
    """A reactor's custom exports become async funcs and still compute the same."""
    out = tmp_path / "calc_p3.wasm"
    r = run(wb_bin, "upgrade", calc, "-o", out, "--async-exports", "--explain")
    assert r.returncode == 0, r
    assert "test:calc/calc@0.1.0: its functions are now async funcs" in r.stdout
    wit = run(wb_bin, "wit", out).stdout
    assert "add: async func(a: s32, b: s32) -> s32;" in wit, wit
    results = {}
    for name, component in (("calc_before", calc), ("calc_after", out)):
        jco_runner.transpile(component, name)
        script = jco_runner.work / f"{name}.mjs"
        script.write_text(CALC_CALLS.format(name=name))
        cp = subprocess.run([str(jco_runner.node), str(script)], capture_output=True, text=True,
                            cwd=jco_runner.work, timeout=60, env={"GREETING": "hi"})
        assert cp.returncode == 0, cp.stderr
        results[name] = json.loads(cp.stdout)
    assert results["calc_after"] == results["calc_before"]
    assert results["calc_before"][0] == 42


def test_multi_memory_option(wb_bin, jco_runner, wasm_tools, tmp_path):
    """--multi-memory output validates and runs on jco's multi-memory output."""
    out = tmp_path / "hello_mm.wasm"
    upgrade(wb_bin, EXAMPLE, out, "--multi-memory")
    cp = subprocess.run([str(wasm_tools), "validate", str(out)], capture_output=True, text=True)
    assert cp.returncode == 0, cp.stderr
    name = "hello_mm"
    cp = subprocess.run([str(jco_runner.jco), "transpile", str(out), "-o",
                         str(jco_runner.work / name), "--name", name, "-q", "--no-typescript",
                         "--multi-memory"], capture_output=True, text=True, timeout=300)
    assert cp.returncode == 0, cp.stderr
    before = jco_runner.run(jco_runner.transpile(EXAMPLE, "hello_mm_p2"))
    after = jco_runner.run(jco_runner.work / name / f"{name}.js")
    assert after[:2] == before[:2], (before, after)
