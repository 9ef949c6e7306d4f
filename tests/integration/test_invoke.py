"""`wasi-bridge run FILE --invoke 'f(1, "x")'`: calling a custom export.

The call is written in WAVE (wasmtime's `run --invoke` syntax); the result
is printed in WAVE. Real components: calc (a WASI 0.2 reactor, upgraded in
memory), async-min (async-lifted exports); a WAT component assembled here
covers flags, enums, options, strings, lists, traps and instance exports.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import assert_no_crash, fixture_param, run
from test_run import BODIES, COMMAND, assemble
from test_upgrade import CALC_CALLS, jco_runner  # noqa: F401  (jco_runner: a fixture)

CALC = [fixture_param("calc.component.wasm")]
ASYNC_MIN = [fixture_param("async-min.wasm")]


def invoke(wb_bin: Path, component: Path, call: str, *extra, env=None):
    r = run(wb_bin, "run", *extra, "--invoke", call, component, env=env, timeout=120)
    assert_no_crash(r)
    return r


# ------------------------------------------------------------------ calc

@pytest.mark.parametrize("calc", CALC)
@pytest.mark.parametrize("call, want", [
    ("add(40, 2)", "42"),
    ("add(2147483647, 1)", "-2147483648"),  # s32 wraps
    ("test:calc/calc@0.1.0#add(-5, 3)", "-2"),
    ("sum([1, 2, 4294967295])", "4294967298"),
    ("sum([])", "0"),
    ("flip({x: 1, y: -7})", "{x: -7, y: 1}"),
    ("flip({ y: 2, x: 3, })", "{x: 2, y: 3}"),
    ('greet("w\\u{f6}rld")', '"hello, wörld! (GREETING=hi)"'),
])
def test_calc_exports(wb_bin, calc, call, want):
    """A WASI 0.2 reactor (no wasi:cli/run): upgraded in memory, its
    exports stay callable."""
    r = invoke(wb_bin, calc, call, "--env", "GREETING=hi")
    assert r.returncode == 0, r
    assert r.stdout == want + "\n", r


@pytest.mark.parametrize("calc", CALC)
def test_calc_same_as_jco(wb_bin, jco_runner, calc):  # noqa: F811
    """The same calls through jco (transpiled to JS) give the same values."""
    jco_runner.transpile(calc, "calc_invoke")
    script = jco_runner.work / "calc_invoke.mjs"
    script.write_text(CALC_CALLS.format(name="calc_invoke"))
    cp = subprocess.run([str(jco_runner.node), str(script)], capture_output=True, text=True,
                        cwd=jco_runner.work, timeout=120, env={"GREETING": "hi"})
    assert cp.returncode == 0, cp.stderr
    add, greet, total, flip = json.loads(cp.stdout)
    ours = [invoke(wb_bin, calc, c, "--env", "GREETING=hi").stdout.strip()
            for c in ("add(40, 2)", 'greet("w")', "sum([1, 2, 4294967295])",
                      "flip({x: 1, y: -7})")]
    assert ours[0] == str(add)
    assert ours[1] == json.dumps(greet, ensure_ascii=False)
    assert ours[2] == total
    assert ours[3] == "{x: %d, y: %d}" % (flip["x"], flip["y"])


@pytest.mark.parametrize("calc", CALC)
@pytest.mark.parametrize("call, message", [
    ("nope(1)", "no exported function `nope`; the component exports: "
                "test:calc/calc@0.1.0#add"),
    ("other:pkg/x#add(1, 2)", "no exported function `other:pkg/x#add`"),
    ("add(1)", "`add` takes 2 arguments, found 1 (missing `b`) at column 6"),
    ("add(1, 2, 3)", "`add` takes 2 arguments, found more at column 11"),
    ('add(1, "x")', 'argument 2 (`b`) expected s32, found "x" at column 8'),
    ("greet(12)", "argument 1 (`name`) expected string, found 12 at column 7"),
    ("add(1, 99999999999)", "argument 2 (`b`): 99999999999 is out of range for s32 at column 8"),
    ("flip({x: 1})", "argument 1 (`p`): missing field `y`"),
    ("add(1, 2", "expected `,` or `)`, found end of input at column 9"),
    ("add 1, 2", "found no `(`"),
    ("sum([1, 2", "expected `,` or `]`, found end of input at column 10"),
])
def test_calc_usage_errors(wb_bin, calc, call, message):
    r = invoke(wb_bin, calc, call)
    assert r.returncode == 2, r
    assert message in r.stderr, r
    assert r.stderr.startswith("wasi-bridge: --invoke: "), r
    assert r.stdout == "", r


def test_bad_syntax_before_loading(wb_bin, tmp_path):
    """The call's shape is checked before the file is even read."""
    r = invoke(wb_bin, tmp_path / "missing.wasm", "add")
    assert r.returncode == 2, r
    assert "found no `(`" in r.stderr, r


