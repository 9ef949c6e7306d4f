#!/usr/bin/env python3
"""Seeded random Canonical ABI test cases for the differential test of the
engine against jco (tests/integration/test_cabi_diff.py; README.md here).

Each generated component holds up to --per-component function types; for
each type `func(p0: T0, ...) -> R` (R: one of the Ts, a tuple or record of
some of them, or nothing) it imports `id-K` of that type and exports
  run-K    same type: the core function forwards its flat arguments (or the
           spilled-argument pointer) to the lowered id-K and returns what it
           gets (or the return area it allocated for it);
  call-K   func() -> R: calls id-K with arguments encoded here (flat values,
           or a spilled tuple in a data segment) and returns its result;
  const-K  func() -> R: returns R encoded here;
  bad-K    func() -> R (some K): R encoded with one corruption every lift
           must trap on.
The host's `id-K` returns its arguments as R, so each result is known in
advance. The encoder here (`Image`: layout, store, flat lowering) is a third
implementation of the Canonical ABI, so call-K and const-K check both
engines' lifting independently, and run-K's round trip then checks their
lowering. Some encodings use the freedom the spec leaves (see `Image`).

Usage: gen.py --seed S --cases N [--per-component 50] --out DIR
           [--wasm-tools PATH]   (also assemble DIR/cNNN.wat -> cNNN.wasm)
Writes DIR/cNNN.wat, DIR/cNNN.json (the cases of that component) and
DIR/manifest.json (component names and counts). N counts function types.

A case: {"name", "kind": "run"|"call"|"const"|"bad", "import": "id-K",
         "export": "<kind>-K", "params": [TD...], "result": TD | null,
         "ret": {"kind": "param"|"tuple"|"record"|"none", "from": [i...]},
         "args": [V...] (the export's arguments), "expected": V | null,
         "host_args": [V...] | null (what id-K must receive; null: not
         called), "quirks": [...] (non-canonical encodings used),
         "trap": "<corruption>" (bad only), "flat_params", "flat_results"}
V is the `wasm-tools json-from-wast` value form (engine/component/
wast_values.h); TD a type descriptor: {"k": "u8"}, {"k": "list", "e": TD},
{"k": "option", "e": TD}, {"k": "result", "ok": TD|null, "err": TD|null},
{"k": "tuple", "elems": [TD...]}, {"k": "record", "name", "fields":
[[name, TD]...]}, {"k": "variant", "name", "cases": [[name, TD|null]...]},
{"k": "enum", "name", "labels": [...]}, {"k": "flags", "name", "labels": [...]}.
"""
from __future__ import annotations

import argparse
import json
import random
import struct
import subprocess
import sys
from pathlib import Path

PRIMS = ["bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64",
         "char", "string"]
INT_RANGE = {"s8": (-2**7, 2**7 - 1), "u8": (0, 2**8 - 1), "s16": (-2**15, 2**15 - 1),
             "u16": (0, 2**16 - 1), "s32": (-2**31, 2**31 - 1), "u32": (0, 2**32 - 1),
             "s64": (-2**63, 2**63 - 1), "u64": (0, 2**64 - 1)}
NAMED = ("record", "variant", "enum", "flags")
MAX_FLAT_PARAMS = 16
MAX_FLAT_RESULTS = 1

# ------------------------------------------------------------ ABI: flattening + layout


def discriminant_size(n: int) -> int:
    return 1 if n <= 256 else 2 if n <= 65536 else 4


def flat(t) -> list[str]:
    k = t["k"]
    if k in ("bool", "s8", "u8", "s16", "u16", "s32", "u32", "char", "enum", "flags"):
        return ["i32"]
    if k in ("s64", "u64"):
        return ["i64"]
    if k in ("f32", "f64"):
        return [k]
    if k in ("string", "list"):
        return ["i32", "i32"]
    if k in ("record", "tuple"):
        return [x for f in fields_of(t) for x in flat(f)]
    # variant-like
    out: list[str] = []
    for c in cases_of(t):
        if c is None:
            continue
        for i, ft in enumerate(flat(c)):
            if i < len(out):
                out[i] = join(out[i], ft)
            else:
                out.append(ft)
    return ["i32"] + out


def join(a: str, b: str) -> str:
    if a == b:
        return a
    if {a, b} == {"i32", "f32"}:
        return "i32"
    return "i64"


def fields_of(t):
    return [f for _, f in t["fields"]] if t["k"] == "record" else t["elems"]


def cases_of(t):
    k = t["k"]
    if k == "variant":
        return [c for _, c in t["cases"]]
    if k == "enum":
        return [None] * len(t["labels"])
    if k == "option":
        return [None, t["e"]]
    if k == "result":
        return [t["ok"], t["err"]]
    raise ValueError(k)


def align_to(x: int, a: int) -> int:
    return (x + a - 1) // a * a


