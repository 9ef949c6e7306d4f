"""Bounded libFuzzer run of the component_fuzz target (built with WB_FUZZ=ON,
normally together with WB_SANITIZE=ON) on a seed corpus of small components."""
import os
import shutil
import subprocess

import pytest

from conftest import EXAMPLE, WB_FIXTURES, WB_FUZZ_DIR

FUZZ_SECONDS = int(os.environ.get("WB_FUZZ_SECONDS", "60"))
SEED_FIXTURES = ["async-min.wasm", "08-valid-async-lower.wasm", "01-async-post-return.wasm",
                 "05-stream-new-of-future.wasm", "f04-error-context.wasm", "f06-map.wasm",
                 "calc.component.wasm"]
MAX_SEED_SIZE = 256 * 1024


def find_fuzzer():
    if not WB_FUZZ_DIR.is_dir():
        return None
    for p in sorted(WB_FUZZ_DIR.rglob("component_fuzz")):
        if p.is_file() and os.access(p, os.X_OK):
            return p
    return None


def test_component_fuzz_bounded(tmp_path):
    fuzzer = find_fuzzer()
    if fuzzer is None:
        pytest.skip(f"component_fuzz not built under WB_FUZZ_DIR={WB_FUZZ_DIR} "
                    "(configure with -DWB_FUZZ=ON -DWB_SANITIZE=ON)")
    seeds = tmp_path / "corpus"
    seeds.mkdir()
    shutil.copy(EXAMPLE, seeds / EXAMPLE.name)
    for n in SEED_FIXTURES:
        p = WB_FIXTURES / n
        if p.is_file() and p.stat().st_size <= MAX_SEED_SIZE:
            shutil.copy(p, seeds / n)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    cmd = [str(fuzzer), f"-max_total_time={FUZZ_SECONDS}", "-rss_limit_mb=2048", "-timeout=30",
           "-print_final_stats=1", f"-artifact_prefix={artifacts}/", str(seeds)]
    cp = subprocess.run(cmd, capture_output=True, stdin=subprocess.DEVNULL,
                        timeout=FUZZ_SECONDS + 300, cwd=tmp_path)
    log = (cp.stdout + cp.stderr).decode("utf-8", "replace")
    crashes = sorted(p.name for p in artifacts.iterdir())
    assert cp.returncode == 0 and not crashes, (
        f"$ {' '.join(cmd)}\nexit {cp.returncode}; artifacts: {crashes}\n{log[-4000:]}")
