"""Robustness under ASan+UBSan: truncated and byte-flipped copies of every
component must be rejected cleanly (exit 1, one error line), never crash.

A cut exactly on a top-level section boundary leaves a well-formed component
(a prefix of its sections), so there exit 0 is allowed too.  Offsets are drawn
with a fixed seed per file name, so a failure reproduces.
Knobs: WB_TRUNC_COUNT (default 50 cuts per file), WB_FLIP_COUNT (default 5).
"""
import os
import random
import shutil
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import all_component_params, assert_no_crash, run

TRUNC_COUNT = int(os.environ.get("WB_TRUNC_COUNT", "50"))
FLIP_COUNT = int(os.environ.get("WB_FLIP_COUNT", "5"))
WORKERS = 2
SEED = 0x5EED

ENV = dict(os.environ)
# Sanitizer reports must not be mistaken for "invalid input" (exit 1).
ENV.setdefault("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1:exitcode=86")
ENV.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=87")
_SYM = shutil.which("llvm-symbolizer-19") or shutil.which("llvm-symbolizer")
if _SYM:
    ENV.setdefault("ASAN_SYMBOLIZER_PATH", _SYM)


def leb_u32(data, pos):
    result = shift = 0
    while True:
        if pos >= len(data):
            return None, pos
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, pos
        if shift > 35:
            return None, pos


def section_boundaries(data):
    """Offsets where a top-level section ends (8 = right after the header)."""
    out, pos = {8}, 8
    while pos < len(data):
        size, p = leb_u32(data, pos + 1)
        if size is None:
            break
        pos = p + size
        if pos <= len(data):
            out.add(pos)
    return out


def cases(data, name):
    rng = random.Random(SEED ^ zlib.crc32(name.encode()))
    n = len(data)
    cuts = {0, 4, 7, 8, 9, n - 1} | {rng.randrange(n) for _ in range(TRUNC_COUNT)}
    cuts = sorted(c for c in cuts if 0 <= c < n)[:TRUNC_COUNT + 6]
    flips = [(rng.randrange(8, n), rng.randrange(1, 256)) for _ in range(FLIP_COUNT)] if n > 8 else []
    return cuts, flips


@pytest.mark.parametrize("path", all_component_params())
def test_truncations_and_flips(asan_bin, path, tmp_path):
    data = path.read_bytes()
    boundaries = section_boundaries(data)
    cuts, flips = cases(data, path.name)

    def one(job):
        kind, arg = job
        if kind == "cut":
            blob, label = data[:arg], f"truncated at {arg} of {len(data)}"
        else:
            off, mask = arg
            b = bytearray(data)
            b[off] ^= mask
            blob, label = bytes(b), f"byte {off} xor 0x{mask:02x}"
        f = tmp_path / (f"{kind}-{arg if kind == 'cut' else arg[0]}.wasm")
        f.write_bytes(blob)
        try:
            r = run(asan_bin, "validate", f, timeout=300, env=ENV)
        finally:
            f.unlink()
        problems = []
        try:
            assert_no_crash(r)
        except AssertionError as e:
            problems.append(str(e))
        else:
            ok = (0, 1) if kind == "flip" or arg in boundaries else (1,)
            if r.returncode not in ok:
                problems.append(f"exit {r.returncode}, want {ok}\n{r!r}")
            elif r.returncode == 1 and "at byte" not in r.output:
                problems.append(f"exit 1 without an `error at byte N` line\n{r!r}")
        return [f"{label}: {p}" for p in problems]

    jobs = [("cut", c) for c in cuts] + [("flip", fl) for fl in flips]
    with ThreadPoolExecutor(WORKERS) as pool:
        problems = [p for ps in pool.map(one, jobs) for p in ps]
    if problems:
        pytest.fail(f"{len(problems)} of {len(jobs)} mutants of {path.name} misbehaved; first:\n"
                    + "\n\n".join(problems[:3]), pytrace=False)