def alignment(t) -> int:
    k = t["k"]
    if k in ("bool", "s8", "u8"):
        return 1
    if k in ("s16", "u16"):
        return 2
    if k in ("s32", "u32", "f32", "char", "string", "list"):
        return 4
    if k in ("s64", "u64", "f64"):
        return 8
    if k in ("record", "tuple"):
        return max(alignment(f) for f in fields_of(t))
    if k == "flags":
        n = len(t["labels"])
        return 1 if n <= 8 else 2 if n <= 16 else 4
    cs = cases_of(t)
    return max([discriminant_size(len(cs))] + [alignment(c) for c in cs if c is not None])


def size(t) -> int:
    k = t["k"]
    if k in ("bool", "s8", "u8"):
        return 1
    if k in ("s16", "u16"):
        return 2
    if k in ("s32", "u32", "f32", "char"):
        return 4
    if k in ("s64", "u64", "f64", "string", "list"):
        return 8
    if k == "flags":
        n = len(t["labels"])
        return 1 if n <= 8 else 2 if n <= 16 else 4
    if k in ("record", "tuple"):
        s = 0
        for f in fields_of(t):
            s = align_to(s, alignment(f)) + size(f)
        return align_to(s, alignment(t))
    cs = cases_of(t)
    s = discriminant_size(len(cs))
    payload = [c for c in cs if c is not None]
    if payload:
        s = align_to(s, max(alignment(c) for c in payload))
        s += max(size(c) for c in payload)
    return align_to(s, alignment(t))


# ------------------------------------------------------------------------ names

WORDS = ["a", "b", "x", "yy", "zed", "alpha", "beta", "gamma", "delta", "val", "item", "key",
         "q1", "r2d2", "foo", "bar", "baz", "data", "len", "ptr", "tag", "ok2", "mix", "w"]


class Namer:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def labels(self, n: int) -> list[str]:
        out: list[str] = []
        seen = set()
        while len(out) < n:
            parts = [self.rng.choice(WORDS) for _ in range(self.rng.choice([1, 1, 2, 3]))]
            if self.rng.random() < 0.5:
                parts[-1] += str(self.rng.randrange(100))
            name = "-".join(parts)
            if name not in seen:
                seen.add(name)
                out.append(name)
        return out


# ------------------------------------------------------------------------ types


class TypeGen:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names = Namer(rng)
        self.counter = 0

    def fresh(self) -> str:
        self.counter += 1
        return f"t{self.counter}"

    def prim(self) -> dict:
        r = self.rng.random()
        if r < 0.2:
            return {"k": "string"}
        if r < 0.3:
            return {"k": "char"}
        return {"k": self.rng.choice(PRIMS)}

    def gen(self, depth: int, maxdepth: int) -> dict:
        rng = self.rng
        if depth >= maxdepth or rng.random() < 0.35 + 0.15 * depth:
            return self.prim()
        k = rng.choices(["list", "record", "tuple", "variant", "enum", "option", "result",
                         "flags"], weights=[14, 14, 10, 12, 6, 10, 10, 6])[0]
        d = depth + 1
        if k == "list":
            return {"k": "list", "e": self.gen(d + 1, maxdepth)}
        if k == "record":
            n = rng.randint(1, 5)
            return {"k": "record", "name": self.fresh(),
                    "fields": [[nm, self.gen(d, maxdepth)] for nm in self.names.labels(n)]}
        if k == "tuple":
            n = rng.randint(1, 4)
            return {"k": "tuple", "elems": [self.gen(d, maxdepth) for _ in range(n)]}
        if k == "variant":
            n = rng.choice([1, 2, 2, 3, 4, 5, 8])
            cases = []
            for nm in self.names.labels(n):
                cases.append([nm, self.gen(d, maxdepth) if rng.random() < 0.7 else None])
            return {"k": "variant", "name": self.fresh(), "cases": cases}
        if k == "enum":
            n = rng.choice([1, 2, 3, 5, 9, 40]) if rng.random() < 0.97 else rng.randint(250, 300)
            return {"k": "enum", "name": self.fresh(), "labels": self.names.labels(n)}
        if k == "option":
            return {"k": "option", "e": self.gen(d, maxdepth)}
        if k == "result":
            ok = self.gen(d, maxdepth) if rng.random() < 0.75 else None
            err = self.gen(d, maxdepth) if rng.random() < 0.6 else None
            return {"k": "result", "ok": ok, "err": err}
        n = rng.choice([1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32])
        return {"k": "flags", "name": self.fresh(), "labels": self.names.labels(n)}

    def scalar(self) -> dict:
        return {"k": self.rng.choice(["u8", "s16", "u32", "s32", "s64", "u64", "f32", "f64",
                                      "bool", "char"])}


# ----------------------------------------------------------------------- values

SPECIAL_F32 = [0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
               0x7fc00001, 0x7fa00000, 0x7f800001, 0x00000001, 0x80000001, 0x7f7fffff,
               0xff7fffff, 0x3f800000, 0x00800000]
SPECIAL_F64 = [0x0, 0x8000000000000000, 0x7ff0000000000000, 0xfff0000000000000,
               0x7ff8000000000000, 0xfff8000000000000, 0x7ff8000000000001,
               0x7ff4000000000000, 0x7ff0000000000001, 0x1, 0x8000000000000001,
               0x7fefffffffffffff, 0x3ff0000000000000, 0x0010000000000000]
