"""Electroneutral Nernst-Planck transport with fixed charge (UFL, scaled variables).

The salt unknown is logarithmic: u = ln(c / c_bulk) with c the
bulk-equivalent salt concentration, so c = c_bulk exp(u) > 0 for any
Newton iterate (positivity by construction, down to c -> 0 at depletion).
The potential is psi = F phi / (R T). Both are continuous across regions.
In a region with fixed charge X the pore liquid holds the Donnan
concentrations

    c+ = (-X/z + sqrt((X/z)^2 + 4 c^2)) / 2,   c- = c+ + X/z      (z:z salts)

so both ions' electrochemical potentials are continuous at region borders.
Written on u, the fluxes (scaled by c_bulk, m/s) are the pore-liquid
concentrations times the gradients of the electrochemical potentials:

    N+ = -e D+ c+ (grad u + z+ grad psi)
    N- = -e D- c- (grad u + z- grad psi)

and the ionic current i / (F c_bulk) = z+ N+ + z- N-. Without fixed charge
c+ = c and c- = (-z+/z-) c (any valences).
"""

from __future__ import annotations

from dataclasses import dataclass

import ufl

from zndeposit.physics.kinetics import soft_clip

#: bound of u = ln(c/c_bulk) inside exp(): c/c_bulk <= exp(U_CAP) (Newton overshoots only)
U_CAP = 30.0


@dataclass(frozen=True)
class RegionCoefficients:
    """Per-cell (DG0) material coefficients, scaled where noted.

    Attributes:
        porosity: pore volume fraction epsilon.
        effective: porosity / tortuosity.
        fixed_charge: X / c_bulk.
        d_plus, d_minus: pore-liquid diffusivities, m^2/s.
        kinetic: multiplier on i0 of the region.
        hydrogen: multiplier on the HER exchange currents of the region (side chemistry).
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
    hydrogen: object = 1.0


def salt(u: ufl.core.expr.Expr) -> ufl.core.expr.Expr:
    """Scaled bulk-equivalent salt concentration c / c_bulk = exp(u) (> 0 for any u).

    A Newton overshoot to u > U_CAP is continued logarithmically (see
    :func:`~zndeposit.physics.kinetics.soft_clip`) so exp() stays finite.
    """
    return ufl.exp(soft_clip(u, U_CAP, lower=False))


def log_cation(u: ufl.core.expr.Expr, co: RegionCoefficients, z: int) -> ufl.core.expr.Expr:
    """ln(c+ / c_bulk) of the pore liquid, without cancellation at any c > 0.

    c+ = (sqrt(x^2 + 4 c^2) - x)/2 for x = X/(z c_bulk) <= 0 (cation-selective host:
    c+ -> -x as c -> 0), and the equal 2 c^2 / (x + sqrt(x^2 + 4 c^2)) for x > 0.
    """
    if not co.symmetric:
        return u
    x = co.fixed_charge / z
    c = salt(u)
    root = ufl.sqrt(x * x + 4 * c * c)
    selective = ufl.ln(ufl.max_value((root - x) / 2, 1e-300))
    rejecting = ufl.ln(2.0) + 2 * u - ufl.ln(ufl.max_value(x + root, 1e-300))
    return ufl.conditional(ufl.le(x, 0.0), selective, rejecting)


def ion_ratios(
    u: ufl.core.expr.Expr, co: RegionCoefficients, z: int
) -> tuple[ufl.core.expr.Expr, ufl.core.expr.Expr]:
    """(c+/c, c-/c) of the pore liquid for u = ln(c/c_bulk) (Donnan in charged regions)."""
    if not co.symmetric:
        return ufl.as_ufl(1.0), ufl.as_ufl(co.nu)
    r = ufl.exp(log_cation(u, co, z) - u)
    return r, 1 / r


def cation_concentration(
    u: ufl.core.expr.Expr, co: RegionCoefficients, z: int
) -> ufl.core.expr.Expr:
    """c+ / c_bulk of the pore liquid (> 0) for u = ln(c/c_bulk)."""
    if not co.symmetric:
        return salt(u)
    return ufl.exp(log_cation(u, co, z))


def anion_concentration(
    u: ufl.core.expr.Expr, co: RegionCoefficients, z_plus: int
) -> ufl.core.expr.Expr:
    """c- / c_bulk of the pore liquid from electroneutrality."""
    if not co.symmetric:
        return co.nu * salt(u)
    return cation_concentration(u, co, z_plus) + co.fixed_charge / z_plus


def fluxes(
    u: ufl.core.expr.Expr, psi: ufl.core.expr.Expr, co: RegionCoefficients, zp: int, zm: int
) -> tuple[ufl.core.expr.Expr, ufl.core.expr.Expr]:
    """Scaled cation and anion fluxes N+/c_bulk, N-/c_bulk, m/s (u = ln(c/c_bulk))."""
    cp, cm = cation_concentration(u, co, zp), anion_concentration(u, co, zp)
    n_plus = -co.effective * co.d_plus * cp * (ufl.grad(u) + zp * ufl.grad(psi))
    n_minus = -co.effective * co.d_minus * cm * (ufl.grad(u) + zm * ufl.grad(psi))
    return n_plus, n_minus


def ionic_current(
    u: ufl.core.expr.Expr, psi: ufl.core.expr.Expr, co: RegionCoefficients, zp: int, zm: int
) -> ufl.core.expr.Expr:
    """I / (F c_bulk), m/s."""
    n_plus, n_minus = fluxes(u, psi, co, zp, zm)
    return zp * n_plus + zm * n_minus
