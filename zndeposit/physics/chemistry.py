"""UFL terms of the side chemistry: four (five) ions, hydrogen evolution and ZHS precipitation.

Extra unknowns beside (xi, u, psi), scaled like the rest of the model:

- q / c_H,bulk: the proton excess q = c_H - c_OH - c_ZnOH, the quantity water
  auto-ionisation (c_H c_OH = K_w) and Zn2+ hydrolysis
  (c_ZnOH c_H = K_h c_Zn, optional) both conserve. Given q and the free Zn2+
  they fix all three: c_H is the positive root of
  c_H^2 - q c_H - (K_w + K_h c_Zn) = 0 (evaluated without cancellation on
  either side of neutral), c_OH = K_w / c_H, c_ZnOH = K_h c_Zn / c_H. Unlike
  ln c_H, q enters the storage linearly and its transport is non-degenerate,
  also across pH 7, where c_H + c_OH is smallest;
- n_p: ZHS per total volume / c_bulk (no transport; a rate law at every node).

u = ln(c_Zn / c_bulk) is the free Zn2+; the Zn balance stores and moves
Zn2+ + ZnOH+. SO4 2- follows from electroneutrality,
c_SO4 = c_Zn + c_ZnOH + q/2 (ZnSO4: z = +2, -2). All concentrations below
are scaled by c_bulk; fluxes N/c_bulk are in m/s.

Fluxes (e = porosity/tortuosity times the ZHS blocking of the pores, Bruggeman):

    N_Zn   = -e D_Zn   c_Zn (grad u + 2 grad psi)
    N_ZnOH = -e D_ZnOH (grad c_ZnOH + c_ZnOH grad psi)
    N_H    = -e D_H    (grad c_H  + c_H  grad psi)
    N_OH   = -e D_OH   (grad c_OH - c_OH grad psi)
    N_SO4  = -e D_SO4  (grad c_SO4 - 2 c_SO4 grad psi)
    grad c_H = (c_H grad q + K_h c_Zn grad u) / (c_H + c_OH + c_ZnOH)
    i / (F c_bulk) = 2 N_Zn + N_ZnOH + N_H - N_OH - 2 N_SO4

Hydrogen evolution (cathodic Tafel, per unit interface area, A/m^2, < 0):

    i_H = -(1 - theta) k (i0_p c_H/c_H,bulk + i0_w a_w) exp(-alpha_H f eta_H),
    eta_H = E - phi - (E_eq,H - E_eq,Zn)  (bulk equilibrium potentials)

spread across the profile with the same weight w(xi) as the Zn reaction; it
takes one proton excess per electron (2 H+ + 2 e- -> H2 and
2 H2O + 2 e- -> H2 + 2 OH- alike). ZHS, Zn4(OH)6SO4, forms at a bounded rate
per liquid volume

    R_p = k_p (Omega - 1)/(Omega + 1)  (x n_p/(|n_p| + n_min) when dissolving, smoothly),
    ln Omega = 4 ln a_Zn + ln a_SO4 - 6 ln a_H - ln K

taking 4 Zn, 1 SO4 2- and 6 OH- (adding 6 to the proton excess) per unit.
The interface is blocked by theta = phi_p/(phi_p + phi_half), phi_p the ZHS
volume fraction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ufl

from zndeposit.physics.kinetics import soft_clip
from zndeposit.physics.species import (
    MOLAR,
    ZHS_HYDROXIDE,
    ZHS_SULFATE,
    ZHS_ZINC,
    ChemistryParameters,
)
from zndeposit.physics.transport import salt

#: smallest scaled ZHS content that still dissolves at the full rate (n_p / c_bulk)
DISSOLVE_FLOOR = 1e-6
#: bound of the Tafel exponent (Newton overshoots only; i_H <= i0 e^30)
HER_EXPONENT_CAP = 30.0
#: smallest liquid left between ZHS (transport factor floor)
PORE_FLOOR = 1e-3


@dataclass
class Species:
    """Scaled concentrations (c / c_bulk) and gradients of one state (UFL)."""

    zn: ufl.core.expr.Expr  # free Zn2+
    zn_hydroxide: ufl.core.expr.Expr  # ZnOH+ (0 without hydrolysis)
    zinc: ufl.core.expr.Expr  # dissolved Zn: Zn2+ + ZnOH+
    proton: ufl.core.expr.Expr
    hydroxide: ufl.core.expr.Expr
    sulfate: ufl.core.expr.Expr
    excess: ufl.core.expr.Expr  # q = c_H - c_OH - c_ZnOH
    zhs: ufl.core.expr.Expr  # n_p
    grad_u: ufl.core.expr.Expr
    grad_excess: ufl.core.expr.Expr  # grad q / c_bulk
    grad_proton: ufl.core.expr.Expr  # grad c_H / c_bulk
    log_proton: ufl.core.expr.Expr  # ln(c_H / c_H,bulk)


def _bulk_ratios(chem: ChemistryParameters, c_bulk: float) -> tuple[float, float]:
    """(K_w / c_H,bulk^2, K_h' c_bulk / c_H,bulk^2): the scaled constants of the quadratic."""
    h2 = chem.c_proton_bulk**2
    return chem.kw / h2, chem.hydrolysis_constant * c_bulk / h2


def proton_ratio(chem: ChemistryParameters, q: object, zn: object, c_bulk: float) -> object:
    """c_H / c_H,bulk for the scaled proton excess q / c_H,bulk and free Zn2+ zn = c_Zn / c_bulk.

    The positive root of r^2 - q r - k = 0, k = (K_w + K_h' c_Zn) / c_H,bulk^2
    (> 0 for any q).
    """
    k_w, k_h = _bulk_ratios(chem, c_bulk)
    k = k_w + k_h * zn if k_h > 0.0 else k_w
    root = ufl.sqrt(q * q + 4 * k)
    return ufl.conditional(ufl.ge(q, 0.0), (q + root) / 2, 2 * k / (root - q))


def bulk_excess(chem: ChemistryParameters) -> float:
    """The scaled proton excess of the bulk, (c_H - c_OH - c_ZnOH) / c_H,bulk."""
    return chem.excess_bulk / chem.c_proton_bulk


def species(chem: ChemistryParameters, u: object, q: object, n_p: object, c_bulk: float) -> Species:
    """The ions from u (free Zn2+), the scaled proton excess q and the ZHS n_p (/ c_bulk)."""
    zn = salt(u)
    h_scale = chem.c_proton_bulk / c_bulk
    k_w, k_h = _bulk_ratios(chem, c_bulk)
    ratio = proton_ratio(chem, q, zn, c_bulk)
    proton = h_scale * ratio
    hydroxide = h_scale * k_w / ratio
    zn_hydroxide = h_scale * k_h * zn / ratio if k_h > 0.0 else ufl.as_ufl(0.0)
    excess = h_scale * q
    grad_q = h_scale * ufl.grad(q)
    grad_u = ufl.grad(u)
    # differentiating the quadratic: (2 c_H - q) d c_H = c_H dq + K_h' c_Zn du
    grad_h = proton * grad_q
    if k_h > 0.0:
        grad_h = grad_h + (h_scale**2 * k_h * zn) * grad_u
    grad_h = grad_h / (proton + hydroxide + zn_hydroxide)
    return Species(
        zn=zn, zn_hydroxide=zn_hydroxide, zinc=zn + zn_hydroxide, proton=proton,
        hydroxide=hydroxide, sulfate=zn + zn_hydroxide + 0.5 * excess, excess=excess, zhs=n_p,
        grad_u=grad_u, grad_excess=grad_q, grad_proton=grad_h, log_proton=ufl.ln(ratio),
    )  # fmt: skip


def zhs_volume_fraction(chem: ChemistryParameters, sp: Species, c_bulk: float) -> object:
    """phi_p = n_p c_bulk V_m: ZHS volume per total volume, -."""
    return ufl.max_value(sp.zhs, 0.0) * (c_bulk * chem.zhs_molar_volume)


def free_area(chem: ChemistryParameters, sp: Species, c_bulk: float) -> object:
    """1 - theta: share of the interface not covered by ZHS, -."""
    phi = zhs_volume_fraction(chem, sp, c_bulk)
    return chem.zhs_blocking_fraction / (phi + chem.zhs_blocking_fraction)


def pore_factor(chem: ChemistryParameters, sp: Species, c_bulk: float) -> object:
    """Transport left between the ZHS: (1 - phi_p)^1.5 (Bruggeman), floored."""
    phi = zhs_volume_fraction(chem, sp, c_bulk)
    return ufl.max_value(1.0 - phi, PORE_FLOOR) ** 1.5


@dataclass
class IonFluxes:
    """Scaled fluxes N / c_bulk (m/s) and the ionic current i / (F c_bulk)."""

    zn: ufl.core.expr.Expr  # N_Zn + N_ZnOH (dissolved Zn)
    excess: ufl.core.expr.Expr  # N_H - N_OH - N_ZnOH
    sulfate: ufl.core.expr.Expr
    current: ufl.core.expr.Expr


def ion_fluxes(
    sp: Species, grad_psi: object, effective: object, d_zn: object, d_so4: object,
    chem: ChemistryParameters,
) -> IonFluxes:  # fmt: skip
    """Nernst-Planck fluxes of the ions; ``effective`` includes the pore factor."""
    grad_h = sp.grad_proton
    log_grad_h = grad_h / sp.proton  # grad ln c_H
    grad_oh = -sp.hydroxide * log_grad_h
    n_zn = -effective * d_zn * sp.zn * (sp.grad_u + 2 * grad_psi)
    n_h = -effective * chem.d_proton * (grad_h + sp.proton * grad_psi)
    n_oh = -effective * chem.d_hydroxide * (grad_oh - sp.hydroxide * grad_psi)
    grad_zn_oh = sp.zn_hydroxide * (sp.grad_u - log_grad_h)
    grad_so4 = sp.zn * sp.grad_u + grad_zn_oh + 0.5 * sp.grad_excess
    n_so4 = -effective * d_so4 * (grad_so4 - 2 * sp.sulfate * grad_psi)
    if chem.hydrolysis:
        n_zn_oh = (
            -effective * chem.d_zn_hydroxide * sp.zn_hydroxide * (sp.grad_u - log_grad_h + grad_psi)
        )
        current = 2 * n_zn + n_zn_oh + n_h - n_oh - 2 * n_so4
        return IonFluxes(n_zn + n_zn_oh, n_h - n_oh - n_zn_oh, n_so4, current)
    current = 2 * n_zn + n_h - n_oh - 2 * n_so4
    return IonFluxes(n_zn, n_h - n_oh, n_so4, current)


def her_current(
    chem: ChemistryParameters, sp: Species, f_eta_metal: object, free: object
) -> object:
    """Hydrogen evolution current density per interface area, A/m^2 (< 0, cathodic).

    ``f_eta_metal`` = F (E - phi)/(R T) (psi_E - psi); ``free``: 1 - theta.
    """
    i0_p, i0_w = chem.her_i0_proton, chem.her_i0_water * chem.water_activity
    total = i0_p + i0_w
    if total <= 0.0:
        return ufl.as_ufl(0.0)
    mix = (i0_p / total) * ufl.exp(sp.log_proton) + i0_w / total  # 1 at the bulk pH
    exponent = ufl.ln(mix) - chem.her_alpha * (f_eta_metal - chem.f * chem.hydrogen_offset)
    return -total * free * ufl.exp(soft_clip(exponent, HER_EXPONENT_CAP))


def zhs_log_saturation(chem: ChemistryParameters, sp: Species, u: object, c_bulk: float) -> object:
    """The log saturation ln Omega of ZHS (> 0 supersaturated), from the scaled ions."""
    ln_g = math.log(chem.activity_coefficient)
    ln_zn = u + math.log(c_bulk / MOLAR) + ln_g
    ln_so4 = ufl.ln(ufl.max_value(sp.sulfate, 1e-300)) + math.log(c_bulk / MOLAR) + ln_g
    ln_h = sp.log_proton + math.log(chem.c_proton_bulk / MOLAR)
    return (
        ZHS_ZINC * ln_zn + ZHS_SULFATE * ln_so4 - ZHS_HYDROXIDE * ln_h
        - chem.zhs_log_k * math.log(10.0)
    )  # fmt: skip


def zhs_rate(chem: ChemistryParameters, sp: Species, u: object, c_bulk: float) -> object:
    """Precipitation rate of ZHS per liquid volume / c_bulk, 1/s (< 0 dissolving).

    k tanh(ln Omega / 2) = k (Omega - 1)/(Omega + 1), times a switch that is 1
    when supersaturated and the share of ZHS available, n_p / (|n_p| + n_min),
    when dissolving. The switch is smooth in ln Omega (tanh of 4 ln Omega) and
    the availability in n_p (C1 at 0; a Newton iterate below 0 is pushed
    back): a hard switch at Omega = 1 where no ZHS is left is a kink at exactly
    the state the solution seeks at the edge of a precipitate, and Newton
    stalled there (a 2 x 8 um strip at 10 mA/cm^2: dt cut to 1e-6 s at
    t = 0.15 s; smooth: no rejected step).
    """
    if not chem.precipitate:
        return ufl.as_ufl(0.0)
    ln_omega = zhs_log_saturation(chem, sp, u, c_bulk)
    bounded = ufl.tanh(0.5 * ln_omega)  # (Omega - 1)/(Omega + 1)
    available = sp.zhs / (abs(sp.zhs) + DISSOLVE_FLOOR)
    supersaturated = 0.5 * (1.0 + ufl.tanh(4.0 * ln_omega))
    switch = supersaturated + (1.0 - supersaturated) * available
    return (chem.zhs_rate / c_bulk) * bounded * switch
