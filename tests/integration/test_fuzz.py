"""Bounded libFuzzer runs of the fuzz targets (built with WB_FUZZ=ON, normally
together with WB_SANITIZE=ON): component_fuzz and upgrade_fuzz on a seed
corpus of small components, wit_fuzz on the WIT files of polyfill-wit,
wave_fuzz (the --invoke value syntax) on hand-written WAVE values."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import EXAMPLE, REPO, WB_FIXTURES, WB_FUZZ_DIR

FUZZ_SECONDS = int(os.environ.get("WB_FUZZ_SECONDS", "60"))
FUZZ_SEED = int(os.environ.get("WB_FUZZ_SEED", "1"))  # fixed: CI runs are reproducible
SEED_FIXTURES = ["async-min.wasm", "08-valid-async-lower.wasm", "01-async-post-return.wasm",
                 "05-stream-new-of-future.wasm", "f04-error-context.wasm", "f06-map.wasm",
                 "calc.component.wasm"]
MAX_SEED_SIZE = 256 * 1024


def find_fuzzer(name):
    if not WB_FUZZ_DIR.is_dir():
        return None
    for p in sorted(WB_FUZZ_DIR.rglob(name)):
        if p.is_file() and os.access(p, os.X_OK):
            return p
    return None


def component_seeds(seeds):
    shutil.copy(EXAMPLE, seeds / EXAMPLE.name)
    for n in SEED_FIXTURES:
        p = WB_FIXTURES / n
        if p.is_file() and p.stat().st_size <= MAX_SEED_SIZE:
            shutil.copy(p, seeds / n)


def wit_seeds(seeds):
    for i, p in enumerate(sorted((REPO / "polyfill-wit").rglob("*.wit"))):
        shutil.copy(p, seeds / f"{i}-{p.name}")


def upgrade_seeds(seeds):
    component_seeds(seeds)
    probe = WB_FIXTURES / "cli_probe.p2.wasm"
    if probe.is_file():
        shutil.copy(probe, seeds / probe.name)


# wave_fuzz: the first byte picks the type (tests/fuzz/wave_fuzz.cc's table).
WAVE_SEEDS = [b"\x00true", b"\x02 18446744073709551615", b"\x05-inf", b"\x06'\\u{1F600}'",
              b'\x07"a\\tb\\u{e9}"', b'\x08["x", "", "z",]', b"\x09[1, 2, 3]",
              b'\x0ab("q")', b"\x0bsome(ok)", b"\x0c{read, exec}",
              b'\x0d{b: true, n: -1, u: 2, f: nan, d: 1.5, c: \'y\', s: "x", l: [1], '
              b't: ("a", 2), v: %ok(1), e: %inf, o: some(none), r: ok(3), fl: {write}}',
              b'\x0e[("k", [some(1), none])]']


def wave_seeds(seeds):
    for i, seed in enumerate(WAVE_SEEDS):
        (seeds / f"seed{i}").write_bytes(seed)


@pytest.mark.parametrize("name,add_seeds", [("component_fuzz", component_seeds),
                                            ("upgrade_fuzz", upgrade_seeds),
                                            ("wit_fuzz", wit_seeds),
                                            ("wave_fuzz", wave_seeds)])
def test_fuzz_bounded(tmp_path, name, add_seeds):
    fuzzer = find_fuzzer(name)
    if fuzzer is None:
        pytest.skip(f"{name} not built under WB_FUZZ_DIR={WB_FUZZ_DIR} "
                    "(configure with -DWB_FUZZ=ON -DWB_SANITIZE=ON -DWB_TESTS=ON)")
    seeds = tmp_path / "corpus"
    seeds.mkdir()
    add_seeds(seeds)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    cmd = [str(fuzzer), f"-max_total_time={FUZZ_SECONDS}", "-rss_limit_mb=2048", "-timeout=30",
           f"-seed={FUZZ_SEED}",
           "-print_final_stats=1", f"-artifact_prefix={artifacts}/", str(seeds)]
    cp = subprocess.run(cmd, capture_output=True, stdin=subprocess.DEVNULL,
                        timeout=FUZZ_SECONDS + 300, cwd=tmp_path, env=sanitizer_env())
    log = (cp.stdout + cp.stderr).decode("utf-8", "replace")
    crashes = sorted(artifacts.iterdir())
    if cp.returncode == 0 and not crashes:
        return
    # keep the reproducers next to the fuzz build: tmp_path is cleaned up later
    kept = WB_FUZZ_DIR / "artifacts"
    kept.mkdir(exist_ok=True)
    for c in crashes:
        shutil.copy(c, kept / c.name)
    repro = "\n".join(f"  {fuzzer} {kept / c.name}" for c in crashes)
    pytest.fail(f"$ {' '.join(cmd)}\nexit {cp.returncode}; reproduce with:\n{repro}\n\n"
                f"{crash_excerpt(log)}", pytrace=False)


def sanitizer_env():
    env = dict(os.environ)
    sym = shutil.which("llvm-symbolizer-19") or shutil.which("llvm-symbolizer")
    if sym:
        env.setdefault("ASAN_SYMBOLIZER_PATH", sym)
    return env


def crash_excerpt(log, limit=6000):
    """The start of the crash report (the cause and the top frames) + the final stats."""
    lines = [l[:220] for l in log.splitlines()]
    start = next((i for i, l in enumerate(lines)
                  if re.search(r"==\d+==\s*ERROR|Assertion .* failed|runtime error:|deadly signal"
                               r"|out-of-memory|timeout after", l)), max(0, len(lines) - 40))
    head = "\n".join(lines[max(0, start - 2):start + 30])
    tail = "\n".join(l for l in lines[-12:] if l.startswith(("stat::", "SUMMARY", "MS:")))
    return head[:limit] + "\n...\n" + tail
