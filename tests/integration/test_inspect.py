"""`wasi-bridge inspect FILE --json`: schema, and import/export names checked
against an independent reader (the wasm-tools inside jco, via jco_names.mjs)."""
import json
import re

import pytest

from conftest import (EXAMPLE, all_valid_component_params, assert_no_crash, corpus_params,
                      fixture_param, run)

ITEM_KINDS = {"instance", "func", "type", "component", "core-module", "value"}
GENERATIONS = {"none", "0.2", "0.3", "mixed"}
WASI_NAME = re.compile(r"^wasi:[a-z0-9-]+/[a-z0-9-]+@(?P<ver>\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$")


def inspect_json(wb_bin, path):
    r = run(wb_bin, "inspect", path, "--json")
    assert_no_crash(r)
    assert r.returncode == 0, repr(r)
    try:
        return json.loads(r.stdout)
    except json.JSONDecodeError as e:
        pytest.fail(f"stdout is not JSON ({e})\n{r!r}", pytrace=False)


def generation_of(versions):
    majors = {".".join(v.split(".")[:2]) for v in versions}
    if not majors:
        return "none"
    if majors == {"0.2"}:
        return "0.2"
    if majors == {"0.3"}:
        return "0.3"
    return "mixed"


def version_key(v):
    return [int(x) if x.isdigit() else x for x in re.split(r"[.-]", v)]


def check_schema(j, path):
    assert j["file"] == str(path)
    assert j["kind"] == "component"
    assert j["size"] == path.stat().st_size
    for key in ("imports", "exports"):
        assert isinstance(j[key], list)
        for item in j[key]:
            assert isinstance(item["name"], str) and item["name"], item
            assert item["kind"] in ITEM_KINDS, item
    w = j["wasi"]
    assert w["generation"] in GENERATIONS, w
    vs = w["versions"]
    assert len(vs) == len(set(vs)) and vs in (sorted(vs), sorted(vs, key=version_key)), \
        f"versions not sorted or not unique: {vs}"
    for key in ("core_modules", "components"):
        assert isinstance(j[key], list)
        for m in j[key]:
            for f in ("index", "offset", "size", "depth"):
                assert isinstance(m[f], int) and m[f] >= 0, m
            assert m["offset"] + m["size"] <= j["size"], m
    assert isinstance(j["canon"], dict)
    assert all(isinstance(v, int) and v >= 0 for v in j["canon"].values()), j["canon"]
    assert isinstance(j["polyfill"], list)
    names = {i["name"] for i in j["imports"]}
    for p in j["polyfill"]:
        assert p["import"] in names, f"polyfill entry is not an import: {p}"
        assert re.match(r"^wasi:.*@0\.2\.", p["import"]), f"polyfill entry is not a 0.2 WASI import: {p}"
    assert isinstance(j["notes"], list) and all(isinstance(n, str) for n in j["notes"])


@pytest.mark.parametrize("path", all_valid_component_params())
def test_inspect_json_schema(wb_bin, path):
    check_schema(inspect_json(wb_bin, path), path)


@pytest.fixture(scope="module")
def oracle_names(jco_names, all_corpus_and_fixture_files):
    """One node run over every file (fast); per-test lookups below."""
    return jco_names(all_corpus_and_fixture_files)


@pytest.mark.parametrize("path", all_valid_component_params())
def test_names_match_wasm_tools(wb_bin, oracle_names, path):
    want = oracle_names[str(path)]
    assert "error" not in want, f"the oracle cannot decode {path}: {want['error']}"
    j = inspect_json(wb_bin, path)
    # WIT worlds show instance and func imports/exports by name; type imports
    # show up as type definitions instead, so compare instance+func items only.
    for key in ("imports", "exports"):
        got = {i["name"] for i in j[key] if i["kind"] in ("instance", "func")}
        assert got == set(want[key]), (
            f"{key}: only in wasi-bridge: {sorted(got - set(want[key]))}; "
            f"only in wasm-tools: {sorted(set(want[key]) - got)}")
    # every WASI version the oracle sees must be reported
    seen = {m["ver"] for n in want["imports"] + want["exports"] if (m := WASI_NAME.match(n))}
    assert seen <= set(j["wasi"]["versions"]), (seen, j["wasi"])


