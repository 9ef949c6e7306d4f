"""`wasi-bridge wit` and the WIT packages in polyfill-wit, against independent
WIT implementations: wasm-tools (`component wit`) and jco's wit-component.

Comparisons are structural: both sides are reduced to `wit --summary` lines
(one per import/export, interface type and function signature, sorted)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import (HERE, REPO, all_valid_component_params, assert_no_crash, run)

POLYFILL = REPO / "polyfill-wit"
P2 = POLYFILL / "wasi-0.2.12"
P3 = POLYFILL / "wasi-0.3.0"


def package_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir())


def all_polyfill_paths() -> list[Path]:
    return package_dirs(P2) + package_dirs(P3) + [POLYFILL / "worlds"]


def world_names() -> list[str]:
    """Every world declared in polyfill-wit, as ns:pkg/world."""
    out = []
    for wit in sorted(POLYFILL.rglob("*.wit")):
        text = wit.read_text()
        pkg = re.search(r"^\s*package\s+([a-z0-9-]+:[a-z0-9-]+)(@[0-9a-z.+-]+)?", text, re.M)
        for w in re.finditer(r"^\s*world\s+([a-z0-9-]+)", text, re.M):
            out.append(f"{pkg.group(1)}/{w.group(1)}{pkg.group(2) or ''}")
    return out


def wasm_tools() -> str:
    tool = shutil.which("wasm-tools")
    if tool is None:
        pytest.skip("wasm-tools not on PATH (scripts/setup.sh installs it with cargo "
                    "into $ORACLES/cargo/bin; source build/oracles.env)")
    return tool


def summary(wb_bin, *args) -> list[str]:
    r = run(wb_bin, "wit", "--summary", *args)
    assert_no_crash(r)
    assert r.returncode == 0, repr(r)
    return r.stdout.splitlines()


# ---------------------------------------------------------------- components


@pytest.mark.parametrize("path", all_valid_component_params())
def test_wit_matches_wasm_tools(wb_bin, path, tmp_path):
    tool = wasm_tools()
    cp = subprocess.run([tool, "component", "wit", str(path)], capture_output=True,
                        stdin=subprocess.DEVNULL, timeout=120)
    assert cp.returncode == 0, cp.stderr.decode()
    theirs = tmp_path / "theirs.wit"
    theirs.write_bytes(cp.stdout)
    ours = summary(wb_bin, path)
    assert ours == summary(wb_bin, theirs, "--world", "root")


@pytest.mark.parametrize("path", all_valid_component_params())
def test_wit_world_names_match_jco(wb_bin, jco_names, path):
    expected = jco_names([path])[str(path)]
    lines = summary(wb_bin, path)
    ours = {"imports": set(), "exports": set()}
    for line in lines:
        m = re.match(r"^(import|export) (\S+?)(?: \||: (?:async )?func| = |$)", line)
        if m:
            ours[m.group(1) + "s"].add(m.group(2))
    assert ours["imports"] == set(expected["imports"])
    assert ours["exports"] == set(expected["exports"])


def test_wit_prints_parseable_wit(wb_bin, tmp_path):
    """The printed world of a component is WIT our parser reads back unchanged."""
    example = REPO / "examples/hello-p2.wasm"
    r = run(wb_bin, "wit", example)
    assert r.returncode == 0, repr(r)
    assert "world root" in r.stdout and "export wasi:cli/run@0.2.12;" in r.stdout
    printed = tmp_path / "world.wit"
    printed.write_text(r.stdout)
    again = run(wb_bin, "wit", printed, "--world", "root")
    assert again.returncode == 0, repr(again)
    assert again.stdout == r.stdout


# ---------------------------------------------------------------- polyfill-wit


def test_polyfill_wit_resolves_with_and_without_unstable_features(wb_bin):
    for flags in ([], ["--all-features"]):
        r = run(wb_bin, "wit", *all_polyfill_paths(), *flags)
        assert r.returncode == 0, repr(r)
        for world in ("world command", "world proxy", "world service",
                      "world p2-on-p3", "world p3-on-p2"):
            assert world in r.stdout


def test_polyfill_wit_declares_the_expected_worlds():
    names = {re.sub(r"@.*", "", n) for n in world_names()}
    for w in ("wasi:cli/command", "wasi:http/proxy", "wasi:http/service",
              "wasi:http/middleware", "wasi-bridge:polyfill/p2-on-p3",
              "wasi-bridge:polyfill/p3-on-p2"):
        assert w in names


@pytest.mark.parametrize("world", world_names())
def test_polyfill_world_encodes_validates_and_reads_back(wb_bin, world, tmp_path):
    paths = all_polyfill_paths()
    pkg = tmp_path / "world.wasm"
    r = run(wb_bin, "wit", *paths, "--world", world, "--all-features", "-o", pkg)
    assert r.returncode == 0, repr(r)
    v = run(wb_bin, "validate", pkg)
    assert v.returncode == 0, repr(v)
    assert summary(wb_bin, pkg) == summary(wb_bin, *paths, "--world", world, "--all-features")


@pytest.mark.parametrize("world", world_names())
def test_polyfill_world_is_read_by_wasm_tools(wb_bin, world, tmp_path):
    tool = wasm_tools()
    paths = all_polyfill_paths()
    pkg = tmp_path / "world.wasm"
    assert run(wb_bin, "wit", *paths, "--world", world, "--all-features", "-o", pkg).returncode == 0
    cp = subprocess.run([tool, "validate", str(pkg)], capture_output=True, timeout=60)
    assert cp.returncode == 0, cp.stderr.decode()
    out = tmp_path / "out"
    cp = subprocess.run([tool, "component", "wit", str(pkg), "--out-dir", str(out)],
                        capture_output=True, timeout=60)
    assert cp.returncode == 0, cp.stderr.decode()
    assert summary(wb_bin, out, "--world", world, "--all-features") == \
        summary(wb_bin, *paths, "--world", world, "--all-features")


@pytest.mark.parametrize("world", world_names())
def test_polyfill_world_is_read_by_jco(wb_bin, oracles, world, tmp_path):
    paths = all_polyfill_paths()
    pkg = tmp_path / "world.wasm"
    assert run(wb_bin, "wit", *paths, "--world", world, "--all-features", "-o", pkg).returncode == 0
    (tmp_path / "node_modules").symlink_to(oracles / "node_modules")
    shutil.copy(HERE / "jco_unpack_wit.mjs", tmp_path / "unpack.mjs")
    cp = subprocess.run(["node", "unpack.mjs", str(pkg)], cwd=tmp_path, capture_output=True,
                        stdin=subprocess.DEVNULL, timeout=120)
    assert cp.returncode == 0, cp.stderr.decode()
    # Write jco's files back out as one package per file and resolve them.
    out = tmp_path / "jco"
    out.mkdir()
    parts = re.split(r"^=== (.+)$", cp.stdout.decode(), flags=re.M)
    files = []
    for i in range(1, len(parts), 2):
        f = out / f"{len(files)}.wit"
        f.write_text(parts[i + 1])
        files.append(f)
    assert files, "jco produced no WIT"
    assert summary(wb_bin, *files, "--world", world, "--all-features") == \
        summary(wb_bin, *paths, "--world", world, "--all-features")


def test_polyfill_02_matches_jco_builtin_wit(wb_bin, oracles):
    """Our hand-written 0.2.12 / 0.3.0 packages describe the same worlds as the
    published WIT that jco ships (read in place)."""
    builtin = oracles / "node_modules/@bytecodealliance/jco/lib/wit/builtin"
    for version, worlds in (("0.2.12", ["wasi:cli/command", "wasi:http/proxy"]),
                            ("0.3.0", ["wasi:cli/command", "wasi:http/service",
                                       "wasi:http/middleware"])):
        ours = package_dirs(POLYFILL / f"wasi-{version}")
        theirs = sorted(p for p in (builtin / version).iterdir() if p.is_dir())
        for world in worlds:
            for flags in ([], ["--all-features"]):
                assert summary(wb_bin, *ours, "--world", world, *flags) == \
                    summary(wb_bin, *theirs, "--world", world, *flags), (version, world, flags)
