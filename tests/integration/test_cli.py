"""Top-level CLI behaviour: --help, --version, the human `inspect` summary."""
import re

from conftest import EXAMPLE, assert_no_crash, run


def test_help(wb_bin):
    r = run(wb_bin, "--help")
    assert_no_crash(r)
    assert r.returncode == 0, repr(r)
    for cmd in ("inspect", "validate", "roundtrip"):
        assert cmd in r.output, f"--help does not mention {cmd}\n{r!r}"


def test_version(wb_bin):
    r = run(wb_bin, "--version")
    assert_no_crash(r)
    assert r.returncode == 0, repr(r)
    assert re.search(r"\d+\.\d+\.\d+", r.output), repr(r)


def test_no_arguments_is_usage_error(wb_bin):
    r = run(wb_bin)
    assert_no_crash(r)
    assert r.returncode == 2, repr(r)
    assert r.stderr.strip(), repr(r)


def test_inspect_human_summary(wb_bin):
    r = run(wb_bin, "inspect", EXAMPLE)
    assert_no_crash(r)
    assert r.returncode == 0, repr(r)
    for name in ("wasi:io/error@0.2.12", "wasi:io/streams@0.2.12", "wasi:cli/stdout@0.2.12",
                 "wasi:cli/run@0.2.12"):
        assert name in r.stdout, f"{name} not in the summary\n{r!r}"
    assert "0.2" in r.stdout


def test_roundtrip_example(wb_bin, tmp_path):
    out = tmp_path / "hello.wasm"
    r = run(wb_bin, "roundtrip", EXAMPLE, "-o", out)
    assert r.returncode == 0, repr(r)
    assert out.read_bytes() == EXAMPLE.read_bytes()
