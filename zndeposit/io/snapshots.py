"""The field output of a run: one VTU per output time plus an index, readable after a crash.

This is the only field format zndeposit writes (VTK XML, which ParaView, VisIt,
PyVista/meshio and the renderer read without ADIOS2 or HDF5)::

    fields/snapshots/
      snapshot_0000.vtu ...   one unstructured grid per output time (VTK XML, zlib)
      snapshots.pvd           the series as a ParaView collection: open this one
      index.json              time, capacity, potential and file of every snapshot

Each VTU is self-contained: it holds the whole mesh of its time (coordinates in
um), so a run whose mesh changes (``[mesh] adapt = true``) or that was
restarted is still one series in the ``.pvd``. The P1 fields ``xi, c,
c_anion, phi, reaction_rate`` are point data, the DG0 ionic current vector
``current`` and the integer ``region`` tag (see :mod:`zndeposit.geometry.tags`)
cell data. Values are in lab units (:data:`FIELD_UNITS`). Under MPI every rank
sends its *owned* dofs and cells to rank 0, placed by their global indices, so
shared interface points appear once and a run on 2 ranks gives the same
snapshot as a serial one (up to point numbering).

Crash safety: each VTU, the ``.pvd`` and ``index.json`` are written to a
temporary file, fsynced and moved into place with ``os.replace``, in that
order, so a kill at any moment leaves the old or the new version of each file,
and every snapshot the ``.pvd`` or the index names is complete (the ``.pvd``
may list one snapshot more than the index). A restart
(:meth:`SnapshotWriter.resume`) cuts both back to the checkpoint's outputs.
"""

from __future__ import annotations

import contextlib
import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from zndeposit.io.closing import Closing
from zndeposit.io.manifest import atomic_write_text
from zndeposit.units import unit_factor

if TYPE_CHECKING:
    import pyvista as pv
    from dolfinx.fem import Function
    from dolfinx.mesh import MeshTags

__all__ = [
    "FIELD_UNITS",
    "INDEX_FILE",
    "SNAPSHOT_DIR",
    "MeshArrays",
    "Snapshot",
    "SnapshotEntry",
    "SnapshotWriter",
    "atomic_path",
    "gather_fields",
    "read_index",
    "read_snapshot",
]

SNAPSHOT_DIR = "snapshots"
INDEX_FILE = "index.json"
PVD_FILE = "snapshots.pvd"
FORMAT = "zndeposit-snapshots"
VERSION = 1
#: coordinates are stored in um (factor from m)
LENGTH_UNIT = "um"
LENGTH_SCALE = unit_factor("m", LENGTH_UNIT)
#: field -> (its SI unit in the solver, its unit in the VTU)
_FIELD_SI_AND_OUTPUT = {
    "xi": ("-", "-"),
    "c": ("mol/m^3", "mol/L"),
    "c_anion": ("mol/m^3", "mol/L"),
    "phi": ("V", "V"),
    "reaction_rate": ("A/m^2", "mA/cm^2"),
    "current": ("A/m^2", "mA/cm^2"),
    # side chemistry
    "pH": ("-", "-"),
    "c_hydroxide": ("mol/m^3", "mol/L"),
    "c_zn_hydroxide": ("mol/m^3", "mol/L"),
    "zhs": ("-", "-"),
    "her_rate": ("A/m^2", "mA/cm^2"),
}
#: field -> (unit in the VTU, factor from the SI value of the solver)
FIELD_UNITS: dict[str, tuple[str, float]] = {
    name: (out, unit_factor(si, out)) for name, (si, out) in _FIELD_SI_AND_OUTPUT.items()
}
REGION_ARRAY = "region"


@dataclass
class MeshArrays:
    """A triangle mesh with fields, as plain arrays (lab units).

    Attributes:
        points: (n, 3) coordinates, um.
        cells: (m, 3) point indices of the triangles.
        region: (m,) integer region tag per cell.
        point_data: name -> (n,) or (n, k) values.
        cell_data: name -> (m,) or (m, k) values.
    """

    points: np.ndarray
    cells: np.ndarray
    region: np.ndarray
    point_data: dict[str, np.ndarray] = field(default_factory=dict)
    cell_data: dict[str, np.ndarray] = field(default_factory=dict)

    def to_pyvista(self) -> pv.UnstructuredGrid:
        """The mesh as a :class:`pyvista.UnstructuredGrid` (``region`` as cell data)."""
        import pyvista as pv

        m = len(self.cells)
        conn = np.hstack([np.full((m, 1), 3, dtype=np.int64), self.cells.astype(np.int64)])
        grid = pv.UnstructuredGrid(
            conn.ravel(), np.full(m, pv.CellType.TRIANGLE, dtype=np.uint8), self.points
        )
        grid.cell_data[REGION_ARRAY] = self.region.astype(np.int32)
        for name, values in self.point_data.items():
            grid.point_data[name] = values
        for name, values in self.cell_data.items():
            grid.cell_data[name] = values
        return grid