SPECIAL_CHARS = [0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xfffe, 0xffff, 0x10000,
                 0x10ffff, 0x1f600, 0xe9, 0x3b1, 0x4e2d]


class ValueGen:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def char(self) -> int:
        rng = self.rng
        r = rng.random()
        if r < 0.15:
            return rng.choice(SPECIAL_CHARS)
        if r < 0.55:
            return rng.randint(0x20, 0x7e)
        if r < 0.7:
            return rng.randint(0x80, 0x7ff)
        if r < 0.85:
            c = rng.randint(0x800, 0xffff - 0x800)
            return c + 0x800 if c >= 0xd800 else c  # skip surrogates
        return rng.randint(0x10000, 0x10ffff)

    def string(self) -> str:
        rng = self.rng
        r = rng.random()
        n = 0 if r < 0.12 else rng.randint(1, 12) if r < 0.9 else rng.randint(40, 300)
        if rng.random() < 0.3:  # plain ASCII
            return "".join(chr(rng.randint(0x20, 0x7e)) for _ in range(n))
        return "".join(chr(self.char()) for _ in range(n))

    def int(self, k: str) -> int:
        lo, hi = INT_RANGE[k]
        r = self.rng.random()
        if r < 0.3:
            return self.rng.choice([lo, hi, 0, 1, lo + 1, hi - 1] + ([-1] if lo < 0 else []))
        if r < 0.5:
            return self.rng.randint(max(lo, -300), min(hi, 300))
        return self.rng.randint(lo, hi)

    def gen(self, t: dict, depth: int = 0):
        """A value as the json-from-wast form {"type", "value"}."""
        rng = self.rng
        k = t["k"]
        if k == "bool":
            v = rng.random() < 0.5
        elif k in INT_RANGE:
            v = str(self.int(k))
        elif k == "f32":
            v = str(rng.choice(SPECIAL_F32) if rng.random() < 0.3 else
                    struct.unpack("<I", struct.pack("<f", rng.uniform(-1e6, 1e6)))[0]
                    if rng.random() < 0.5 else self.finite_bits(32))
        elif k == "f64":
            v = str(rng.choice(SPECIAL_F64) if rng.random() < 0.3 else
                    struct.unpack("<Q", struct.pack("<d", rng.uniform(-1e9, 1e9)))[0]
                    if rng.random() < 0.5 else self.finite_bits(64))
        elif k == "char":
            v = chr(self.char())
        elif k == "string":
            v = self.string()
        elif k == "list":
            e = t["e"]
            r = rng.random()
            simple = e["k"] in PRIMS and e["k"] != "string"
            n = 0 if r < 0.15 else rng.randint(1, 4) if r < 0.85 or depth > 1 else \
                rng.randint(5, 60 if simple else 12)
            v = [self.gen(e, depth + 1) for _ in range(n)]
        elif k == "tuple":
            v = [self.gen(e, depth + 1) for e in t["elems"]]
        elif k == "record":
            v = [[n, self.gen(f, depth + 1)] for n, f in t["fields"]]
        elif k == "variant":
            name, ct = rng.choice(t["cases"])
            v = {"case": name}
            if ct is not None:
                v["payload"] = self.gen(ct, depth + 1)
        elif k == "enum":
            v = rng.choice(t["labels"])
        elif k == "option":
            v = None if rng.random() < 0.35 else self.gen(t["e"], depth + 1)
        elif k == "result":
            which = "Ok" if rng.random() < 0.5 else "Err"
            ct = t["ok"] if which == "Ok" else t["err"]
            v = {which: None if ct is None else self.gen(ct, depth + 1)}
        elif k == "flags":
            v = [lbl for lbl in t["labels"] if rng.random() < 0.5]
        else:
            raise ValueError(k)
        return {"type": k, "value": v}

    def finite_bits(self, width: int) -> int:
        while True:
            b = self.rng.getrandbits(width)
            exp = (b >> 23) & 0xff if width == 32 else (b >> 52) & 0x7ff
            if exp != (0xff if width == 32 else 0x7ff):
                return b



# ------------------------------------------- an independent encoder (for const/call)


def case_index(t, v) -> int:
    k = t["k"]
    if k == "variant":
        return [n for n, _ in t["cases"]].index(v["case"])
    if k == "enum":
        return t["labels"].index(v)
    if k == "option":
        return 0 if v is None else 1
    return 0 if "Ok" in v else 1  # result


def case_payload(t, v):
    k = t["k"]
    if k == "variant":
        return v.get("payload")
    if k == "option":
        return v
    if k == "result":
        return v.get("Ok", v.get("Err"))
    return None


def flags_int(t, v) -> int:
    labels = t["labels"]
    return sum(1 << labels.index(l) for l in v)


