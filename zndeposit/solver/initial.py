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
    """Overpotential (V, < 0 plating) at which planar BV carries ``current`` (A/m^2) at c_ref."""
    if current == 0.0:
        return 0.0
    nf = p.n * p.f

    def bv(eta: float) -> float:
        return p.i0 * (math.exp(p.alpha_a * nf * eta) - math.exp(-p.alpha_c * nf * eta))

    lo, hi = -2.0, 0.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if bv(mid) < -current else (lo, mid)
    return 0.5 * (lo + hi)


def set_initial_state(
    w: dolfinx.fem.Function, case: Case, p: ModelParameters, conductivity: float
) -> float:
    """Fill w = (xi, c, psi) and return the initial guess of psi_E = F E / (R T).

    psi follows the ohmic profile of the applied current (galvanostatic) so the
    first Newton solve starts close to a consistent potential field.
    """
    surface = initial_surface(case)
    space = w.function_space
    anode_top = case.anode.thickness
    top = case.domain.height
    current = case.control.current_density if case.control.mode == "galvanostatic" else 0.0
    for i, fill in enumerate(("xi", "c", "psi")):
        sub, dofs = space.sub(i).collapse()
        x = sub.tabulate_dof_coordinates()
        if fill == "xi":
            d = surface.signed_distance(x[:, 0], x[:, 1], cutoff=20 * p.length)
            values = phase_field_profile(d, p.length)
        elif fill == "c":
            values = np.ones(x.shape[0])
        else:  # ohmic drop of the plating current from the top (phi = 0) down
            y = np.clip(x[:, 1], anode_top, top)
            values = -p.f * current * (top - y) / conductivity
        w.x.array[dofs] = values
    w.x.scatter_forward()
    eta0 = planar_overpotential(current, p)
    return p.f * (eta0 - current * (top - anode_top) / conductivity)
