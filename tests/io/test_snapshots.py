"""VTU field snapshots: round trip, crash safety, and identical content from 1 and 2 MPI ranks."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from zndeposit.io.snapshots import (
    FIELD_UNITS,
    INDEX_FILE,
    MeshArrays,
    SnapshotWriter,
    read_index,
    read_snapshot,
)

ROOT = Path(__file__).resolve().parents[2]


def square(value: float) -> MeshArrays:
    """Unit square (um) of two triangles, fields that depend on ``value``."""
    pts = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], dtype=float)
    return MeshArrays(
        points=pts,
        cells=np.array([[0, 1, 2], [0, 2, 3]]),
        region=np.array([1, 4]),
        point_data={"xi": np.array([1.0, 1.0, 0.0, 0.0]) * value, "c": pts[:, 1] + value},
        cell_data={"current": np.array([[0.0, -value, 0.0], [0.0, -2 * value, 0.0]])},
    )


def test_round_trip_index_pvd_and_nearest_time(tmp_path):
    folder = tmp_path / "run" / "fields" / "snapshots"
    w = SnapshotWriter(folder, regions={1: "anode", 4: "bulk"})
    for k, t in enumerate([0.0, 0.5, 1.0]):
        w.write(square(1.0 + k), t, capacity=0.01 * k, potential=-0.1 - 0.01 * k)
    idx = read_index(tmp_path / "run")
    assert [e.t for e in idx.entries] == [0.0, 0.5, 1.0]
    assert [e.capacity for e in idx.entries] == pytest.approx([0.0, 0.01, 0.02])
    assert idx.regions == {1: "anode", 4: "bulk"}
    assert idx.units["c"] == FIELD_UNITS["c"][0] == "mol/L" and idx.units["length"] == "um"
    snap = read_snapshot(tmp_path / "run", time=0.6)  # nearest output: t = 0.5
    assert snap.t == 0.5 and snap.index == 1 and snap.potential == pytest.approx(-0.11)
    assert np.allclose(snap.mesh.point_data["c"], [2.0, 2.0, 3.0, 3.0])
    assert np.allclose(snap.mesh.cell_data["current"][:, 1], [-2.0, -4.0])
    assert list(snap.mesh.cell_data["region"]) == [1, 4]
    assert read_snapshot(tmp_path / "run").t == 1.0  # default: last output
    assert read_snapshot(folder, index=0).t == 0.0  # the folder itself is accepted too
    pvd = ET.parse(folder / "snapshots.pvd").getroot()
    files = [d.get("file") for d in pvd.iter("DataSet")]
    assert files == [e.path.name for e in idx.entries]
    assert not list(folder.glob(".*tmp*"))  # no temporary file left behind


def test_missing_snapshots_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"output\.snapshots = true"):
        read_index(tmp_path)
    (tmp_path / "fields" / "snapshots").mkdir(parents=True)
    (tmp_path / "fields" / "snapshots" / INDEX_FILE).write_text(json.dumps({"format": "x"}))
    with pytest.raises(ValueError, match="not a zndeposit snapshot index"):
        read_index(tmp_path)


def test_sigkill_leaves_every_indexed_snapshot_readable(tmp_path):
    """A writer killed right after its third snapshot: three complete, readable snapshots."""
    code = f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_snapshots import square
        from zndeposit.io.snapshots import SnapshotWriter
        w = SnapshotWriter(sys.argv[1])
        for k in range(10):
            w.write(square(1.0 + k), 0.1 * k, capacity=0.001 * k)
            if k == 2:
                os.kill(os.getpid(), signal.SIGKILL)
    """
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(code))
    folder = tmp_path / "snaps"
    proc = subprocess.run([sys.executable, str(script), str(folder)], cwd=ROOT, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    idx = read_index(folder)
    assert len(idx.entries) == 3
    for e in idx.entries:
        snap = read_snapshot(folder, index=e.index)
        assert snap.mesh.n_points == 4 and np.allclose(snap.mesh.point_data["xi"][0], 1 + e.index)


def test_snapshots_are_on_by_default():
    from zndeposit.case.schema import Output

    assert Output().snapshots is True


KILL_AT_CALL = """
    import os, signal, sys
    sys.path.insert(0, {here!r})
    from test_snapshots import square
    from zndeposit.io.snapshots import SnapshotWriter

    folder, kill_at = sys.argv[1], int(sys.argv[2])
    calls = [0]

    def killing(real):
        def call(*args, **kwargs):
            calls[0] += 1
            if calls[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        return call

    w = SnapshotWriter(folder)
    w.write(square(1.0), 0.0, capacity=0.0)  # one complete snapshot before the kill
    os.replace, os.fsync = killing(os.replace), killing(os.fsync)
    for k in range(1, 3):
        w.write(square(1.0 + k), 0.1 * k, capacity=0.001 * k)
    print("not killed", calls[0])
"""


def _series_is_valid(folder: Path) -> tuple[int, int]:
    """The index and the PVD parse, and every snapshot they name is complete; their lengths."""
    idx = read_index(folder)
    for e in idx.entries:
        snap = read_snapshot(folder, index=e.index)
        assert snap.mesh.n_points == 4 and np.allclose(snap.mesh.point_data["xi"][0], 1 + e.index)
    pvd = ET.parse(folder / "snapshots.pvd").getroot()
    files = [d.get("file") for d in pvd.iter("DataSet")]
    for name in files:
        import pyvista as pv

        assert pv.read(str(folder / name)).n_points == 4
    assert files[: len(idx.entries)] == [e.path.name for e in idx.entries]
    return len(idx.entries), len(files)


def test_sigkill_at_any_moment_leaves_a_valid_series(tmp_path):
    """SIGKILL before every fsync and rename of two snapshot writes (VTU, PVD, index.json).

    Each file is the old or the new one; the PVD may name one snapshot more than the index,
    never one that is incomplete. A restart (``resume``) cuts both back and removes the rest.
    """
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(KILL_AT_CALL.format(here=str(Path(__file__).parent))))
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "probe"), "0"],
        cwd=ROOT, timeout=120, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.startswith("not killed"), proc.stderr
    calls = int(proc.stdout.split()[-1])
    assert calls >= 2 * 6  # per snapshot: fsync + rename of the VTU, the PVD and the index
    seen = set()
    for kill_at in range(1, calls + 1):
        folder = tmp_path / f"k{kill_at}"
        proc = subprocess.run(
            [sys.executable, str(script), str(folder), str(kill_at)], cwd=ROOT, timeout=120
        )
        assert proc.returncode == -signal.SIGKILL
        n_index, n_pvd = _series_is_valid(folder)
        assert 1 <= n_index <= n_pvd <= min(n_index + 1, 3)
        seen.add((n_index, n_pvd))
        w = SnapshotWriter(folder)
        w.resume(n_index)
        assert _series_is_valid(folder) == (n_index, n_index)
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            ["index.json", "snapshots.pvd", *(f"snapshot_{k:04d}.vtu" for k in range(n_index))]
        )
    assert {(1, 1), (1, 2), (2, 2), (2, 3)} <= seen  # the kill fell between every pair of files


def test_old_output_keys_load_with_a_warning(tmp_path):
    """output.formats / output.fields: ignored, one warning each naming the key and what to do."""
    from zndeposit.case.load import load_case

    text = (ROOT / "cases" / "quickstart_nucleus.toml").read_text()
    old = tmp_path / "old.toml"
    old.write_text(text.replace("[output]", '[output]\nformats = ["vtx", "xdmf"]\nfields = ["xi"]'))
    loaded = load_case(old)
    found = {w.key: w for w in loaded.warnings if w.key.startswith("output.")}
    assert set(found) == {"output.formats", "output.fields"}
    assert all(w.severity == "warning" and w.file == str(old) for w in found.values())
    assert "snapshots.pvd" in found["output.formats"].message
    assert "Remove the key" in found["output.fields"].message
    assert "formats" not in loaded.data["output"]  # not carried into the resolved case
    assert loaded.case == load_case(ROOT / "cases" / "quickstart_nucleus.toml").case
    unchecked = load_case(old, check=False).warnings  # warned also without the checks
    assert {w.key for w in unchecked} == {"output.formats", "output.fields"}
