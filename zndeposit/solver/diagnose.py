"""Why a run cannot go on, in the user's terms.

When the step controller gives up (dt below dt_min), the PETSc reason alone
("DIVERGED_MAX_IT") tells a battery researcher nothing. :func:`stop_reason`
reads the last good state and names the physical cause it finds first:

1. the metal reached the top boundary (the deposit outgrew the domain), or
   (stripping) the metal under the interface is used up: the interface is
   within ``TOP_REACH`` profile lengths of the current collector;
2. the interface is depleted (electrolyte-side Zn2+ below ``DEPLETED`` of the
   bulk), or the electrolyte elsewhere (the top of a coating, where the salt
   runs out first): under galvanostatic control the applied current exceeds
   what the cell can carry (above its limiting current, past Sand's time);
3. otherwise the numerical cause alone.

The message always ends with the check that rejected the last step; in a
protocol it begins with the step, e.g. ``step 3 (strip -10 mA/cm^2): ...``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from zndeposit.fem import MPI
from zndeposit.metrics.registry import ELECTROLYTE_BAND
from zndeposit.solver.initial import phase_field_profile
from zndeposit.units import unit_factor

#: electrolyte-side interface Zn2+ (fraction of the bulk) below which the interface counts as
#: depleted: a thousandth of the bulk, where the concentration overpotential exceeds
#: RT/(zF) ln(1000) = 89 mV at 25 degC for Zn2+
DEPLETED = 1e-3
#: metal "reaches" the top when xi > 1/2 within this many profile lengths l of it
TOP_REACH = 4.0


@dataclass(frozen=True)
class StateSummary:
    """What the diagnosis reads from the last good state (SI units).

    Attributes:
        t: time, s.
        c_interface_min: smallest electrolyte-side interface Zn2+ / c_bulk.
        metal_top: highest point with xi > 1/2, m.
        height: domain height, m.
        potential: electrode potential E, V.
        c_electrolyte_min: smallest salt / c_bulk anywhere in the electrolyte (xi < 1/2).
        c_electrolyte_min_y: height of that minimum, m.
    """

    t: float
    c_interface_min: float
    metal_top: float
    height: float
    potential: float
    c_electrolyte_min: float = math.inf
    c_electrolyte_min_y: float = math.nan
    metal_at_collector: float = 1.0


def summarise(sim: object) -> StateSummary:
    """Collective: the quantities of :class:`StateSummary` from a Simulation's state."""
    comm = sim.comm
    arr = sim.w.x.array
    xi, u = arr[sim.dofs[0]].ravel(), arr[sim.dofs[1]].ravel()
    coords = sim.space.sub(0).collapse()[0].tabulate_dof_coordinates()
    lo, hi = ELECTROLYTE_BAND  # the band of the metric c_interface_min
    band = (xi > lo) & (xi < hi)
    c_min = float(np.exp(np.min(u[band]))) if band.any() else math.inf
    top = float(np.max(coords[xi > 0.5, 1], initial=-math.inf))
    liquid = np.flatnonzero(xi < 0.5)
    where = liquid[np.argmin(u[liquid])] if liquid.size else None
    local = (math.exp(u[where]), float(coords[where, 1])) if where is not None else (math.inf, 0.0)
    c_liquid, y_liquid = min(comm.allgather(local))
    return StateSummary(
        t=sim.t,
        c_interface_min=comm.allreduce(c_min, op=MPI.MIN),
        metal_top=comm.allreduce(top, op=MPI.MAX),
        height=sim.case.domain.height,
        potential=sim.potential,
        c_electrolyte_min=c_liquid,
        c_electrolyte_min_y=y_liquid,
        metal_at_collector=sim.model.metal_at_collector(),
    )


def stop_reason(sim: object, check: str) -> str:
    """The message of a run that cannot go on (collective).

    Args:
        sim: the :class:`~zndeposit.solver.simulation.Simulation` at its last good state.
        check: what rejected the last attempted step (Newton reason, a guard, ...).
    """
    s = summarise(sim)
    p, d, case = sim.params, sim.derived, sim.case
    um, mv = unit_factor("m", "um"), unit_factor("V", "mV")
    ma_cm2, mol_l = unit_factor("A/m^2", "mA/cm^2"), unit_factor("mol/m^3", "mol/L")
    seg = sim.stepper.protocol_step
    applied = sim.model.current_density if sim.galvanostatic else 0.0
    # xi on the collector with the interface TOP_REACH profile lengths above it
    near = float(phase_field_profile(-TOP_REACH * p.length, p.length))
    if applied < 0 and s.metal_at_collector < near:
        cause = (
            f"the metal under the interface is used up at t = {s.t:.6g} s (the interface is "
            f"within {TOP_REACH:g} l = {TOP_REACH * p.length * um:.2g} um of the current "
            f"collector; E = {s.potential * mv:.0f} mV): strip less or start from a thicker "
            "anode"
        )
    elif s.metal_top >= s.height - TOP_REACH * p.length:
        cause = (
            f"the metal reached the top boundary at t = {s.t:.4g} s (deposit up to "
            f"{s.metal_top * um:.3g} um of a {s.height * um:.3g} um domain, within "
            f"{TOP_REACH:g} l = {TOP_REACH * p.length * um:.2g} um): make the domain taller or "
            "plate less"
        )
    elif min(s.c_interface_min, s.c_electrolyte_min) < DEPLETED:
        if s.c_interface_min < DEPLETED:
            cause = (
                f"interface depleted: c < {s.c_interface_min * p.c_bulk * mol_l:.2g} mol/L "
                f"({s.c_interface_min:.2g} of the bulk) on the electrolyte side at "
                f"t = {s.t:.4g} s"
            )
        else:  # e.g. at the top of a coating, where the salt runs out before the metal
            cause = (
                f"electrolyte depleted: c < {s.c_electrolyte_min * p.c_bulk * mol_l:.2g} mol/L "
                f"({s.c_electrolyte_min:.2g} of the bulk) at y = "
                f"{s.c_electrolyte_min_y * um:.3g} um, above the interface, at t = {s.t:.4g} s"
            )
        if sim.galvanostatic:
            if d.sand_time and math.isfinite(d.sand_time):
                cause += f", {s.t / d.sand_time:.3g} x Sand's time ({d.sand_time:.4g} s)"
            cause += (
                f"; the applied current {applied * ma_cm2:.4g} mA/cm^2 exceeds what the cell "
                f"can carry (flat-cell limiting current {d.limiting_current * ma_cm2:.4g} "
                f"mA/cm^2; E reached {s.potential * mv:.0f} mV): lower the current, raise the "
                "concentration or t_Zn2+, or shorten the gap"
            )
        else:
            cause += (
                f" at E = {s.potential * mv:.0f} mV: the solver could not follow the "
                "depleted interface (try a smaller dt_max or a finer mesh)"
            )
    else:
        cause = (
            f"the solver could not continue at t = {s.t:.4g} s (interface Zn2+ "
            f"{s.c_interface_min:.2g} of the bulk, E = {s.potential * mv:.0f} mV)"
        )
    where = f"{seg.label}: " if seg is not None else ""
    return (
        f"{where}{cause} [rejected by: {check}; dt fell below dt_min = {case.numerics.dt_min:g} s]"
    )
