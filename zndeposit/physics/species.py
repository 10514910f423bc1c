"""Side chemistry of a ZnSO4 electrolyte: parameters and scalar closed forms (no DOLFINx).

With ``[chemistry]`` in a case the electrolyte holds four ions, Zn2+, SO4 2-,
H+ and OH-, instead of one binary salt. Water auto-ionisation
H2O = H+ + OH- is a fast reversible reaction held at equilibrium,
c_H c_OH = K_w(T), so the pair is carried by one conserved quantity, the
proton excess q = c_H - c_OH; sulfate follows from electroneutrality,
2 c_Zn + c_H = 2 c_SO4 + c_OH. Hydrogen evolves at the interface (proton and
water reduction, cathodic Tafel kinetics on an overpotential against the
hydrogen equilibrium potential at the bulk pH) and zinc hydroxide sulfate
Zn4(OH)6SO4 (ZHS) precipitates where the solution is supersaturated.

Everything here is SI (mol/m^3, A/m^2, V, K) except where a name says pH or
log10. The UFL terms are in :mod:`zndeposit.physics.chemistry`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from zndeposit.constants import FARADAY, GAS_CONSTANT

#: standard potential of Zn2+/Zn vs SHE, V (CRC Handbook, -0.7618 V) [V]
ZN_STANDARD_POTENTIAL = -0.7618
#: ionic product of water at 25 degC, (mol/L)^2: pK_w = 14.00 (PHREEQC phreeqc.dat) [V]
PKW_25C = 14.0
#: reaction enthalpy of H2O = H+ + OH-, J/mol (van 't Hoff for K_w(T); 55.84 kJ/mol) [V]
WATER_IONISATION_ENTHALPY = 55.84e3
#: mol/m^3 per mol/L
MOLAR = 1000.0
#: molar volume of an ideal gas at 0 degC and 1 atm (STP), m^3/mol
GAS_MOLAR_VOLUME_STP = 22.414e-3
#: reference temperature of the equilibrium constants, K
T_25C = 298.15
#: log10 K of Zn2+ + H2O = ZnOH+ + H+ at 25 degC, mol/L (PHREEQC phreeqc.dat) [V]
ZN_HYDROLYSIS_LOG_K = -8.96
#: reaction enthalpy of the hydrolysis, J/mol (13.4 kcal/mol, phreeqc.dat delta_h) [U]
ZN_HYDROLYSIS_ENTHALPY = 56.07e3
#: OH- bound per formula unit of ZHS, Zn2+ per unit, SO4 per unit
ZHS_HYDROXIDE, ZHS_ZINC, ZHS_SULFATE = 6, 4, 1


@dataclass(frozen=True)
class ChemistryParameters:
    """Side chemistry of the four-ion electrolyte, SI units.

    Attributes:
        ph: bulk pH (reservoir and initial state), -.
        temperature: K.
        c_zn_bulk: bulk Zn2+ concentration, mol/m^3.
        activity_coefficient: mean activity coefficient of Zn2+ and SO4 2- (ZHS
            saturation and the Zn equilibrium potential), -.
        kw: ionic product of water at the temperature, (mol/m^3)^2.
        d_proton, d_hydroxide: diffusivities of H+ and OH- in the liquid, m^2/s.
        her_i0_proton: exchange current density of proton reduction at the bulk pH, A/m^2.
        her_i0_water: exchange current density of water reduction (water activity 1), A/m^2.
        her_alpha: cathodic transfer coefficient of hydrogen evolution, -.
        water_activity: water activity at the interface (scales water reduction), -.
        precipitate: True: ZHS precipitates and dissolves.
        zhs_log_k: log10 K of Zn4(OH)6SO4 + 6 H+ = 4 Zn2+ + 6 H2O + SO4 2-, (mol/L)^-1.
        zhs_rate: largest precipitation / dissolution rate per liquid volume, mol/(m^3 s).
        zhs_molar_volume: molar volume of the solid, m^3/mol.
        zhs_blocking_fraction: ZHS volume fraction that blocks half of the interface, -.
        hydrolysis: True: Zn2+ + H2O = ZnOH+ + H+ at equilibrium (ZnOH+ transported).
        hydrolysis_log_k: log10 K_h of the hydrolysis at 25 degC, mol/L.
        hydrolysis_enthalpy: its reaction enthalpy (van 't Hoff), J/mol.
        d_zn_hydroxide: diffusivity of ZnOH+ in the liquid, m^2/s.
    """

    ph: float
    temperature: float
    c_zn_bulk: float
    activity_coefficient: float = 1.0
    kw: float = 1e-8
    d_proton: float = 9.31e-9
    d_hydroxide: float = 5.27e-9
    her_i0_proton: float = 1e-6
    her_i0_water: float = 1e-7
    her_alpha: float = 0.5
    water_activity: float = 1.0
    precipitate: bool = True
    zhs_log_k: float = 28.4
    zhs_rate: float = 1.0
    zhs_molar_volume: float = 2.06e-4
    zhs_blocking_fraction: float = 0.1
    hydrolysis: bool = False
    hydrolysis_log_k: float = ZN_HYDROLYSIS_LOG_K
    hydrolysis_enthalpy: float = ZN_HYDROLYSIS_ENTHALPY
    d_zn_hydroxide: float = 7.15e-10

    @property
    def f(self) -> float:
        """F/(R T), 1/V."""
        return FARADAY / (GAS_CONSTANT * self.temperature)

    @property
    def c_proton_bulk(self) -> float:
        """Bulk H+ concentration, mol/m^3 (activity coefficient of H+ taken as 1)."""
        return MOLAR * 10.0 ** (-self.ph)

    @property
    def c_hydroxide_bulk(self) -> float:
        """Bulk OH- concentration, mol/m^3."""
        return self.kw / self.c_proton_bulk

    @property
    def hydrolysis_constant(self) -> float:
        """K_h' = c_ZnOH c_H / c_Zn at the temperature in concentrations, mol/m^3 (0: off).

        K_h(T) by van 't Hoff from 25 degC, times gamma_Zn / gamma_ZnOH =
        gamma^(3/4): Debye-Hueckel scales ln(gamma) with the charge squared, so
        gamma_ZnOH = gamma^(1/4) beside gamma_Zn = gamma (H+ ideal, as elsewhere).
        """
        if not self.hydrolysis:
            return 0.0
        ln_k = self.hydrolysis_log_k * math.log(10.0) - self.hydrolysis_enthalpy / GAS_CONSTANT * (
            1.0 / self.temperature - 1.0 / T_25C
        )
        return math.exp(ln_k) * MOLAR * self.activity_coefficient**0.75

    @property
    def c_zn_hydroxide_bulk(self) -> float:
        """Bulk ZnOH+ concentration, mol/m^3 (free Zn2+ is c_zn_bulk)."""
        return self.hydrolysis_constant * self.c_zn_bulk / self.c_proton_bulk

    @property
    def c_sulfate_bulk(self) -> float:
        """Bulk SO4 2- from electroneutrality, mol/m^3."""
        return sulfate(
            self.c_zn_bulk, self.c_proton_bulk, self.c_hydroxide_bulk, self.c_zn_hydroxide_bulk
        )

    @property
    def excess_bulk(self) -> float:
        """Bulk proton excess q = c_H - c_OH - c_ZnOH, mol/m^3."""
        return self.c_proton_bulk - self.c_hydroxide_bulk - self.c_zn_hydroxide_bulk

    def proton_from_excess(self, excess: ArrayLike, c_zn: ArrayLike) -> np.ndarray:
        """c_H, mol/m^3, of proton excesses q and free Zn2+ c_Zn (both mol/m^3; scalars or arrays).

        The root of c_H^2 - q c_H - (K_w + K_h' c_Zn) = 0, without cancellation
        on either side of neutral.
        """
        q = np.asarray(excess, dtype=float)
        k = self.kw + self.hydrolysis_constant * np.asarray(c_zn, dtype=float)
        root = np.sqrt(q * q + 4 * k)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(q >= 0, 0.5 * (q + root), 2 * k / (root - q))

    @property
    def hydrogen_offset(self) -> float:
        """E_eq(H+/H2) - E_eq(Zn2+/Zn) at bulk conditions, V (about +0.49 V at pH 4.5, 2 M).

        The electrode potential E of the model is measured against a Zn electrode
        in the bulk, so the hydrogen overpotential is eta_H = E - phi - offset.
        """
        e_h = -math.log(10.0) * self.ph / self.f
        a_zn = self.activity_coefficient * self.c_zn_bulk / MOLAR
        e_zn = ZN_STANDARD_POTENTIAL + math.log(a_zn) / (2 * self.f)
        return e_h - e_zn

    def her_current(self, eta: float, c_proton: float | None = None) -> float:
        """Hydrogen evolution current density at overpotential eta (V), A/m^2 (< 0, cathodic)."""
        c_h = self.c_proton_bulk if c_proton is None else c_proton
        i0 = self.her_i0_proton * c_h / self.c_proton_bulk + self.her_i0_water * self.water_activity
        return -i0 * math.exp(-self.her_alpha * self.f * eta)

    def zhs_log_saturation(self, c_zn: float, c_sulfate: float, c_proton: float) -> float:
        """ln(IAP/K) of ZHS for concentrations in mol/m^3 (> 0: supersaturated)."""
        g = self.activity_coefficient
        ln_iap = (
            ZHS_ZINC * math.log(g * c_zn / MOLAR)
            + ZHS_SULFATE * math.log(g * c_sulfate / MOLAR)
            - ZHS_HYDROXIDE * math.log(c_proton / MOLAR)
        )
        return ln_iap - self.zhs_log_k * math.log(10.0)

    def saturation_ph(self) -> float:
        """Bulk pH at which the bulk solution is saturated in ZHS, -."""
        g = self.activity_coefficient
        a_zn = g * self.c_zn_bulk / MOLAR
        a_so4 = g * self.c_sulfate_bulk / MOLAR
        return (self.zhs_log_k - ZHS_ZINC * math.log10(a_zn) - math.log10(a_so4)) / ZHS_HYDROXIDE


def sulfate(c_zn: float, c_proton: float, c_hydroxide: float, c_zn_hydroxide: float = 0.0) -> float:
    """SO4 2- from electroneutrality 2 c_Zn + c_ZnOH + c_H = 2 c_SO4 + c_OH, mol/m^3."""
    return c_zn + 0.5 * (c_proton - c_hydroxide + c_zn_hydroxide)


def water_ionic_product(temperature: float) -> float:
    """K_w = c_H c_OH at T (K), (mol/m^3)^2: pK_w 14.00 at 25 degC, van 't Hoff."""
    ln_k = -PKW_25C * math.log(10.0) - WATER_IONISATION_ENTHALPY / GAS_CONSTANT * (
        1.0 / temperature - 1.0 / T_25C
    )
    return math.exp(ln_k) * MOLAR**2


def h2_volume_stp(charge: float) -> float:
    """Volume of H2 at STP for a hydrogen-evolution charge (C), m^3 (2 electrons per H2)."""
    return abs(charge) / (2 * FARADAY) * GAS_MOLAR_VOLUME_STP
