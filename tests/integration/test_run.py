"""`wasi-bridge run`: command components on the engine's WASI 0.3 host.

WASI 0.2 components are upgraded in memory first (compositions included);
0.3 components (written in WAT here and assembled with wasm-tools) run as they
are. Outputs are compared with jco's where Node 26 is installed.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import EXAMPLE, REPO, WB_FIXTURES, assert_no_crash, fixture_param, run
from test_upgrade import P3CLI_ARGS, P3CLI_ENV, jco_runner, stable_lines  # noqa: F401

PROBE = WB_FIXTURES / "cli_probe.p2.wasm"


def wb_run(wb_bin: Path, *args, stdin=b"", timeout: float = 60):
    cp = subprocess.run([str(wb_bin), "run", *map(str, args)], input=stdin,
                        capture_output=True, timeout=timeout)
    assert cp.returncode >= 0, f"killed by signal {-cp.returncode}: {cp.stderr!r}"
    return cp


def finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[bytes, bytes]:
    """Output of a process whose stdin the test already closed."""
    proc.stdin = None  # communicate() would flush the closed pipe
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode >= 0, err
    return out, err


def assemble(wasm_tools: Path, wat: str, out: Path) -> Path:
    src = out.with_suffix(".wat")
    src.write_text(wat)
    cp = subprocess.run([str(wasm_tools), "parse", str(src), "-o", str(out)],
                        capture_output=True, text=True)
    assert cp.returncode == 0, cp.stderr
    return out


# A 0.3 command whose run body is BODY (core wat returning run's result:
# 0 ok, 1 err), with wasi:cli/exit and the monotonic clock imported.
COMMAND = """
(component $c
  (import "wasi:cli/exit@0.3.0" (instance $exit
    (export "exit" (func (param "status" (result))))
    (export "exit-with-code" (func (param "status-code" u8)))))
  (import "wasi:clocks/monotonic-clock@0.3.0" (instance $mono
    (export "now" (func (result u64)))
    (export "wait-for" (func async (param "how-long" u64)))))
  (alias export $exit "exit" (func $exit))
  (alias export $exit "exit-with-code" (func $exit-code))
  (alias export $mono "now" (func $now))
  (alias export $mono "wait-for" (func $wait-for))
  (core func $exit.l (canon lower (func $exit)))
  (core func $exit-code.l (canon lower (func $exit-code)))
  (core func $now.l (canon lower (func $now)))
  (core func $wait-for.l (canon lower (func $wait-for)))
  (core module $m
    (import "" "exit" (func $exit (param i32)))
    (import "" "exit-with-code" (func $exit-code (param i32)))
    (import "" "now" (func $now (result i64)))
    (import "" "wait-for" (func $wait-for (param i64)))
    (func (export "run") (result i32) (local $t i64)
      BODY))
  (core instance $i (instantiate $m (with "" (instance
    (export "exit" (func $exit.l))
    (export "exit-with-code" (func $exit-code.l))
    (export "now" (func $now.l))
    (export "wait-for" (func $wait-for.l))))))
  (func $run async (result (result)) (canon lift (core func $i "run")))
  (instance $run (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $run))
)
"""

BODIES = {
    "ok": ("(i32.const 0)", 0),
    "err": ("(i32.const 1)", 1),
    "exit-with-code": ("(call $exit-code (i32.const 7)) (i32.const 0)", 7),
    "exit-ok": ("(call $exit (i32.const 0)) (i32.const 1)", 0),
    "exit-err": ("(call $exit (i32.const 1)) (i32.const 0)", 1),
    "exit-255": ("(call $exit-code (i32.const 255)) (i32.const 0)", 255),
    "trap": ("unreachable", 1),
    # waits 50 ms on the loop's timer; err if less than 50 ms passed
    "wait-for": ("""(local.set $t (call $now))
      (call $wait-for (i64.const 50000000))
      (i64.lt_u (i64.sub (call $now) (local.get $t)) (i64.const 50000000))""", 0),
}


@pytest.mark.parametrize("mode", sorted(BODIES))
def test_exit_codes(wb_bin, wasm_tools, tmp_path, mode):
    body, code = BODIES[mode]
    wasm = assemble(wasm_tools, COMMAND.replace("BODY", body), tmp_path / f"{mode}.wasm")
    cp = wb_run(wb_bin, wasm)
    assert cp.returncode == code, cp
    if mode == "trap":
        assert b"unreachable" in cp.stderr, cp.stderr
    elif code != 1 or mode != "err":
        assert cp.stderr == b"", cp.stderr


def test_hello_p2_is_upgraded_in_memory(wb_bin):
    cp = wb_run(wb_bin, EXAMPLE)
    assert cp.returncode == 0, cp
    assert cp.stdout == b"hello\n"
    assert cp.stderr == b""


def test_stdout_32_mib_through_a_bounded_stream(wb_bin, wasm_tools, tmp_path):
    wasm = assemble(wasm_tools, (REPO / "bench/data/stdout_p3.wat").read_text(),
                    tmp_path / "stdout_p3.wasm")
    proc = subprocess.Popen([str(wb_bin), "run", str(wasm)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    time.sleep(0.3)  # the pipe fills: the host waits on EPOLLOUT
    total = 0
    first = b""
    while chunk := proc.stdout.read(1 << 16):  # a slow-ish reader: the guest waits
        if not first:
            first = chunk[:64]
        total += len(chunk)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert total == 32 << 20
    assert first == bytes(97 + i % 26 for i in range(63)) + b"\n"


def stdout_p3_variant(keep_stream_open: bool) -> str:
    """stdout_p3.wat returning at once after its last write, without reading
    the future (and, if asked, without dropping its end of the stream)."""
    wat = (REPO / "bench/data/stdout_p3.wat").read_text()
    start = wat.index("      (local.set $status (call $future.read")
    tail = "      (i32.load8_u (i32.const 32))))"
    end = wat.index(tail) + len(tail)
    wat = wat[:start] + "      (i32.const 0)))" + wat[end:]
    if keep_stream_open:
        wat = wat.replace("      (call $stream.drop (local.get $w))\n", "")
    return wat


@pytest.mark.parametrize("keep_stream_open", [False, True], ids=["dropped", "open"])
def test_stdout_is_flushed_when_run_returns_early(wb_bin, wasm_tools, tmp_path,
                                                  keep_stream_open):
    """The last chunk the guest handed over is written even though run returned
    before the host's completion ran."""
    wasm = assemble(wasm_tools, stdout_p3_variant(keep_stream_open), tmp_path / "early.wasm")
    cp = wb_run(wb_bin, wasm, timeout=120)
    assert cp.returncode == 0, cp.stderr
    assert len(cp.stdout) == 32 << 20


