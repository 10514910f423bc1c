"""Electroneutral Nernst-Planck transport with fixed charge (UFL, scaled variables).

Unknowns are continuous across regions: the bulk-equivalent salt
concentration c (scaled by c_bulk) and psi = F phi / (R T). In a region with
fixed charge X the pore liquid holds the Donnan concentrations

    c+ = (-X/z + sqrt((X/z)^2 + 4 c^2)) / 2,   c- = c+ + X/z      (z:z salts)

so both ions' electrochemical potentials are continuous at region borders.
Fluxes (scaled by c_bulk, m/s):

    N+ = -e D+ r   (grad c + z+ c grad psi),   r  = c+/c
    N- = -e D- r_- (grad c + z- c grad psi),   r_- = c-/c

and the ionic current i / (F c_bulk) = z+ N+ + z- N-. Without fixed charge
r = 1 and r_- = -z+/z- (any valences).
"""

from __future__ import annotations

from dataclasses import dataclass

import ufl

#: floor of the scaled concentration inside the Donnan ratio (avoids 0/0)
C_FLOOR = 1e-8


@dataclass(frozen=True)
class RegionCoefficients:
    """Per-cell (DG0) material coefficients, scaled where noted.

    Attributes:
        porosity: pore volume fraction epsilon.
        effective: porosity / tortuosity.
        fixed_charge: X / c_bulk.
        d_plus, d_minus: pore-liquid diffusivities, m^2/s.
        kinetic: multiplier on i0 of the region.
        symmetric: True for z+ = -z- salts (Donnan closed form available).
        nu: -z+/z-, anions per cation of the neutral salt.
    """

    porosity: object
    effective: object
    fixed_charge: object
    d_plus: object
    d_minus: object
    kinetic: object
    symmetric: bool
    nu: float


def ion_ratios(
    c: ufl.core.expr.Expr, co: RegionCoefficients, z: int
) -> tuple[ufl.core.expr.Expr, ufl.core.expr.Expr]:
    """(c+/c, c-/c) of the pore liquid for bulk-equivalent c (Donnan in charged regions)."""
    if not co.symmetric:
        return ufl.as_ufl(1.0), ufl.as_ufl(co.nu)
    x = co.fixed_charge / z
    cs = ufl.max_value(c, C_FLOOR)
    r = (-x + ufl.sqrt(x * x + 4 * cs * cs)) / (2 * cs)
    return r, 1 / r


def cation_concentration(
    c: ufl.core.expr.Expr, co: RegionCoefficients, z: int
) -> ufl.core.expr.Expr:
    """c+ / c_bulk of the pore liquid (no division: smooth at c = 0)."""
    if not co.symmetric:
        return c
    x = co.fixed_charge / z
    return (-x + ufl.sqrt(x * x + 4 * c * c)) / 2


def anion_concentration(
    c: ufl.core.expr.Expr, co: RegionCoefficients, z_plus: int
) -> ufl.core.expr.Expr:
    """c- / c_bulk of the pore liquid from electroneutrality."""
    if not co.symmetric:
        return co.nu * c
    return cation_concentration(c, co, z_plus) + co.fixed_charge / z_plus


def fluxes(
    c: ufl.core.expr.Expr, psi: ufl.core.expr.Expr, co: RegionCoefficients, zp: int, zm: int
) -> tuple[ufl.core.expr.Expr, ufl.core.expr.Expr]:
    """Scaled cation and anion fluxes N+/c_bulk, N-/c_bulk, m/s."""
    r_plus, r_minus = ion_ratios(c, co, zp)
    n_plus = -co.effective * co.d_plus * r_plus * (ufl.grad(c) + zp * c * ufl.grad(psi))
    n_minus = -co.effective * co.d_minus * r_minus * (ufl.grad(c) + zm * c * ufl.grad(psi))
    return n_plus, n_minus


def ionic_current(
    c: ufl.core.expr.Expr, psi: ufl.core.expr.Expr, co: RegionCoefficients, zp: int, zm: int
) -> ufl.core.expr.Expr:
    """I / (F c_bulk), m/s."""
    n_plus, n_minus = fluxes(c, psi, co, zp, zm)
    return zp * n_plus + zm * n_minus