class Image:
    """Static data of one component: values encoded by the Canonical ABI
    rules implemented here (independently of both engines), to be placed
    in a data segment at `base`, and flat core values.

    Two kinds of non-canonical encodings the spec accepts when lifting:
      pad   garbage in padding, in unused flat slots of a variant and in the
            high half of an i64 slot holding an i32/f32 payload
      bits  bool as any non-zero value, garbage above a small integer's
            width in its i32, flags bits beyond the labels
    Every spec-conforming lift must ignore them. `quirks` collects, per
    encoded function, which of them were actually used (and other
    encodings worth naming, see `note`)."""

    def __init__(self, base: int, rng: random.Random):
        self.base = base
        self.buf = bytearray()
        self.rng = rng
        self.pad = False
        self.bits = False
        self.quirks: set[str] = set()
        # Corruption (a value every lift must trap on): the `target`-th
        # candidate site gets corrupted; `sites` counts the candidates.
        self.target = -1
        self.sites = 0
        self.corruption: str | None = None

    def site(self) -> bool:
        hit = self.sites == self.target
        self.sites += 1
        return hit

    def bad_char(self) -> int:
        self.corruption = "char"
        return self.rng.choice([0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0x110000, 0x7FFFFFFF,
                                0xFFFFFFFF])

    def bad_disc(self, n: int, width: int) -> int | None:
        """An out-of-range case index, or None if `width` bytes hold none."""
        if n >= 1 << (8 * width):
            return None
        if not self.site():
            return None
        self.corruption = "discriminant"
        return self.rng.randint(n, min((1 << (8 * width)) - 1, n + 1000))

    def bad_sequence(self, t, p: int, n: int) -> tuple[int, int]:
        rng = self.rng
        if t["k"] == "string" and n > 0 and rng.random() < 0.5:
            b = rng.choice([0xFF, 0xC0, 0x80, 0xED])  # invalid UTF-8 at the start
            self.put(p, bytes([b]) + (b"\xa0\x80" if b == 0xED and n >= 3 else b""))
            self.corruption = "string-utf8"
            return p, n
        if t["k"] == "list" and alignment(t["e"]) > 1 and rng.random() < 0.5:
            self.corruption = "list-misaligned"
            return p + rng.randint(1, alignment(t["e"]) - 1), n
        numeric = t["k"] == "list" and t["e"]["k"] in INT_RANGE or t["k"] == "list" and \
            t["e"]["k"] in ("f32", "f64")
        self.corruption = ("numeric-list" if numeric else "empty-list" if t["k"] == "list" and
                           not n else t["k"]) + "-out-of-bounds"
        return rng.choice([(0xFFFF0000, n), (p, n + (1 << 24))]) if n else (0xFFFF0000, 0)

    def alloc(self, align: int, n: int) -> int:
        rng = self.rng
        while (self.base + len(self.buf)) % align:
            self.buf.append(rng.randrange(256) if self.pad else 0)
        addr = self.base + len(self.buf)
        self.buf += bytes(rng.randrange(256) for _ in range(n)) if self.pad else bytes(n)
        return addr

    def put(self, addr: int, data: bytes):
        off = addr - self.base
        self.buf[off:off + len(data)] = data

    def put_int(self, addr: int, nbytes: int, x: int):
        self.put(addr, (x % (1 << (8 * nbytes))).to_bytes(nbytes, "little"))

    def bool_true(self, width: int) -> int:
        if self.bits and self.rng.random() < 0.7:
            self.quirks.add("bool-not-1")
            return self.rng.randint(2, (1 << width) - 1)
        return 1

    def extra_bits(self, value: int, used: int, width: int, quirk: str) -> int:
        if self.bits and used < width and self.rng.random() < 0.7:
            junk = self.rng.getrandbits(width - used) << used
            if junk:
                self.quirks.add(quirk)
            return value % (1 << used) | junk
        return value

    def store(self, j, t, addr: int):
        k = t["k"]
        v = j["value"]
        if k == "bool":
            self.put_int(addr, 1, self.bool_true(8) if v else 0)
        elif k in INT_RANGE or k in ("f32", "f64"):
            self.put_int(addr, size(t), int(v))
        elif k == "char":
            self.put_int(addr, 4, self.bad_char() if self.site() else ord(v))
        elif k in ("string", "list"):
            p, n = self.sequence(j, t)
            if self.site():
                p, n = self.bad_sequence(t, p, n)
            self.put_int(addr, 4, p)
            self.put_int(addr + 4, 4, n)
        elif k in ("record", "tuple"):
            vals = [x for _, x in v] if k == "record" else v
            off = 0
            for f, x in zip(fields_of(t), vals):
                off = align_to(off, alignment(f))
                self.store(x, f, addr + off)
                off += size(f)
        elif k == "flags":
            bits = self.extra_bits(flags_int(t, v), len(t["labels"]), 8 * size(t),
                                   "flags-extra-bits")
            self.put_int(addr, size(t), bits)
        else:
            cs = cases_of(t)
            i = case_index(t, v)
            ds = discriminant_size(len(cs))
            bad = self.bad_disc(len(cs), ds)
            self.put_int(addr, ds, i if bad is None else bad)
            if cs[i] is not None:
                off = align_to(ds, max(alignment(c) for c in cs if c is not None))
                self.store(case_payload(t, v), cs[i], addr + off)

    def sequence(self, j, t) -> tuple[int, int]:
        """Stores a string's or list's contents; returns (ptr, length)."""
        v = j["value"]
        if t["k"] == "string":
            data = v.encode("utf-8")
            p = self.alloc(1, len(data))
            self.put(p, data)
            return p, len(data)
        e = t["e"]
        p = self.alloc(alignment(e), size(e) * len(v))
        for i, x in enumerate(v):
            self.store(x, e, p + i * size(e))
        return p, len(v)

    def store_new(self, j, t) -> int:
        p = self.alloc(alignment(t), size(t))
        self.store(j, t, p)
        return p

    def lower_flat(self, j, t) -> list[int]:
        """Flat core values (unsigned bit patterns of the types flat(t))."""
        return [x for x, _ in self.flat_leaves(j, t)]

    def flat_leaves(self, j, t) -> list[tuple[int, str]]:
        """(bits, kind of the value it came from) per flat value."""
        k = t["k"]
        v = j["value"]
        rng = self.rng
        if k == "bool":
            return [(self.bool_true(32) if v else 0, k)]
        if k in ("u8", "u16", "s8", "s16"):
            w = 8 * size(t)
            return [(self.extra_bits(int(v) % (1 << 32), w, 32, "int-high-bits"), k)]
        if k == "char":
            return [(self.bad_char() if self.site() else ord(v), k)]
        if k == "enum":
            bad = self.bad_disc(len(t["labels"]), 4)
            return [(t["labels"].index(v) if bad is None else bad, k)]
        if k in ("u32", "s32"):
            return [(int(v) % (1 << 32), k)]
        if k in ("u64", "s64"):
            return [(int(v) % (1 << 64), k)]
        if k in ("f32", "f64"):
            return [(int(v), k)]
        if k in ("string", "list"):
            p, n = self.sequence(j, t)
            if self.site():
                p, n = self.bad_sequence(t, p, n)
            return [(p, "ptr"), (n, "len")]
        if k in ("record", "tuple"):
            vals = [x for _, x in v] if k == "record" else v
            return [c for f, x in zip(fields_of(t), vals) for c in self.flat_leaves(x, f)]
        if k == "flags":
            return [(self.extra_bits(flags_int(t, v), len(t["labels"]), 32,
                                     "flags-extra-bits"), k)]
        # variant-like: the payload's flat values coerced to the joined types
        want = flat(t)[1:]
        cs = cases_of(t)
        i = case_index(t, v)
        bad = self.bad_disc(len(cs), 4)
        out = [(i if bad is None else bad, "disc")]
        if cs[i] is not None:
            have = flat(cs[i])
            for (x, leaf), h, w in zip(self.flat_leaves(case_payload(t, v), cs[i]), have, want):
                if h in ("i32", "f32") and w == "i64":
                    if leaf in ("s8", "s16", "s32") and x >= 1 << 31:
                        self.quirks.add("negative-in-i64-slot")  # zero-extended, as the spec
                    if self.pad and rng.random() < 0.7:
                        x |= rng.getrandbits(32) << 32  # lifting wraps to 32 bits
                        self.quirks.add("i64-slot-high-bits")
                out.append((x, leaf))
        for w in want[len(out) - 1:]:
            junk = rng.getrandbits(64 if w in ("i64", "f64") else 32) if self.pad else 0
            if junk and w in ("f32", "f64"):
                self.quirks.add("unused-float-slot")
            out.append((junk, "unused"))
        return out


