"""Connected pieces of metal (zndeposit.metrics.pieces) on synthetic phase fields and in a run.

The synthetic fields are equilibrium profiles xi = (1 - tanh(d / (2 l))) / 2 about a
flat layer (the anode, 2 um thick) and a disk of radius R = 1 um above it, on a
4 x 8 um strip of 40 x 80 squares cut into triangles (h = 0.1 um = R / 10). A disk's
isolated volume is pi R^2 within the staircase of the cell-mean rule: measured
within 0.8 (h/R)^2 (3 % at h = R/5, 0.6 % at R/10, 0.2 % at R/20) for any l/h from
0.5 to 2 and any centre, so 1 % here.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zndeposit.metrics.pieces import components, label_pieces
from zndeposit.metrics.registry import lookup

WIDTH, HEIGHT, N = 4e-6, 8e-6, 40
ANODE, RADIUS, Y_DISK, PROFILE = 2e-6, 1e-6, 5e-6, 0.05e-6
#: relative staircase error of a disk's volume at h = R / 10 (see the module docstring)
STAIRCASE = 0.01
ROOT = Path(__file__).resolve().parents[2]


# --- numpy ----------------------------------------------------------------------------------
def test_components_label_each_node_with_its_smallest():
    edges = np.array([[4, 3], [3, 1], [5, 6], [6, 7], [7, 5]])
    label = components(9, edges)
    assert label.tolist() == [0, 1, 2, 1, 1, 5, 5, 5, 8]


def test_components_of_a_long_chain():
    n = 5000
    order = np.random.default_rng(1).permutation(n)
    label = components(n, np.stack([order[:-1], order[1:]], axis=1))
    assert (label == 0).all()


def test_label_pieces_joins_partner_facets_and_finds_the_collector():
    # three cells in a row: 0 and 1 share facet 11; cell 2 touches cell 0 only through
    # the periodic pair 20 (x_max) ~ 10 (x_min); cell 0 is on the collector (facet 1)
    facets = np.array([[10, 11, 1], [11, 12, 13], [20, 21, 22]])
    collector = np.array([1])
    count, isolated = label_pieces(facets, collector)
    assert (count.pieces, count.connected, count.isolated_cells) == (2, 1, 1)
    assert isolated.tolist() == [False, False, True]
    partner = (np.array([20]), np.array([10]))
    count, isolated = label_pieces(facets, collector, partner)
    assert (count.pieces, count.connected, count.isolated_cells) == (1, 1, 0)
    assert not isolated.any()
    empty, _ = label_pieces(np.zeros((0, 3), dtype=np.int64), collector)
    assert empty.pieces == 0


# --- synthetic fields on a DOLFINx mesh --------------------------------------------------------
def _profile(distance: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 - np.tanh(distance / (2.0 * PROFILE)))


def _field(x: np.ndarray, disk_x: float | None, layer: bool = True) -> np.ndarray:
    """Anode layer (surface at y = ANODE) and a disk at (disk_x, Y_DISK), periodic images too."""
    xi = _profile(x[1] - ANODE) if layer else np.zeros(x.shape[1])
    if disk_x is not None:
        for shift in (-WIDTH, 0.0, WIDTH):
            d = np.hypot(x[0] - disk_x - shift, x[1] - Y_DISK) - RADIUS
            xi = np.maximum(xi, _profile(d))
    return xi


def measure(comm=None) -> dict[str, list[float]]:
    """(pieces, connected, isolated volume in m^2) of every synthetic case (collective)."""
    from zndeposit.fem import MPI, dolfinx
    from zndeposit.metrics.pieces import MetalPieces

    comm = comm if comm is not None else MPI.COMM_WORLD
    mesh = dolfinx.mesh.create_rectangle(comm, [[0.0, 0.0], [WIDTH, HEIGHT]], [N, 2 * N])
    xi = dolfinx.fem.Function(dolfinx.fem.functionspace(mesh, ("Lagrange", 1)))
    porosity = dolfinx.fem.Function(dolfinx.fem.functionspace(mesh, ("DG", 0)))
    porosity.interpolate(lambda x: np.where(x[1] > 5e-6, 0.5, 1.0))  # top half: a coating
    tol = 1e-3 * WIDTH / N
    periodic = MetalPieces(xi, period=(0.0, WIDTH), tol=tol)
    walls = MetalPieces(xi, tol=tol)
    coated = MetalPieces(xi, porosity, period=(0.0, WIDTH), tol=tol)
    cases = {
        "layer": (None, True),
        "disk": (0.5 * WIDTH, True),
        "disk_across_side": (WIDTH, True),  # centred on x = 0 = x_max
        "disk_alone": (0.5 * WIDTH, False),  # the anode stripped away
    }
    out = {}
    for name, (disk_x, layer) in cases.items():
        xi.interpolate(lambda x, d=disk_x, a=layer: _field(x, d, a))
        for label, pieces in (("", periodic), ("_walls", walls), ("_coated", coated)):
            c, v = pieces()
            out[name + label] = [c.pieces, c.connected, v]
    return out


@pytest.fixture(scope="module")
def serial():
    return measure()


@pytest.mark.fem
def test_flat_layer_is_one_connected_piece(serial):
    assert serial["layer"] == [1, 1, 0.0]
    assert serial["layer_walls"] == [1, 1, 0.0]


@pytest.mark.fem
def test_detached_disk_is_an_isolated_piece_of_its_area(serial):
    pieces, connected, volume = serial["disk"]
    assert (pieces, connected) == (2, 1)
    assert volume == pytest.approx(math.pi * RADIUS**2, rel=STAIRCASE)
    assert serial["disk_walls"] == serial["disk"]  # away from the sides
    # the coating's porosity 0.5 above y = 5 um: the upper half of the disk counts half
    assert serial["disk_coated"][2] == pytest.approx(0.75 * volume, rel=STAIRCASE)


@pytest.mark.fem
def test_a_piece_across_the_periodic_side_counts_once(serial):
    pieces, connected, volume = serial["disk_across_side"]
    assert (pieces, connected) == (2, 1)
    assert volume == pytest.approx(serial["disk"][2], rel=STAIRCASE)
    # with walls the two halves are two pieces of the same total volume
    walls = serial["disk_across_side_walls"]
    assert walls[:2] == [3, 1]
    assert walls[2] == pytest.approx(volume, rel=1e-12)


@pytest.mark.fem
def test_metal_without_the_collector_is_all_isolated(serial):
    pieces, connected, volume = serial["disk_alone"]
    assert (pieces, connected) == (1, 0)
    assert volume == pytest.approx(serial["disk"][2], rel=1e-12)


@pytest.mark.fem
@pytest.mark.mpi
def test_two_ranks_give_the_serial_numbers(serial):
    bindir = Path(sys.executable).parent
    code = (
        f"import sys, json; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        "from test_pieces import measure; r = measure(); "
        "from mpi4py import MPI; c = MPI.COMM_WORLD; "
        "c.rank or print(json.dumps({'ranks': c.size, **r}))"
    )
    done = subprocess.run(
        [bindir / "mpiexec", "-n", "2", sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    parallel = json.loads(done.stdout.strip().splitlines()[-1])
    assert parallel.pop("ranks") == 2
    assert parallel.keys() == serial.keys()
    for name, (pieces, connected, volume) in serial.items():
        assert parallel[name][:2] == [pieces, connected], name
        assert parallel[name][2] == pytest.approx(volume, rel=1e-12, abs=1e-30), name


# --- a run ------------------------------------------------------------------------------------
@pytest.mark.fem
def test_columns_of_a_normal_run(tmp_path, case_runner):
    """The tiny case (a nucleus on a 2 x 8 um strip, 0.5 s of plating): one piece, nothing
    isolated, in every row."""
    text = (ROOT / "tests" / "sweep" / "tiny_case.toml").read_text()
    _, m = case_runner(tmp_path, text)
    assert len(m["t"]) == 3
    assert m.units["metal_pieces"] == "-" and m.units["isolated_metal"] == "mAh/cm^2"
    assert np.all(m["metal_pieces"] == 1)
    assert np.all(m["isolated_metal"] == 0.0)


#: a mushroom on the flat tiny strip: a neck 0.4 um wide (x = 0.8-1.2 um) from the anode
#: (surface y = 2 um) up to y = 2.6 um, under a cap of radius 0.6 um; 0.1 s of plating, then
#: stripping at 100 mA/cm^2 cuts the neck after about 4.6 s
NECK_HALF, NECK_TOP, CAP = 0.2e-6, 2.6e-6, 0.6e-6
MUSHROOM_STEPS = """
[control]
mode = "protocol"
[[control.steps]]
current_density = "10 mA/cm^2"
duration = "0.1 s"
[[control.steps]]
current_density = "-100 mA/cm^2"
duration = "6 s"
"""


def _add_mushroom(sim, seen: dict[str, float]) -> None:
    """Set-up hook: xi = max(xi, the profile about the neck and cap) before the first row."""
    model = sim.model
    p = model.params
    seen["nf_rho"] = p.n * p.faraday * p.rho_m  # C/m^3 of Zn
    space, _ = model.space.sub(0).collapse()
    x = space.tabulate_dof_coordinates()
    qx = np.abs(x[:, 0] - 1e-6) - NECK_HALF  # signed distance to the neck (a box)
    qy = np.abs(x[:, 1] - 0.5 * (1.5e-6 + NECK_TOP)) - 0.5 * (NECK_TOP - 1.5e-6)
    box = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0)
    cap = np.hypot(x[:, 0] - 1e-6, x[:, 1] - NECK_TOP - CAP + 0.1e-6) - CAP
    state = model.get_state()
    state["xi"] = np.maximum(state["xi"], _profile_l(np.minimum(box, cap), model.params.length))
    model.set_state(state)
    sim.stepper.deposit0 = model.deposited()  # the mushroom is initial metal, not deposit


def _profile_l(distance: np.ndarray, length: float) -> np.ndarray:
    return 0.5 * (1.0 - np.tanh(distance / (2.0 * length)))


@pytest.mark.fem
def test_stripping_a_thin_neck_isolates_the_cap(tmp_path):
    """Plate, then strip: the neck dissolves, the cap becomes a second, isolated piece.

    The model still strips the cap afterwards (geometry only: every piece is at the
    electrode potential), so its metal goes down from the cut on.
    """
    from zndeposit.case.load import load_case
    from zndeposit.io.metrics_csv import read_metrics
    from zndeposit.log import setup_logging
    from zndeposit.solver.driver import run_case

    text = (ROOT / "tests" / "sweep" / "tiny_case.toml").read_text()
    head, rest = text.split("[[anode.nuclei]]", 1)
    text = head + "[electrolyte]" + rest.split("[electrolyte]", 1)[1]  # flat
    start, stop = text.index("[control]"), text.index("[mesh]")
    text = text[:start] + MUSHROOM_STEPS.strip() + "\n" + text[stop:]
    path = tmp_path / "case.toml"
    path.write_text(text)
    setup_logging()
    seen: dict[str, float] = {}
    run_case(
        load_case(path), tmp_path / "run", cache_dir=tmp_path / "cache", progress=False,
        setup=lambda sim: _add_mushroom(sim, seen),
    )  # fmt: skip
    m = read_metrics(tmp_path / "run" / "metrics.csv")
    pieces, isolated, step = m["metal_pieces"], m["isolated_metal"], m["step"]
    cut = int(np.argmax(pieces == 2))
    assert cut > 0 and np.all(pieces[:cut] == 1) and np.all(pieces[cut:] == 2), pieces
    assert step[cut] == 2 and 3.0 < m["t"][cut] < 6.0  # measured 4.75 s (rows every 0.25 s)
    assert np.all(isolated[:cut] == 0.0)
    # the cap at the cut: less than its initial metal (pi R^2 / width, ~0.33 mAh/cm^2) and
    # more than half of it (measured 0.266 mAh/cm^2)
    cap = lookup("isolated_metal").from_si(seen["nf_rho"] * math.pi * CAP**2 / 2e-6)
    assert 0.5 * cap < isolated[cut] < cap
    # then stripped on as if connected: down by cells (steps of the staircase)
    assert np.all(np.diff(isolated[cut:]) <= 1e-12) and isolated[-1] < isolated[cut]
