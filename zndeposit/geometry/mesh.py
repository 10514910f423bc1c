"""Build, cache and load the mesh of a case.

``build_mesh(loaded)`` writes ``<cache_dir>/<key>/mesh.msh`` and ``mesh.json``
(statistics, areas in um^2) and reuses them when the key is already there;
``load_mesh(path, comm)`` reads the mesh into DOLFINx (serial or parallel)
with coordinates in metres. The key hashes only what defines the mesh.

The ``.msh`` file keeps gmsh's micrometre coordinates (:data:`MSH_UNIT`):
gmsh re-applies the stored periodic translation to the slave nodes when it
reads a file, so scaling the nodes at write time (``Mesh.ScalingFactor``)
would move the right-side nodes by the unscaled width.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from zndeposit.case.load import LoadedCase, case_hash
from zndeposit.errors import MeshError
from zndeposit.geometry import tags
from zndeposit.geometry.sizes import mesh_sizes

MSH_NAME = "mesh.msh"
JSON_NAME = "mesh.json"
#: metres per length unit of the .msh file (micrometres)
MSH_UNIT = 1e-6


@dataclass
class MeshInfo:
    """A built (or cached) mesh.

    Attributes:
        key: the mesh key (directory name in the cache).
        directory: ``<cache_dir>/<key>``.
        msh_path: the gmsh file (coordinates in um, see :data:`MSH_UNIT`).
        stats: the statistics written to ``mesh.json``.
        from_cache: True when the mesh was reused, not generated.
        seconds: wall time of this call, s.
    """

    key: str
    directory: Path
    msh_path: Path
    stats: dict[str, Any] = field(default_factory=dict)
    from_cache: bool = False
    seconds: float = 0.0

    @property
    def json_path(self) -> Path:
        """The statistics file."""
        return self.directory / JSON_NAME


class MeshData(NamedTuple):
    """A mesh in DOLFINx with its tags and named physical groups (name -> (dim, tag))."""

    mesh: Any
    cell_tags: Any
    facet_tags: Any
    physical_groups: dict[str, tuple[int, int]]


def mesh_key(loaded: LoadedCase) -> str:
    """Hash of what defines the mesh: geometry, mesh settings, interface width, sizes."""
    from zndeposit.geometry.build import GEOMETRY_VERSION

    case = loaded.case
    sep = case.separator
    sep_geo = None
    if sep is not None:
        sep_geo = {"kind": sep.kind, "thickness": sep.thickness}
        if sep.kind == "resolved":
            sep_geo |= {
                "porosity": sep.porosity,
                "fibre_diameter": sep.fibre_diameter,
                "fibre_diameter_spread": sep.fibre_diameter_spread,
                "seed": sep.seed,
            }
    part = {
        "version": GEOMETRY_VERSION,
        "domain": case.domain.model_dump(),
        "anode": case.anode.model_dump(),
        "coatings": [c.thickness for c in case.coatings],
        "gap": case.gap.thickness if case.gap is not None else None,
        "separator": sep_geo,
        "mesh": case.mesh.model_dump(),
        "interface_width": case.interface.width,
        "sizes": mesh_sizes(case).as_dict(),  # covers what the auto sizes depend on
    }
    return case_hash({"mesh": part})


def gmsh_initialize() -> None:
    """``gmsh.initialize``, keeping this process's SIGINT/SIGTERM/SIGPIPE handlers.

    gmsh resets signal handlers to the default action in C (SIGPIPE always,
    SIGINT/SIGTERM when interruptible), behind Python's back: a run that
    remeshes (adaptive meshes) would die on SIGTERM instead of stopping
    cleanly, and any process that had started gmsh was killed outright (exit
    141) by a write to a closed pipe or socket, e.g. a Dask comm to a worker
    that had gone, instead of getting Python's BrokenPipeError. Setting the
    handlers again from Python resets them in C too.
    """
    import gmsh

    keep = {}
    if threading.current_thread() is threading.main_thread():
        sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE)
        keep = {sig: signal.getsignal(sig) for sig in sigs}
    gmsh.initialize(interruptible=False)
    for sig, handler in keep.items():
        if handler is not None:
            signal.signal(sig, handler)


@contextlib.contextmanager
def gmsh_session(verbose: bool = False) -> Iterator[Any]:
    """Initialise gmsh (if needed) with a fresh model; finalise what we started."""
    import gmsh

    started = not gmsh.isInitialized()
    if started:
        gmsh_initialize()
    gmsh.option.setNumber("General.Terminal", 1 if verbose else 0)
    gmsh.model.add("zndeposit")
    try:
        yield gmsh
    finally:
        try:
            gmsh.model.remove()
        finally:
            if started:
                gmsh.finalize()


def write_msh(path: Path) -> None:
    """Write the current gmsh model's mesh as binary MSH 4.1 (the format load_mesh reads)."""
    import gmsh

    gmsh.option.setNumber("Mesh.MshFileVersion", 4.1)
    gmsh.option.setNumber("Mesh.Binary", 1)
    gmsh.write(str(path))


