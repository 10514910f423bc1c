"""Geometry and mesh of small cases: areas, groups, periodicity, fibres, cache, DOLFINx, MPI.

Every case uses interface.width = 2 um with 4 elements across (h = 0.5 um)
and domains of a few tens of um, so each mesh takes well under a second.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.fem

gmsh = pytest.importorskip("gmsh")
meshio = pytest.importorskip("meshio")

from zndeposit.case.load import load_case  # noqa: E402
from zndeposit.errors import MeshError  # noqa: E402
from zndeposit.geometry import tags  # noqa: E402
from zndeposit.geometry.mesh import build_mesh, load_mesh, mesh_key  # noqa: E402

UM = 1e-6
TEMPLATE = Path(__file__).parents[2] / "cases" / "bare_zn_2M_ZnSO4.toml"

COATING = """
[[coatings]]
thickness = "{t}"
porosity = 0.5
fixed_charge = "-0.5 mol/L"
"""
SEPARATOR = """
[separator]
kind = "resolved"
thickness = "20 um"
porosity = 0.7
fibre_diameter = "2 um"
fibre_diameter_spread = "0.5 um"
seed = 1
"""


def write_case(directory: Path, name: str, *, width: float = 10, height: float = 20,
               sides: str = "periodic", anode: str = 'thickness = "5 um"', extra: str = "") -> Path:  # fmt: skip
    """A case file from the bare-Zn template with the geometry replaced (lengths in um)."""
    text = TEMPLATE.read_text()
    head, tail = text.split("[top]", 1)
    tail = tail.replace('width = "0.5 um"', 'width = "2 um"')
    head = textwrap.dedent(f"""\
        title = "test {name}"
        [domain]
        width = "{width} um"
        height = "{height} um"
        sides = "{sides}"
        [anode]
        {anode}
        """)
    path = directory / f"{name}.toml"
    path.write_text(head + extra + "\n[top]" + tail)
    return path


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("geometry")


@pytest.fixture(scope="module")
def built(work):
    """Meshes of the test cases, built once (name -> (LoadedCase, MeshInfo))."""
    nucleus = 'thickness = "5 um"\n[[anode.nuclei]]\nx = "5 um"\nradius = "2 um"\n'
    cases = {
        "layers": dict(extra=COATING.format(t="3 um") + '\n[gap]\nthickness = "2 um"\n'),
        "nucleus": dict(anode=nucleus, extra=COATING.format(t="3 um")),
        "fibres": dict(width=20, height=40, extra=SEPARATOR),
        "random": dict(
            width=20,
            sides="no-flux",
            anode='thickness = "5 um"\n[anode.surface]\nkind = "random"\nrms = "0.4 um"\n'
            'correlation_length = "3 um"\nseed = 2\n',
        ),
    }
    cases["shapes"] = dict(
        height=30,
        anode='thickness = "5 um"\n[anode.surface]\nkind = "sinusoidal"\namplitude = "0.5 um"\n'
        'wavelength = "5 um"\n[[anode.nuclei]]\nx = "9.5 um"\nradius = "1.5 um"\n'
        'height = "3 um"\nshape = "ellipse"\n[[anode.nuclei]]\nx = "4 um"\nradius = "1 um"\n'
        'height = "1.5 um"\nshape = "rectangle"\n',
        extra=COATING.format(t="1 um") + COATING.format(t="1 um"),
    )
    out = {}
    for name, kw in cases.items():
        loaded = load_case(write_case(work, name, **kw))
        out[name] = (loaded, build_mesh(loaded, cache_dir=work / "cache"))
    return out


def _areas(info) -> dict[str, float]:
    return {k: v["area_um2"] for k, v in info.stats["regions"].items()}


def test_flat_layer_areas_are_thickness_times_width(built):
    """Straight boundaries only: areas exact to 1e-9 relative."""
    _, info = built["layers"]
    areas = _areas(info)
    expected = {tags.ANODE: 50.0, "coating": 30.0, tags.GAP: 20.0, tags.BULK: 100.0}
    assert set(areas) == set(expected)
    for name, area in expected.items():
        assert areas[name] == pytest.approx(area, rel=1e-9), name


def test_semicircle_nucleus_moves_area_from_layer_to_anode(built):
    """Anode gains pi r^2/2, the coating loses it (polygonal arc at h = r/4: within 1 %)."""
    _, info = built["nucleus"]
    areas = _areas(info)
    half_disk = math.pi * 2.0**2 / 2
    assert areas[tags.ANODE] - 50.0 == pytest.approx(half_disk, rel=0.01)
    assert 30.0 - areas["coating"] == pytest.approx(half_disk, rel=0.01)
    assert sum(areas.values()) == pytest.approx(10.0 * 20.0, rel=1e-9)


def test_physical_groups_by_name_and_tag(built):
    for name, (loaded, info) in built.items():
        msh = meshio.read(info.msh_path)
        groups = {k: (int(v[1]), int(v[0])) for k, v in msh.field_data.items()}
        regions = {r.name for r in __import__("zndeposit.case.derived").case.derived.region_stack(
            loaded.case)} | {tags.ANODE}  # fmt: skip
        for region in regions:
            assert groups[region] == (2, tags.region_tag(region)), (name, region)
        facets = [tags.BOTTOM, tags.TOP, tags.LEFT, tags.RIGHT, tags.ANODE_SURFACE]
        if name == "fibres":
            facets.append(tags.FIBRE_WALLS)
        for facet in facets:
            assert groups[facet] == (1, tags.FACET_TAGS[facet]), (name, facet)
        assert (tags.FIBRE_WALLS in groups) == (name == "fibres")


def _side_nodes(msh_path: Path) -> tuple[np.ndarray, np.ndarray, float]:
    msh = meshio.read(msh_path)
    left_tag, right_tag = tags.FACET_TAGS[tags.LEFT], tags.FACET_TAGS[tags.RIGHT]
    sides = {left_tag: [], right_tag: []}
    for block, phys in zip(msh.cells, msh.cell_data["gmsh:physical"], strict=True):
        if block.type == "line" and phys[0] in sides:
            sides[phys[0]].append(block.data.ravel())
    left = msh.points[np.unique(np.concatenate(sides[left_tag]))]
    right = msh.points[np.unique(np.concatenate(sides[right_tag]))]
    return left, right, float(msh.points[:, 0].max())


@pytest.mark.parametrize("name", ["layers", "nucleus", "fibres"])
def test_periodic_sides_have_matching_nodes(built, name):
    _, info = built[name]
    left, right, width = _side_nodes(info.msh_path)
    assert np.all(left[:, 0] == 0.0) and np.allclose(right[:, 0], width, rtol=1e-15)
    assert len(left) == len(right)
    ly, ry = np.sort(left[:, 1]), np.sort(right[:, 1])
    assert np.all(np.abs(ly - ry) <= 1e-12 * ry.max())
    assert info.stats["periodic_pairs"] >= 1


def test_resolved_fibre_porosity(built):
    """Separator area / band area within 0.015 of the target porosity 0.7.

    Placement lands within one fibre area (0.008 here) and the polygonal
    fibre walls (d/6 elements) lose about 1 % of each fibre's area.
    """
    _, info = built["fibres"]
    band = 20.0 * 20.0
    meshed = _areas(info)[tags.SEPARATOR] / band
    assert meshed == pytest.approx(0.7, abs=0.015)
    fib = info.stats["fibres"]
    assert fib["count"] > 10 and fib["porosity"] == pytest.approx(0.7, abs=0.01)
    assert info.stats["boundaries"][tags.FIBRE_WALLS] == fib["count"]


def test_random_surface_no_flux(built):
    """Zero-mean roughness keeps the anode area at thickness x width (spline: within 0.5 %)."""
    _, info = built["random"]
    assert _areas(info)[tags.ANODE] == pytest.approx(5.0 * 20.0, rel=0.005)
    assert info.stats["periodic_pairs"] == 0


def test_cache_hit_does_not_call_gmsh(built, monkeypatch):
    loaded, first = built["layers"]
    stamp = first.msh_path.stat().st_mtime_ns

    def boom(*args, **kwargs):
        raise AssertionError("gmsh model built again")

    monkeypatch.setattr("zndeposit.geometry.build.build_model", boom)
    again = build_mesh(loaded, cache_dir=first.directory.parent)
    assert again.from_cache and not first.from_cache
    assert again.key == first.key == mesh_key(loaded)
    assert first.msh_path.stat().st_mtime_ns == stamp
    assert json.loads(first.json_path.read_text())["key"] == first.key


def test_key_ignores_non_geometry_sections(work):
    a = load_case(write_case(work, "key_a"))
    b = load_case(write_case(work, "key_b"), {"kinetics.exchange_current_density": "2 mA/cm^2"})
    c = load_case(write_case(work, "key_c"), {"interface.width": "1 um"})
    assert mesh_key(a) == mesh_key(b) != mesh_key(c)


def test_non_periodic_sinusoid_is_a_mesh_error(work):
    anode = (
        'thickness = "5 um"\n[anode.surface]\nkind = "sinusoidal"\namplitude = "1 um"\n'
        'wavelength = "3 um"\n'
    )
    loaded = load_case(write_case(work, "badsine", anode=anode))
    with pytest.raises(MeshError, match=r"badsine\.toml.*not periodic"):
        build_mesh(loaded, cache_dir=work / "cache")


def test_load_into_dolfinx(built):
    import ufl

    from zndeposit.fem import MPI, dolfinx

    _, info = built["fibres"]
    data = load_mesh(info.msh_path, MPI.COMM_WORLD)
    region_tags = {tags.region_tag(n) for n in info.stats["regions"]}
    assert set(np.unique(data.cell_tags.values)) == region_tags
    assert tags.FACET_TAGS[tags.FIBRE_WALLS] in set(np.unique(data.facet_tags.values))
    assert data.physical_groups[tags.SEPARATOR] == (2, tags.region_tag(tags.SEPARATOR))
    one = dolfinx.fem.form(1.0 * ufl.dx(domain=data.mesh))
    area = data.mesh.comm.allreduce(dolfinx.fem.assemble_scalar(one), op=MPI.SUM) / UM**2
    assert area == pytest.approx(sum(_areas(info).values()), rel=1e-9)
    holes = 20.0 * 20.0 * (1.0 - info.stats["fibres"]["porosity"])
    assert area == pytest.approx(20.0 * 40.0 - holes, rel=0.005)  # polygonal fibre walls


@pytest.mark.mpi
def test_load_under_mpiexec(built, work):
    _, info = built["layers"]
    mpiexec = Path(sys.executable).parent / "mpiexec"
    if not mpiexec.exists():
        pytest.skip("no mpiexec next to the Python interpreter")
    script = work / "load_mpi.py"
    script.write_text(
        textwrap.dedent(f"""\
        from zndeposit.fem import MPI, dolfinx
        import ufl
        from zndeposit.geometry.mesh import load_mesh
        data = load_mesh({str(info.msh_path)!r}, MPI.COMM_WORLD)
        one = dolfinx.fem.form(1.0 * ufl.dx(domain=data.mesh))
        area = data.mesh.comm.allreduce(dolfinx.fem.assemble_scalar(one), op=MPI.SUM)
        cells = data.mesh.topology.index_map(2).size_global
        if data.mesh.comm.rank == 0:
            print("RESULT", data.mesh.comm.size, cells, area)
        """)
    )
    run = subprocess.run([str(mpiexec), "-n", "2", sys.executable, str(script)],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    line = next(x for x in run.stdout.splitlines() if x.startswith("RESULT"))
    _, size, cells, area = line.split()
    assert int(size) == 2 and int(cells) == info.stats["cells"]
    assert float(area) == pytest.approx(10 * 20 * UM**2, rel=1e-9)


def test_mesh_matches_signed_distance_surface(built):
    """Sinusoid + ellipse (crossing the periodic side) + rectangle on two coatings.

    The meshed anode area equals the integral of the surface outline F(x) used
    by the signed distance (within 0.5 %), and every anode_surface node lies on
    its zero level (|d| < h / 20).
    """
    from zndeposit.geometry.surface import initial_surface

    loaded, info = built["shapes"]
    surf = initial_surface(loaded.case)
    ox, oy = surf.outline()
    assert _areas(info)[tags.ANODE] == pytest.approx(np.trapezoid(oy, ox) / UM**2, rel=0.005)
    msh = meshio.read(info.msh_path)
    tag = tags.FACET_TAGS[tags.ANODE_SURFACE]
    nodes = np.unique(np.concatenate([b.data.ravel() for b, p in zip(msh.cells,
              msh.cell_data["gmsh:physical"], strict=True) if b.type == "line" and p[0] == tag]))  # fmt: skip
    pts = msh.points[nodes] * UM
    d = surf.signed_distance(pts[:, 0], pts[:, 1])
    assert np.abs(d).max() < 0.5 * UM / 20
    assert {"coating_1", "coating_2"} <= set(_areas(info))