# ------------------------------------------------------------- async-min

@pytest.mark.parametrize("fixture", ASYNC_MIN)
@pytest.mark.parametrize("call", ["run()", "run2()", " run ( ) // comment"])
def test_async_exports(wb_bin, fixture, call):
    """Async-lifted (callback) exports run on the event loop: 5104, as in
    test_wast.py::test_async_min_fixture."""
    r = invoke(wb_bin, fixture, call)
    assert r.returncode == 0, r
    assert r.stdout == "5104\n", r


@pytest.mark.parametrize("fixture", ASYNC_MIN)
def test_async_arity(wb_bin, fixture):
    r = invoke(wb_bin, fixture, "run(1)")
    assert r.returncode == 2, r
    assert "`run` takes 0 arguments, found more at column 5" in r.stderr, r


# A 0.3 command (test_run.py's COMMAND) whose `run` is also exported at the
# root as `go`: an async-typed function that can wait on the host's timers
# and call wasi:cli/exit.
@pytest.mark.parametrize("mode, stdout, code", [
    ("wait-for", "ok\n", 0),  # waits 50 ms on the loop's timer
    ("err", "err\n", 0),       # an err result is printed, not a failure
    ("exit-with-code", "", 7),
    ("trap", "", 1),
])
def test_async_typed_export_on_the_host_loop(wb_bin, wasm_tools, tmp_path, mode, stdout, code):
    wat = COMMAND.replace("BODY", BODIES[mode][0]).replace(
        '(export "wasi:cli/run@0.3.0" (instance $run))',
        '(export "wasi:cli/run@0.3.0" (instance $run))\n  (export "go" (func $run))')
    wasm = assemble(wasm_tools, wat, tmp_path / f"go-{mode}.wasm")
    r = invoke(wb_bin, wasm, "go()")
    assert (r.returncode, r.stdout) == (code, stdout), r
    if mode == "trap":
        assert "unreachable" in r.stderr, r
    # The same function inside wasi:cli/run@0.3.0, found by its bare name.
    if mode == "err":
        r = invoke(wb_bin, wasm, "run()")
        assert (r.returncode, r.stdout) == (0, "err\n"), r


# ---------------------------------------------------- a WAT component

TYPES_WAT = r"""
(component
  (core module $m
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $r i32)
      (local.set $r (i32.and (i32.add (global.get $bump) (i32.const 7)) (i32.const -8)))
      (global.set $bump (i32.add (local.get $r) (local.get 3)))
      (local.get $r))
    (func (export "id32") (param i32) (result i32) (local.get 0))
    (func (export "id64") (param i64) (result i64) (local.get 0))
    (func (export "idf64") (param f64) (result f64) (local.get 0))
    (func (export "not") (param i32) (result i32) (i32.eqz (local.get 0)))
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "sub") (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
    (func (export "nothing"))
    (func (export "boom") unreachable)
    ;; (ptr, len) -> the same list or string, through a return area at 8
    (func (export "echo") (param i32 i32) (result i32)
      (i32.store (i32.const 8) (local.get 0))
      (i32.store (i32.const 12) (local.get 1))
      (i32.const 8))
    ;; option<u32> -> the same option, through a return area at 16
    (func (export "maybe") (param i32 i32) (result i32)
      (i32.store (i32.const 16) (local.get 0))
      (i32.store (i32.const 20) (local.get 1))
      (i32.const 16))
  )
  (core instance $i (instantiate $m))
  (alias core export $i "mem" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))

  (type $perms' (flags "read" "write" "exec"))
  (export $perms "perms" (type $perms'))
  (type $color' (enum "red" "green" "ok"))
  (export $color "color" (type $color'))

  (func $flags (param "p" $perms) (result $perms) (canon lift (core func $i "id32")))
  (func $enum (param "c" $color) (result $color) (canon lift (core func $i "id32")))
  (func $not (param "b" bool) (result bool) (canon lift (core func $i "not")))
  (func $s64 (param "v" s64) (result s64) (canon lift (core func $i "id64")))
  (func $u64 (param "v" u64) (result u64) (canon lift (core func $i "id64")))
  (func $f64 (param "v" f64) (result f64) (canon lift (core func $i "idf64")))
  (func $char (param "c" char) (result char) (canon lift (core func $i "id32")))
  (func $add (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func $sub (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "sub")))
  (func $nothing (canon lift (core func $i "nothing")))
  (func $boom (canon lift (core func $i "boom")))
  (func $echo (param "s" string) (result string)
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc)))
  (func $echo-list (param "xs" (list (list u8))) (result (list (list u8)))
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc)))
  (func $maybe (param "x" (option u32)) (result (option u32))
    (canon lift (core func $i "maybe") (memory $mem) (realloc $realloc)))

  (export "flags-id" (func $flags))
  (export "color-id" (func $enum))
  (export "not" (func $not))
  (export "s64-id" (func $s64))
  (export "u64-id" (func $u64))
  (export "f64-id" (func $f64))
  (export "char-id" (func $char))
  (export "add" (func $add))
  (export "nothing" (func $nothing))
  (export "boom" (func $boom))
  (export "echo" (func $echo))
  (export "echo-list" (func $echo-list))
  (export "maybe" (func $maybe))
  (instance $ops (export "add" (func $add)) (export "sub" (func $sub)))
  (export "local:calc/ops" (instance $ops))
)
"""


