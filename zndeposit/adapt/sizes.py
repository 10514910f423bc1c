"""Target element sizes of an adapted mesh, computed from the current solution.

Everything here is plain NumPy on a gathered triangle mesh (rank 0), so it
is independent of the partition. The target size h at every vertex is the
smallest of three indicators, then graded:

1. **interface band**: h_fine at every vertex of a triangle that the diffuse
   interface crosses (``XI_LOW < xi < XI_HIGH`` somewhere on it) and within
   ``band`` of such a triangle (distance along mesh edges);
2. **solution curvature**: for the log-concentration u and the scaled
   potential psi (both P1), the jump of the gradient across an edge divided
   by the mean height of the two triangles over it estimates the second derivative H; the linear
   interpolation error of a field with curvature H on elements of size h is
   H h^2 / 8, so h = sqrt(8 tol / H) keeps it below ``tol``
   (``tol_u`` in ln c, i.e. a relative concentration error; ``tol_psi`` in
   units of RT/F);
3. **h_max** everywhere;

then no size may exceed a neighbour's by more than ``grading`` times the
distance between them (``h_i <= h_j + g |x_i - x_j|``), so the mesh is graded
from fine to coarse with slope ``grading``. Sizes are rounded to levels 2 %
apart, so that round-off in the solution does not change the mesh.

Lengths in any consistent unit (the remesher passes micrometres).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the interface band: 0.02 < xi < 0.98 (the reaction acts where xi >= 0.02)
XI_LOW, XI_HIGH = 0.02, 0.98
#: ratio of successive size levels (see :func:`quantise`)
QUANTUM = 1.02
#: relaxation sweeps before giving up (a distance travels one edge per sweep)
MAX_SWEEPS = 5000


@dataclass(frozen=True)
class SizeRules:
    """How fine the adapted mesh is (lengths in one unit, e.g. um).

    Attributes:
        h_fine: element size across the interface band.
        h_max: largest element size.
        band: distance around the interface band kept at h_fine.
        grading: size gained per unit distance away from fine zones, -.
        tol_u: interpolation error allowed in u = ln(c/c_bulk) (0: no curvature refinement).
        tol_psi: interpolation error allowed in psi = F phi/(R T) (0: none).
    """

    h_fine: float
    h_max: float
    band: float
    grading: float = 0.3
    tol_u: float = 0.01
    tol_psi: float = 0.02


def edges_of(cells: np.ndarray) -> np.ndarray:
    """Unique undirected edges (k, 2) of a triangle list (m, 3), sorted vertex pairs."""
    e = np.vstack([cells[:, [0, 1]], cells[:, [1, 2]], cells[:, [2, 0]]])
    e.sort(axis=1)
    return np.unique(e, axis=0)


def relax(values: np.ndarray, edges: np.ndarray, lengths: np.ndarray, slope: float) -> np.ndarray:
    """Smallest function <= values with |f_i - f_j| <= slope * length over every edge.

    With values 0 on a set and inf elsewhere and slope 1, this is the distance to the
    set along mesh edges (shortest path, Bellman-Ford sweeps).
    """
    f = values.astype(float).copy()
    a, b = edges[:, 0], edges[:, 1]
    step = slope * lengths
    for _ in range(MAX_SWEEPS):
        old = f.copy()
        np.minimum.at(f, a, f[b] + step)
        np.minimum.at(f, b, f[a] + step)
        if np.array_equal(f, old):
            return f
    return f


def _cell_gradients(points: np.ndarray, cells: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Gradient (m, 2) of a P1 field on every triangle."""
    p0, p1, p2 = (points[cells[:, i], :2] for i in range(3))
    d1, d2 = p1 - p0, p2 - p0
    det = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0]
    v0, v1, v2 = (values[cells[:, i]] for i in range(3))
    g1, g2 = v1 - v0, v2 - v0
    gx = (g1 * d2[:, 1] - g2 * d1[:, 1]) / det
    gy = (g2 * d1[:, 0] - g1 * d2[:, 0]) / det
    return np.column_stack([gx, gy])


