"""Where the metal grows: the plating current per unit of projected electrode width.

The local Butler-Volmer current density at a point of the diffuse interface
says where ACROSS the profile the reaction sits (at depletion: on its
electrolyte edge), not how fast the surface grows there. Integrated over a
column of the domain, the Faradaic deposition rate gives the current the
electrode takes per unit of projected width at x,

    j(x) = n F rho_m * integral over y of porosity * R(x, y) dy      (A/m^2),

which for a surface y = h(x) is n F rho_m times its vertical growth rate
dh/dt. Its maximum over x divided by its mean (the cell current) is the
growth focusing: a flat front reads 1, and the top of a semicircular nucleus
at the limiting current (c = 0 on the whole surface: the potential-flow
field around a cylinder) grows at twice the mean and reads 2. It compares
like with like across regions: a porous coating's pores filling with metal
count by the moles deposited, as the current does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import ufl

from zndeposit.fem import MPI, dolfinx


class ColumnGrowth:
    """Column integrals of a deposition rate, binned along x (collective calls).

    Args:
        rate: UFL expression of porosity times the Faradaic rate of xi, 1/s.
        mesh: the mesh.
        width: domain width, m (x from 0 to width).
        bin_width: width of a column, m (a few band elements: one cell's
            centroid decides its column).
        scale: factor from the rate integral (m^2/s per m of depth) to A/m,
            n F rho_m.
    """

    def __init__(
        self, rate: ufl.core.expr.Expr, mesh: Any, width: float, bin_width: float, scale: float
    ) -> None:
        dg0 = dolfinx.fem.functionspace(mesh, ("DG", 0))
        self._form = dolfinx.fem.form(rate * ufl.TestFunction(dg0) * ufl.dx)
        n_owned = mesh.topology.index_map(mesh.topology.dim).size_local
        centroids = dolfinx.mesh.compute_midpoints(
            mesh, mesh.topology.dim, np.arange(n_owned, dtype=np.int32)
        )
        self.n_bins = max(round(width / bin_width), 1)
        self.bin_width = width / self.n_bins
        self._bins = np.clip((centroids[:, 0] / self.bin_width).astype(int), 0, self.n_bins - 1)
        self._n_owned, self._scale, self._width = n_owned, scale, width
        self._comm = mesh.comm

    def profile(self) -> np.ndarray:
        """J(x) of every column, A/m^2 (plating > 0)."""
        cells = dolfinx.fem.assemble_vector(self._form).array[: self._n_owned]
        local = np.bincount(self._bins, weights=cells, minlength=self.n_bins)
        total = np.zeros_like(local)
        self._comm.Allreduce(local, total, op=MPI.SUM)
        return self._scale * total / self.bin_width

    def focusing(self) -> float:
        """Max over the columns of j(x) / its mean (nan when nothing plates)."""
        j = self.profile()
        mean = float(np.mean(j))
        return float(np.max(j)) / mean if mean > 0 else float("nan")
