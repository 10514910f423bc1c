"""Checkpoints and ``zndeposit run --restart``: a killed run continues to the same metrics.

The tiny sweep case made longer (2 s of plating, steps of at most 0.05 s, an
output every 0.25 s, a checkpoint every 7 steps as well as at every output):
~48 steps, a few seconds per run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from zndeposit.io.checkpoint import (
    CHECKPOINT_DIR,
    latest_checkpoint,
    read_checkpoint,
    write_checkpoint,
)
from zndeposit.io.metrics_csv import read_metrics

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "sweep" / "tiny_case.toml"
MPIEXEC = Path(sys.executable).with_name("mpiexec")
#: metrics that are round-off quantities (~1e-12): compared absolutely
ROUND_OFF = {"faraday_error": 1e-9, "charge_balance_error": 1e-9}
#: relative agreement demanded of every other metric
RTOL = 1e-6


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("restart") / "case.toml"
    text = TINY.read_text()
    text = text.replace('duration = "0.5 s"', 'duration = "2 s"')
    text = text.replace('dt_max = "0.25 s"', 'dt_max = "0.05 s"')
    path.write_text(text + "checkpoint_steps = 7\n")
    return path


def _cmd(*args: str, ranks: int = 1) -> list[str]:
    run = [sys.executable, "-m", "zndeposit", "run", *args, "--no-progress"]
    return run if ranks == 1 else [str(MPIEXEC), "-n", str(ranks), *run]


def _run(*args: str, ranks: int = 1) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _cmd(*args, ranks=ranks), capture_output=True, text=True, timeout=300, check=False
    )


def _killed_run(case: Path, out: Path, cache: Path, *, ranks: int, after: int, sig: int) -> None:
    """Start a run and send ``sig`` to its process group once checkpoint ``after`` exists."""
    proc = subprocess.Popen(
        _cmd(str(case), "-o", str(out), "--cache", str(cache), ranks=ranks),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    target = out / CHECKPOINT_DIR / f"ckpt_{after:06d}" / "meta.json"
    deadline = time.monotonic() + 180
    while not target.exists():
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.02)
    pid = json.loads((out / "manifest.json").read_text())["heartbeat"]["pid"]
    os.killpg(proc.pid, sig)
    proc.wait(timeout=120)
    while time.monotonic() < deadline:  # the MPI ranks are not our children: wait for them
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z"):
                break
        except OSError:
            break
        time.sleep(0.05)


def _compare(reference: Path, restarted: Path, loose: dict[str, float] | None = None) -> float:
    """Largest relative difference of the metrics (round-off columns absolutely).

    ``loose``: column -> relative tolerance replacing RTOL (not counted in the result).
    """
    a, b = read_metrics(reference / "metrics.csv"), read_metrics(restarted / "metrics.csv")
    assert len(a["t"]) == len(b["t"]) and np.array_equal(a["t"], b["t"])
    worst = 0.0
    for key in a:
        x, y = np.asarray(a[key], float), np.asarray(b[key], float)
        assert np.array_equal(np.isnan(x), np.isnan(y)), key
        ok = ~np.isnan(x)
        if key in ROUND_OFF:
            assert np.all(np.abs(x[ok] - y[ok]) < ROUND_OFF[key]), key
            continue
        rel = np.abs(x[ok] - y[ok]) / np.maximum(np.abs(x[ok]), 1e-300)
        rel[x[ok] == y[ok]] = 0.0
        if loose and key in loose:
            assert rel.max(initial=0.0) < loose[key], f"{key}: {rel.max():.3g}"
            continue
        worst = max(worst, float(rel.max(initial=0.0)))
        assert rel.max(initial=0.0) < RTOL, f"{key}: {rel.max():.3g}"
    return worst


@pytest.fixture(scope="module")
def reference(case, tmp_path_factory) -> Path:
    """The uninterrupted serial run."""
    d = tmp_path_factory.mktemp("reference")
    r = _run(str(case), "-o", str(d / "run"), "--cache", str(d / "cache"))
    assert r.returncode == 0, r.stderr
    return d / "run"


@pytest.mark.fem
@pytest.mark.parametrize(("sig", "after"), [(signal.SIGKILL, 4), (signal.SIGKILL, 9),
                                            (signal.SIGTERM, 5)])  # fmt: skip
def test_restart_after_a_kill_ends_with_the_same_metrics(case, reference, tmp_path, sig, after):
    out = tmp_path / "run"
    _killed_run(case, out, tmp_path / "cache", ranks=1, after=after, sig=sig)
    status = json.loads((out / "manifest.json").read_text())["status"]
    assert status == ("running" if sig == signal.SIGKILL else "interrupted")
    rows_before = len(read_metrics(out / "metrics.csv")["t"])
    assert rows_before < len(read_metrics(reference / "metrics.csv")["t"])
    edited = sig == signal.SIGTERM  # an edited title: a warning, the same physics
    if edited:
        resolved = out / "case.resolved.toml"
        resolved.write_text(resolved.read_text().replace("tiny sweep base", "tiny, edited"))
    r = _run("--restart", str(out))
    assert r.returncode == 0, r.stderr
    assert ("changed since" in (out / "run.log").read_text()) == edited
    worst = _compare(reference, out)
    print(f"\nrestart after {signal.Signals(sig).name} at checkpoint {after}: worst {worst:.3g}")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "finished" and len(manifest["restarts"]) == 1
    # outputs continue in the same folder: snapshots indexed once per output time
    index = json.loads((out / "fields" / "snapshots" / "index.json").read_text())
    times = [e["t"] for e in index["snapshots"]]
    assert times == sorted(times) and len(times) == len(read_metrics(out / "metrics.csv")["t"])
    _one_series(out, times)


def _one_series(run: Path, times: list[float]) -> None:
    """The fields are one ParaView series: the PVD names every indexed VTU, nothing else."""
    folder = run / "fields" / "snapshots"
    pvd = ET.parse(folder / "snapshots.pvd").getroot()
    assert [float(d.get("timestep")) for d in pvd.iter("DataSet")] == times
    vtus = sorted(p.name for p in folder.glob("*.vtu"))
    assert vtus == sorted(d.get("file") for d in pvd.iter("DataSet"))
    assert sorted(p.name for p in (run / "fields").iterdir()) == ["snapshots"]


@pytest.mark.fem
@pytest.mark.mpi
@pytest.mark.skipif(not MPIEXEC.exists(), reason="no mpiexec in the venv")
def test_restart_on_two_ranks_after_sigkill(case, reference, tmp_path):
    """Killed on 2 ranks, continued on 2 ranks (and a copy on 1 rank): the same metrics."""
    full = tmp_path / "full2"
    r = _run(str(case), "-o", str(full), "--cache", str(tmp_path / "cache"), ranks=2)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "run"
    _killed_run(case, out, tmp_path / "cache", ranks=2, after=6, sig=signal.SIGKILL)
    serial = tmp_path / "serial"
    shutil.copytree(out, serial)
    r = _run("--restart", str(out), ranks=2)
    assert r.returncode == 0, r.stderr
    worst2 = _compare(full, out)
    r = _run("--restart", str(serial))  # a 2-rank checkpoint continued on 1 rank
    assert r.returncode == 0, r.stderr
    # focusing_factor itself differs by 5e-5 between uninterrupted 1- and 2-rank runs
    worst1 = _compare(reference, serial, loose={"focusing_factor": 1e-3})
    print(f"\n2 ranks: worst {worst2:.3g}; 2 -> 1 rank vs serial: worst {worst1:.3g}")


@pytest.mark.fem
def test_restart_refusals_say_why(case, reference, tmp_path):
    # finished
    r = _run("--restart", str(reference))
    assert r.returncode == 1 and "completed (status finished)" in r.stderr
    assert "Traceback" not in r.stderr
    # not a run
    r = _run("--restart", str(tmp_path / "nothing"))
    assert r.returncode == 1 and "nothing to restart" in r.stderr
    # no checkpoint: a killed run whose checkpoints are gone
    out = tmp_path / "run"
    _killed_run(case, out, tmp_path / "cache", ranks=1, after=3, sig=signal.SIGKILL)
    shutil.rmtree(out / CHECKPOINT_DIR)
    r = _run("--restart", str(out))
    assert r.returncode == 1 and "holds no complete checkpoint" in r.stderr, r.stderr
    # alive: the heartbeat names a live process
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        m = json.loads((out / "manifest.json").read_text())
        m["status"] = "running"
        m["heartbeat"]["pid"] = sleeper.pid
        m["heartbeat"]["unix_time"] = time.time()
        (out / "manifest.json").write_text(json.dumps(m))
        r = _run("--restart", str(out))
        assert r.returncode == 1 and "still running" in r.stderr, r.stderr
    finally:
        sleeper.kill()
        sleeper.wait()
    # a case file or --overwrite with --restart
    r = _run(str(case), "--restart", str(out))
    assert r.returncode != 0 and "drop a case file" in r.stderr


def test_half_written_and_corrupt_checkpoints_are_ignored(tmp_path):
    mesh = tmp_path / "mesh.msh"
    mesh.write_text("$MeshFormat\n4.1 0 8\n$EndMeshFormat\n")
    arrays = {"node": np.arange(5, dtype=np.int64), "xi": np.linspace(0, 1, 5)}
    paths = [write_checkpoint(tmp_path, arrays, {"t": float(i)}, mesh) for i in range(4)]
    root = tmp_path / CHECKPOINT_DIR
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == [p.name for p in paths[-2:]]
    assert latest_checkpoint(tmp_path).meta["t"] == 3.0
    # a writer killed before the rename leaves a hidden temporary folder
    tmp = root / ".tmp_ckpt_000005_999"
    tmp.mkdir()
    (tmp / "state.npz").write_bytes(b"half")
    assert latest_checkpoint(tmp_path).meta["t"] == 3.0
    # a damaged newest checkpoint: the one before is used
    (paths[-1] / "state.npz").write_bytes(b"damaged")
    assert read_checkpoint(paths[-1]) is None
    ckpt = latest_checkpoint(tmp_path)
    assert ckpt.meta["t"] == 2.0 and np.array_equal(ckpt.arrays()["xi"], arrays["xi"])
    assert ckpt.mesh_path.read_text() == mesh.read_text()
    # the next writer removes the temporary folder and numbers on
    new = write_checkpoint(tmp_path, arrays, {"t": 4.0}, mesh)
    assert not tmp.exists() and new.name == "ckpt_000005"
    assert latest_checkpoint(tmp_path).meta["t"] == 4.0


@pytest.mark.fem
def test_every_checkpoint_holds_every_output_up_to_its_time(case, tmp_path, monkeypatch):
    """A step checkpoint that falls on an output time waits for that output (else its row
    would never be written after a restart)."""
    import zndeposit.solver.checkpointing as checkpointing
    from zndeposit.case.load import load_case
    from zndeposit.solver.driver import output_times, run_case

    seen: list[dict] = []
    original = checkpointing.write_checkpoint

    def recording(run_dir, arrays, meta, mesh_file, keep=2):
        seen.append(meta)
        return original(run_dir, arrays, meta, mesh_file, keep)

    monkeypatch.setattr(checkpointing, "write_checkpoint", recording)
    loaded = load_case(case)
    run_case(loaded, tmp_path / "run", cache_dir=tmp_path / "cache", progress=False)
    times = [0.0, *output_times(loaded, 2.0)]
    steps = [m["stepper"]["stats"]["accepted"] for m in seen]
    assert len(seen) >= 12 and any(n % 7 == 0 for n in steps)
    for m in seen:
        due = [t for t in times if t <= m["t"] * (1 + 1e-12)]
        assert m["outputs"]["times"] == pytest.approx(due), m["t"]


def test_overwrite_deletes_checkpoints_also_half_written_ones(tmp_path):
    from zndeposit.io.ownership import prepare_run_folder, write_marker

    mesh = tmp_path / "mesh.msh"
    mesh.write_text("mesh")
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text(json.dumps({"status": "interrupted"}))
    write_checkpoint(run, {"node": np.arange(3), "xi": np.zeros(3)}, {"t": 1.0}, mesh)
    write_marker(run)
    tmp = run / CHECKPOINT_DIR / ".tmp_ckpt_000002_77"  # killed while writing, unlisted
    tmp.mkdir()
    (tmp / "state.npz").write_bytes(b"half")
    assert prepare_run_folder(run, overwrite=True) == []
    assert not (run / CHECKPOINT_DIR).exists()


class _Serial:
    rank, size = 0, 1

    def bcast(self, value, root=0):
        return value


def test_checkpoint_triggers(monkeypatch, tmp_path):
    import zndeposit.solver.checkpointing as checkpointing
    from zndeposit.case.schema import Output

    clock = [100.0]
    monkeypatch.setattr(checkpointing.time, "monotonic", lambda: clock[0])
    out = Output(checkpoint_interval="1 min", checkpoint_steps=5)
    c = checkpointing.Checkpointer(tmp_path, _Serial(), out, tmp_path / "m.msh", "hash")
    assert c.enabled and c.interval == 60.0 and c.at_outputs
    assert not c.due_after_step(1) and c.due_after_step(5) and not c.due_after_step(6)
    clock[0] += 61.0
    assert c.due_after_step(7)
    off = Output(checkpoint_interval="none", checkpoint_at_outputs=False)
    c = checkpointing.Checkpointer(tmp_path, _Serial(), off, tmp_path / "m.msh", "hash")
    clock[0] += 1e6
    assert not c.enabled and not c.due_after_step(5)


@pytest.mark.fem
def test_model_replaced_mid_run_continues_in_one_series(case, reference, tmp_path):
    """What the adaptive remesher does: an after_step hook puts the state on a new model."""
    from zndeposit.case.load import load_case
    from zndeposit.fem import MPI
    from zndeposit.geometry.mesh import load_mesh
    from zndeposit.solver.driver import run_case
    from zndeposit.solver.model import DepositionModel

    swaps = []

    def setup(sim):
        def swap(stepper):
            if stepper.stats.accepted in (10, 30):
                old = stepper.model
                new = DepositionModel(load_mesh(old.mesh_file, MPI.COMM_WORLD), old.settings)
                new.mesh_file = old.mesh_file
                new.set_state(old.get_state())
                stepper.replace_model(new)
                swaps.append(stepper.t)

        sim.stepper.after_step.append(swap)

    out = tmp_path / "run"
    run_case(load_case(case), out, cache_dir=tmp_path / "cache", progress=False, setup=setup)
    assert len(swaps) == 2
    index = json.loads((out / "fields" / "snapshots" / "index.json").read_text())
    _one_series(out, [e["t"] for e in index["snapshots"]])
    worst = _compare(reference, out)
    print(f"\nmodel replaced twice mid-run: worst {worst:.3g}")
    assert latest_checkpoint(out).mesh_path.is_file()
