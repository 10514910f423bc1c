"""Where the metal grows: the normal growth velocity along the surface against its mean.

The local Butler-Volmer current density at a point of the diffuse interface
says where ACROSS the profile the reaction sits (at depletion: on its
electrolyte edge), not how fast the surface grows there. Over a column of
the domain (a strip a few elements wide, all y) the phase field itself says
it: between two outputs,

    v(x) = integral(porosity (xi - xi_prev) dy) / (dt_out * integral(|grad xi| dy))

is the NORMAL growth velocity where the column crosses the surface: where the
surface is tilted by theta, both integrals carry the same 1/cos(theta) (the
change of xi is the vertical displacement, v_n / cos(theta); |grad xi|
integrates to 1/cos(theta) along a vertical line), and both carry the same
share of any cell that straddles the column's edge, so the ratio does not
depend on how the mesh falls into columns. (The vertical velocity alone read
1.7 on the steep flanks of a compactly growing semicircle.) Its maximum over x
divided by the mean velocity (the change of the deposit / width) is the
growth focusing: a flat front, or a nucleus growing uniformly along its
normal, reads 1; the top of a semicircular nucleus at the limiting current
(c = 0 on the whole surface: the potential-flow field around a cylinder)
grows at twice the mean and reads 2. Porosity counts the moles deposited,
so it compares like with like across regions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import ufl

from zndeposit.fem import MPI, dolfinx


class ColumnGrowth:
    """Growth velocity per column between two calls (collective calls).

    Args:
        xi: the P1 phase field (updated by the caller before every call).
        porosity: the porosity (DG0).
        width: domain width, m (x from 0 to width).
        bin_width: width of a column, m (a few band elements: one cell's
            centroid decides its column).
    """

    def __init__(self, xi: Any, porosity: Any, width: float, bin_width: float) -> None:
        mesh = xi.function_space.mesh
        self._xi, self._prev = xi, xi.copy()
        dg0 = dolfinx.fem.functionspace(mesh, ("DG", 0))
        v = ufl.TestFunction(dg0)
        self._change = dolfinx.fem.form(porosity * (xi - self._prev) * v * ufl.dx)
        self._crossing = dolfinx.fem.form(
            ufl.sqrt(ufl.dot(ufl.grad(xi), ufl.grad(xi))) * v * ufl.dx
        )
        n_owned = mesh.topology.index_map(mesh.topology.dim).size_local
        centroids = dolfinx.mesh.compute_midpoints(
            mesh, mesh.topology.dim, np.arange(n_owned, dtype=np.int32)
        )
        self.n_bins = max(round(width / bin_width), 1)
        self.bin_width = width / self.n_bins
        self._bins = np.clip((centroids[:, 0] / self.bin_width).astype(int), 0, self.n_bins - 1)
        self._n_owned, self._width, self._comm = n_owned, width, mesh.comm
        self._t_prev: float | None = None

    def _columns(self, form: Any) -> np.ndarray:
        cells = dolfinx.fem.assemble_vector(form).array[: self._n_owned]
        local = np.bincount(self._bins, weights=cells, minlength=self.n_bins)
        total = np.zeros_like(local)
        self._comm.Allreduce(local, total, op=MPI.SUM)
        return total

    def velocities(self, t: float) -> tuple[np.ndarray, float]:
        """(normal velocity of each column, mean velocity) since the last call, m/s; keeps t, xi.

        NaN (both) at the first call; NaN for a column that holds no surface.
        """
        local, mean = np.full(self.n_bins, np.nan), float("nan")
        if self._t_prev is not None and t > self._t_prev:
            span = t - self._t_prev
            change, crossing = self._columns(self._change), self._columns(self._crossing)
            mean = float(change.sum()) / (span * self._width)
            ok = crossing > 0.5 * self.bin_width  # a surface crosses the column
            local[ok] = change[ok] / (span * crossing[ok])
        self._prev.x.array[:] = self._xi.x.array
        self._t_prev = t
        return local, mean

    def focusing(self, t: float) -> float:
        """Max over the columns of the velocity / the mean since the last call (nan if none)."""
        local, mean = self.velocities(t)
        if not mean > 0 or np.all(np.isnan(local)):
            return float("nan")
        return float(np.nanmax(local)) / mean
