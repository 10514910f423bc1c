"""Linear stability of a planar plating front (Mullins-Sekerka type), sharp-interface limit.

The model's sharp-interface limit (``formulation = "sharp"``) for a binary z:z
salt without fixed charge: electrolyte above a Zn front y = zeta(x, t), a
reservoir (c = c_bulk, phi = 0) or a flat Zn counter electrode (at E = 0) at
the distance L above it. Quasi-static transport (the diffusion time over a
wavelength, 1/(D k^2), is far below 1/|omega|):

* the anions do not react, so at steady state their flux vanishes everywhere
  and they are in Boltzmann equilibrium: ``phi = ln(c / c_bulk) / (z f)``
  (f = F/(R T)) exactly, with a reservoir; with a counter electrode up to a
  constant. The whole ohmic and diffusion potential is then carried by c;
* the salt is harmonic, ``lap(c) = 0``, and the cation flux is ``-2 D+ grad c``,
  so the plating current density is ``i = beta dc/dn`` with
  ``beta = z F D / (1 - t+)`` (D the ambipolar salt diffusivity);
* at the front ``i = i0 [(c/c_ref) exp(-alpha_c n f eta) - exp(alpha_a n f eta)]``
  (> 0 plating), ``eta = E - phi + Gamma K``, ``Gamma = gamma V_m / (n F)``,
  K the curvature (> 0 on a bump), and the front moves along its normal at
  ``i V_m / (n F)``.

Perturbing the planar state (current i, front concentration c_s, gradient
G = i / beta) by ``zeta = A exp(omega t) cos(k x)`` gives

    omega(k) = V_m/(n F) * beta Q(k) (S G - g Gamma k^2) / (beta Q(k) + S)

with ``g = n f (alpha_c i_c + alpha_a i_a)`` the charge-transfer conductance
(A/(m^2 V); i_c, i_a the cathodic and anodic partial currents of the planar
state), ``S = [i_c + (n/z) g/(n f)] / c_s`` the sensitivity of the plating
current to the front concentration (directly through the cathodic term and
through the Boltzmann potential, A m/mol), and ``Q(k) = k coth(k L)`` for a
reservoir; a counter electrode of sensitivity S_ce (same definition at its
own state) gives ``Q = k (1 + r tanh kL)/(tanh kL + r)``, ``r = beta k / S_ce``
(the Robin condition beta c1' = -S_ce c1 on the top).
Under galvanostatic control the k = 0 mode is removed (E adjusts, omega = 0);
E is uniform, so it does not enter the k > 0 modes.

Limits: fast transport (beta -> inf) leaves the capillary smoothing
``omega = -V_m g Gamma k^2 / (n F)``; at the limiting current (c_s -> 0,
S -> inf) ``omega = v Q(k)`` (v = i V_m / (n F)), the classic
``v k coth(k L)`` of diffusion-limited growth. See docs/verification.md.

Checked against the model's own reaction: the first Fourier mode of the
column-integrated Faradaic rate of a decaying sinusoid, over its amplitude,
is omega within 0.3-3 % (reaction side, lambda = 2 um). Not part of this
theory: the sharp formulation's numerical curvature motion
L_sigma kappa (K - K_lag) of the lagged normal in its profile flux, which
divides omega by 1 + L_sigma kappa k^2 dt (docs/verification.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from zndeposit.constants import FARADAY, GAS_CONSTANT, ZN_MOLAR_VOLUME

if TYPE_CHECKING:
    from zndeposit.physics.parameters import ModelParameters


@dataclass(frozen=True)
class StabilityParameters:
    """Material and kinetic parameters of the planar-front problem (SI).

    Attributes:
        c_bulk: reservoir (initial) salt concentration, mol/m^3.
        diffusivity: ambipolar salt diffusivity D, m^2/s.
        t_plus: cation transference number, -.
        i0: exchange current density of the working electrode, A/m^2.
        alpha_a, alpha_c: transfer coefficients, -.
        gamma: interface stiffness gamma + gamma'' at the flat orientation, J/m^2.
        c_ref: reference concentration of the cathodic BV term (default c_bulk), mol/m^3.
        z: cation charge number (binary z:z salt).
        n: electrons per deposited ion.
        temperature: K.
        molar_volume: metal molar volume V_m, m^3/mol.
        counter_i0: exchange current density of a Zn counter electrode on top
            (default i0), A/m^2; used by :func:`counter_electrode_state`.
    """

    c_bulk: float
    diffusivity: float
    t_plus: float
    i0: float
    alpha_a: float
    alpha_c: float
    gamma: float
    c_ref: float | None = None
    z: int = 2
    n: int = 2
    temperature: float = 298.15
    molar_volume: float = ZN_MOLAR_VOLUME
    counter_i0: float | None = None

    @property
    def f(self) -> float:
        """F / (R T), 1/V."""
        return FARADAY / (GAS_CONSTANT * self.temperature)

    @property
    def beta(self) -> float:
        """Current per front concentration gradient, z F D / (1 - t+), A m^2/mol."""
        return self.z * FARADAY * self.diffusivity / (1.0 - self.t_plus)

    @property
    def capillary_voltage(self) -> float:
        """Gamma = gamma V_m / (n F): Gibbs-Thomson shift per unit curvature, V m."""
        return self.gamma * self.molar_volume / (self.n * FARADAY)

    @property
    def velocity_per_current(self) -> float:
        """V_m / (n F): front speed per plating current density, m^3/C."""
        return self.molar_volume / (self.n * FARADAY)

    @property
    def reference(self) -> float:
        """c_ref of the cathodic term, mol/m^3."""
        return self.c_ref if self.c_ref is not None else self.c_bulk

    def limiting_current(self, gap: float) -> float:
        """Planar limiting current beta c_bulk / L to a reservoir at ``gap`` (m), A/m^2."""
        return self.beta * self.c_bulk / gap

    @classmethod
    def from_model(cls, p: ModelParameters, counter_i0: float | None = None) -> StabilityParameters:
        """From a case's :class:`~zndeposit.physics.parameters.ModelParameters` (bulk region).

        The stiffness is that of the flat orientation (theta = 0) and i0 carries
        the kinetic anisotropy there; the odd (drift) parts of anisotropy are
        not part of this theory. Fixed charge is not supported.
        """
        bulk = p.regions[-1]
        if bulk.fixed_charge != 0.0 or p.z_plus != -p.z_minus:
            raise ValueError("the stability theory needs a binary z:z salt without fixed charge")
        m, theta0 = p.fold, p.angle
        stiffness = 1.0 - (m * m - 1) * p.anisotropy * math.cos(m * theta0)
        kinetic = bulk.kinetic_factor * (1.0 + p.kinetic_anisotropy * math.cos(m * theta0))
        return cls(
            c_bulk=p.c_bulk,
            diffusivity=bulk.ambipolar_diffusivity / bulk.tortuosity,
            t_plus=bulk.transference_number,
            i0=p.i0 * kinetic,
            alpha_a=p.alpha_a,
            alpha_c=p.alpha_c,
            gamma=p.gamma * stiffness,
            c_ref=p.c_ref,
            z=p.z_plus,
            n=p.n,
            temperature=p.temperature,
            molar_volume=p.molar_volume,
            counter_i0=counter_i0,
        )


@dataclass(frozen=True)
class PlanarState:
    """Steady planar plating state (SI; currents > 0 for plating).

    Attributes:
        current: plating current density i, A/m^2.
        gap: distance L from the front to the top boundary, m.
        c_surface: salt concentration at the front c_s, mol/m^3.
        c_top: concentration at the top boundary, mol/m^3.
        gradient: dc/dy = i / beta, mol/m^4.
        eta: overpotential E - phi_s of the working electrode, V.
        i_cathodic, i_anodic: partial currents i_c, i_a (both >= 0), A/m^2.
        potential: electrode potential E vs the reservoir / counter electrode, V.
        top_sensitivity: S_ce of a counter electrode (A m/mol); inf for a reservoir.
    """

    current: float
    gap: float
    c_surface: float
    c_top: float
    gradient: float
    eta: float
    i_cathodic: float
    i_anodic: float
    potential: float
    top_sensitivity: float = math.inf


def _bisect(fun: Callable[[float], float], lo: float, hi: float, iterations: int = 200) -> float:
    """Root of a function increasing on [lo, hi] (fun(lo) < 0 < fun(hi))."""
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if fun(mid) < 0 else (lo, mid)
    return 0.5 * (lo + hi)


def _partials(par: StabilityParameters, i0: float, eta: float, c: float) -> tuple[float, float]:
    """Cathodic and anodic partial currents (A/m^2) at overpotential eta (V), concentration c."""
    nf = par.n * par.f
    return i0 * c / par.reference * math.exp(-par.alpha_c * nf * eta), i0 * math.exp(
        par.alpha_a * nf * eta
    )


def _overpotential(par: StabilityParameters, i0: float, current: float, c: float) -> float:
    """Overpotential (V) at which net plating current i_c - i_a equals ``current`` (A/m^2)."""

    def excess(eta: float) -> float:  # decreasing in eta; negated for the bisection
        ic, ia = _partials(par, i0, eta, c)
        return -(ic - ia - current)

    return _bisect(excess, -5.0, 5.0)


def sensitivity(par: StabilityParameters, i_cathodic: float, i_anodic: float, c: float) -> float:
    """S = d i / d c at fixed E with the Boltzmann potential phi = ln(c)/(z f) + const, A m/mol.

    ``S = [i_c + (n/z) (alpha_c i_c + alpha_a i_a)] / c`` (plating sign; for a
    counter electrode pass its own partial currents: the same expression is
    the decrease of its dissolution current).
    """
    g = par.alpha_c * i_cathodic + par.alpha_a * i_anodic
    return (i_cathodic + par.n / par.z * g) / c


def reservoir_state(par: StabilityParameters, current: float, gap: float) -> PlanarState:
    """Planar steady state at ``current`` (A/m^2) with a reservoir ``gap`` (m) above the front.

    Raises:
        ValueError: at or above the limiting current.
    """
    grad = current / par.beta
    c_s = par.c_bulk - grad * gap
    if c_s <= 0.0:
        raise ValueError(f"current {current:g} A/m^2 is at or above the limiting current")
    eta = _overpotential(par, par.i0, current, c_s)
    ic, ia = _partials(par, par.i0, eta, c_s)
    phi_s = math.log(c_s / par.c_bulk) / (par.z * par.f)
    return PlanarState(current, gap, c_s, par.c_bulk, grad, eta, ic, ia, eta + phi_s)


def counter_electrode_state(
    par: StabilityParameters, current: float, gap: float, c_mean: float | None = None
) -> PlanarState:
    """Planar steady state with a Zn counter electrode (at E = 0) ``gap`` (m) above the front.

    The salt is conserved: the linear profile has the mean ``c_mean`` (default
    c_bulk; c_bulk L0 / L after the front advanced from L0 to L).
    """
    mean = par.c_bulk if c_mean is None else c_mean
    grad = current / par.beta
    c_s, c_t = mean - 0.5 * grad * gap, mean + 0.5 * grad * gap
    if c_s <= 0.0:
        raise ValueError(f"current {current:g} A/m^2 is at or above the limiting current")
    i0_ce = par.counter_i0 if par.counter_i0 is not None else par.i0
    eta_ce = -_overpotential(par, i0_ce, -current, c_t)  # anodic: dissolution = current
    ic_ce, ia_ce = _partials(par, i0_ce, -eta_ce, c_t)
    phi_top = -eta_ce  # model: the counter electrode's n f eta = -n psi
    phi_s = phi_top - math.log(c_t / c_s) / (par.z * par.f)
    eta = _overpotential(par, par.i0, current, c_s)
    ic, ia = _partials(par, par.i0, eta, c_s)
    s_ce = sensitivity(par, ic_ce, ia_ce, c_t)
    return PlanarState(current, gap, c_s, c_t, grad, eta, ic, ia, eta + phi_s, s_ce)


def potentiostatic_current(
    par: StabilityParameters,
    potential: float,
    gap: float,
    counter_electrode: bool = False,
    c_mean: float | None = None,
) -> PlanarState:
    """Steady planar state at electrode potential ``potential`` (V, < 0 plates)."""
    state = (
        (lambda i: counter_electrode_state(par, i, gap, c_mean))
        if counter_electrode
        else (lambda i: reservoir_state(par, i, gap))
    )
    mean = par.c_bulk if c_mean is None else c_mean
    limit = par.beta * (2.0 * mean if counter_electrode else par.c_bulk) / gap
    current = _bisect(lambda i: potential - state(i).potential, 0.0, limit * (1 - 1e-12))
    return state(current)


def diffusion_factor(k: np.ndarray, gap: float, length: float = 0.0) -> np.ndarray:
    """Q(k) = -c1'(0)/c1(0) of the harmonic perturbation c1 ~ cos(k x), 1/m.

    ``Q = (1 + k rho tanh kL) / (tanh(kL)/k + rho)``, rho = beta/S_ce (m) the
    counter electrode's Robin length (0 for a reservoir: Q = k coth kL; 1/L at k = 0).
    """
    k = np.asarray(k, dtype=float)
    th = np.tanh(k * gap)
    small = k * gap < 1e-8
    th_over_k = np.where(small, gap, th / np.where(small, 1.0, k))
    return (1.0 + k * length * th) / (th_over_k + length)


def growth_rate(
    par: StabilityParameters,
    k: np.ndarray | float,
    state: PlanarState,
    galvanostatic: bool = True,
    quasi_static: bool = True,
) -> np.ndarray:
    """Growth rate omega(k) (1/s) of a front perturbation A exp(omega t) cos(k x).

    Args:
        par: parameters.
        k: wavenumber(s), 1/m (>= 0).
        state: the planar state (:func:`reservoir_state`, :func:`counter_electrode_state`
            or :func:`potentiostatic_current`).
        galvanostatic: constant current: omega(0) = 0 (E adjusts); potentiostatic:
            omega(0) is the rate at which a uniform advance raises the current.
        quasi_static: False: solve the perturbation's diffusion with the
            transient term, q^2 = k^2 + omega/D, by fixed-point iteration
            (changes omega by O(omega / (D k^2))).
    """
    k = np.atleast_1d(np.asarray(k, dtype=float))
    s = sensitivity(par, state.i_cathodic, state.i_anodic, state.c_surface)
    g = par.n * par.f * (par.alpha_c * state.i_cathodic + par.alpha_a * state.i_anodic)
    drive = s * state.gradient - g * par.capillary_voltage * k**2  # A/m^3 per unit A

    robin = par.beta / state.top_sensitivity  # 0 for a reservoir

    def rate(q: np.ndarray) -> np.ndarray:
        bq = par.beta * diffusion_factor(q, state.gap, robin)
        return par.velocity_per_current * bq * drive / (bq + s)

    omega = rate(k)
    if not quasi_static:
        for _ in range(50):
            q = np.sqrt(np.maximum(k**2 + omega / par.diffusivity, 0.0))
            omega = rate(q)
    if galvanostatic:
        omega = np.where(k == 0.0, 0.0, omega)
    return omega
