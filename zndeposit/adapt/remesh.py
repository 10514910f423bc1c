"""A new mesh of the case's geometry, sized by the current solution (gmsh, rank 0).

DOLFINx cannot coarsen, so every adaptation meshes the case's geometry afresh
with gmsh, with a background size field (a gmsh ``PostView`` over the current
mesh) holding the target sizes of :mod:`zndeposit.adapt.sizes`. Regions,
boundaries, periodic sides and fibre walls come from the same construction as
the initial mesh (:func:`zndeposit.geometry.build.build_model`), so tags and
periodic node matching are exact on every mesh.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zndeposit.adapt.sizes import SizeRules, target_sizes
from zndeposit.case.schema import Case
from zndeposit.errors import MeshError
from zndeposit.geometry.mesh import MeshData, gmsh_session, load_mesh, write_msh
from zndeposit.geometry.sizes import mesh_sizes
from zndeposit.io.snapshots import gather_fields
from zndeposit.units import unit_factor


@dataclass(frozen=True)
class Remeshed:
    """A new mesh and what making it cost.

    Attributes:
        mesh_data: the distributed mesh with its tags.
        path: the ``.msh`` file (micrometres), kept for checkpoints and restarts.
        vertices: number of vertices (P1 nodes) of the new mesh.
        seconds_sizes: wall time to compute the target sizes, s (rank 0).
        seconds_gmsh: wall time of gmsh (geometry, meshing, writing), s (rank 0).
        seconds_load: wall time to read and distribute the mesh, s.
    """

    mesh_data: MeshData
    path: Path
    vertices: int
    seconds_sizes: float
    seconds_gmsh: float
    seconds_load: float


def size_rules(case: Case, band_widths: float, tol_u: float, tol_psi: float) -> SizeRules:
    """The case's sizes in micrometres: h_fine across the interface, h_max, band, grading."""
    sz, um = mesh_sizes(case), unit_factor("m", "um")
    return SizeRules(
        h_fine=sz.band_size * um,
        h_max=sz.max_size * um,
        band=band_widths * case.interface.width * um,
        grading=sz.grading,
        tol_u=tol_u,
        tol_psi=tol_psi,
    )


def write_adapted_msh(case: Case, points_um: np.ndarray, cells: np.ndarray, h_um: np.ndarray,
                      path: Path) -> None:  # fmt: skip
    """Mesh the case's geometry with the given vertex sizes; write ``path`` atomically."""
    from zndeposit.geometry.build import BackgroundSizes, build_model, generate

    tmp = path.with_name(f".tmp-{path.name}")
    with gmsh_session():
        build_model(case, background=BackgroundSizes(points_um, cells, h_um))
        generate()
        write_msh(tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def canonical_order(arrays: Any) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Points, triangles and point data in an order independent of the partition.

    With a ``node`` point field (the gmsh input index of every node) the points
    are sorted by it and the triangles by their sorted vertex triples, so the
    same mesh gathered from any number of ranks gives identical arrays.
    """
    data = dict(arrays.point_data)
    node = data.pop("node", None)
    pts, cells = arrays.points, arrays.cells
    if node is None:
        return pts, cells, data
    order = np.argsort(node, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    cells = np.sort(rank[cells], axis=1)
    cells = cells[np.lexsort((cells[:, 2], cells[:, 1], cells[:, 0]))]
    # coordinates rounded to 1e-9 um: the gathered geometry differs by round-off between
    # partitions, and gmsh's meshing can follow it
    return np.round(pts[order], 9), cells, {k: v[order] for k, v in data.items()}


def remesh(
    case: Case,
    fields: dict[str, Any],
    cell_tags: Any,
    rules: SizeRules,
    path: Path,
    comm: Any,
) -> Remeshed:
    """Gather the solution, size and mesh on rank 0, distribute the new mesh (collective).

    Args:
        case: the case (geometry).
        fields: P1 Functions ``xi`` and optionally ``u``, ``psi`` and ``node`` (the gmsh
            input index of every node, for a partition-independent order) on the
            current mesh.
        cell_tags: region tags of the current mesh.
        rules: target sizes (um).
        path: where the new ``.msh`` goes (its folder must exist).
        comm: the mesh communicator.
    """
    arrays = gather_fields(fields, cell_tags, comm)
    t_sizes = t_gmsh = 0.0
    error = None
    if comm.rank == 0:
        try:
            t0 = time.perf_counter()
            pts, cells, data = canonical_order(arrays)
            h = target_sizes(pts, cells, data["xi"], rules, data.get("u"), data.get("psi"))
            t1 = time.perf_counter()
            write_adapted_msh(case, pts, cells, h, Path(path))
            t_sizes, t_gmsh = t1 - t0, time.perf_counter() - t1
        except MeshError as exc:
            error = f"adaptive remeshing failed: {exc}"
        except Exception as exc:  # gmsh raises plain Exceptions
            error = f"adaptive remeshing failed in gmsh: {exc}"
    error = comm.bcast(error, root=0)
    if error is not None:
        raise MeshError(error)
    t0 = time.perf_counter()
    data = load_mesh(path, comm)
    t_load = time.perf_counter() - t0
    t_sizes, t_gmsh = comm.bcast((t_sizes, t_gmsh), root=0)
    vertices = data.mesh.topology.index_map(0).size_global
    return Remeshed(data, Path(path), vertices, t_sizes, t_gmsh, t_load)
