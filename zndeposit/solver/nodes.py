"""Nodes of a P1 space by their input (gmsh) index: the key of states across ranks and meshes."""

from __future__ import annotations

import numpy as np

from zndeposit.errors import SolverError
from zndeposit.fem import dolfinx


def p1_node_index(space: dolfinx.fem.FunctionSpace) -> np.ndarray:
    """Input (gmsh) node index of every local dof of a scalar P1 space, ghosts included.

    ``mesh.geometry.input_global_indices`` of the geometry node under each dof:
    independent of the number of ranks and of the partition.
    """
    geo = space.mesh.geometry
    im = space.dofmap.index_map
    out = np.full(im.size_local + im.num_ghosts, -1, dtype=np.int64)
    cells = space.dofmap.list
    out[cells.ravel()] = np.asarray(geo.dofmaps[0])[: cells.shape[0]].ravel()
    if (out < 0).any():
        raise SolverError("a P1 dof without a geometry node (mesh of degree > 1?)")
    return np.asarray(geo.input_global_indices, dtype=np.int64)[out]


def node_positions(nodes: np.ndarray, wanted: np.ndarray) -> np.ndarray | None:
    """Positions in ``nodes`` of every entry of ``wanted`` (None: one is missing; local)."""
    nodes = np.asarray(nodes, dtype=np.int64)
    if nodes.size == 0:
        return None if wanted.size else np.zeros(0, dtype=np.int64)
    order = np.argsort(nodes, kind="stable")
    pos = np.minimum(np.searchsorted(nodes[order], wanted), nodes.size - 1)
    if not np.all(nodes[order][pos] == wanted):
        return None
    return order[pos]
