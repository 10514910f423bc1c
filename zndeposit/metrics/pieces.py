"""Connected pieces of metal: how many, and how much metal is cut off from the collector.

Groundwork for dead zinc and coulombic efficiency in plating/stripping cycles.

Definitions (see ``docs/metrics.md``, "Pieces of metal"):

* a cell is **metal** where the cell mean of the P1 phase field (the mean of
  its three nodal values, exact for P1) is >= 1/2, in every region, the
  anode's included: the substrate is metal by its xi = 1, not by its tag, so
  stripping through it is seen;
* two metal cells belong to the same **piece** when they share an edge
  (facet); a shared vertex alone does not join them. On a periodic strip the
  edges on x = x_max are the same edges as those on x = x_min at the same y,
  so a piece that crosses the periodic side counts once;
* a piece is **connected** to the current collector when one of its cells has
  an edge on the bottom of the mesh (y = y_min);
* the **isolated metal** is the metal volume of the pieces that are not
  connected: the sum over their cells of cell area x porosity (the share of
  a cell metal can fill), i.e. the sharp-interface volume inside the pieces'
  xi = 1/2 contour, to within the cell staircase.

It is geometry only: the model still holds every piece at the electrode
potential (an island keeps plating and stripping), so the numbers say where
dead zinc would form, not its electrochemical consequence.

Parallel: every rank sends the global facet indices of its owned metal cells
to rank 0, which joins cells sharing a facet (the facet numbering of the
distributed mesh, so process boundaries need no ghost cells) with a
vectorised union-find and broadcasts the counts; when there is an isolated
piece, each rank gets the mask of its isolated cells back and sums their
volume. The numbers do not depend on the number of ranks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from dolfinx.fem import Function

__all__ = ["METAL_LEVEL", "MetalPieces", "PieceCount", "components", "label_pieces"]

#: a cell is metal where the cell mean of xi is at least this
METAL_LEVEL = 0.5


# --- pure numpy ---------------------------------------------------------------------------
def components(n: int, edges: np.ndarray) -> np.ndarray:
    """Connected components of a graph: the smallest node index of each node's component.

    Vectorised union-find: every round hooks the larger of two roots joined by an
    edge onto the smaller and then compresses every path to its root, until no
    edge joins two roots.

    Args:
        n: number of nodes (0 .. n - 1).
        edges: (m, 2) node pairs.

    Returns:
        (n,) int64: the label (smallest node of the component) of every node.
    """
    parent = np.arange(n, dtype=np.int64)
    e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    a, b = e[:, 0], e[:, 1]
    while True:
        ra, rb = parent[a], parent[b]
        differ = ra != rb
        if not differ.any():
            return parent
        ra, rb = ra[differ], rb[differ]
        a, b = a[differ], b[differ]  # joined edges stay joined: drop them
        lo, hi = np.minimum(ra, rb), np.maximum(ra, rb)
        np.minimum.at(parent, hi, lo)
        while True:  # path compression: every node points to its root
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand


@dataclass(frozen=True)
class PieceCount:
    """The pieces of metal at one time (global, the same on every rank).

    Attributes:
        pieces: number of connected pieces of metal.
        connected: how many of them touch the current collector (0 or 1 on a
            normal electrode; more where the bottom is cut through).
        isolated_cells: number of metal cells in pieces not connected.
        metal_cells: number of metal cells.
    """

    pieces: int
    connected: int
    isolated_cells: int
    metal_cells: int


def label_pieces(
    facets: np.ndarray,
    collector: np.ndarray,
    partner: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[PieceCount, np.ndarray]:
    """Pieces of a set of metal cells given the global facet indices of each (numpy).

    Args:
        facets: (k, 3) global facet indices of the k metal cells.
        collector: sorted global indices of the facets on the current collector.
        partner: (sorted slave facets, their masters) as two arrays: a periodic
            side's facet replaced by its partner on the other side; None: no sides
            joined.

    Returns:
        (the count, (k,) bool: the cell is in an isolated piece).
    """
    f = np.asarray(facets, dtype=np.int64).reshape(-1, 3).copy()
    k = f.shape[0]
    if k == 0:
        return PieceCount(0, 0, 0, 0), np.zeros(0, dtype=bool)
    if partner is not None:
        slaves, masters = partner
        if len(slaves):
            pos = np.minimum(np.searchsorted(slaves, f), len(slaves) - 1)
            hit = slaves[pos] == f
            f[hit] = masters[pos[hit]]
    flat = f.ravel()
    cell = np.repeat(np.arange(k, dtype=np.int64), 3)
    order = np.argsort(flat, kind="stable")
    sf, sc = flat[order], cell[order]
    same = np.flatnonzero(sf[1:] == sf[:-1])  # a facet is shared by at most two cells
    edges = np.stack([sc[same], sc[same + 1]], axis=1)
    label = components(k, edges)
    roots = np.unique(label)
    on_collector = np.zeros(k, dtype=bool)
    if len(collector):
        touch = np.isin(f, collector).any(axis=1)
        on_collector[np.unique(label[touch])] = True
    isolated = ~on_collector[label]
    return (
        PieceCount(
            pieces=len(roots),
            connected=int(on_collector[roots].sum()),
            isolated_cells=int(isolated.sum()),
            metal_cells=k,
        ),
        isolated,
    )


# --- DOLFINx ------------------------------------------------------------------------------
class MetalPieces:
    """Labels the metal of a P1 phase field into connected pieces (collective).

    Built once per mesh; :meth:`__call__` evaluates the current field.

    Args:
        xi: scalar P1 phase field on a triangle mesh (1 metal, 0 electrolyte).
        porosity: DG0 share of a cell that metal can fill (the pore space of a
            coating, 1 in free electrolyte and the anode); None: 1 everywhere.
        period: (x_min, x_max) of periodic sides, or None.
        tol: matching tolerance (m) of positions on the sides and the bottom.
    """

    def __init__(
        self,
        xi: Function,
        porosity: Function | None = None,
        period: tuple[float, float] | None = None,
        tol: float = 1e-9,
    ) -> None:
        from zndeposit.fem import MPI, dolfinx

        self._MPI = MPI
        self.xi = xi
        V = xi.function_space
        mesh = self.mesh = V.mesh
        if mesh.topology.cell_name() != "triangle":
            raise ValueError("MetalPieces: only triangle meshes are supported")
        self.comm = mesh.comm
        tdim = mesh.topology.dim
        mesh.topology.create_connectivity(tdim, tdim - 1)
        mesh.topology.create_connectivity(tdim - 1, tdim)
        n_cells = mesh.topology.index_map(tdim).size_local
        fmap = mesh.topology.index_map(tdim - 1)
        n_facets = fmap.size_local + fmap.num_ghosts
        facet_gid = np.asarray(fmap.local_to_global(np.arange(n_facets, dtype=np.int32)))
        c2f = mesh.topology.connectivity(tdim, tdim - 1).array.reshape(-1, 3)
        #: global facet indices of every owned cell
        self._cell_facets = facet_gid[c2f[:n_cells]].astype(np.int64)
        self._cell_dofs = V.dofmap.list[:n_cells]
        x = mesh.geometry.x
        corners = x[np.asarray(mesh.geometry.dofmaps[0])[:n_cells, :3]]  # (n, 3, 3), affine
        e1, e2 = corners[:, 1, :2] - corners[:, 0, :2], corners[:, 2, :2] - corners[:, 0, :2]
        #: area of every owned cell, m^2
        self._area = 0.5 * np.abs(e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
        self.porosity = porosity
        if porosity is not None:
            self._porosity_dofs = porosity.function_space.dofmap.list[:n_cells, 0]

        # facets on the bottom and on the periodic sides (boundary facets, by position)
        y_min = self.comm.allreduce(float(x[:, 1].min(initial=np.inf)), op=MPI.MIN)
        boundary = dolfinx.mesh.exterior_facet_indices(mesh.topology)
        fx = x[dolfinx.mesh.entities_to_geometry(mesh, tdim - 1, boundary)]  # (nb, 2, 3)
        bottom = boundary[np.all(np.abs(fx[:, :, 1] - y_min) < tol, axis=1)]
        gathered = self.comm.gather(facet_gid[bottom], root=0)
        self._collector = np.unique(np.concatenate(gathered)) if self.comm.rank == 0 else None
        self._partner = None
        if period is not None:
            sides = []
            for x_side in period:
                on = np.all(np.abs(fx[:, :, 0] - x_side) < tol, axis=1)
                mid_y = fx[on, :, 1].mean(axis=1)
                sides.append(self.comm.gather((facet_gid[boundary[on]], mid_y), root=0))
            if self.comm.rank == 0:
                self._partner = _pair_sides(sides[0], sides[1], tol)

    def metal_cells(self) -> np.ndarray:
        """Mask of the owned cells that are metal (cell mean of xi >= 1/2; local)."""
        self.xi.x.scatter_forward()
        values = self.xi.x.array.real[self._cell_dofs]
        return values.mean(axis=1) >= METAL_LEVEL

    def __call__(self) -> tuple[PieceCount, float]:
        """(the pieces, metal volume per depth of the isolated pieces, m^2) (collective).

        The metal volume is the sum over the isolated pieces' cells of cell area x
        porosity (0.0 without isolated pieces).
        """
        metal = np.flatnonzero(self.metal_cells())
        parts = self.comm.gather(self._cell_facets[metal], root=0)
        count, masks = None, None
        if self.comm.rank == 0:
            sizes = [len(p) for p in parts]
            count, isolated = label_pieces(np.concatenate(parts), self._collector, self._partner)
            masks = np.split(isolated, np.cumsum(sizes)[:-1]) if count.isolated_cells else None
        count = self.comm.bcast(count, root=0)
        if count.isolated_cells == 0:
            return count, 0.0
        cells = metal[self.comm.scatter(masks, root=0)]
        volume = self._area[cells]
        if self.porosity is not None:
            volume = volume * self.porosity.x.array.real[self._porosity_dofs[cells]]
        return count, float(self.comm.allreduce(float(volume.sum()), op=self._MPI.SUM))


def _pair_sides(
    low: list[tuple[np.ndarray, np.ndarray]], high: list[tuple[np.ndarray, np.ndarray]], tol: float
) -> tuple[np.ndarray, np.ndarray]:
    """(sorted facets of the x_max side, their partners on x_min) matched by mid-point y.

    Args:
        low: per rank (global facet indices, mid-point y) on x = x_min.
        high: the same on x = x_max.
        tol: how far two mid-points may be apart (m).

    Raises:
        ValueError: a side facet has no partner (a non-matching periodic mesh).
    """

    def unique(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        gid = np.concatenate([p[0] for p in parts]).astype(np.int64)
        y = np.concatenate([p[1] for p in parts])
        gid, first = np.unique(gid, return_index=True)
        return gid, y[first]

    lo_gid, lo_y = unique(low)
    hi_gid, hi_y = unique(high)
    if len(lo_gid) != len(hi_gid):
        raise ValueError(
            f"MetalPieces: {len(lo_gid)} facets on x_min but {len(hi_gid)} on x_max "
            "(a non-matching periodic mesh?)"
        )
    lo_order, hi_order = np.argsort(lo_y, kind="stable"), np.argsort(hi_y, kind="stable")
    if len(lo_y) and np.abs(lo_y[lo_order] - hi_y[hi_order]).max() > tol:
        raise ValueError("MetalPieces: the facets of the periodic sides do not match")
    slaves, masters = hi_gid[hi_order], lo_gid[lo_order]
    order = np.argsort(slaves)
    return slaves[order], masters[order]