def test_stdout_reader_going_away_is_a_pipe_error(wb_bin, wasm_tools, tmp_path):
    """The guest's stream ends with error-code.pipe; the process is not killed."""
    wasm = assemble(wasm_tools, (REPO / "bench/data/stdout_p3.wat").read_text(),
                    tmp_path / "stdout_p3.wasm")
    proc = subprocess.Popen([str(wb_bin), "run", str(wasm)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert len(proc.stdout.read(1000)) == 1000
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, 1), (proc.returncode, err)  # the guest decides, not SIGPIPE
    assert b"Sanitizer" not in err


def test_stdout_pipe_is_left_blocking(wb_bin):
    """A stdout pipe is made non-blocking for the run and restored after it."""
    import fcntl
    import os
    r, w = os.pipe()
    try:
        cp = subprocess.run([str(wb_bin), "run", str(EXAMPLE)], stdout=w, stderr=w,
                            stdin=subprocess.DEVNULL, timeout=60)
        assert cp.returncode == 0
        assert not fcntl.fcntl(w, fcntl.F_GETFL) & os.O_NONBLOCK
        assert os.read(r, 100) == b"hello\n"
    finally:
        os.close(r)
        os.close(w)


def test_missing_interface_is_named_before_running(wb_bin, wasm_tools, tmp_path):
    wat = COMMAND.replace("BODY", "(i32.const 0)").replace(
        '(component $c', '(component $c (import "wasi:sockets/types@0.3.0" (instance))', 1)
    wasm = assemble(wasm_tools, wat, tmp_path / "sockets.wasm")
    cp = wb_run(wb_bin, wasm)
    assert cp.returncode == 1, cp
    assert b"does not provide: wasi:sockets/types@0.3.0" in cp.stderr, cp.stderr
    assert cp.stdout == b""


def test_missing_function_names_the_interface(wb_bin, wasm_tools, tmp_path):
    wat = COMMAND.replace("BODY", "(i32.const 0)").replace(
        '(export "now" (func (result u64)))',
        '(export "now" (func (result u64))) (export "tomorrow" (func (result u64)))').replace(
        '(alias export $mono "now" (func $now))',
        '(alias export $mono "now" (func $now)) (alias export $mono "tomorrow" (func $tm))')
    wasm = assemble(wasm_tools, wat, tmp_path / "tomorrow.wasm")
    cp = wb_run(wb_bin, wasm)
    assert cp.returncode == 1, cp
    assert b"wasi:clocks/monotonic-clock@0.3.0 has no `tomorrow`" in cp.stderr, cp.stderr


def test_usage_errors(wb_bin, tmp_path):
    assert wb_run(wb_bin).returncode == 2
    assert wb_run(wb_bin, "--env", "NOEQUALS", EXAMPLE).returncode == 2
    assert wb_run(wb_bin, "--bogus", EXAMPLE).returncode == 2
    cp = wb_run(wb_bin, "--dir", f"{tmp_path}/missing::/data", EXAMPLE)
    assert cp.returncode == 1 and b"not a directory" in cp.stderr, cp
    cp = wb_run(wb_bin, "--dir", "::/data", EXAMPLE)
    assert cp.returncode == 2, cp
    # --dir HOST::GUEST and --dir DIR are accepted (hello ignores them).
    assert wb_run(wb_bin, "--dir", f"{tmp_path}::/data", EXAMPLE).returncode == 0
    assert wb_run(wb_bin, "--dir", str(tmp_path), EXAMPLE).returncode == 0
    cp = wb_run(wb_bin, tmp_path / "nope.wasm")
    assert cp.returncode == 1 and b"nope.wasm" in cp.stderr, cp


def test_not_a_component(wb_bin, tmp_path):
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"\x00asm\x0d\x00\x01\x00\x07")
    r = run(wb_bin, "run", bad)
    assert_no_crash(r)
    assert r.returncode == 1


