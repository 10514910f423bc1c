"""Curvature of the phase field from a projected normal (P1 elements).

``K = div(n_h)``, n_h the lumped L2 projection of the growth normal
-grad xi / |grad xi| onto P1 vectors; used lagged (from the previous step) by
the sharp-interface formulation (Sun & Beckermann, J. Comput. Phys. 220 (2007) 626).
"""

from __future__ import annotations

import numpy as np
import ufl

from zndeposit.fem import dolfinx
from zndeposit.physics.interface import growth_normal

#: |n_h| below which the projected normal is not renormalised to unit length
NORMAL_FLOOR = 0.1


class CurvatureProjector:
    """Computes n_h (P1 vector) and K = div(n_h) (DG0, 1/m) from a P1 phase field."""

    def __init__(self, mesh: dolfinx.mesh.Mesh, xi: object, length: float):
        """Prepare the projection of the normal of ``xi`` (a P1 field or UFL expression of one)."""
        self.p1 = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
        vec = dolfinx.fem.functionspace(mesh, ("Lagrange", 1, (mesh.geometry.dim,)))
        self.normal = dolfinx.fem.Function(vec, name="normal")
        self.curvature = dolfinx.fem.Function(
            dolfinx.fem.functionspace(mesh, ("DG", 0)), name="curvature"
        )
        v = ufl.TestFunction(self.p1)
        dxl = ufl.dx(metadata={"quadrature_rule": "vertex", "quadrature_degree": 1})
        n = growth_normal(xi, length)
        self._rhs = [dolfinx.fem.form(n[i] * v * ufl.dx) for i in range(mesh.geometry.dim)]
        mass = dolfinx.fem.assemble_vector(dolfinx.fem.form(v * dxl))
        mass.scatter_reverse(dolfinx.la.InsertMode.add)
        self._mass = mass.array.copy()
        self._div = dolfinx.fem.Expression(
            ufl.div(self.normal), self.curvature.function_space.element.interpolation_points
        )

    def update(self) -> dolfinx.fem.Function:
        """Recompute n_h and K from the current xi; returns K."""
        bs = self.normal.function_space.dofmap.index_map_bs
        for i, form in enumerate(self._rhs):
            b = dolfinx.fem.assemble_vector(form)
            b.scatter_reverse(dolfinx.la.InsertMode.add)
            n_local = self.p1.dofmap.index_map.size_local
            self.normal.x.array[i : bs * n_local : bs] = b.array[:n_local] / self._mass[:n_local]
        # Renormalise: projection smooths the normal's magnitude down in the profile
        # tails, and div of that magnitude change would read as a large spurious
        # curvature of a flat front. Unit length wherever |n_h| >~ 0.2.
        n_local = self.p1.dofmap.index_map.size_local
        arr = self.normal.x.array[: bs * n_local].reshape(-1, bs)
        norm = np.sqrt(np.sum(arr * arr, axis=1) + NORMAL_FLOOR**2)
        arr *= (np.sqrt(1 + NORMAL_FLOOR**2) / norm)[:, None]
        self.normal.x.scatter_forward()
        self.curvature.interpolate(self._div)
        return self.curvature
