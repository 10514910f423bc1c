"""Initial state of a run.

Equilibrium phase-field profile around the initial surface, bulk
concentration, and an ohmic + Butler-Volmer estimate of the potentials.
"""

from __future__ import annotations

import math

import numpy as np

from zndeposit.case.schema import Case
from zndeposit.fem import dolfinx
from zndeposit.geometry.surface import initial_surface
from zndeposit.physics.parameters import ModelParameters


def phase_field_profile(distance: np.ndarray, length: float) -> np.ndarray:
    """Xi = (1 - tanh(d / (2 l))) / 2 for signed distance d (m, > 0 in electrolyte)."""
    return 0.5 * (1.0 - np.tanh(distance / (2.0 * length)))


def planar_overpotential(current: float, p: ModelParameters) -> float:
    """Overpotential (V) at which planar BV carries ``current`` (A/m^2, > 0 plating) at c_ref."""
    nf = p.n * p.f

    def bv(eta: float) -> float:  # > 0 anodic
        return p.i0 * (math.exp(p.alpha_a * nf * eta) - math.exp(-p.alpha_c * nf * eta))

    lo, hi = -3.0, 3.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if bv(mid) < -current else (lo, mid)
    return 0.5 * (lo + hi)


def estimate_current(
    potential: float, p: ModelParameters, resistance: float, counter: bool, limit: float
) -> float:
    """Plating current density (A/m^2) of a planar cell held at ``potential`` (V, < 0 plates).

    Solves potential = eta_we(i) - i R - eta_ce(i) (eta_ce = 0 for a reservoir)
    for 0 <= i <= 0.95 i_lim: an initial guess, not a result.
    """

    def needed(i: float) -> float:
        ce = -planar_overpotential(-i, p) if counter else 0.0
        return planar_overpotential(i, p) - i * resistance - ce

    lo, hi = 0.0, 0.95 * limit
    if needed(hi) >= potential:
        return hi
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if needed(mid) > potential else (lo, mid)
    return 0.5 * (lo + hi)


def set_initial_state(
    w: dolfinx.fem.Function,
    case: Case,
    p: ModelParameters,
    conductivity: float,
    limiting_current: float = math.inf,
) -> float:
    """Fill w = (xi, u = ln(c/c_bulk), psi) and return the initial guess of psi_E = F E / (R T).

    psi follows the ohmic profile of the (applied or estimated) plating
    current, offset by the counter electrode's overpotential when there is
    one, so the first Newton solve starts close to a consistent state.
    """
    surface = initial_surface(case)
    space = w.function_space
    anode_top = case.anode.thickness
    top = case.domain.height
    counter = case.top.kind == "counter_electrode"
    resistance = (top - anode_top) / conductivity
    if case.control.mode == "galvanostatic":
        current = case.control.current_density
    elif case.control.mode == "protocol":  # the first step's current (0: a rest)
        current = case.control.protocol[0].current_density
    elif case.control.mode == "open_circuit":
        current = 0.0
    else:
        limit = limiting_current if math.isfinite(limiting_current) else 1e6
        current = estimate_current(case.control.potential, p, resistance, counter, limit)
    phi_top = planar_overpotential(-current, p) * -1.0 if counter else 0.0
    for i, fill in enumerate(("xi", "c", "psi")):
        sub, dofs = space.sub(i).collapse()
        x = sub.tabulate_dof_coordinates()
        if fill == "xi":
            d = surface.signed_distance(x[:, 0], x[:, 1], cutoff=20 * p.length)
            values = phase_field_profile(d, p.length)
        elif fill == "c":  # u = ln(c / c_bulk) = 0: bulk concentration
            values = np.zeros(x.shape[0])
        else:  # ohmic drop of the plating current from the top down
            y = np.clip(x[:, 1], anode_top, top)
            values = p.f * (phi_top - current * (top - y) / conductivity)
        w.x.array[dofs] = values
    w.x.scatter_forward()
    phi_surface = phi_top - current * resistance
    return p.f * (planar_overpotential(current, p) + phi_surface)
