"""`wasi-bridge roundtrip IN -o OUT` must reproduce every component byte for byte."""
import pytest

from conftest import all_component_params, run


@pytest.mark.parametrize("path", all_component_params())
def test_roundtrip_byte_identical(wb_bin, path, tmp_path):
    out = tmp_path / "out.wasm"
    r = run(wb_bin, "roundtrip", path, "-o", out)
    assert r.returncode == 0, repr(r)
    assert out.is_file(), f"no output written\n{r!r}"
    want, got = path.read_bytes(), out.read_bytes()
    if got != want:
        n = min(len(want), len(got))
        first = next((i for i in range(n) if want[i] != got[i]), n)
        pytest.fail(f"output differs: {len(got)} bytes vs {len(want)}; first difference at "
                    f"byte {first} (0x{first:x})", pytrace=False)
