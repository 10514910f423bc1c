"""Physical constants and zinc properties in SI units: the one source of truth.

Fundamental constants are the exact 2019 SI / CODATA 2018 values.
"""

from __future__ import annotations

#: Faraday constant, C/mol (exact, SI 2019).
FARADAY = 96485.33212
#: Molar gas constant, J/(mol K) (exact, SI 2019).
GAS_CONSTANT = 8.314462618
#: Elementary charge, C (exact, SI 2019).
ELEMENTARY_CHARGE = 1.602176634e-19
#: Standard temperature used when a case gives none, K (25 degC).
T_STANDARD = 298.15

#: Charge number of the Zn2+/Zn reaction, -.
ZN_ELECTRONS = 2
#: Molar mass of Zn, kg/mol (CRC Handbook of Chemistry and Physics, standard atomic weight 65.38).
ZN_MOLAR_MASS = 65.38e-3
#: Density of Zn metal, kg/m^3 (CRC Handbook, 7.134 g/cm^3 at 25 degC).
ZN_DENSITY = 7134.0
#: Molar volume of Zn metal, m^3/mol (= M / rho = 9.165e-6; MODEL.md uses 9.16e-6).
ZN_MOLAR_VOLUME = 9.16e-6
#: Molar density of Zn metal, mol/m^3 (1 / V_m).
ZN_MOLAR_DENSITY = 1.0 / ZN_MOLAR_VOLUME
#: Standard potential of Zn2+/Zn vs SHE, V (Xu et al., Carbon Neutrality 2023).
ZN_STANDARD_POTENTIAL = -0.762


def thermal_voltage_inverse(temperature: float) -> float:
    """Return f = F / (R T) in 1/V for a temperature in K."""
    return FARADAY / (GAS_CONSTANT * temperature)


def zn_thickness_per_charge(charge_per_area: float) -> float:
    """Dense Zn thickness in m plated by an areal charge in C/m^2 (Faraday's law).

    1 mAh/cm^2 = 36000 C/m^2 gives 1.709 um.
    """
    return charge_per_area * ZN_MOLAR_VOLUME / (ZN_ELECTRONS * FARADAY)
