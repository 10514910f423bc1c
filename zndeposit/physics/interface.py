"""Phase-field interface: interpolation functions, free energy, Allen-Cahn terms (UFL).

Conventions: xi = 1 in Zn metal, 0 in electrolyte. The growth normal points
from metal into electrolyte, ``n = -grad xi / |grad xi|``; its angle is
measured from the surface normal (+y), so ``theta = 0`` on a flat anode and a
crystal tilt ``theta0`` (``interface.angle``) rotates the anisotropy. The
curvature ``K = div n`` is positive for a convex metal bump.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import ufl

#: xi below which the sharp model's reaction does not act (see :func:`reaction_weight`)
REACTION_CUTOFF = 0.02
#: Regularisation of |grad xi| (1/m) relative to 1/l, where the gradient vanishes.
GRAD_EPS = 1e-3


def h(xi: ufl.core.expr.Expr) -> ufl.core.expr.Expr:
    """Metal share of a point: xi^3 (6 xi^2 - 15 xi + 10)."""
    return xi**3 * (6 * xi**2 - 15 * xi + 10)


def dh(xi: ufl.core.expr.Expr) -> ufl.core.expr.Expr:
    """h'(xi) = 30 xi^2 (1 - xi)^2."""
    return 30 * xi**2 * (1 - xi) ** 2


def reaction_weight(
    xi: ufl.core.expr.Expr, length: float, cutoff: float = REACTION_CUTOFF
) -> ufl.core.expr.Expr:
    """Where across the profile the sharp model's reaction acts, 1/m (integrates to 1).

    h'(y) / (N l) of the rescaled y = (xi - a)/(1 - a), zero for xi < a = ``cutoff``.
    With h'(xi) itself the reaction reaches into the profile's exponential
    tail, where transport-limited growth finds more salt than at the
    interface: at depletion the reaction zone ran ahead of the interface into
    xi ~ 1e-3 and the overpotential with it. The cut-off pins it within
    ln((1 - a)/a) l of xi = 1/2 (3.9 l for a = 0.02) and leaves it C1.
    N = :func:`reaction_norm` makes it integrate to one across the equilibrium
    profile, so a planar front moves at exactly the Butler-Volmer velocity.
    """
    y = ufl.max_value((xi - cutoff) / (1.0 - cutoff), 0.0)
    return dh(y) / (reaction_norm(cutoff) * length)


@functools.cache
def reaction_norm(cutoff: float) -> float:
    """N(a) = integral of h'((xi - a)/(1 - a)) dx / l across the profile (5 for a = 0).

    On the equilibrium profile dx = l dxi / (xi (1 - xi)); the integrand is
    smooth on [a, 1], so 64-point Gauss-Legendre is exact to round-off.
    """
    nodes, weights = np.polynomial.legendre.leggauss(64)
    xi = cutoff + (1.0 - cutoff) * (nodes + 1.0) / 2.0
    y = (xi - cutoff) / (1.0 - cutoff)
    integrand = 30.0 * y**2 * (1.0 - y) ** 2 / (xi * (1.0 - xi))
    return float(np.sum(weights * integrand) * (1.0 - cutoff) / 2.0)


def g(xi: ufl.core.expr.Expr) -> ufl.core.expr.Expr:
    """Double-well potential xi^2 (1 - xi)^2."""
    return xi**2 * (1 - xi) ** 2


def dg(xi: ufl.core.expr.Expr) -> ufl.core.expr.Expr:
    """g'(xi) = 2 xi (1 - xi) (1 - 2 xi)."""
    return 2 * xi * (1 - xi) * (1 - 2 * xi)


def deposit_measure(xi: ufl.core.expr.Expr) -> ufl.core.expr.Expr:
    """q(xi) = 2 int_0^xi (1 - h) = 2 (xi - 5/2 xi^4 + 3 xi^5 - xi^6): metal counted for Faraday.

    The deposition sink takes Zn2+ from the electrolyte with the weight
    ``q'(xi) = 2 (1 - h(xi))``, so ions are drawn where electrolyte is; q
    runs from 0 to 1 and a translating profile moves integral(q) at the front
    velocity, so deposited Zn = rho_m * integral(porosity * q(xi)).
    """
    return 2 * (xi - 2.5 * xi**4 + 3 * xi**5 - xi**6)


def growth_normal(xi: ufl.core.expr.Expr, length: float) -> ufl.core.expr.Expr:
    """Unit growth normal -grad xi / |grad xi|, regularised where the gradient vanishes."""
    gr = ufl.grad(xi)
    eps = GRAD_EPS / length
    return -gr / ufl.sqrt(ufl.dot(gr, gr) + eps * eps)


def orientation_cos(normal: ufl.core.expr.Expr, fold: int, angle: float) -> ufl.core.expr.Expr:
    """cos(m (theta - theta0)) with theta the angle of ``normal`` from +y (polynomial in n).

    Uses Re/Im of (n_y + i n_x)^m so no atan2 is needed: exact for unit normals.
    """
    a, b = normal[1], -normal[0]  # cos(theta), sin(theta): theta measured from +y, positive to -x
    re, im = a, b
    for _ in range(fold - 1):
        re, im = re * a - im * b, re * b + im * a
    return re * math.cos(fold * angle) + im * math.sin(fold * angle)