# --------------------------------------------------------------- cli_probe

def probe_lines(stdout: bytes) -> list[str]:
    """cli_probe's stable lines, without the filesystem part (run without --dir)."""
    return [line for line in stable_lines(stdout.decode())
            if not line.startswith("fs ")]


needs_probe = pytest.mark.skipif(not PROBE.is_file(), reason=f"{PROBE} missing: build fixtures")


@needs_probe
def test_cli_probe_args_env_stdin(wb_bin):
    cp = wb_run(wb_bin, "--env", "GREETING=hi", PROBE, "/data", "a1", stdin=b"hello\n")
    out = cp.stdout.decode()
    assert probe_lines(cp.stdout) == [
        "argc=3", "argv[1]=/data", "argv[2]=a1", "env GREETING=hi",
        'stdin bytes=6 first="hello"'], out
    assert "env count=1" in out
    assert "clock realtime_s=" in out and "plausible=1" in out
    random = [line for line in out.splitlines() if line.startswith("random ")]
    assert len(random) == 1 and len(random[0]) == len("random ") + 32
    # no preopens: the probe reports the failed open and returns 3 (err: 1)
    assert "fs open-write /data/probe-out.txt failed" in out
    assert cp.returncode == 1


@needs_probe
def test_cli_probe_matches_jco(wb_bin, jco_runner, tmp_path):  # noqa: F811
    data = tmp_path / "data"
    shutil.copytree(PROBE.parent / "data", data)
    code, jco_out, _ = jco_runner.run(jco_runner.transpile(PROBE, "cli_probe_p2"),
                                      args=["/data", "a1"],
                                      env={"GREETING": "hi", "JCO_PREOPENS": f"/data={data}"},
                                      stdin=b"hello\n")
    assert code == 0, jco_out
    cp = wb_run(wb_bin, "--env", "GREETING=hi", PROBE, "/data", "a1", stdin=b"hello\n")
    assert probe_lines(cp.stdout) == probe_lines(jco_out.encode())


