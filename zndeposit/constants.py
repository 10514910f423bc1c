"""Physical constants and zinc properties in SI units: the one source of truth.

Fundamental constants are the exact 2019 SI / CODATA 2018 values.
"""

from __future__ import annotations

#: Faraday constant, C/mol (exact, SI 2019).
FARADAY = 96485.33212
#: Molar gas constant, J/(mol K) (exact, SI 2019).
GAS_CONSTANT = 8.314462618

#: Charge number of the Zn2+/Zn reaction, -.
ZN_ELECTRONS = 2
#: Molar volume of Zn metal, m^3/mol: M / rho = 65.38 g/mol / 7.134 g/cm^3 = 9.165e-6
#: (CRC Handbook); rounded to 9.16e-6.
ZN_MOLAR_VOLUME = 9.16e-6
#: Molar density of Zn metal, mol/m^3 (1 / V_m).
ZN_MOLAR_DENSITY = 1.0 / ZN_MOLAR_VOLUME


def zn_thickness_per_charge(charge_per_area: float) -> float:
    """Dense Zn thickness in m plated by an areal charge in C/m^2 (Faraday's law).

    1 mAh/cm^2 = 36000 C/m^2 gives 1.709 um.
    """
    return charge_per_area * ZN_MOLAR_VOLUME / (ZN_ELECTRONS * FARADAY)