def const_expr(core: str, bits: int) -> str:
    if core == "i32":
        return f"(i32.const {bits})"
    if core == "i64":
        return f"(i64.const {bits})"
    if core == "f32":
        return f"(f32.reinterpret_i32 (i32.const {bits}))"
    return f"(f64.reinterpret_i64 (i64.const {bits}))"


def data_string(b: bytes) -> str:
    return "".join(chr(c) if 0x20 <= c < 0x7f and c not in (0x22, 0x5c) else f"\\{c:02x}"
                   for c in b)


# --------------------------------------------------------------------- the WAT


class Wat:
    """Type definitions of one component: named types are defined and then
    imported (`(eq ...)`), so function types refer only to named types, as
    the component model requires of imported and exported functions."""

    def __init__(self):
        self.lines: list[str] = []
        self.done: set[str] = set()

    def ref(self, t) -> str:
        k = t["k"]
        if k in PRIMS:
            return k
        if k == "list":
            return f"(list {self.ref(t['e'])})"
        if k == "tuple":
            return "(tuple " + " ".join(self.ref(e) for e in t["elems"]) + ")"
        if k == "option":
            return f"(option {self.ref(t['e'])})"
        if k == "result":
            s = "(result"
            if t["ok"] is not None:
                s += " " + self.ref(t["ok"])
            if t["err"] is not None:
                s += f" (error {self.ref(t['err'])})"
            return s + ")"
        name = t["name"]
        if name not in self.done:
            if k == "record":
                body = "(record " + " ".join(f'(field "{n}" {self.ref(f)})'
                                             for n, f in t["fields"]) + ")"
            elif k == "variant":
                body = "(variant " + " ".join(
                    f'(case "{n}"' + ("" if c is None else " " + self.ref(c)) + ")"
                    for n, c in t["cases"]) + ")"
            elif k == "enum":
                body = "(enum " + " ".join(f'"{n}"' for n in t["labels"]) + ")"
            else:
                body = "(flags " + " ".join(f'"{n}"' for n in t["labels"]) + ")"
            self.lines.append(f"  (type $d-{name} {body})")
            self.lines.append(f'  (import "{name}" (type ${name} (eq $d-{name})))')
            self.done.add(name)
        return "$" + name


