"""Every example case validates without errors and meshes into sane, tagged regions."""

from pathlib import Path

import pytest

from zndeposit.case.derived import region_stack
from zndeposit.case.load import load_case
from zndeposit.geometry import tags

CASES = sorted((Path(__file__).resolve().parents[2] / "cases").glob("*.toml"))


def test_there_are_at_least_six_example_cases():
    assert len(CASES) >= 6


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case_validates_with_a_comment(path):
    loaded = load_case(path)
    assert loaded.case.title
    first = path.read_text().lstrip()
    assert first.startswith("#"), "each example case opens with a comment saying what it shows"


@pytest.mark.fem
@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case_meshes(path, tmp_path):
    from zndeposit.geometry.mesh import build_mesh

    loaded = load_case(path)
    info = build_mesh(loaded, cache_dir=tmp_path)
    regions = info.stats["regions"]
    expected = {r.name for r in region_stack(loaded.case)} | {tags.ANODE}
    assert set(regions) == expected
    width = loaded.case.domain.width * 1e6
    height = loaded.case.domain.height * 1e6
    area = sum(r["area_um2"] for r in regions.values())
    fibres = info.stats.get("fibres")
    holes = 0.0
    if fibres:  # fibre cross-sections are holes in the separator band
        holes = width * loaded.case.separator.thickness * 1e6 * (1 - fibres["porosity"])
    assert area == pytest.approx(width * height - holes, rel=2e-3)
    # the fine band resolves the interface with the requested element count (within 25 %)
    h = loaded.case.interface.width / loaded.case.mesh.elements_across_interface * 1e6
    assert info.stats["sizes_um"]["band_size"] == pytest.approx(h, rel=1e-9)
    assert info.stats["h_min_um"] >= 0.5 * h
