"""polyfill-wit/MAPPING.md covers every WASI 0.2.12 item, and only real 0.3.0 counterparts.

The 0.2.12 items are what `wasi-bridge wit --summary --all-features` lists for the
wasi:cli/command and wasi:http/proxy worlds; the 0.3.0 items likewise for
wasi:cli/command, wasi:http/service and wasi:http/middleware.
"""
from __future__ import annotations

import re
from collections import Counter

import pytest

from conftest import REPO, run

MAPPING = REPO / "polyfill-wit/MAPPING.md"
WIT_02 = REPO / "polyfill-wit/wasi-0.2.12"
WIT_03 = REPO / "polyfill-wit/wasi-0.3.0"
WORLDS_02 = ["wasi:cli/command@0.2.12", "wasi:http/proxy@0.2.12"]
WORLDS_03 = ["wasi:cli/command@0.3.0", "wasi:http/service@0.3.0", "wasi:http/middleware@0.3.0"]

CLASSES = {"same", "rename", "sync->async", "start/finish->async", "pollable->future",
           "stream", "removed-and-emulated"}
NONE = "—"

# `import wasi:cli/environment@0.2.12 | get-environment: func() -> ...`
# `import wasi:http/types@0.2.12 | [method]fields.get: func(...)`
# `import wasi:http/types@0.2.12 | type fields = resource`
# Item names may contain digits (get-random-u64), hence [a-z0-9-].
FUNC_RE = re.compile(r"^(?:import|export) (\S+) \| ((?:\[[a-z]+\])?[a-z0-9][a-z0-9.-]*): (?:async )?func\b")
RES_RE = re.compile(r"^(?:import|export) (\S+) \| type ([a-z0-9][a-z0-9-]*) = resource\b")
HEADING_RE = re.compile(r"^## (wasi:[a-z0-9-]+/[a-z0-9-]+@0\.2\.12)\s*$")
COUNTERPART_RE = re.compile(r"^(wasi:[a-z0-9-]+/[a-z0-9-]+@0\.3\.0)#(.+)$")


def summary_items(wb_bin, wit_dir, worlds) -> set[tuple[str, str]]:
    """{(interface, item)} with resources spelled `resource NAME`."""
    pkgs = sorted(p for p in wit_dir.iterdir() if p.is_dir())
    items: set[tuple[str, str]] = set()
    for world in worlds:
        r = run(wb_bin, "wit", "--summary", "--all-features", *pkgs, "--world", world)
        assert r.returncode == 0, r
        for line in r.stdout.splitlines():
            if m := FUNC_RE.match(line):
                items.add((m[1], m[2]))
            elif m := RES_RE.match(line):
                items.add((m[1], f"resource {m[2]}"))
    assert items, f"no items parsed from the summaries of {worlds}"
    return items


def cell(s: str) -> str:
    return s.strip().strip("`").strip()


def parse_mapping() -> list[dict]:
    """One dict per table row under a `## wasi:...@0.2.12` heading."""
    rows = []
    iface = None
    for n, line in enumerate(MAPPING.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("## "):
            m = HEADING_RE.match(line)
            iface = m[1] if m else None
            continue
        if iface is None or not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] in ("item", "") or set(cells[0]) <= set("-: "):
            continue  # header or separator
        assert len(cells) == 4, f"MAPPING.md:{n}: expected 4 columns, got {len(cells)}: {line}"
        rows.append({"line": n, "iface": iface, "item": cell(cells[0]),
                     "counterpart": cell(cells[1]), "class": cell(cells[2]), "notes": cells[3]})
    return rows


@pytest.fixture(scope="module")
def items02(wb_bin):
    return summary_items(wb_bin, WIT_02, WORLDS_02)


@pytest.fixture(scope="module")
def items03(wb_bin):
    return summary_items(wb_bin, WIT_03, WORLDS_03)


@pytest.fixture(scope="module")
def rows():
    assert MAPPING.is_file(), f"{MAPPING} missing"
    r = parse_mapping()
    assert r, "no table rows found under '## wasi:<pkg>/<iface>@0.2.12' headings"
    return r


def test_item_lists_are_plausible(items02, items03):
    # 204 from the brief's grep, plus get-random-u64 and get-insecure-random-u64,
    # which that grep dropped because of the digits in their names.
    assert len(items02) >= 204, len(items02)
    assert ("wasi:random/random@0.2.12", "get-random-u64") in items02
    assert ("wasi:filesystem/types@0.2.12", "resource descriptor") in items02
    assert ("wasi:cli/environment@0.3.0", "get-environment") in items03
    assert ("wasi:http/types@0.3.0", "resource fields") in items03


def test_every_item_has_exactly_one_row(items02, rows):
    counts = Counter((r["iface"], r["item"]) for r in rows)
    missing = sorted(items02 - set(counts))
    dup = sorted(k for k, c in counts.items() if c > 1)
    assert not missing, "0.2.12 items without a row in MAPPING.md:\n" + "\n".join(
        f"  {i} | {n}" for i, n in missing)
    assert not dup, "items with more than one row:\n" + "\n".join(f"  {i} | {n}" for i, n in dup)


def test_no_unknown_items(items02, rows):
    unknown = [r for r in rows if (r["iface"], r["item"]) not in items02]
    assert not unknown, "rows naming items that are not in 0.2.12:\n" + "\n".join(
        f"  MAPPING.md:{r['line']}: {r['iface']} | {r['item']}" for r in unknown)


def test_classes(rows):
    bad = [r for r in rows if r["class"] not in CLASSES]
    assert not bad, "unknown classes:\n" + "\n".join(
        f"  MAPPING.md:{r['line']}: {r['item']}: {r['class']!r}" for r in bad)


def test_counterparts_exist_in_030(items03, rows):
    ifaces03 = {i for i, _ in items03}
    bad = []
    for r in rows:
        cp = r["counterpart"]
        if cp == NONE:
            continue
        m = COUNTERPART_RE.match(cp)
        if not m:
            bad.append((r, "not of the form wasi:<pkg>/<iface>@0.3.0#<item>"))
        elif m[1] not in ifaces03:
            bad.append((r, f"no interface {m[1]} in {WIT_03.relative_to(REPO)}"))
        elif (m[1], m[2]) not in items03:
            bad.append((r, f"no item {m[2]!r} in {m[1]}"))
    assert not bad, "bad counterparts:\n" + "\n".join(
        f"  MAPPING.md:{r['line']}: {r['item']} -> {r['counterpart']}: {why}" for r, why in bad)


def test_class_consistency(rows):
    bad = []
    for r in rows:
        cls, cp = r["class"], r["counterpart"]
        m = COUNTERPART_RE.match(cp)
        if cls == "removed-and-emulated" and cp != NONE:
            bad.append((r, "removed-and-emulated must have no counterpart"))
        if cls in ("same", "rename", "sync->async") and cp == NONE:
            bad.append((r, f"{cls} needs a counterpart"))
        if cls == "same" and m:
            iface02 = r["iface"].rsplit("@", 1)[0]
            iface03 = m[1].rsplit("@", 1)[0]
            if (iface02, r["item"]) != (iface03, m[2]):
                bad.append((r, "same must name the identical interface and item"))
        if not r["notes"]:
            bad.append((r, "empty notes"))
    assert not bad, "inconsistent rows:\n" + "\n".join(
        f"  MAPPING.md:{r['line']}: {r['item']}: {why}" for r, why in bad)