DATA_BASE = 16


def mem_module(data: bytes) -> str:
    heap = align_to(DATA_BASE + len(data), 8) + 64
    seg = f'    (data (i32.const {DATA_BASE}) "{data_string(data)}")\n' if data else ""
    return f"""  (core module $Mem
    (memory (export "memory") {max(1, (heap >> 16) + 1)})
{seg}    (global $heap (mut i32) (i32.const {heap}))
    ;; cabi_realloc: a bump allocator (never frees)
    (func (export "realloc") (param $op i32) (param $os i32) (param $al i32) (param $ns i32)
          (result i32)
      (local $p i32) (local $end i32) (local $have i32)
      (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $al) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $al))))
      (local.set $end (i32.add (local.get $p) (local.get $ns)))
      (local.set $have (i32.shl (memory.size) (i32.const 16)))
      (if (i32.gt_u (local.get $end) (local.get $have))
        (then
          (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (local.get $have))
                                                       (i32.const 16))
                                            (i32.const 1)))
                      (i32.const -1))
            (then unreachable))))
      (global.set $heap (local.get $end))
      (if (local.get $op)
        (then (memory.copy (local.get $p) (local.get $op)
                           (select (local.get $os) (local.get $ns)
                                   (i32.lt_u (local.get $os) (local.get $ns))))))
      (local.get $p))
  )
  (core instance $mem (instantiate $Mem))
  (alias core export $mem "memory" (core memory $memory))
  (alias core export $mem "realloc" (core func $realloc))"""


def params_sig(ps) -> str:
    return "".join(f" (param {p})" for p in ps)


def results_sig(rs) -> str:
    return "".join(f" (result {r})" for r in rs)


def component_wat(funcs: list[dict], data: bytes) -> str:
    """Per function K: import id-K, export run-K (forwards its arguments to
    id-K), const-K: func() -> R (returns R encoded by this generator) and
    call-K: func() -> R (calls id-K with arguments encoded by this
    generator and returns what id-K returns)."""
    wat = Wat()
    sigs = []
    for f in funcs:
        params = " ".join(f'(param "p{i}" {wat.ref(t)})' for i, t in enumerate(f["params"]))
        res = "" if f["result"] is None else f" (result {wat.ref(f['result'])})"
        sigs.append((f"(func {params}{res})", f"(func{res})"))
    out = ["(component"] + wat.lines
    for f, (sig, sig0) in zip(funcs, sigs):
        k = f["k"]
        out.append(f"  (type $ft{k} {sig})")
        out.append(f"  (type $ft0-{k} {sig0})")
        out.append(f'  (import "id-{k}" (func $id{k} (type $ft{k})))')
    out.append(mem_module(data))
    opts = "(memory $memory) (realloc $realloc) string-encoding=utf8"
    for f in funcs:
        out.append(f"  (core func $low{f['k']} (canon lower (func $id{f['k']}) {opts}))")
    out.append("  (core module $M")
    out.append('    (import "mem" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))')
    body = []
    for f in funcs:
        k = f["k"]
        fp = f["core_params"]
        r = f["result"]
        multi = f["flat_results"] > MAX_FLAT_RESULTS
        lower_params = fp + (["i32"] if multi else [])
        lower_results = [] if multi or r is None else flat(r)
        lift_results = ["i32"] if multi else lower_results
        out.append(f'    (import "host" "id-{k}" (func $id{k}{params_sig(lower_params)}'
                   f'{results_sig(lower_results)}))')

        def forward(name, params, args):
            fn = [f'    (func (export "{name}-{k}"){params_sig(params)}{results_sig(lift_results)}']
            if multi:
                fn.append("      (local $b i32)")
                fn.append(f"      (local.set $b (call $realloc (i32.const 0) (i32.const 0) "
                          f"(i32.const {alignment(r)}) (i32.const {size(r)})))")
                fn.append(f"      (call $id{k} {args} (local.get $b))")
                fn.append("      (local.get $b))")
            else:
                fn.append(f"      (call $id{k} {args}))")
            return fn

        body += forward("run", fp, " ".join(f"(local.get {i})" for i in range(len(fp))))
        body += forward("call", [], " ".join(const_expr(c, b) for c, b in f["call_args"]))
        if r is not None:
            c, b = f["const_result"]
            body.append(f'    (func (export "const-{k}") (result {c}) {const_expr(c, b)})')
        if f["bad"] is not None:
            c, b = f["bad"][0]
            body.append(f'    (func (export "bad-{k}") (result {c}) {const_expr(c, b)})')
    out.extend(body)
    out.append("  )")
    host = " ".join(f'(export "id-{f["k"]}" (func $low{f["k"]}))' for f in funcs)
    out.append(f'  (core instance $m (instantiate $M (with "mem" (instance $mem)) '
               f'(with "host" (instance {host}))))')
    for f in funcs:
        k = f["k"]
        out.append(f'  (func $run{k} (type $ft{k}) (canon lift (core func $m "run-{k}") {opts}))')
        out.append(f'  (export "run-{k}" (func $run{k}))')
        out.append(f'  (func $call{k} (type $ft0-{k}) (canon lift (core func $m "call-{k}") '
                   f'{opts}))')
        out.append(f'  (export "call-{k}" (func $call{k}))')
        if f["result"] is not None:
            out.append(f'  (func $const{k} (type $ft0-{k}) (canon lift (core func $m "const-{k}") '
                       f'{opts}))')
            out.append(f'  (export "const-{k}" (func $const{k}))')
        if f["bad"] is not None:
            out.append(f'  (func $bad{k} (type $ft0-{k}) (canon lift (core func $m "bad-{k}") '
                       f'{opts}))')
            out.append(f'  (export "bad-{k}" (func $bad{k}))')
    out.append(")")
    return "\n".join(out) + "\n"