def stiffness_factor(
    normal: ufl.core.expr.Expr, anisotropy: float, fold: int, angle: float
) -> ufl.core.expr.Expr:
    """(gamma + gamma'') / gamma0 = 1 - (m^2 - 1) delta cos(m (theta - theta0)).

    For gamma(theta) = gamma0 (1 + delta cos(m (theta - theta0))).
    """
    if anisotropy == 0.0:
        return ufl.as_ufl(1.0)
    return 1 - (fold * fold - 1) * anisotropy * orientation_cos(normal, fold, angle)


def kinetic_factor(
    normal: ufl.core.expr.Expr, strength: float, fold: int, angle: float
) -> ufl.core.expr.Expr:
    """i0(n) / i0 = 1 + delta_k cos(m (theta - theta0))."""
    if strength == 0.0:
        return ufl.as_ufl(1.0)
    return 1 + strength * orientation_cos(normal, fold, angle)


def free_energy_density(
    xi: ufl.core.expr.Expr,
    barrier: float,
    gradient: float,
    length: float,
    anisotropy: float = 0.0,
    fold: int = 6,
    angle: float = 0.0,
) -> ufl.core.expr.Expr:
    """W g(xi) + kappa(n)/2 |grad xi|^2, J/m^3, kappa(n) = kappa0 (1 + delta cos(m(theta-theta0))).

    Differentiate ``free_energy_density(...) * dx`` with ``ufl.derivative`` for
    the exact anisotropic variational derivative (Chen 2015 formulation).
    """
    kappa = gradient
    if anisotropy != 0.0:
        kappa = gradient * (
            1 + anisotropy * orientation_cos(growth_normal(xi, length), fold, angle)
        )
    return barrier * g(xi) + 0.5 * kappa * ufl.dot(ufl.grad(xi), ufl.grad(xi))


#: The ``profile_flux = "normal"`` variant keeps the tangential part of the profile flux
#: where xi (1 - xi) < FLUX_TAIL_PRODUCT (xi < 0.001 or > 0.999) and acts along n only
#: where xi (1 - xi) > 4 FLUX_TAIL_PRODUCT (0.004 < xi < 0.996), smoothstep between
FLUX_TAIL_PRODUCT = 1e-3
#: the choices of ``interface.profile_flux``
PROFILE_FLUXES = ("full", "normal")


def flux_tail_weight(xi: ufl.core.expr.Expr) -> ufl.core.expr.Expr:
    """1 in the profile tails (xi (1 - xi) < P), 0 inside the interface (> 4 P), C1 between.

    P = :data:`FLUX_TAIL_PRODUCT`; also 1 where xi leaves [0, 1].
    """
    p = FLUX_TAIL_PRODUCT
    s = ufl.min_value(ufl.max_value((xi * (1 - xi) - p) / (3 * p), 0.0), 1.0)
    return 1 - s * s * (3 - 2 * s)


def profile_flux_residual(
    xi: ufl.core.expr.Expr,
    v: ufl.core.expr.Expr,
    normal: ufl.core.expr.Expr,
    gradient: float,
    length: float,
    dx: ufl.Measure,
    weight: ufl.core.expr.Expr | float = 1.0,
    variant: str = "full",
) -> ufl.Form:
    """Weak form of kappa div(w F) * v, J/m^3: restores the profile only.

    ``variant = "full"`` (the default): F = grad xi + xi (1 - xi)/l n. The flux vanishes
    for the equilibrium profile xi = (1 - tanh(d/(2 l)))/2 about ANY surface
    (grad xi = -xi (1 - xi)/l n there), so the operator has no curvature motion, and
    being a divergence it conserves integral(xi): it reshapes the profile along the
    normal but cannot move the surface. It is the Allen-Cahn operator
    kappa lap(xi) - W g'(xi) with its curvature part kappa |grad xi| div(n) removed and
    |grad xi| replaced by its equilibrium value xi (1 - xi)/l (in divergence form).
    ``normal``: the unit growth normal (lagged, projected onto P1); ``weight`` w: the
    porosity, so that integral(porosity xi) is conserved across region borders too.
    Enters the residual with + dt L_sigma.

    ``variant = "normal"`` (case key ``interface.profile_flux``):
    F = (n.grad xi + xi (1 - xi)/l) n + tau (grad xi - (n.grad xi) n) with
    tau = :func:`flux_tail_weight`, 1 only in the profile tails. The tangential part
    is zero on a resolved profile with the exact normal, but with the lagged, projected
    normal it moves xi along the surface (a curvature motion L_sigma kappa (K - K_lag)
    and a mesh-dependent lateral transfer), which at the default L_sigma swamps the
    Gibbs-Thomson decay of micrometre modes; along n the decay is right from about 16
    elements per interface width on, but the normal flux alone pins to the grid at 8
    (docs/solver.md, docs/verification.md). In the tails the normal is mesh noise and
    the flux along n alone let a coarse run leave 0 <= xi <= 1, hence tau = 1 there.
    """
    if variant == "full":
        flux = ufl.grad(xi) + xi * (1 - xi) / length * normal
    elif variant == "normal":
        gr = ufl.grad(xi)
        along = ufl.dot(normal, gr)
        tangential = gr - along * normal
        flux = (along + xi * (1 - xi) / length) * normal + flux_tail_weight(xi) * tangential
    else:
        raise ValueError(f"profile flux {variant!r} is not one of {PROFILE_FLUXES}")
    return gradient * weight * ufl.dot(flux, ufl.grad(v)) * dx