@needs_probe
def test_cli_probe_filesystem_matches_jco(wb_bin, jco_runner, tmp_path):  # noqa: F811
    """With --dir, the probe's `fs` lines (write, read back, read a file) match jco's."""
    jco_data = tmp_path / "jco-data"
    shutil.copytree(PROBE.parent / "data", jco_data)
    code, jco_out, jco_err = jco_runner.run(
        jco_runner.transpile(PROBE, "cli_probe_p2"), args=["/data", "a1"],
        env={"GREETING": "hi", "JCO_PREOPENS": f"/data={jco_data}"}, stdin=b"hello\n")
    assert code == 0, jco_out
    data = tmp_path / "data"
    shutil.copytree(PROBE.parent / "data", data)
    cp = wb_run(wb_bin, "--env", "GREETING=hi", "--dir", f"{data}::/data", PROBE, "/data", "a1",
                stdin=b"hello\n")
    assert cp.returncode == 0, cp
    out = cp.stdout.decode()
    fs_lines = [line for line in out.splitlines() if line.startswith("fs ")]
    assert fs_lines and fs_lines == [line for line in jco_out.splitlines()
                                     if line.startswith("fs ")], (out, jco_out)
    assert stable_lines(out) == stable_lines(jco_out)
    assert cp.stderr.decode() == jco_err
    assert (data / "probe-out.txt").read_text() == (jco_data / "probe-out.txt").read_text()


P3CLI = WB_FIXTURES / "p3cli.wasm"
needs_p3cli = pytest.mark.skipif(not P3CLI.is_file(), reason=f"{P3CLI} missing: build fixtures")
P3CLI_EXPECTED = ['env GREETING=hey', 'stdin bytes=9 first="hello p3"', "waited>=20ms true",
                  "system-clock plausible true", "random len=8", 'preopens=["/data"]']


def run_p3cli(wb_bin: Path, data: Path):
    env = [a for k, v in P3CLI_ENV.items() for a in ("--env", f"{k}={v}")]
    return wb_run(wb_bin, *env, "--dir", f"{data}::/data", P3CLI, *P3CLI_ARGS,
                  stdin=b"hello p3\n")


@needs_p3cli
def test_componentize_qjs_composition_runs(wb_bin, tmp_path):
    """A 0.3 command whose nested JS runtime still imports WASI 0.2."""
    data = tmp_path / "data"
    shutil.copytree(P3CLI.parent / "data", data)
    cp = run_p3cli(wb_bin, data)
    assert cp.returncode == 0, cp
    lines = cp.stdout.decode().splitlines()
    assert lines[0] == "args=" + json.dumps([str(P3CLI), *P3CLI_ARGS], separators=(",", ":")), lines
    assert lines[1:] == P3CLI_EXPECTED, lines


@needs_p3cli
def test_componentize_qjs_composition_matches_jco(wb_bin, jco_runner, tmp_path):  # noqa: F811
    data = tmp_path / "data"
    shutil.copytree(P3CLI.parent / "data", data)
    code, jco_out, jco_err = jco_runner.run(
        jco_runner.transpile(P3CLI, "p3cli"), args=P3CLI_ARGS,
        env={**P3CLI_ENV, "JCO_PREOPENS": f"/data={data}", "ARGV0": str(P3CLI)},
        stdin=b"hello p3\n")
    assert code == 0, (jco_out, jco_err)
    cp = run_p3cli(wb_bin, data)
    assert cp.returncode == 0, cp
    assert cp.stdout.decode() == jco_out
    assert cp.stderr.decode() == jco_err