# -------------------------------------------------------------------- functions


def flat_count(types) -> int:
    return sum(len(flat(t)) for t in types)


def gen_function(tg: TypeGen, k: int) -> dict:
    rng = tg.rng
    mode = rng.random()
    maxdepth = rng.choice([1, 2, 3, 3, 4])
    if mode < 0.15:
        params = [tg.gen(0, maxdepth)]
    elif mode < 0.6:
        params = [tg.gen(0, maxdepth) for _ in range(rng.randint(1, 4))]
    elif mode < 0.8:
        # around the 16-flat-parameter limit: exactly 16 or 17 (or a bit more)
        target = rng.choice([16, 17, 17, 18, 24])
        params = [tg.gen(0, min(maxdepth, 2)) for _ in range(rng.randint(0, 3))]
        while flat_count(params) > target:
            params.pop()
        while flat_count(params) < target:
            params.append(tg.scalar())
        if not params:
            params = [tg.scalar()]
    else:
        # many parameters of every kind (usually beyond the limit)
        params = [tg.gen(0, min(maxdepth, 3)) for _ in range(rng.randint(5, 14))]
    n = len(params)
    r = rng.random()
    if r < 0.08:
        ret = {"kind": "none", "from": []}
        result = None
    elif r < 0.5:
        i = rng.randrange(n)
        ret = {"kind": "param", "from": [i]}
        result = params[i]
    elif r < 0.75:
        idx = [rng.randrange(n) for _ in range(rng.randint(1, 4))]
        ret = {"kind": "tuple", "from": idx}
        result = {"k": "tuple", "elems": [params[i] for i in idx]}
    elif r < 0.9:
        idx = [rng.randrange(n) for _ in range(rng.randint(1, 4))]
        ret = {"kind": "record", "from": idx}
        result = {"k": "record", "name": tg.fresh(),
                  "fields": [[nm, params[i]] for nm, i in zip(tg.names.labels(len(idx)), idx)]}
    else:
        idx = list(range(n))
        ret = {"kind": "tuple", "from": idx}
        result = {"k": "tuple", "elems": list(params)}
    fp = flat_count(params)
    fr = 0 if result is None else len(flat(result))
    return {"k": k, "params": params, "result": result, "ret": ret,
            "flat_params": fp, "flat_results": fr,
            "core_params": ["i32"] if fp > MAX_FLAT_PARAMS else
            [x for t in params for x in flat(t)]}


def expected_of(f: dict, args: list):
    ret = f["ret"]
    vals = [args[i] for i in ret["from"]]
    if ret["kind"] == "none":
        return None
    if ret["kind"] == "param":
        return vals[0]
    if ret["kind"] == "tuple":
        return {"type": "tuple", "value": vals}
    names = [n for n, _ in f["result"]["fields"]]
    return {"type": "record", "value": [[n, v] for n, v in zip(names, vals)]}