@pytest.fixture(scope="module")
def types_component(wasm_tools, tmp_path_factory):
    return assemble(wasm_tools, TYPES_WAT, tmp_path_factory.mktemp("invoke") / "types.wasm")


@pytest.mark.parametrize("call, want", [
    ("flags-id({read, exec})", "{read, exec}"),
    ("flags-id({ exec, read, })", "{read, exec}"),
    ("flags-id({})", "{}"),
    ("color-id(green)", "green"),
    ("color-id(%ok)", "%ok"),
    ("not(false)", "true"),
    ("s64-id(-9223372036854775808)", "-9223372036854775808"),
    ("u64-id(18446744073709551615)", "18446744073709551615"),
    ("f64-id(nan)", "nan"),
    ("f64-id(-inf)", "-inf"),
    ("f64-id(6.25e-1)", "0.625"),
    ("f64-id(1e21)", "1000000000000000000000"),
    ("char-id('\\u{2603}')", "'☃'"),
    ("char-id('\\'')", "'\\''"),
    ('echo("tab\\there \\"q\\" \\\\ \\n")', '"tab\\there \\"q\\" \\\\ \\n"'),
    ('echo("")', '""'),
    ("echo-list([[1, 2], [], [255]])", "[[1, 2], [], [255]]"),
    ("echo-list([])", "[]"),
    ("maybe(some(7))", "some(7)"),
    ("maybe(7)", "some(7)"),   # WAVE's flat form of some
    ("maybe(none)", "none"),
    ("maybe()", "none"),       # trailing options may be left out
    ("local:calc/ops#sub(10, 4)", "6"),
    ("sub(10, 4)", "6"),       # unique among all exported functions
])
def test_value_kinds(wb_bin, types_component, call, want):
    """No wasi:cli/run export is needed with --invoke."""
    r = invoke(wb_bin, types_component, call)
    assert r.returncode == 0, r
    assert r.stdout == want + "\n", r


def test_no_result_prints_an_empty_tuple(wb_bin, types_component):
    """As wasmtime (wasm-wave's DisplayFuncResults of no results)."""
    r = invoke(wb_bin, types_component, "nothing()")
    assert r.returncode == 0, r
    assert r.stdout == "()\n", r


def test_trap_exits_1(wb_bin, types_component):
    r = invoke(wb_bin, types_component, "boom()")
    assert r.returncode == 1, r
    assert "unreachable" in r.stderr, r
    assert r.stdout == "", r


@pytest.mark.parametrize("call, message", [
    ("add(1, 2)", "`add` is ambiguous: add, local:calc/ops#add (name one as INSTANCE#FUNC)"),
    ("flags-id({read, delete})",
     "argument 1 (`p`): unknown flag `delete` (flags: read, write, exec) at column 17"),
    ("color-id(ok)", "found the keyword ok (a case with that name is written %ok)"),
    ("color-id(blue)",
     "argument 1 (`c`) expected enum { red, green, ok }, found blue at column 10"),
    ("not(1)", "argument 1 (`b`) expected bool, found 1 at column 5"),
    ("char-id('ab')", "a char holds exactly one character"),
    ("u64-id(-1)", "-1 is out of range for u64 at column 8"),
    ('echo("unterminated)', "unterminated string"),
    ("echo-list([[256]])", "256 is out of range for u8 at column 13"),
    ("maybe(some(some(1)))", "expected u32, found some at column 12"),
])
def test_type_errors(wb_bin, types_component, call, message):
    r = invoke(wb_bin, types_component, call)
    assert r.returncode == 2, r
    assert message in r.stderr, r


def test_qualified_name_picks_one(wb_bin, types_component):
    r = invoke(wb_bin, types_component, "local:calc/ops#add(1, 2)")
    assert (r.returncode, r.stdout) == (0, "3\n"), r


def test_invoke_equals_form(wb_bin, types_component):
    r = run(wb_bin, "run", "--invoke=not(true)", types_component)
    assert (r.returncode, r.stdout) == (0, "false\n"), r


def test_without_invoke_still_needs_run(wb_bin, types_component):
    r = run(wb_bin, "run", types_component)
    assert r.returncode == 1, r
    assert "does not export wasi:cli/run@0.3.0" in r.stderr, r
