"""The electrode potential that gives the applied current at the present fields.

When a protocol step changes the current, E is moved at once to where the
interfacial currents of the present state add up to the new current, so that
Newton starts near the jump of E a change of current makes (without
double-layer capacitance E jumps; from the old E, Newton needed 25+
iterations or failed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ufl

from zndeposit.fem import MPI, dolfinx
from zndeposit.physics.interface import reaction_weight

if TYPE_CHECKING:
    from zndeposit.solver.model import DepositionModel

#: half-width of the bisection bracket in psi_E = F E/(R T) (about +-1 V)
BRACKET = 40.0
#: bisection steps (the bracket / 2^60: far below round-off)
BISECTIONS = 60


def electrode_current_form(model: DepositionModel) -> object:
    """-integral(porosity w(xi) (i_Zn + i_H)) over the domain, A/m (compiled once per model)."""
    if model._electrode_current is None:
        f, p = model.forms, model.params
        xi = ufl.split(model.w)[0]
        local = f.interfacial_current
        if f.chemistry is not None:
            local = local + f.chemistry.her_current
        weight = reaction_weight(xi, p.length) * model.coefficients.porosity
        lumped = {"quadrature_rule": "vertex", "quadrature_degree": 1}
        dx = ufl.dx(domain=model.mesh, metadata=lumped)
        model._electrode_current = dolfinx.fem.form(-weight * local * dx)
    return model._electrode_current


def predict_potential(model: DepositionModel) -> None:
    """Set the model's E where the electrode current at the present fields is the applied one.

    Bisection in psi_E within +-BRACKET of its value: the electrode current
    falls monotonically with E. Without a sign change in the bracket E is left
    alone; potentiostatic models are left alone (collective).
    """
    if not model.galvanostatic:
        return
    form = electrode_current_form(model)
    target = model.current_density * model.width

    def excess(psi_e: float) -> float:
        model.psi_e.x.array[:] = psi_e
        value = dolfinx.fem.assemble_scalar(form)
        return float(model.comm.allreduce(value, op=MPI.SUM)) - target

    start = float(model.system.global_values[0])
    lo, hi = start - BRACKET, start + BRACKET
    if not (excess(lo) > 0.0 > excess(hi)):
        model.psi_e.x.array[:] = start
        return
    for _ in range(BISECTIONS):
        mid = 0.5 * (lo + hi)
        if excess(mid) > 0.0:
            lo = mid
        else:
            hi = mid
    model.psi_e.x.array[:] = 0.5 * (lo + hi)