def _statistics(built: Any) -> dict[str, Any]:
    """Node/cell counts, per-region cell counts and areas (um^2), h range (um)."""
    import gmsh

    from zndeposit.geometry.build import SCALE

    node_tags, coords, _ = gmsh.model.mesh.getNodes()
    xyz = np.zeros((int(node_tags.max()) + 1, 3))
    xyz[node_tags] = coords.reshape(-1, 3)
    to_um = 1e6 / SCALE
    regions: dict[str, dict[str, float]] = {}
    h_min, h_max, n_cells = np.inf, 0.0, 0
    for name, ents in built.regions.items():
        count, area = 0, 0.0
        for ent in ents:
            types, _, nodes = gmsh.model.mesh.getElements(2, ent)
            for t, nd in zip(types, nodes, strict=True):
                tri = xyz[nd.reshape(-1, gmsh.model.mesh.getElementProperties(t)[3])[:, :3]]
                e = tri[:, [1, 2, 0], :2] - tri[:, :, :2]
                cross = e[:, 0, 0] * e[:, 1, 1] - e[:, 0, 1] * e[:, 1, 0]
                area += 0.5 * float(np.abs(cross).sum()) * to_um**2
                longest = np.sqrt((e**2).sum(axis=2)).max(axis=1) * to_um
                h_min, h_max = min(h_min, float(longest.min())), max(h_max, float(longest.max()))
                count += len(tri)
        regions[name] = {"cells": count, "area_um2": area, "tag": tags.region_tag(name)}
        n_cells += count
    fib = built.fibres
    return {
        "nodes": int(node_tags.size),
        "cells": n_cells,
        "regions": regions,
        "boundaries": {n: len(c) for n, c in built.boundaries.items() if c},
        "h_min_um": h_min,
        "h_max_um": h_max,
        "sizes_um": {
            k: (v * 1e6 if k != "grading" and v is not None else v)
            for k, v in built.sizes.as_dict().items()
        },
        "fibres": None
        if fib is None
        else {
            "count": fib.count,
            "target_porosity": fib.target_porosity,
            "porosity": fib.porosity,
            "mean_diameter_um": float(2e6 * fib.radii.mean()) if fib.count else None,
        },
        "periodic_pairs": len(built.periodic_pairs),
        "units": "msh coordinates in um (load_mesh returns m); areas in um^2; lengths in um",
    }


