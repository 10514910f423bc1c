"""Rendering the output of ``mpiexec -n 2 zndeposit run``: same snapshot, same pictures as serial."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pixels import crop, draw
from zn_viz_run import CASE

from zndeposit.io.snapshots import read_index, read_snapshot

pytestmark = [pytest.mark.fem, pytest.mark.mpi]


FIELDS = ("xi", "c", "c_anion", "phi", "reaction_rate")


def _region_boundary(snap) -> np.ndarray:
    """Nodes shared by cells of different regions (coating/electrolyte, anode/coating)."""
    cells = np.asarray(snap.mesh.cells_dict[5])  # VTK_TRIANGLE
    region = np.asarray(snap.mesh.cell_data["region"])
    lo = np.full(snap.mesh.n_points, np.iinfo(np.int64).max)
    hi = np.full(snap.mesh.n_points, np.iinfo(np.int64).min)
    for k in range(3):
        np.minimum.at(lo, cells[:, k], region)
        np.maximum.at(hi, cells[:, k], region)
    return lo != hi


def _by_position(snap):
    """Points sorted by (y, x), the P1 fields and the region-boundary mask in that order."""
    pts = np.round(np.asarray(snap.mesh.points)[:, :2], 9)
    order = np.lexsort((pts[:, 0], pts[:, 1]))
    fields = {k: np.asarray(snap.mesh.point_data[k])[order] for k in FIELDS}
    return pts[order], fields, _region_boundary(snap)[order]


@pytest.fixture(scope="module")
def mpi_run(viz_run, tmp_path_factory):
    """The shared case solved on 2 MPI ranks (mesh from the serial run's cache)."""
    folder = tmp_path_factory.mktemp("mpi")
    (folder / "case.toml").write_text(CASE)
    bindir = Path(sys.executable).parent
    cmd = [bindir / "mpiexec", "-n", "2", bindir / "zndeposit", "run", folder / "case.toml"]
    cmd += ["--cache", viz_run.parent / "cache", "--no-progress", "-o", folder / "run"]
    subprocess.run(cmd, check=True, timeout=600, capture_output=True)
    return folder / "run"


def test_two_ranks_write_the_snapshot_of_a_serial_run(viz_run, mpi_run):
    """Gathered on rank 0, shared partition-boundary points merged: the serial mesh and fields."""
    serial, mpi = read_snapshot(viz_run), read_snapshot(mpi_run)
    assert len(read_index(mpi_run).entries) == len(read_index(viz_run).entries) == 3
    assert mpi.t == serial.t == 0.5
    assert (mpi.mesh.n_points, mpi.mesh.n_cells) == (serial.mesh.n_points, serial.mesh.n_cells)
    regions = [np.bincount(s.mesh.cell_data["region"]).tolist() for s in (serial, mpi)]
    assert regions[0] == regions[1]
    (p_s, f_s, edge), (p_m, f_m, edge_m) = _by_position(serial), _by_position(mpi)
    assert np.array_equal(p_s, p_m) and np.array_equal(edge, edge_m)
    # solver tolerance between the runs (tests/solver/test_parallel_run: 1e-4 relative)
    for key in ("xi", "phi"):
        assert np.allclose(f_m[key], f_s[key], rtol=1e-4, atol=1e-5), key
    # c, c_anion and the plating rate are interpolated cell by cell into P1: at nodes where
    # the cell value jumps (Donnan step at region boundaries, |grad xi| of the rate) the
    # node takes the value of whichever cell comes first, which depends on the partition
    for key, rtol in (("c", 1e-4), ("c_anion", 1e-4), ("reaction_rate", 2e-3)):
        assert np.allclose(f_m[key][~edge], f_s[key][~edge], rtol=rtol, atol=1e-5), key
    assert np.all(mpi.mesh.compute_cell_sizes(length=False, volume=False)["Area"] > 0)


def test_render_works_on_the_parallel_output(viz_run, mpi_run, tmp_path):
    from zndeposit.cli import main
    from zndeposit.viz import figures, style

    out = tmp_path / "figures"
    args = ["render", str(mpi_run), "-o", str(out), "--no-movie", "--format", "none"]
    assert main(args) == 0
    for stem in ("deposit_t0.5s", "fields_t0.5s", "reaction_rate_t0.5s", "morphology"):
        assert (out / f"{stem}.png").stat().st_size > 10_000, stem
    assert not list(out.glob("*.pdf")), "--format none writes PNG only"
    # the deposit of the 2-rank run looks like the serial one, pixel by pixel
    images, snaps = [], [read_snapshot(viz_run), read_snapshot(mpi_run)]
    window = figures.view_window(snaps[:1], "interface")  # one window: same pixels to compare
    with style.journal_style():
        for snap in snaps:
            fig, _ = figures.field_figure(snap, "xi", view=window, dpi=100)
            images.append(crop(draw(fig, 100), next(a for a in fig.axes if a.images)))
    assert images[0].shape == images[1].shape
    assert np.abs(images[0].astype(int) - images[1]).mean() < 1.0