def encode(f: dict, image: Image, dirty_rate: float, bad_rate: float):
    """The const-K result and call-K arguments, encoded by Image; which
    non-canonical encodings each uses goes to f["quirks"]."""
    image.pad = image.rng.random() < dirty_rate
    image.bits = image.rng.random() < dirty_rate
    f["dirty"] = image.pad or image.bits
    f["quirks"] = {}
    r = f["result"]
    if r is not None:
        image.quirks = set()
        if f["flat_results"] > MAX_FLAT_RESULTS:
            f["const_result"] = ("i32", image.store_new(f["expected"], r))
        else:
            f["const_result"] = (flat(r)[0], image.lower_flat(f["expected"], r)[0])
        f["quirks"]["const"] = sorted(image.quirks)
    image.quirks = set()
    if f["flat_params"] > MAX_FLAT_PARAMS:
        tup = {"k": "tuple", "elems": f["params"]}
        f["call_args"] = [("i32", image.store_new({"type": "tuple", "value": f["args"]}, tup))]
    else:
        vals = [x for a, t in zip(f["args"], f["params"]) for x in image.lower_flat(a, t)]
        f["call_args"] = list(zip(f["core_params"], vals))
    f["quirks"]["call"] = sorted(image.quirks)
    image.pad = image.bits = False
    # bad-K: R with one corruption every lift must trap on
    f["bad"] = None
    if r is not None and image.rng.random() < bad_rate:
        multi = f["flat_results"] > MAX_FLAT_RESULTS
        scratch = Image(DATA_BASE, random.Random(0))
        if multi:
            scratch.store_new(f["expected"], r)
        else:
            scratch.lower_flat(f["expected"], r)
        n = scratch.sites + (1 if multi and alignment(r) > 1 else 0)
        if n:
            image.target = image.rng.randrange(n)
            image.sites = 0
            image.corruption = None
            if image.target == scratch.sites:
                ptr = image.store_new(f["expected"], r) + 1
                image.corruption = "return-area-misaligned"
            elif multi:
                ptr = image.store_new(f["expected"], r)
            else:
                ptr = image.lower_flat(f["expected"], r)[0]
            assert image.corruption, "corruption site not reached"
            f["bad"] = ((flat(r)[0] if not multi else "i32", ptr), image.corruption)
            image.target = -1


def cases_of_function(f: dict, comp: str) -> list[dict]:
    k = f["k"]
    common = {"import": f"id-{k}", "params": f["params"], "result": f["result"],
              "ret": f["ret"], "flat_params": f["flat_params"],
              "flat_results": f["flat_results"]}
    out = [dict(common, name=f"{comp}/{k}", kind="run", export=f"run-{k}", args=f["args"],
                expected=f["expected"], host_args=f["args"], quirks=[]),
           dict(common, name=f"{comp}/{k}/call", kind="call", export=f"call-{k}", args=[],
                expected=f["expected"], host_args=f["args"], quirks=f["quirks"]["call"])]
    if f["result"] is not None:
        out.append(dict(common, name=f"{comp}/{k}/const", kind="const", export=f"const-{k}",
                        args=[], expected=f["expected"], host_args=None,
                        quirks=f["quirks"]["const"]))
    if f["bad"] is not None:
        out.append(dict(common, name=f"{comp}/{k}/bad", kind="bad", export=f"bad-{k}", args=[],
                        expected=None, host_args=None, quirks=[], trap=f["bad"][1]))
    return out


def generate(seed: int, cases: int, per_component: int, out: Path, wasm_tools: str | None,
             dirty_rate: float = 0.3, bad_rate: float = 0.3):
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"seed": seed, "functions": cases, "components": []}
    stats = {"functions": 0, "cases": 0, "spilled_params": 0, "flat_params_16": 0,
             "multi_flat_results": 0, "no_result": 0, "dirty": 0, "bad": 0}
    done = 0
    ci = 0
    while done < cases:
        n = min(per_component, cases - done)
        comp = f"c{ci:03d}"
        tg = TypeGen(rng)
        vg = ValueGen(rng)
        image = Image(DATA_BASE, rng)
        funcs = [gen_function(tg, k) for k in range(n)]
        for f in funcs:
            f["args"] = [vg.gen(t) for t in f["params"]]
            f["expected"] = expected_of(f, f["args"])
            encode(f, image, dirty_rate, bad_rate)
        (out / f"{comp}.wat").write_text(component_wat(funcs, bytes(image.buf)))
        cs = [c for f in funcs for c in cases_of_function(f, comp)]
        for f in funcs:
            stats["functions"] += 1
            stats["spilled_params"] += f["flat_params"] > MAX_FLAT_PARAMS
            stats["flat_params_16"] += f["flat_params"] == MAX_FLAT_PARAMS
            stats["multi_flat_results"] += f["flat_results"] > MAX_FLAT_RESULTS
            stats["no_result"] += f["result"] is None
            stats["dirty"] += f["dirty"]
            stats["bad"] += f["bad"] is not None
        stats["cases"] += len(cs)
        (out / f"{comp}.json").write_text(json.dumps({"component": f"{comp}.wasm", "cases": cs},
                                                     ensure_ascii=False))
        if wasm_tools:
            subprocess.run([wasm_tools, "parse", str(out / f"{comp}.wat"), "-o",
                            str(out / f"{comp}.wasm")], check=True)
        manifest["components"].append(comp)
        done += n
        ci += 1
    manifest["stats"] = stats
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=2000, help="number of function types")
    ap.add_argument("--per-component", type=int, default=50)
    ap.add_argument("--dirty-rate", type=float, default=0.3)
    ap.add_argument("--bad-rate", type=float, default=0.3)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--wasm-tools", default=None)
    a = ap.parse_args(argv)
    m = generate(a.seed, a.cases, a.per_component, a.out, a.wasm_tools, a.dirty_rate, a.bad_rate)
    print(json.dumps({"components": len(m["components"]), **m["stats"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