def build_mesh(
    loaded: LoadedCase,
    cache_dir: Path = Path("meshes/cache"),
    *,
    verbose: bool = False,
    force: bool = False,
) -> MeshInfo:
    """Build the mesh of a case, or reuse the cached one with the same key.

    Call on one process only (rank 0 under MPI).

    Args:
        loaded: the loaded case.
        cache_dir: the mesh cache; the mesh goes to ``<cache_dir>/<key>/``.
        verbose: let gmsh print its log to the terminal.
        force: rebuild even when the cache holds the key.

    Raises:
        MeshError: gmsh failed; the message names the case file.
    """
    t0 = time.perf_counter()
    key = mesh_key(loaded)
    directory = Path(cache_dir) / key
    msh, js = directory / MSH_NAME, directory / JSON_NAME
    if not force and msh.is_file() and js.is_file():
        stats = json.loads(js.read_text())
        return MeshInfo(key, directory, msh, stats, True, time.perf_counter() - t0)
    from zndeposit.geometry.build import build_model, generate

    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=directory.parent))
    try:
        with gmsh_session(verbose) as gmsh:
            t1 = time.perf_counter()
            built = build_model(loaded.case)
            generate()
            stats = _statistics(built)
            stats |= {
                "key": key,
                "case": str(loaded.path),
                "gmsh_version": gmsh.__version__,
                "seconds": time.perf_counter() - t1,
            }
            write_msh(tmp / MSH_NAME)
        (tmp / JSON_NAME).write_text(json.dumps(stats, indent=2) + "\n")
        if force and directory.exists():
            shutil.rmtree(directory)
        try:
            os.replace(tmp, directory)
        except OSError:  # another process finished the same key first
            shutil.rmtree(tmp, ignore_errors=True)
    except MeshError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise MeshError(f"{loaded.path}: {exc}") from None
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise MeshError(f"{loaded.path}: gmsh failed to mesh the case: {exc}") from exc
    return MeshInfo(key, directory, msh, stats, False, time.perf_counter() - t0)


def load_mesh(msh_path: Path | str, comm: Any = None) -> MeshData:
    """Read a mesh written by :func:`build_mesh` into DOLFINx, coordinates in m.

    Rank 0 reads the file and the mesh is distributed over ``comm``.

    Args:
        msh_path: the ``mesh.msh`` file (coordinates in um).
        comm: MPI communicator (default ``MPI.COMM_WORLD``).
    """
    import gmsh

    from zndeposit.fem import MPI, dolfinx

    comm = comm if comm is not None else MPI.COMM_WORLD
    missing = comm.bcast(comm.rank == 0 and not Path(msh_path).is_file(), root=0)
    if missing:
        raise MeshError(f"mesh file not found: {msh_path}")
    if gmsh.isInitialized():
        raise MeshError("load_mesh needs gmsh to be finalised (it initialises its own session)")
    if comm.rank == 0:
        gmsh_initialize()
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.open(str(msh_path))
    try:
        data = dolfinx.io.gmsh.model_to_mesh(gmsh.model, comm, 0, gdim=2)
    finally:
        if comm.rank == 0:
            gmsh.finalize()
    data.mesh.geometry.x[:] *= MSH_UNIT
    groups = {name: (int(g.dim), int(g.tag)) for name, g in data.physical_groups.items()}
    return MeshData(data.mesh, data.cell_tags, data.facet_tags, groups)


def build_mesh_on_rank0(
    loaded: LoadedCase, comm: Any, cache_dir: Path = Path("meshes/cache"), verbose: bool = False
) -> MeshInfo:
    """:func:`build_mesh` on rank 0 (gmsh is serial); every rank gets the MeshInfo or the error."""
    info, error = None, None
    if comm.rank == 0:
        try:
            info = build_mesh(loaded, cache_dir=cache_dir, verbose=verbose)
        except MeshError as exc:
            error = exc
        except OSError as exc:  # the cache is a file, below a file, read-only, full
            why = exc.strerror or str(exc)
            error = MeshError(f"cannot use the mesh cache {cache_dir} (--cache): {why}")
    error = comm.bcast(error, root=0)
    if error is not None:
        raise error
    return comm.bcast(info, root=0)