# --- gathering on rank 0 ----------------------------------------------------------------------
def _is_point_field(f: Function) -> bool:
    e = f.function_space.ufl_element()
    return int(e.degree) == 1 and not bool(e.discontinuous)


def _pad3(vectors: np.ndarray) -> np.ndarray:
    """(m, 2) -> (m, 3) with a zero z component (what VTK expects of a vector)."""
    if vectors.ndim == 2 and vectors.shape[1] == 2:
        return np.hstack([vectors, np.zeros((len(vectors), 1))])
    return vectors


def gather_fields(
    fields: Mapping[str, Function], cell_tags: MeshTags, comm: Any
) -> MeshArrays | None:
    """Collect P1 and DG0 fields of all ranks on rank 0 (collective).

    Args:
        fields: name -> Function, P1 scalars (point data) or DG0 scalars/vectors
            (cell data), all on one mesh with coordinates in m, values in SI.
            Names found in :data:`FIELD_UNITS` are converted to its units.
        cell_tags: region tag of every cell.
        comm: the mesh communicator (None: serial).

    Returns:
        The merged mesh and fields on rank 0, None on the other ranks.
    """
    p1 = [f for f in fields.values() if _is_point_field(f)]
    if not p1:
        raise ValueError("gather_fields needs at least one P1 field (for the mesh)")
    space = p1[0].function_space
    mesh = space.mesh
    imap = space.dofmap.index_map
    cmap = mesh.topology.index_map(mesh.topology.dim)
    n_own, n_cells = imap.size_local, cmap.size_local
    p_range, c_range = tuple(imap.local_range), tuple(cmap.local_range)
    local_dofs = space.dofmap.list[:n_cells]
    cells = imap.local_to_global(local_dofs.ravel()).reshape(local_dofs.shape)
    region = np.zeros(cmap.size_local + cmap.num_ghosts, dtype=np.int32)
    region[cell_tags.indices] = cell_tags.values
    part: dict[str, Any] = {
        "p": p_range,
        "c": c_range,
        "points": space.tabulate_dof_coordinates()[:n_own] * LENGTH_SCALE,
        "cells": cells,
        "region": region[:n_cells],
        "point": {},
        "cell": {},
    }
    for name, f in fields.items():
        scale = FIELD_UNITS.get(name, ("", 1.0))[1]
        if _is_point_field(f):
            if f.function_space.dofmap.index_map.size_local != n_own:
                raise ValueError(f"field {name!r} is not on the P1 space of the mesh")
            part["point"][name] = f.x.array[:n_own] * scale
        else:
            bs = f.function_space.dofmap.index_map_bs
            blocks = f.function_space.dofmap.list[:n_cells, 0]
            values = f.x.array.reshape(-1, bs)[blocks] * scale
            part["cell"][name] = _pad3(values) if bs > 1 else values[:, 0]
    parallel = comm is not None and comm.size > 1
    parts = comm.gather(part, root=0) if parallel else [part]
    if parallel and comm.rank != 0:
        return None
    sizes = {"p": imap.size_global, "c": cmap.size_global}

    def place(rng: str, get: Any) -> np.ndarray:
        """Concatenate the rank parts at their global offsets."""
        first = np.asarray(get(part))
        out = np.empty((sizes[rng], *first.shape[1:]), dtype=first.dtype)
        for pt in parts:
            lo, hi = pt[rng]
            out[lo:hi] = get(pt)
        return out

    arrays = MeshArrays(
        points=place("p", lambda pt: pt["points"]),
        cells=place("c", lambda pt: pt["cells"]),
        region=place("c", lambda pt: pt["region"]),
    )
    for name in part["point"]:
        arrays.point_data[name] = place("p", lambda pt, n=name: pt["point"][n])
    for name in part["cell"]:
        arrays.cell_data[name] = place("c", lambda pt, n=name: pt["cell"][n])
    return arrays


