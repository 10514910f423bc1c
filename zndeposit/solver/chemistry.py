"""Measures of the side chemistry on one mesh: HER current, pH, ZHS, species inventories.

All are collective and evaluated on the model's current state ``w``. The
inventories and supplies give the exact balances of a run
(:mod:`zndeposit.solver.observe`): per unit depth (mol/m), they add up, step
by step, to what entered through the top boundary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import ufl

from zndeposit.constants import FARADAY
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
    from zndeposit.physics.species import ChemistryParameters
    from zndeposit.solver.model import DepositionModel


def proton_ratio(chem: ChemistryParameters, q: np.ndarray, c_zn: np.ndarray | float) -> np.ndarray:
    """c_H / c_H,bulk of nodal scaled proton excesses q / c_H,bulk (NumPy, no cancellation).

    ``c_zn``: the free Zn2+ at the nodes, mol/m^3 (it enters through hydrolysis only).
    """
    h = chem.c_proton_bulk
    return chem.proton_from_excess(np.asarray(q, dtype=float) * h, c_zn) / h


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
            "zinc": form(cb * eps * s_d * sp.zinc),
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
        self._q_dofs = model.dofs[3]
        self._u_dofs = model.dofs[1]
        self._xi_dofs = model.dofs[0]

    def _sum(self, name: str) -> float:
        local = dolfinx.fem.assemble_scalar(self._forms[name])
        return float(self.comm.allreduce(local, op=MPI.SUM))

    def her_current(self) -> float:
        """Hydrogen evolution current per electrode area, A/m^2 (< 0, cathodic)."""
        return self._sum("her") / self.width

    def inventories(self) -> dict[str, float]:
        """Dissolved Zn (Zn2+ + ZnOH+), SO4 2-, proton excess q and ZHS, mol per m of depth."""
        return {name: self._sum(name) for name in ("zinc", "sulfate", "excess", "zhs")}

    def supplies(self) -> dict[str, float]:
        """Dissolved Zn and proton excess that entered through the top in the last step, mol/m."""
        return {"zinc": self._sum("supply_zinc"), "excess": self._sum("supply_excess")}

    def interface_ph(self) -> tuple[float, float, float]:
        """(min, max, reaction-weighted mean) of the pH at the interface (nodes 0.1 < xi < 0.9)."""
        xi = self.model.w.x.array[self._xi_dofs]
        _, c_h = self._nodal_zinc_and_proton()
        ph = -np.log10(c_h / 1000.0)
        sel = ph[(xi > 0.1) & (xi < 0.9)]
        lo = self.comm.allreduce(float(sel.min(initial=np.inf)), op=MPI.MIN)
        hi = self.comm.allreduce(float(sel.max(initial=-np.inf)), op=MPI.MAX)
        weight = self._sum("weight")
        mean = self._sum("ph_weighted") / weight if weight > 0 else float("nan")
        return lo, hi, mean

    def _nodal_zinc_and_proton(self) -> tuple[np.ndarray, np.ndarray]:
        """Free Zn2+ and H+ at the nodes of the current state, mol/m^3 (u capped at 700)."""
        arr = self.model.w.x.array
        c_zn = self.model.params.c_bulk * np.exp(np.minimum(arr[self._u_dofs], 700.0))
        c_h = self.chem.c_proton_bulk * proton_ratio(self.chem, arr[self._q_dofs], c_zn)
        return c_zn, c_h

    def coverage(self) -> float:
        """Reaction-weighted share of the interface covered by ZHS, theta, -."""
        weight = self._sum("weight")
        return 1.0 - self._sum("free_weighted") / weight if weight > 0 else float("nan")

    def zhs_thickness(self) -> float:
        """ZHS volume per electrode area (an equivalent uniform layer), m."""
        return self._sum("zhs") * self.chem.zhs_molar_volume / self.width

    def guard_failure(self) -> str | None:
        """Reject a state with SO4 2- <= 0 at a node (electroneutrality out of reach)."""
        chem = self.chem
        q = self.model.w.x.array[self._q_dofs]
        with np.errstate(over="ignore"):
            c_zn, c_h = self._nodal_zinc_and_proton()
            zn_oh = chem.hydrolysis_constant * c_zn / c_h
            sulfate = c_zn + zn_oh + 0.5 * chem.c_proton_bulk * q
        ok = bool(np.all(sulfate > 0.0))
        if not self.comm.allreduce(int(ok), op=MPI.MIN):
            return "guard: SO4 2- would be negative (OH- beyond the ions to balance it)"
        return None


@dataclass
class ChemistryLedger:
    """Running totals of a run with side chemistry (mol per m of depth), for its balances.

    ``hydrogen``: electrons taken by hydrogen evolution (> 0); ``supply_*``: what
    entered through the top (dissolved Zn, proton excess c_H - c_OH - c_ZnOH, SO4 2-); ``initial``:
    the inventories at t = 0 (:meth:`ChemistryMeasures.inventories`).
    """

    initial: dict[str, float]
    hydrogen: float = 0.0
    supply_zinc: float = 0.0
    supply_excess: float = 0.0
    supply_sulfate: float = 0.0
    her_current: float = 0.0  # A/m^2 of electrode at the last step (< 0)

    def record(self, measures: ChemistryMeasures, dt: float, charge_in: float) -> None:
        """Add one accepted step (before the model advances; ``charge_in``: C/m from the top).

        SO4 2- is not an unknown: its supply follows from electroneutrality,
        2 Zn + q - 2 SO4 = charge / F.
        """
        self.her_current = measures.her_current()
        self.hydrogen += -self.her_current * measures.width * dt / FARADAY
        sup = measures.supplies()
        self.supply_zinc += sup["zinc"]
        self.supply_excess += sup["excess"]
        self.supply_sulfate += sup["zinc"] + 0.5 * sup["excess"] - 0.5 * charge_in / FARADAY

    def balances(self, measures: ChemistryMeasures, metal_change: float) -> dict[str, float]:
        """Relative errors of the Zn, SO4 2- and proton-excess balances since t = 0.

        Zn: metal + dissolved + 4 ZHS - supplied, over the Zn that moved (metal,
        supply, ZHS) or the dissolved inventory; SO4: dissolved + ZHS - supplied,
        over the dissolved inventory; proton excess: dissolved - 6 ZHS + H2
        electrons - supplied, over the largest of its terms.
        """
        now, ini = measures.inventories(), self.initial
        d = {k: now[k] - ini[k] for k in now}
        zn = metal_change + d["zinc"] + 4 * d["zhs"] - self.supply_zinc
        so4 = d["sulfate"] + d["zhs"] - self.supply_sulfate
        h = d["excess"] - 6 * d["zhs"] + self.hydrogen - self.supply_excess
        zn_scale = max(abs(metal_change), abs(self.supply_zinc), 4 * abs(d["zhs"]), 1e-300)
        h_scale = max(abs(d["excess"]), 6 * abs(d["zhs"]), self.hydrogen, abs(ini["excess"]))
        return {
            "zinc_balance_error": abs(zn) / zn_scale,
            "sulfate_balance_error": abs(so4) / max(abs(ini["sulfate"]), 1e-300),
            "proton_balance_error": abs(h) / max(h_scale, 1e-300),
        }

    def to_json(self) -> dict[str, Any]:
        """JSON values for a checkpoint."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChemistryLedger:
        """A ledger from :meth:`to_json`."""
        return cls(**data)