def curvature_sizes(
    points: np.ndarray, cells: np.ndarray, values: np.ndarray, tol: float
) -> np.ndarray:
    """Vertex sizes h = sqrt(8 tol / H), H the gradient jump across edges / normal distance.

    Vertices on no interior edge (or where H = 0) get inf.
    """
    n = len(points)
    out = np.full(n, np.inf)
    if tol <= 0:
        return out
    grad = _cell_gradients(points, cells, values)
    area2 = np.abs(
        (points[cells[:, 1], 0] - points[cells[:, 0], 0])
        * (points[cells[:, 2], 1] - points[cells[:, 0], 1])
        - (points[cells[:, 2], 0] - points[cells[:, 0], 0])
        * (points[cells[:, 1], 1] - points[cells[:, 0], 1])
    )
    local = np.vstack([cells[:, [0, 1]], cells[:, [1, 2]], cells[:, [2, 0]]])
    owner = np.tile(np.arange(len(cells)), 3)
    local.sort(axis=1)
    order = np.lexsort((local[:, 1], local[:, 0]))
    local, owner = local[order], owner[order]
    same = np.all(local[1:] == local[:-1], axis=1)
    i = np.flatnonzero(same)  # interior edges: rows i and i+1 share it
    if i.size == 0:
        return out
    a, b = local[i, 0], local[i, 1]
    c0, c1 = owner[i], owner[i + 1]
    t = points[b, :2] - points[a, :2]
    length = np.hypot(t[:, 0], t[:, 1])
    normal = np.column_stack([t[:, 1], -t[:, 0]]) / length[:, None]
    jump = np.abs(np.sum((grad[c0] - grad[c1]) * normal, axis=1))
    # mean height of the two triangles over the edge (exact H for a quadratic on a uniform mesh)
    height = 0.5 * (area2[c0] + area2[c1]) / length
    hess = jump / np.maximum(height, 1e-300)
    with np.errstate(divide="ignore"):
        size = np.sqrt(8.0 * tol / hess)
    np.minimum.at(out, a, size)
    np.minimum.at(out, b, size)
    return out


def interface_vertices(cells: np.ndarray, xi: np.ndarray, n_points: int) -> np.ndarray:
    """Boolean (n,) mask: vertices of triangles the interface band crosses."""
    lo = xi[cells].min(axis=1)
    hi = xi[cells].max(axis=1)
    crossed = (hi > XI_LOW) & (lo < XI_HIGH)
    mask = np.zeros(n_points, dtype=bool)
    mask[cells[crossed].ravel()] = True
    return mask


def target_sizes(
    points: np.ndarray,
    cells: np.ndarray,
    xi: np.ndarray,
    rules: SizeRules,
    u: np.ndarray | None = None,
    psi: np.ndarray | None = None,
) -> np.ndarray:
    """Target element size at every vertex (same unit as points), see the module docstring."""
    n = len(points)
    edges = edges_of(cells)
    d = points[edges[:, 1], :2] - points[edges[:, 0], :2]
    lengths = np.hypot(d[:, 0], d[:, 1])
    seed = np.where(interface_vertices(cells, xi, n), 0.0, np.inf)
    dist = relax(seed, edges, lengths, 1.0)
    h = rules.h_fine + rules.grading * np.maximum(dist - rules.band, 0.0)
    if u is not None:
        h = np.minimum(h, curvature_sizes(points, cells, u, rules.tol_u))
    if psi is not None:
        h = np.minimum(h, curvature_sizes(points, cells, psi, rules.tol_psi))
    h = np.clip(h, rules.h_fine, rules.h_max)
    return np.minimum(quantise(relax(h, edges, lengths, rules.grading), rules.h_fine), rules.h_max)


def quantise(h: np.ndarray, h_fine: float) -> np.ndarray:
    """Sizes rounded to the levels h_fine * QUANTUM^k.

    Round-off in the solution (e.g. a different number of MPI ranks) then leaves
    the sizes, and so gmsh's mesh, unchanged, except at the rare exact ties.
    """
    k = np.round(np.log(h / h_fine) / np.log(QUANTUM))
    return h_fine * QUANTUM**k
