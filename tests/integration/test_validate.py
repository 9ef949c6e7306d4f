"""`wasi-bridge validate FILE`: exit 0 + "FILE: valid", or exit 1 with one line per
error `FILE: error at byte N (0xN): MESSAGE`; bad usage exits 2."""
import re

import pytest

from conftest import (EXAMPLE, FIXTURE_INVALID, all_valid_component_params,
                      assert_no_crash, fixture_params, run)

ERROR_LINE = re.compile(r"^(?P<file>.+): error at byte (?P<dec>\d+) \(0x(?P<hex>[0-9a-fA-F]+)\): (?P<msg>.+)$",
                        re.M)


def error_lines(r):
    lines = list(ERROR_LINE.finditer(r.stdout + "\n" + r.stderr))
    for m in lines:
        assert int(m["dec"]) == int(m["hex"], 16), f"byte offsets disagree: {m.group(0)}"
    return lines


@pytest.mark.parametrize("path", all_valid_component_params())
def test_valid(wb_bin, path):
    r = run(wb_bin, "validate", path)
    assert_no_crash(r)
    assert r.returncode == 0, repr(r)
    assert f"{path}: valid" in r.stdout, repr(r)


@pytest.mark.parametrize("path", fixture_params(list(FIXTURE_INVALID)))
def test_invalid_fixture_names_rule(wb_bin, path):
    r = run(wb_bin, "validate", path)
    assert_no_crash(r)
    assert r.returncode == 1, repr(r)
    lines = error_lines(r)
    assert lines, f"no `FILE: error at byte N (0xN): MESSAGE` line\n{r!r}"
    want = FIXTURE_INVALID[path.name]
    assert any(re.search(want, m["msg"], re.I) for m in lines), \
        f"no error message matches /{want}/i\n{r!r}"


@pytest.mark.parametrize("path", fixture_params(["f07-thread-new.wasm"]))
def test_threading_rejected(wb_bin, path):
    r = run(wb_bin, "validate", path)
    assert_no_crash(r)
    assert r.returncode == 1, repr(r)
    assert error_lines(r), repr(r)
    assert re.search(r"thread", r.output, re.I), repr(r)


@pytest.mark.parametrize("path", fixture_params(["f01-stackful-lift.wasm"]))
def test_stackful_lift(wb_bin, path):
    """Accepting a stackful async lift is fine; rejecting it must name `callback`."""
    r = run(wb_bin, "validate", path)
    assert_no_crash(r)
    assert r.returncode in (0, 1), repr(r)
    if r.returncode == 1:
        assert re.search(r"callback", r.output, re.I), repr(r)


# ---------------------------------------------------------------- malformed input

def _hello() -> bytes:
    return EXAMPLE.read_bytes()


MALFORMED = {
    "empty": lambda: b"",
    "bad-magic": lambda: b"\x00wsm" + _hello()[4:],
    "bad-version": lambda: _hello()[:4] + b"\x0e\x00\x01\x00" + _hello()[8:],
    "header-only-partial": lambda: _hello()[:6],
    "truncated-mid": lambda: _hello()[:len(_hello()) // 2 + 1],
    "truncated-last-byte": lambda: _hello()[:-1],
    "unknown-section-13": lambda: _hello() + b"\x0d\x01\x00",
    "section-size-overflow": lambda: _hello() + b"\x01\xff\xff\xff\xff\x0f",
    "garbage": lambda: bytes(range(256)) * 4,
    "text-file": lambda: b"(component)\n",
}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed(wb_bin, tmp_path, kind):
    p = tmp_path / f"{kind}.wasm"
    p.write_bytes(MALFORMED[kind]())
    r = run(wb_bin, "validate", p)
    assert_no_crash(r)
    assert r.returncode == 1, repr(r)
    assert "at byte" in r.output, repr(r)
    assert error_lines(r), f"no `FILE: error at byte N (0xN): MESSAGE` line\n{r!r}"
    for m in error_lines(r):
        assert m["file"].endswith(p.name), m.group(0)
        assert int(m["dec"]) <= len(p.read_bytes()), f"offset beyond end of input: {m.group(0)}"


# ---------------------------------------------------------------- usage errors

@pytest.mark.parametrize("args", [
    ["validate", "--definitely-not-a-flag", str(EXAMPLE)],
    ["validate"],
    ["validate", "/nonexistent/dir/missing.wasm"],
    ["inspect", "/nonexistent/dir/missing.wasm"],
    ["roundtrip", str(EXAMPLE)],                    # -o missing
    ["no-such-command", str(EXAMPLE)],
], ids=["bad-flag", "no-file", "missing-file", "inspect-missing-file", "roundtrip-no-o",
        "unknown-command"])
def test_usage_errors_exit_2(wb_bin, args):
    r = run(wb_bin, *args)
    assert_no_crash(r)
    assert r.returncode == 2, repr(r)
    assert r.stderr.strip(), f"expected a message on stderr\n{r!r}"


def test_no_core_flag_accepted(wb_bin):
    r = run(wb_bin, "validate", "--no-core", EXAMPLE)
    assert r.returncode == 0, repr(r)
    assert f"{EXAMPLE}: valid" in r.stdout, repr(r)