@pytest.mark.parametrize("path", corpus_params())
def test_corpus_is_mixed(wb_bin, path):
    """Every wasi-testsuite rust-wasip3 binary imports both 0.2 and 0.3."""
    j = inspect_json(wb_bin, path)
    assert j["wasi"]["generation"] == "mixed", j["wasi"]
    assert any(v.startswith("0.2.") for v in j["wasi"]["versions"]), j["wasi"]
    assert any(v.startswith("0.3.") for v in j["wasi"]["versions"]), j["wasi"]
    assert j["polyfill"], "a mixed component has 0.2 imports to polyfill"
    assert all("@0.3." not in p["import"] for p in j["polyfill"]), "0.3 imports pass through"


@pytest.mark.parametrize("path,generation", [
    pytest.param(EXAMPLE, "0.2", id="examples/hello-p2.wasm"),
    fixture_param("cli_probe.p2.wasm", "0.2"),
    fixture_param("calc.component.wasm", "0.2"),
    fixture_param("p3cli.wasm", "mixed"),
    fixture_param("p3http.wasm", "mixed"),
    fixture_param("async-min.wasm", "none"),
])
def test_generation(wb_bin, path, generation):
    j = inspect_json(wb_bin, path)
    assert j["wasi"]["generation"] == generation, j["wasi"]
    assert generation_of(j["wasi"]["versions"]) == generation, j["wasi"]


def test_example_details(wb_bin):
    """The hand-written example: what is in it is known exactly."""
    j = inspect_json(wb_bin, EXAMPLE)
    assert [(i["name"], i["kind"]) for i in j["imports"]] == [
        ("wasi:io/error@0.2.12", "instance"), ("wasi:io/streams@0.2.12", "instance"),
        ("wasi:cli/stdout@0.2.12", "instance")]
    assert [(i["name"], i["kind"]) for i in j["exports"]] == [("wasi:cli/run@0.2.12", "instance")]
    assert j["wasi"]["versions"] == ["0.2.12"] and j["wasi"]["generation"] == "0.2", j["wasi"]
    assert len(j["core_modules"]) == 2 and all(m["depth"] == 0 for m in j["core_modules"])
    assert [m["index"] for m in j["core_modules"]] == [0, 1]
    assert j["components"] == []
    assert j["canon"].get("lift") == 1 and j["canon"].get("lower") == 2, j["canon"]
    assert j["canon"].get("resource.drop") == 1, j["canon"]
    polyfilled = {p["import"] for p in j["polyfill"]}
    assert {"wasi:io/streams@0.2.12", "wasi:cli/stdout@0.2.12"} <= polyfilled, j["polyfill"]


MINIMAL_CORE_MODULE = b"\x00asm\x01\x00\x00\x00"


def test_core_module_is_accepted(wb_bin, tmp_path):
    p = tmp_path / "empty.core.wasm"
    p.write_bytes(MINIMAL_CORE_MODULE)
    j = inspect_json(wb_bin, p)
    assert j["kind"] == "core-module", j
    assert j["size"] == len(MINIMAL_CORE_MODULE)
    assert j["wasi"]["generation"] == "none"


@pytest.mark.parametrize("name", ["calc.core.wasm", "cli_probe.p1.wasm"])
def test_fixture_core_module_is_accepted(wb_bin, fixtures_dir, name):
    p = fixtures_dir / name
    if not p.is_file():
        pytest.skip(f"{p} not built")
    j = inspect_json(wb_bin, p)
    assert j["kind"] == "core-module", j
    assert j["size"] == p.stat().st_size
