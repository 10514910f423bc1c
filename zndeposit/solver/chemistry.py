"""Measures of the side chemistry on one mesh: HER current, pH, ZHS, species inventories.

All are collective and evaluated on the model's current state ``w``. The
inventories and supplies give the exact balances of a run
(:mod:`zndeposit.solver.observe`): per unit depth (mol/m), they add up, step
by step, to what entered through the top boundary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import ufl

from zndeposit.fem import MPI, dolfinx
from zndeposit.physics import interface as itf
from zndeposit.physics.model import (
    Measures,
    ModelState,
    _deposition,
    _species,
    interfacial_bv,
    species_residuals,
)

if TYPE_CHECKING:
    from zndeposit.solver.model import DepositionModel


class ChemistryMeasures:
    """Compiled integrals of the side chemistry of one :class:`DepositionModel`.

    Args:
        model: the model (its forms, parameters and width).
        state: the UFL state handles the model's forms were built on.
        ms: the model's measures.
        chi: P1 indicator of the top boundary's nodes.
        dx_top, dx_top_lumped: consistent and lumped measures over the cells chi spans.
    """

    def __init__(
        self,
        model: DepositionModel,
        state: ModelState,
        ms: Measures,
        chi: object,
        dx_top: ufl.Measure,
        dx_top_lumped: ufl.Measure,
    ) -> None:
        self.model = model
        self.chem = chem = model.chemistry
        assert chem is not None
        p, co, out = model.params, model.coefficients, model.forms.chemistry
        self.comm, self.width = model.comm, model.width
        xi = ufl.split(state.w)[0]
        s_d = 1 - itf.h(xi) + p.metal_share
        eps = co.porosity
        sp = _species(p, state.w, chem)
        weight = itf.reaction_weight(xi, p.length)
        lumped = ms.dx_lumped
        cb = p.c_bulk

        def form(expr: object, dx: ufl.Measure = lumped) -> object:
            return dolfinx.fem.form(expr * dx)

        self._forms = {
            "her": form(out.her_volume),
            "zinc": form(cb * eps * s_d * sp.zn),
            "sulfate": form(cb * eps * s_d * sp.sulfate),
            "excess": form(cb * eps * s_d * sp.excess),
            "zhs": form(cb * sp.zhs),
            "weight": form(weight),
            "ph_weighted": form(weight * out.ph),
            "free_weighted": form(weight * out.free_area),
        }
        # supplied through the top in the last step (chi-tested volume terms, mol/m)
        k, bracket, _ = interfacial_bv(p, state, co, chem)
        dep, _ = _deposition(p, state, co, k, bracket)
        res_zn, res_q = species_residuals(p, state, co, chem, dep, chi, chi, dx_top, dx_top_lumped)
        self._forms["supply_zinc"] = dolfinx.fem.form(cb * res_zn)
        self._forms["supply_excess"] = dolfinx.fem.form(cb * res_q)
        self._ph_expr = out.ph
        self._v_dofs = model.dofs[3]
        self._u_dofs = model.dofs[1]
        self._xi_dofs = model.dofs[0]

    def _sum(self, name: str) -> float:
        local = dolfinx.fem.assemble_scalar(self._forms[name])
        return float(self.comm.allreduce(local, op=MPI.SUM))

    def her_current(self) -> float:
        """Hydrogen evolution current per electrode area, A/m^2 (< 0, cathodic)."""
        return self._sum("her") / self.width

    def inventories(self) -> dict[str, float]:
        """Dissolved Zn2+, SO4 2-, proton excess c_H - c_OH and ZHS, mol per m of depth."""
        return {name: self._sum(name) for name in ("zinc", "sulfate", "excess", "zhs")}

    def supplies(self) -> dict[str, float]:
        """Zn2+ and proton excess that entered through the top in the last step, mol/m."""
        return {"zinc": self._sum("supply_zinc"), "excess": self._sum("supply_excess")}

    def interface_ph(self) -> tuple[float, float, float]:
        """(min, max, reaction-weighted mean) of the pH at the interface (nodes 0.1 < xi < 0.9)."""
        arr = self.model.w.x.array
        xi, v = arr[self._xi_dofs], arr[self._v_dofs]
        chem = self.chem
        ph = -(v + np.log(chem.c_proton_bulk / 1000.0)) / np.log(10.0)
        sel = ph[(xi > 0.1) & (xi < 0.9)]
        lo = self.comm.allreduce(float(sel.min(initial=np.inf)), op=MPI.MIN)
        hi = self.comm.allreduce(float(sel.max(initial=-np.inf)), op=MPI.MAX)
        weight = self._sum("weight")
        mean = self._sum("ph_weighted") / weight if weight > 0 else float("nan")
        return lo, hi, mean

    def coverage(self) -> float:
        """Reaction-weighted share of the interface covered by ZHS, theta, -."""
        weight = self._sum("weight")
        return 1.0 - self._sum("free_weighted") / weight if weight > 0 else float("nan")

    def zhs_thickness(self) -> float:
        """ZHS volume per electrode area (an equivalent uniform layer), m."""
        return self._sum("zhs") * self.chem.zhs_molar_volume / self.width

    def guard_failure(self) -> str | None:
        """Reject a state with SO4 2- <= 0 at a node (electroneutrality out of reach)."""
        arr = self.model.w.x.array
        chem, cb = self.chem, self.model.params.c_bulk
        u, v = arr[self._u_dofs], arr[self._v_dofs]
        with np.errstate(over="ignore"):
            c_h = chem.c_proton_bulk * np.exp(np.minimum(v, 700.0))
            c_oh = chem.kw / np.maximum(c_h, 1e-300)
            sulfate = cb * np.exp(np.minimum(u, 700.0)) + 0.5 * (c_h - c_oh)
        ok = bool(np.all(sulfate > 0.0))
        if not self.comm.allreduce(int(ok), op=MPI.MIN):
            return "guard: SO4 2- would be negative (OH- beyond the ions to balance it)"
        return None
