"""Run outputs survive crashes; morphology metrics on a DOLFINx mesh (serial and MPI).

Crash tests run the writer in a subprocess that SIGKILLs itself after a few
output times, then read what it left.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from zndeposit.errors import OutputDirError
from zndeposit.io import (
    Column,
    Manifest,
    MetricsWriter,
    RunDirectory,
    Timer,
    read_metrics,
    standard_columns,
)
from zndeposit.metrics.morphology import height_profile

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def run_child(code: str, tmp_path: Path, *args: str, returncode: int = -signal.SIGKILL) -> str:
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(code))
    proc = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == returncode, proc.stderr
    return proc.stdout


# --- metrics CSV --------------------------------------------------------------------------
def test_metrics_round_trip_with_units(tmp_path):
    cols = standard_columns(["electrolyte", "coating0"])
    names = [c.name for c in cols]
    assert names[0] == "t" and "t_plus_coating0" in names and names[-1] == "steps_rejected"
    path = tmp_path / "metrics.csv"
    with MetricsWriter(path, cols) as w:
        w.write(
            {
                "t": 0.1,
                "i": 100.0,
                "charge": 36000.0 / 3,
                "dendrite_height": 1.5e-6,
                "c_min_interface": 1234.5,
                "newton_its": 3,
                "t_plus_coating0": 0.9,
            }
        )
        w.write({"t": 1 / 3, "newton_its": 4.0})
    header = path.read_text().splitlines()[0]
    assert header.startswith("t [s],dt [s],E [V],eta [V],i [mA/cm^2],charge [mAh/cm^2],")
    table = read_metrics(path)
    assert table.units["i"] == "mA/cm^2" and table.units["dendrite_height"] == "um"
    assert table["t"][1] == 1 / 3  # repr precision: exact round trip
    assert table["i"][0] == pytest.approx(10.0)  # 100 A/m^2 = 10 mA/cm^2
    assert table["charge"][0] == pytest.approx(1 / 3)
    assert table["dendrite_height"][0] == pytest.approx(1.5)
    assert table["c_min_interface"][0] == pytest.approx(1.2345)
    assert list(table["newton_its"]) == [3, 4]
    row = path.read_text().splitlines()[2].split(",")
    assert row[names.index("newton_its")] == "4" and row[0] == repr(1 / 3)
    assert np.isnan(table["E"]).all()
    with pytest.raises(KeyError):
        MetricsWriter(tmp_path / "x.csv", cols).write({"nonsense": 1.0})
    with pytest.raises(ValueError):
        Column("a,b", "m")


def test_metrics_rank_nonzero_writes_nothing(tmp_path):
    class Comm:
        rank, size = 1, 2

    w = MetricsWriter(tmp_path / "m.csv", [Column("t", "s")], Comm())
    w.write({"t": 1.0})
    w.close()
    assert not (tmp_path / "m.csv").exists()


def test_metrics_rows_survive_sigkill(tmp_path):
    path = tmp_path / "metrics.csv"
    run_child(
        f"""
        import os, signal
        from zndeposit.io import MetricsWriter, standard_columns
        w = MetricsWriter({str(path)!r}, standard_columns(["gap"]))
        for k in range(4):
            w.write({{"t": 0.5 * k, "newton_its": k}})
        os.kill(os.getpid(), signal.SIGKILL)
        """,
        tmp_path,
    )
    with path.open("a") as fh:  # a row cut in the middle by a crash
        fh.write("2.0,0.1,")
    table = read_metrics(path)
    assert list(table["t"]) == [0.0, 0.5, 1.0, 1.5]
    assert list(table["newton_its"]) == [0, 1, 2, 3]
    # appending after a restart keeps the rows
    with MetricsWriter(tmp_path / "metrics2.csv", standard_columns(["gap"])) as w:
        w.write({"t": 1.0})
    with MetricsWriter(tmp_path / "metrics2.csv", standard_columns(["gap"]), append=True) as w:
        w.write({"t": 2.0})
    assert list(read_metrics(tmp_path / "metrics2.csv")["t"]) == [1.0, 2.0]
    with pytest.raises(ValueError, match="header differs"):
        MetricsWriter(tmp_path / "metrics2.csv", [Column("t", "s")], append=True)


# --- manifest and run directory -----------------------------------------------------------
def test_manifest_status_and_atomic_update(tmp_path, monkeypatch):
    path = tmp_path / "manifest.json"
    timer = Timer()
    m = Manifest(path)
    m.start(case_path=tmp_path / "case.toml", case_hash="abc123", command=["zndeposit", "run"])
    data = Manifest.read(path)
    assert data["status"] == "running" and data["case"]["hash"] == "abc123"
    assert data["versions"]["python"] and data["versions"]["numpy"]
    assert data["mpi_size"] == 1 and data["command"] == ["zndeposit", "run"]
    with timer("assembly"):
        pass
    timer.add("assembly", 1.0)
    m.update(mesh={"cells": 10}, timings_s=timer.totals(), solver={"newton_its": 3})
    m.update(mesh={"vertices": 8})
    data = Manifest.read(path)
    assert data["mesh"] == {"cells": 10, "vertices": 8}
    assert data["timings_s"]["assembly"] >= 1.0 and timer.counts()["assembly"] == 2

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        m.update(solver={"newton_its": 99})
    monkeypatch.undo()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert Manifest.read(path)["solver"]["newton_its"] == 3  # old file intact

    with pytest.raises(RuntimeError), m.guard():
        raise RuntimeError("diverged at t = 1 s")
    data = Manifest.read(path)
    assert data["status"] == "failed" and "diverged" in data["error"] and data["end_time"]

    m2 = Manifest(tmp_path / "m2.json")
    m2.start()
    with pytest.raises(KeyboardInterrupt), m2.guard():
        raise KeyboardInterrupt
    assert Manifest.read(tmp_path / "m2.json")["status"] == "interrupted"
    m3 = Manifest(tmp_path / "m3.json")
    m3.start()
    with m3.guard():
        pass
    assert Manifest.read(tmp_path / "m3.json")["status"] == "finished"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_run_directory_layout(tmp_path):
    run = tmp_path / "run"
    with RunDirectory(run) as rd:
        rd.write_case('title = "x"\n')
        rd.manifest.start(case_hash="h")
        with rd.metrics_writer([Column("t", "s")]) as w:
            w.write({"t": 0.0})
        logging.getLogger("zndeposit").warning("hello from the run")
    assert (run / "case.resolved.toml").read_text() == 'title = "x"\n'
    assert (run / "fields").is_dir()
    assert "hello from the run" in (run / "run.log").read_text()
    assert Manifest.read(run / "manifest.json")["status"] == "running"
    with pytest.raises(OutputDirError, match="already holds a run"):
        RunDirectory(run)
    RunDirectory(run, overwrite=True, log=False)
    assert not (run / "manifest.json").exists() and (run / "fields").is_dir()


# --- morphology on a DOLFINx mesh ----------------------------------------------------------
L, HD, Y0, A, ELL = 40e-6, 20e-6, 10e-6, 2e-6, 0.5e-6  # m


def tanh_case_metrics() -> dict[str, float]:
    """Metrics of xi = (1 - tanh((y - y0 - a sin(2 pi x / L)) / (2 l))) / 2 on an 80 x 40 mesh."""
    from zndeposit.fem import MPI, dolfinx  # dolfinx.fem, dolfinx.mesh come with it
    from zndeposit.metrics import band_minimum, deposit_thickness, focusing_factor, morphology
    from zndeposit.metrics.band import BandMean, BandPeakRatio, BandSample
    from zndeposit.metrics.registry import ELECTROLYTE_BAND, INTERFACE_BAND

    mesh = dolfinx.mesh.create_rectangle(
        MPI.COMM_WORLD, [np.array([0.0, 0.0]), np.array([L, HD])], [80, 40]
    )
    V = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    xi, c, rate = (dolfinx.fem.Function(V) for _ in range(3))
    k = 2 * np.pi / L
    xi.interpolate(lambda x: 0.5 * (1 - np.tanh((x[1] - Y0 - A * np.sin(k * x[0])) / (2 * ELL))))
    c.interpolate(lambda x: 1000.0 * (1.0 + x[1] / HD))
    rate.interpolate(lambda x: 1.0 + 0.5 * np.sin(k * x[0]))
    m = morphology(xi, 0.0, L, nbins=80, initial_height=Y0)
    out = {key: float(v) for key, v in m.scalars().items()}
    out["c_min"] = band_minimum(c, xi)
    out["focus_gradient"] = focusing_factor(rate, xi)
    out["focus_area"] = focusing_factor(rate, xi, weight="area")
    out["thickness"] = deposit_thickness(xi, L)
    out["c_interface_min"] = BandSample(c, xi, ELECTROLYTE_BAND).min()
    out["c_interface_mean"] = BandMean(c, xi, ELECTROLYTE_BAND)()
    out["current_focusing"] = BandPeakRatio(rate, xi, INTERFACE_BAND)()
    return out


@pytest.mark.fem
def test_morphology_tanh_profile(sine_length):
    r = tanh_case_metrics()
    ratio = sine_length(A, L)
    # mesh size 0.5 um = l: P1 interpolation of the tanh moves the contour by < 0.01 um
    assert r["height_max"] == pytest.approx(Y0 + A, abs=0.02e-6)
    assert r["dendrite_height"] == pytest.approx(A, abs=0.02e-6)
    assert r["roughness_rms"] == pytest.approx(A / math.sqrt(2), rel=5e-3)  # found 1.1e-3
    assert r["length_ratio"] == pytest.approx(ratio, rel=5e-4)  # found 5e-5
    # band 0.1 < xi < 0.9 reaches 2 l atanh(0.8) = 1.10 um below the lowest front point (8 um)
    y_band = Y0 - A - 2 * ELL * math.atanh(0.8)
    assert 1000 * (1 + y_band / HD) <= r["c_min"] <= 1000 * (1 + (y_band + 0.5e-6) / HD)
    assert r["focus_gradient"] == pytest.approx(1.5, rel=0.01)
    assert r["focus_area"] == pytest.approx(1.5, rel=0.01)
    assert r["thickness"] == pytest.approx(Y0, rel=1e-3)  # int xi dy = front height
    assert r["tip_rise"] == pytest.approx(A, abs=0.02e-6)  # h0 = Y0 everywhere
    # front advance = lower quartile of h - Y0 = A sin(kx) + (P1 error): the quartile of
    # A sin is -A / sqrt(2), raised because each bin holds the highest point of a 0.5 um bin
    # (there by A k cos(pi / 4) (L / 80) / 2 = 0.056 um); the quartile of the exact sine's
    # bin maxima is -1.328 um
    x = np.linspace(0.0, L, 80001)
    pts = np.column_stack([x, A * np.sin(2 * np.pi / L * x)])
    quartile = np.quantile(height_profile(np.stack([pts[:-1], pts[1:]], 1), 0.0, L, 80)[1], 0.25)
    assert r["front_advance"] == pytest.approx(quartile, abs=0.005e-6)
    # electrolyte side 0.02 < xi < 0.5: the lowest band point is within a cell (0.5 um)
    # above the front's trough (y = 8 um)
    assert 1000 * (1 + (Y0 - A) / HD) <= r["c_interface_min"] <= 1000 * (1 + 8.5e-6 / HD)
    assert r["c_interface_min"] >= r["c_min"]  # the 0.1 < xi < 0.9 band reaches lower
    assert r["current_focusing"] == pytest.approx(1.5, rel=0.01)


def _electrolyte_side_offset() -> float:
    """Mean distance (m) above the xi = 0.5 line of the levels 0.02 < xi < 0.5 of the tanh
    profile xi = (1 - tanh(n / (2 l))) / 2: mean over xi of n = 2 l atanh(1 - 2 xi)."""
    s = np.linspace(0.02, 0.5, 400001)
    return float(np.trapezoid(2 * ELL * np.arctanh(1 - 2 * s), s) / 0.48)


@pytest.mark.fem
def test_interface_band_metrics_flat_front_and_porosity():
    """Flat tanh front at Y0, c linear in y, a porous left half (porosity 0.5) where the
    pore-liquid rate is doubled: the plating current is the same rate everywhere, so the
    current focusing is that of the rate, 1.5, while the old factor mixes the regions."""
    import ufl

    from zndeposit.fem import MPI, dolfinx
    from zndeposit.metrics import focusing_factor
    from zndeposit.metrics.band import BandMean, BandPeakRatio, BandSample
    from zndeposit.metrics.registry import ELECTROLYTE_BAND, INTERFACE_BAND

    mesh = dolfinx.mesh.create_rectangle(
        MPI.COMM_WORLD, [np.array([0.0, 0.0]), np.array([L, HD])], [80, 40]
    )
    V = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    xi, c, pore_rate = (dolfinx.fem.Function(V) for _ in range(3))
    xi.interpolate(lambda x: 0.5 * (1 - np.tanh((x[1] - Y0) / (2 * ELL))))
    c.interpolate(lambda x: 1000.0 * (1.0 + x[1] / HD))
    porosity = dolfinx.fem.Function(dolfinx.fem.functionspace(mesh, ("DG", 0)))
    porosity.interpolate(lambda x: np.where(x[0] < L / 2, 0.5, 1.0))
    x = ufl.SpatialCoordinate(mesh)
    rate = (1.0 + 0.5 * ufl.sin(2 * np.pi * x[0] / L)) / porosity  # per pore area, A/m^2
    pore_rate.interpolate(dolfinx.fem.Expression(rate, V.element.interpolation_points))

    sample = BandSample(c, xi, ELECTROLYTE_BAND)
    lowest, mean, highest = sample.min(), BandMean(c, xi, ELECTROLYTE_BAND)(), sample.max()
    assert lowest < mean < highest  # the mean averages exactly the sampled points
    # points of the band lie above the front, the lowest within a cell (0.5 um) of it
    assert 1000 * (1 + Y0 / HD) < lowest < 1000 * (1 + (Y0 + 0.5e-6) / HD)
    # the highest below the xi = 0.02 level of the tanh, give or take the P1 interpolation of
    # xi (found 0.02 um above it)
    top = Y0 + 2 * ELL * math.atanh(0.96)
    assert 1000 * (1 + (top - 0.5e-6) / HD) < highest < 1000 * (1 + (top + 0.1e-6) / HD)
    # h = l: the discrete band moves the 31 mol/m^3 offset by 1.3 (0.18 at h = l/4)
    assert mean == pytest.approx(1000 * (1 + (Y0 + _electrolyte_side_offset()) / HD), abs=2.0)
    assert BandMean(porosity * rate, xi, INTERFACE_BAND)() == pytest.approx(1.0, rel=1e-12)
    assert BandPeakRatio(porosity * rate, xi, INTERFACE_BAND)() == pytest.approx(1.5, rel=1e-4)
    # the old factor: max 3 (porous half) / arc-length mean 1.5 + 0.5/pi = 1.81
    assert focusing_factor(pore_rate, xi) == pytest.approx(3 / (1.5 + 0.5 / np.pi), rel=0.01)
    no_current = dolfinx.fem.Function(V)
    assert math.isnan(BandPeakRatio(no_current, xi, INTERFACE_BAND)())  # no focusing factor


def _mpiexec() -> str:
    found = Path(sys.executable).with_name("mpiexec")
    exe = str(found) if found.exists() else shutil.which("mpiexec")
    if exe is None:
        pytest.skip("no mpiexec")
    return exe


@pytest.mark.fem
@pytest.mark.mpi
def test_morphology_tanh_profile_mpi(tmp_path):
    mpiexec = _mpiexec()
    code = f"""
    import json, sys
    sys.path.insert(0, {str(HERE)!r})
    from test_outputs import tanh_case_metrics
    from zndeposit.fem import MPI
    r = tanh_case_metrics()
    if MPI.COMM_WORLD.rank == 0:
        print(json.dumps(r))
    """
    script = tmp_path / "mpi_child.py"
    script.write_text(textwrap.dedent(code))
    proc = subprocess.run(
        [mpiexec, "-n", "2", sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    parallel = json.loads(proc.stdout.strip().splitlines()[-1])
    serial = tanh_case_metrics()
    for key, value in serial.items():
        assert parallel[key] == pytest.approx(value, rel=1e-12, abs=1e-18), key


@pytest.mark.fem
@pytest.mark.mpi
def test_run_directory_on_two_ranks(tmp_path):
    run = tmp_path / "run"
    code = f"""
    import numpy as np
    from zndeposit.fem import dolfinx, MPI
    import dolfinx.fem, dolfinx.mesh
    from zndeposit.io import RunDirectory, standard_columns

    comm = MPI.COMM_WORLD
    mesh = dolfinx.mesh.create_unit_square(comm, 8, 8)
    V = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    xi, c = dolfinx.fem.Function(V), dolfinx.fem.Function(V)
    cells = mesh.topology.index_map(2).size_local + mesh.topology.index_map(2).num_ghosts
    tags = dolfinx.mesh.meshtags(mesh, 2, np.arange(cells, dtype=np.int32), np.full(cells, 3, np.int32))
    rd = RunDirectory({str(run)!r}, comm)
    rd.write_case("title = 'mpi'")
    rd.manifest.start(case_hash="h")
    snaps = rd.snapshot_writer({{3: "electrolyte"}})
    with rd.metrics_writer(standard_columns()) as mw:
        for k in range(2):
            c.x.array[:] = k
            snaps.write_fields({{"xi": xi, "c": c}}, tags, float(k), capacity=0.1 * k)
            mw.write({{"t": float(k)}})
    rd.manifest.finish()
    rd.close()
    """
    script = tmp_path / "mpi_run.py"
    script.write_text(textwrap.dedent(code))
    proc = subprocess.run(
        [_mpiexec(), "-n", "2", sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert list(read_metrics(run / "metrics.csv")["t"]) == [0.0, 1.0]  # rank 0 only: no dupes
    data = Manifest.read(run / "manifest.json")
    assert data["mpi_size"] == 2 and data["status"] == "finished"
    assert (
        data["versions"]["dolfinx"]
        and data["versions"]["petsc"]
        and data["versions"]["mpi_library"]
    )
    # the fields: one gathered VTU per output (all 81 points once), the ParaView series, no
    # other field files
    from zndeposit.io.snapshots import read_index, read_snapshot

    assert [e.t for e in read_index(run).entries] == [0.0, 1.0]
    last = read_snapshot(run)
    assert last.mesh.n_points == 81 and np.allclose(last.mesh.point_data["c"], 1e-3)  # mol/L
    pvd = ET.parse(run / "fields" / "snapshots" / "snapshots.pvd").getroot()
    assert [d.get("timestep") for d in pvd.iter("DataSet")] == ["0.0", "1.0"]
    assert sorted(p.name for p in (run / "fields").iterdir()) == ["snapshots"]