# --- writing (rank 0) ---------------------------------------------------------------------------
@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, fsync: bool = False) -> Iterator[Path]:
    """A temporary name next to ``path`` to write to; moved onto ``path`` when the block ends.

    The temporary keeps the suffix of ``path`` (writers that choose the format by
    the extension still work) and is removed if the block raises, so ``path`` is
    either the old file or the complete new one.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
        if fsync:
            with tmp.open("rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _atomic_save(grid: pv.UnstructuredGrid, path: Path) -> None:
    with atomic_path(path, fsync=True) as tmp:
        grid.save(str(tmp), binary=True, compression="zlib")


def _pvd_text(entries: list[dict[str, Any]]) -> str:
    root = ET.Element("VTKFile", type="Collection", version="0.1", byte_order="LittleEndian")
    coll = ET.SubElement(root, "Collection")
    for e in entries:
        ET.SubElement(coll, "DataSet", timestep=repr(e["t"]), part="0", file=e["file"])
    ET.indent(root)
    return '<?xml version="1.0"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


class SnapshotWriter(Closing):
    """Write one VTU per output time into ``directory`` and keep the index current.

    Args:
        directory: ``RUN_DIR/fields/snapshots`` (created by rank 0).
        comm: MPI communicator (anything with ``rank``, ``size``, ``gather``), or None.
        regions: region tag -> name, stored in the index.
        float32: store field values as float32 (half the size; 7 significant digits).

    Every rank must call :meth:`write` (it gathers); only rank 0 writes files.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        comm: Any = None,
        *,
        regions: Mapping[int, str] | None = None,
        float32: bool = True,
    ):
        self.directory = Path(directory)
        self.comm = comm
        self.rank = 0 if comm is None else int(comm.rank)
        self.float32 = float32
        self.entries: list[dict[str, Any]] = []
        self.regions = {int(k): str(v) for k, v in (regions or {}).items()}
        if self.rank == 0:
            self.directory.mkdir(parents=True, exist_ok=True)

    def resume(self, count: int) -> None:
        """Continue after the first ``count`` snapshots of the index (a restart; rank 0).

        Later entries are dropped from the index and the PVD at once, then their
        VTU files (and temporary files of a killed write) are deleted; the next
        writes continue the numbering.
        """
        if self.rank != 0:
            return
        data: dict[str, Any] | None = None
        try:
            data = json.loads((self.directory / INDEX_FILE).read_text(encoding="utf-8"))
            entries = list(data.get("snapshots", []))[:count]
        except (OSError, ValueError, AttributeError):
            entries = []
        self.entries = entries
        if isinstance(data, dict):
            data["snapshots"] = entries
            atomic_write_text(self.directory / PVD_FILE, _pvd_text(entries))
            atomic_write_text(self.directory / INDEX_FILE, json.dumps(data, indent=1) + "\n")
            kept = {e["file"] for e in entries}
            for path in self.directory.glob("snapshot_*.vtu"):
                if path.name not in kept:
                    path.unlink(missing_ok=True)
            for path in self.directory.glob(".*.tmp*"):
                path.unlink(missing_ok=True)

    def write_fields(
        self,
        fields: Mapping[str, Function],
        cell_tags: MeshTags,
        t: float,
        *,
        capacity: float,
        potential: float | None = None,
    ) -> None:
        """Gather DOLFINx fields (collective) and write them as the next snapshot."""
        arrays = gather_fields(fields, cell_tags, self.comm)
        if arrays is not None:
            self.write(arrays, t, capacity=capacity, potential=potential)

    def write(
        self, arrays: MeshArrays, t: float, *, capacity: float, potential: float | None = None
    ) -> Path | None:
        """Write ``arrays`` as snapshot number ``len(entries)`` (rank 0 only; no gathering).

        Args:
            arrays: mesh and fields in lab units.
            t: simulated time, s.
            capacity: passed charge, mAh/cm^2.
            potential: electrode potential E, V (for the stamp), if known.

        Returns:
            The VTU path on rank 0, None elsewhere.
        """
        if self.rank != 0:
            return None
        if self.float32:
            arrays = MeshArrays(
                arrays.points,
                arrays.cells,
                arrays.region,
                {k: v.astype(np.float32) for k, v in arrays.point_data.items()},
                {k: v.astype(np.float32) for k, v in arrays.cell_data.items()},
            )
        k = len(self.entries)
        name = f"snapshot_{k:04d}.vtu"
        grid = arrays.to_pyvista()
        grid.field_data["time_s"] = np.array([float(t)])
        grid.field_data["capacity_mAh_cm2"] = np.array([float(capacity)])
        _atomic_save(grid, self.directory / name)
        entry: dict[str, Any] = {"index": k, "t": float(t), "capacity": float(capacity)}
        if potential is not None:
            entry["E"] = float(potential)
        entry["file"] = name
        self.entries.append(entry)
        units = {
            n: FIELD_UNITS.get(n, ("?", 1.0))[0] for n in [*arrays.point_data, *arrays.cell_data]
        }
        index = {
            "format": FORMAT,
            "version": VERSION,
            "units": {"length": LENGTH_UNIT, "t": "s", "capacity": "mAh/cm^2", "E": "V", **units},
            "point_fields": sorted(arrays.point_data),
            "cell_fields": sorted([*arrays.cell_data, REGION_ARRAY]),
            "regions": {str(k): v for k, v in sorted(self.regions.items())},
            "snapshots": self.entries,
        }
        atomic_write_text(self.directory / PVD_FILE, _pvd_text(self.entries))
        atomic_write_text(self.directory / INDEX_FILE, json.dumps(index, indent=1) + "\n")
        return self.directory / name

    def close(self) -> None:
        """Nothing stays open between writes (kept for ``with``)."""


