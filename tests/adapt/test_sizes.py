"""Target sizes of the adaptive mesh (NumPy only): distances, curvature, grading."""

import numpy as np

from zndeposit.adapt.sizes import (
    SizeRules,
    curvature_sizes,
    edges_of,
    interface_vertices,
    relax,
    target_sizes,
)


def grid(nx: int, ny: int, lx: float = 1.0, ly: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A structured triangle mesh of [0, lx] x [0, ly] (criss-cross free, right triangles)."""
    x, y = np.meshgrid(np.linspace(0, lx, nx + 1), np.linspace(0, ly, ny + 1))
    pts = np.column_stack([x.ravel(), y.ravel()])
    idx = np.arange((nx + 1) * (ny + 1)).reshape(ny + 1, nx + 1)
    a, b, c, d = idx[:-1, :-1], idx[:-1, 1:], idx[1:, :-1], idx[1:, 1:]
    cells = np.vstack([np.column_stack([a.ravel(), b.ravel(), d.ravel()]),
                       np.column_stack([a.ravel(), d.ravel(), c.ravel()])])  # fmt: skip
    return pts, cells


def test_edge_distance_is_exact_along_grid_lines() -> None:
    """Distance to the bottom row along edges = y (vertical paths are shortest)."""
    pts, cells = grid(10, 20, 1.0, 2.0)
    edges = edges_of(cells)
    lengths = np.hypot(*(pts[edges[:, 1]] - pts[edges[:, 0]]).T)
    seed = np.where(pts[:, 1] == 0.0, 0.0, np.inf)
    d = relax(seed, edges, lengths, 1.0)
    assert np.allclose(d, pts[:, 1], atol=1e-12)


def test_curvature_sizes_recover_a_quadratic() -> None:
    """u = a y^2 has H = 2a: interior sizes sqrt(8 tol / (2a)) within 1 %; linear u: none."""
    pts, cells = grid(20, 20)
    a, tol = 50.0, 0.01
    h = curvature_sizes(pts, cells, a * pts[:, 1] ** 2, tol)
    inner = (pts[:, 0] > 0.1) & (pts[:, 0] < 0.9) & (pts[:, 1] > 0.1) & (pts[:, 1] < 0.9)
    # a diagonal edge sees the jump of the y-gradient projected on its normal: >= the
    # horizontal edges' estimate, so the vertex minimum is the horizontal-edge one
    assert np.allclose(h[inner], np.sqrt(8 * tol / (2 * a)), rtol=0.01)
    flat = curvature_sizes(pts, cells, 3.0 * pts[:, 0] - pts[:, 1], tol)
    assert np.all(flat > 1e3)  # round-off jumps only: no refinement


def test_target_sizes_band_grading_and_limits() -> None:
    """A front at y = 0.5: fine within the band, graded at the slope, capped at h_max."""
    pts, cells = grid(20, 200, 1.0, 4.0)
    y = pts[:, 1]
    xi = 0.5 * (1 - np.tanh((y - 0.5) / 0.02))  # band 0.02 < xi < 0.98: |y - 0.5| < 0.039
    rules = SizeRules(h_fine=0.01, h_max=0.5, band=0.1, grading=0.3, tol_u=0, tol_psi=0)
    h = target_sizes(pts, cells, xi, rules)
    mask = interface_vertices(cells, xi, len(pts))
    y_band = y[mask]
    assert y_band.min() < 0.47 and y_band.max() > 0.53
    assert np.all(h[np.abs(y - 0.5) < 0.1] == rules.h_fine)
    far = y > 3.5
    assert np.allclose(h[far], rules.h_max)
    # in between: h_fine + grading * (distance - band), distance measured from the band edge
    mid = (y > y_band.max() + 0.3) & (y < y_band.max() + 1.0)
    expect = rules.h_fine + rules.grading * (y[mid] - y_band.max() - rules.band)
    assert np.allclose(h[mid], expect, rtol=0.0101)  # sizes come in levels 2 % apart
    # grading: no edge joins sizes differing by more than grading * length
    edges = edges_of(cells)
    lengths = np.hypot(*(pts[edges[:, 1]] - pts[edges[:, 0]]).T)
    jump = np.abs(h[edges[:, 0]] - h[edges[:, 1]])
    assert np.all(
        jump <= rules.grading * lengths + 0.0201 * np.maximum(h[edges[:, 0]], h[edges[:, 1]])
    )
