"""Growth normal and curvature of the phase field from a projected normal (P1 elements).

n_h is the lumped L2 projection of the growth normal -grad xi / |grad xi| onto
P1 vectors, renormalised to unit length, and ``K = div(n_h)``; both are used
lagged (from the previous step) by the sharp-interface formulation: n_h in
the profile-restoring flux, K in the Gibbs-Thomson shift (Sun & Beckermann,
J. Comput. Phys. 220 (2007) 626, obtain K from a projected normal). On
periodic sides the projection sums the contributions of both sides of every
periodic node pair, so n_h there is the same two-sided average as inside.

K is faded out in the profile tails (xi < ~0.005 or > ~0.995, beyond about 5 l
from the xi = 0.5 contour) by a smooth weight of the cell value of xi: there
|grad xi| is tiny and the direction of the P1 gradient is mesh noise (on a
flat front K grew to rms ~ 8/l where xi < 0.01).
"""

from __future__ import annotations

import numpy as np
import ufl

from zndeposit.fem import PETSc, dolfinx
from zndeposit.physics.interface import growth_normal
from zndeposit.solver.periodic import PeriodicMap

#: |n_h| below which the projected normal is not renormalised to unit length
NORMAL_FLOOR = 0.1
#: K is kept where xi (1 - xi) > 4 TAIL_PRODUCT (0.02 < xi < 0.98), faded to zero
#: smoothly where xi (1 - xi) falls to TAIL_PRODUCT (xi = 0.005 or 0.995)
TAIL_PRODUCT = 0.005 * 0.995


def tail_weight(xi: np.ndarray) -> np.ndarray:
    """Smoothstep weight of K: 1 inside the diffuse interface, 0 in the profile tails."""
    s = np.clip((xi * (1.0 - xi) - TAIL_PRODUCT) / (3.0 * TAIL_PRODUCT), 0.0, 1.0)
    return s * s * (3.0 - 2.0 * s)


class CurvatureProjector:
    """Computes n_h (P1 vector) and K = div(n_h) (DG0, 1/m) from a P1 phase field."""

    def __init__(
        self,
        mesh: dolfinx.mesh.Mesh,
        xi: object,
        length: float,
        period: tuple[float, float] | None = None,
        tol: float = 1e-8,
    ):
        """Prepare the projection of the normal of ``xi`` (a P1 field or UFL expression of one).

        Args:
            mesh: the mesh.
            xi: the phase field (P1 Function or UFL expression of one).
            length: profile length l, m (regularises |grad xi|).
            period: ``(x_min, x_max)`` (m) of periodic sides, or None.
            tol: tolerance (m) for pairing the periodic nodes.
        """
        self.p1 = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
        vec = dolfinx.fem.functionspace(mesh, ("Lagrange", 1, (mesh.geometry.dim,)))
        self.normal = dolfinx.fem.Function(vec, name="normal")
        self.curvature = dolfinx.fem.Function(
            dolfinx.fem.functionspace(mesh, ("DG", 0)), name="curvature"
        )
        self._pmap = PeriodicMap(self.p1, period, tol=tol) if period is not None else None
        v = ufl.TestFunction(self.p1)
        dxl = ufl.dx(metadata={"quadrature_rule": "vertex", "quadrature_degree": 1})
        n = growth_normal(xi, length)
        self._rhs = [dolfinx.fem.form(n[i] * v * ufl.dx) for i in range(mesh.geometry.dim)]
        self._mass = self._assemble(dolfinx.fem.form(v * dxl))
        points = self.curvature.function_space.element.interpolation_points
        self._div = dolfinx.fem.Expression(ufl.div(self.normal), points)
        self._xi_cell = dolfinx.fem.Function(self.curvature.function_space, name="xi_cell")
        self._xi_expr = dolfinx.fem.Expression(xi, points)

    def _assemble(self, form: dolfinx.fem.Form) -> np.ndarray:
        """Owned entries of an assembled P1 vector, periodic node pairs summed."""
        b = dolfinx.fem.assemble_vector(form)
        b.scatter_reverse(dolfinx.la.InsertMode.add)
        n_local = self.p1.dofmap.index_map.size_local
        owned = b.array[:n_local].copy()
        if self._pmap is None or self._pmap.P is None:
            return owned
        full = PETSc.Vec().createWithArray(owned, comm=self.p1.mesh.comm)
        reduced = self._pmap.create_reduced_vector()
        self._pmap.reduce_vector(full, reduced)  # master += slave
        self._pmap.prolong(reduced, full)  # slave = master
        out = full.getArray().copy()
        for vec in (full, reduced):
            vec.destroy()
        return out

    def update(self) -> dolfinx.fem.Function:
        """Recompute n_h and K from the current xi; returns K."""
        bs = self.normal.function_space.dofmap.index_map_bs
        n_local = self.p1.dofmap.index_map.size_local
        for i, form in enumerate(self._rhs):
            self.normal.x.array[i : bs * n_local : bs] = self._assemble(form) / self._mass
        # Renormalise: projection smooths the normal's magnitude down in the profile
        # tails, and div of that magnitude change would read as a large spurious
        # curvature of a flat front. Unit length wherever |n_h| >~ 0.2.
        arr = self.normal.x.array[: bs * n_local].reshape(-1, bs)
        norm = np.sqrt(np.sum(arr * arr, axis=1) + NORMAL_FLOOR**2)
        arr *= (np.sqrt(1 + NORMAL_FLOOR**2) / norm)[:, None]
        self.normal.x.scatter_forward()
        self.curvature.interpolate(self._div)
        self._xi_cell.interpolate(self._xi_expr)
        self.curvature.x.array[:] *= tail_weight(self._xi_cell.x.array)
        return self.curvature