# --- reading -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SnapshotEntry:
    """One indexed snapshot: output number, time (s), capacity (mAh/cm^2), E (V), VTU path."""

    index: int
    t: float
    capacity: float
    potential: float | None
    path: Path


@dataclass(frozen=True)
class SnapshotIndex:
    """The index of a run's snapshots: entries, units (name -> unit), region tag -> name."""

    entries: tuple[SnapshotEntry, ...]
    units: dict[str, str]
    regions: dict[int, str]

    def nearest(self, time: float | None) -> SnapshotEntry:
        """The last snapshot (``time`` None) or the one closest to ``time`` (s)."""
        if not self.entries:
            raise FileNotFoundError("the run has no snapshot yet")
        if time is None:
            return self.entries[-1]
        return min(self.entries, key=lambda e: (abs(e.t - time), -e.t))


@dataclass(frozen=True)
class Snapshot:
    """A snapshot read back: the mesh with fields and where it sits in the run.

    Attributes:
        mesh: PyVista grid, coordinates in um, fields in lab units.
        t: simulated time, s.
        capacity: passed charge, mAh/cm^2.
        potential: electrode potential, V (None if not recorded).
        index: output number.
        units: field name -> unit.
        regions: region tag -> name.
        path: the VTU file.
    """

    mesh: pv.UnstructuredGrid
    t: float
    capacity: float
    potential: float | None
    index: int
    units: dict[str, str]
    regions: dict[int, str]
    path: Path


def snapshot_dir(run_dir: str | os.PathLike[str]) -> Path:
    """``RUN_DIR/fields/snapshots`` (also accepts that folder itself)."""
    run_dir = Path(run_dir)
    if (run_dir / INDEX_FILE).is_file():
        return run_dir
    return run_dir / "fields" / SNAPSHOT_DIR


def read_index(run_dir: str | os.PathLike[str]) -> SnapshotIndex:
    """Read ``fields/snapshots/index.json`` of a run.

    Raises:
        FileNotFoundError: the run has no snapshots (written with ``output.snapshots = false``,
            or by a zndeposit before snapshots existed), with what to do about it.
        ValueError: the index is not a zndeposit snapshot index.
    """
    folder = snapshot_dir(run_dir)
    path = folder / INDEX_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{run_dir}: no field snapshots ({path} is missing); rerun the case with "
            "output.snapshots = true (the default)"
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a zndeposit snapshot index (format {data.get('format')!r})")
    entries = tuple(
        SnapshotEntry(
            index=int(e["index"]),
            t=float(e["t"]),
            capacity=float(e["capacity"]),
            potential=float(e["E"]) if "E" in e else None,
            path=folder / e["file"],
        )
        for e in data["snapshots"]
    )
    regions = {int(k): v for k, v in data.get("regions", {}).items()}
    return SnapshotIndex(entries, dict(data.get("units", {})), regions)


def read_snapshot(
    run_dir: str | os.PathLike[str], time: float | None = None, *, index: int | None = None
) -> Snapshot:
    """Read one snapshot of a run as a PyVista mesh.

    Args:
        run_dir: the run directory (or its ``fields/snapshots`` folder).
        time: simulated time, s; the nearest output is taken. None: the last one.
        index: output number instead of a time (negative counts from the end).

    Raises:
        FileNotFoundError: no snapshots, or the VTU of the entry is missing.
    """
    import pyvista as pv

    idx = read_index(run_dir)
    entry = idx.entries[index] if index is not None else idx.nearest(time)
    if not entry.path.is_file():
        raise FileNotFoundError(f"snapshot file {entry.path} is missing")
    mesh = pv.read(str(entry.path))
    e = entry
    return Snapshot(mesh, e.t, e.capacity, e.potential, e.index, idx.units, idx.regions, e.path)