@needs_probe
def test_dir_without_guest_path_means_the_same_path(wb_bin, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(PROBE.parent / "data", data)
    cp = wb_run(wb_bin, "--dir", str(data), PROBE, str(data), "a1", stdin=b"hello\n")
    assert cp.returncode == 0, cp
    assert b'fs input.txt="input line one"' in cp.stdout, cp


@needs_probe
def test_inherit_env_and_override(wb_bin):
    cp = subprocess.run([str(wb_bin), "run", "--inherit-env", "--env", "GREETING=over",
                         str(PROBE)], input=b"", capture_output=True, timeout=60,
                        env={"GREETING": "inherited", "OTHER": "x"})
    out = cp.stdout.decode()
    assert "env GREETING=over" in out
    assert "env count=2" in out


@needs_probe
@pytest.mark.parametrize("stdin", ["devnull", "empty-pipe", "closed"])
def test_stdin_eof(wb_bin, stdin):
    kwargs = {"devnull": {"stdin": subprocess.DEVNULL},
              "empty-pipe": {"input": b""},
              "closed": {"stdin": subprocess.PIPE}}[stdin]
    if stdin == "closed":
        proc = subprocess.Popen([str(wb_bin), "run", str(PROBE)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.2)  # the guest is waiting on the epoll watch by now
        proc.stdin.close()
        out, err = finish(proc)
    else:
        cp = subprocess.run([str(wb_bin), "run", str(PROBE)], capture_output=True,
                            timeout=60, **kwargs)
        out, err = cp.stdout, cp.stderr
    assert b'stdin bytes=0 first=""' in out, (out, err)


@needs_probe
def test_stdin_slow_pipe_does_not_block_the_loop(wb_bin):
    """Data arriving in pieces over a pipe: every byte reaches the guest."""
    proc = subprocess.Popen([str(wb_bin), "run", str(PROBE)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunk = b"x" * 100_000 + b"\n"
    for _ in range(30):
        proc.stdin.write(chunk)
        proc.stdin.flush()
        time.sleep(0.005)
    proc.stdin.close()
    out, err = finish(proc)
    assert f'stdin bytes={30 * len(chunk)} first="'.encode() in out, (out[:200], err)


@needs_probe
def test_stdin_is_left_blocking(wb_bin):
    """fd 0 is made non-blocking for the run and restored after it."""
    import fcntl
    import os
    r, w = os.pipe()
    try:
        os.write(w, b"abc\n")
        os.close(w)
        cp = subprocess.run([str(wb_bin), "run", str(PROBE)], stdin=r, capture_output=True,
                            timeout=60)
        assert b"stdin bytes=4" in cp.stdout, cp
        assert not fcntl.fcntl(r, fcntl.F_GETFL) & os.O_NONBLOCK
    finally:
        os.close(r)


@needs_probe
def test_stdin_from_a_regular_file(wb_bin, tmp_path):
    """epoll refuses regular files: the host reads them from posted callbacks."""
    f = tmp_path / "in.txt"
    f.write_bytes(b"first line\n" + b"y" * 300_000)
    with f.open("rb") as fh:
        cp = subprocess.run([str(wb_bin), "run", str(PROBE)], stdin=fh,
                            capture_output=True, timeout=60)
    assert f'stdin bytes={11 + 300_000} first="first line"'.encode() in cp.stdout, cp


# ----------------------------------------------------------------- ASan

@pytest.mark.parametrize("case", ["hello", "probe", "stdout", "early-open", "trap", "exit"])
def test_run_under_asan(asan_bin, wasm_tools, tmp_path, case):
    """No sanitizer report (leaks included) on the run paths: ok, trap, exit,
    a stream left open by the guest."""
    stdin = b""
    args: list = []
    if case == "hello":
        args = [EXAMPLE]
    elif case == "probe":
        if not PROBE.is_file():
            pytest.skip(f"{PROBE} missing")
        args, stdin = ["--env", "GREETING=hi", PROBE, "/data"], b"hello\n"
    elif case == "stdout":
        args = [assemble(wasm_tools, (REPO / "bench/data/stdout_p3.wat").read_text(),
                         tmp_path / "s.wasm")]
    elif case == "early-open":
        args = [assemble(wasm_tools, stdout_p3_variant(True), tmp_path / "e.wasm")]
    else:
        body = BODIES["trap" if case == "trap" else "exit-with-code"][0]
        args = [assemble(wasm_tools, COMMAND.replace("BODY", body), tmp_path / "c.wasm")]
    cp = subprocess.run([str(asan_bin), "run", *map(str, args)], input=stdin,
                        capture_output=True, timeout=600)
    assert cp.returncode >= 0
    for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
        assert marker.encode() not in cp.stderr, cp.stderr[-3000:]
