"""UFL terms of the side chemistry: four ions, hydrogen evolution and ZHS precipitation.

Extra unknowns beside (xi, u, psi), scaled like the rest of the model:

- v = ln(c_H / c_H,bulk): the proton unknown; c_OH = K_w / c_H (water
  auto-ionisation at equilibrium), so the conserved combination is the
  proton excess q = c_H - c_OH, transported by N_q = N_H - N_OH;
- n_p: ZHS per total volume / c_bulk (no transport; a rate law at every node).

Zn2+ keeps u = ln(c_Zn / c_bulk); SO4 2- follows from electroneutrality,
c_SO4 = c_Zn + (c_H - c_OH)/2 (ZnSO4: z = +2, -2). All concentrations below
are scaled by c_bulk; fluxes N/c_bulk are in m/s.

Fluxes (e = porosity/tortuosity times the ZHS blocking of the pores, Bruggeman):

    N_Zn  = -e D_Zn  c_Zn  (grad u + 2 grad psi)
    N_H   = -e D_H   c_H   (grad v + grad psi)
    N_OH  = +e D_OH  c_OH  (grad v + grad psi)
    N_SO4 = -e D_SO4 (grad c_SO4 - 2 c_SO4 grad psi),
        grad c_SO4 = c_Zn grad u + (c_H + c_OH)/2 grad v
    i / (F c_bulk) = 2 N_Zn + N_H - N_OH - 2 N_SO4

Hydrogen evolution (cathodic Tafel, per unit interface area, A/m^2, < 0):

    i_H = -(1 - theta) k (i0_p c_H/c_H,bulk + i0_w a_w) exp(-alpha_H f eta_H),
    eta_H = E - phi - (E_eq,H - E_eq,Zn)  (bulk equilibrium potentials)

spread across the profile with the same weight w(xi) as the Zn reaction; it
takes one proton excess per electron (2 H+ + 2 e- -> H2 and
2 H2O + 2 e- -> H2 + 2 OH- alike). ZHS, Zn4(OH)6SO4, forms at a bounded rate
per liquid volume

    R_p = k_p (Omega - 1)/(Omega + 1)  (x n_p/(n_p + n_min) when dissolving),
    ln Omega = 4 ln a_Zn + ln a_SO4 - 6 ln a_H - ln K

taking 4 Zn2+, 1 SO4 2- and 6 OH- (adding 6 to the proton excess) per unit.
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
DISSOLVE_FLOOR = 1e-9
#: bound of the Tafel exponent (Newton overshoots only; i_H <= i0 e^30)
HER_EXPONENT_CAP = 30.0
#: smallest liquid left between ZHS (transport factor floor)
PORE_FLOOR = 1e-3


@dataclass
class Species:
    """Scaled concentrations (c / c_bulk) and gradients of one state (UFL)."""

    zn: ufl.core.expr.Expr
    proton: ufl.core.expr.Expr
    hydroxide: ufl.core.expr.Expr
    sulfate: ufl.core.expr.Expr
    excess: ufl.core.expr.Expr  # q = c_H - c_OH
    zhs: ufl.core.expr.Expr  # n_p
    grad_u: ufl.core.expr.Expr
    grad_v: ufl.core.expr.Expr


def species(chem: ChemistryParameters, u: object, v: object, n_p: object, c_bulk: float) -> Species:
    """The four ions from the unknowns u, v and the ZHS content n_p (all scaled by c_bulk)."""
    zn = salt(u)
    proton = (chem.c_proton_bulk / c_bulk) * salt(v)
    hydroxide = (chem.c_hydroxide_bulk / c_bulk) * salt(-v)
    sulfate = zn + 0.5 * (proton - hydroxide)
    return Species(
        zn, proton, hydroxide, sulfate, proton - hydroxide, n_p, ufl.grad(u), ufl.grad(v)
    )


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

    zn: ufl.core.expr.Expr
    excess: ufl.core.expr.Expr  # N_H - N_OH
    sulfate: ufl.core.expr.Expr
    current: ufl.core.expr.Expr


def ion_fluxes(
    sp: Species, grad_psi: object, effective: object, d_zn: object, d_so4: object,
    chem: ChemistryParameters,
) -> IonFluxes:  # fmt: skip
    """Nernst-Planck fluxes of the four ions; ``effective`` includes the pore factor."""
    drive_h = sp.grad_v + grad_psi
    n_zn = -effective * d_zn * sp.zn * (sp.grad_u + 2 * grad_psi)
    n_h = -effective * chem.d_proton * sp.proton * drive_h
    n_oh = effective * chem.d_hydroxide * sp.hydroxide * drive_h
    grad_so4 = sp.zn * sp.grad_u + 0.5 * (sp.proton + sp.hydroxide) * sp.grad_v
    n_so4 = -effective * d_so4 * (grad_so4 - 2 * sp.sulfate * grad_psi)
    current = 2 * n_zn + n_h - n_oh - 2 * n_so4
    return IonFluxes(n_zn, n_h - n_oh, n_so4, current)


def her_current(chem: ChemistryParameters, v: object, f_eta_metal: object, free: object) -> object:
    """Hydrogen evolution current density per interface area, A/m^2 (< 0, cathodic).

    ``f_eta_metal`` = F (E - phi)/(R T) (psi_E - psi); ``free``: 1 - theta.
    """
    i0_p, i0_w = chem.her_i0_proton, chem.her_i0_water * chem.water_activity
    total = i0_p + i0_w
    if total <= 0.0:
        return ufl.as_ufl(0.0)
    mix = (i0_p / total) * salt(v) + i0_w / total  # 1 at the bulk pH
    exponent = ufl.ln(mix) - chem.her_alpha * (f_eta_metal - chem.f * chem.hydrogen_offset)
    return -total * free * ufl.exp(soft_clip(exponent, HER_EXPONENT_CAP))


def zhs_log_saturation(
    chem: ChemistryParameters, sp: Species, u: object, v: object, c_bulk: float
) -> object:
    """The log saturation ln Omega of ZHS (> 0 supersaturated), from the scaled ions."""
    ln_g = math.log(chem.activity_coefficient)
    ln_zn = u + math.log(c_bulk / MOLAR) + ln_g
    ln_so4 = ufl.ln(ufl.max_value(sp.sulfate, 1e-300)) + math.log(c_bulk / MOLAR) + ln_g
    ln_h = v + math.log(chem.c_proton_bulk / MOLAR)
    return (
        ZHS_ZINC * ln_zn + ZHS_SULFATE * ln_so4 - ZHS_HYDROXIDE * ln_h
        - chem.zhs_log_k * math.log(10.0)
    )  # fmt: skip


def zhs_rate(chem: ChemistryParameters, sp: Species, u: object, v: object, c_bulk: float) -> object:
    """Precipitation rate of ZHS per liquid volume / c_bulk, 1/s (< 0 dissolving)."""
    if not chem.precipitate:
        return ufl.as_ufl(0.0)
    ln_omega = zhs_log_saturation(chem, sp, u, v, c_bulk)
    bounded = ufl.tanh(0.5 * ln_omega)  # (Omega - 1)/(Omega + 1)
    have = ufl.max_value(sp.zhs, 0.0)
    available = have / (have + DISSOLVE_FLOOR)
    rate = (chem.zhs_rate / c_bulk) * bounded
    return ufl.conditional(ufl.gt(ln_omega, 0.0), rate, rate * available)
