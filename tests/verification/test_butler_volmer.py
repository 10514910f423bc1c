"""Butler-Volmer current-overpotential curve of a planar front (MODEL.md 6.4).

Transport does not limit: D+ = D- = 1e-8 m^2/s keeps the interface
concentration within 5e-5 of the bulk and the ohmic drop below 1 uV, so the
plating current at a fixed potential E (vs the reservoir) must follow
i = i0 (exp(alpha_a n f E) - exp(-alpha_c n f E)) with distinct anodic and cathodic transfer
coefficients. The current is the slope of the deposited charge over
1-3 s (after the discrete interface profile settles, ~0.5 s).
"""

import numpy as np
import pytest

pytestmark = pytest.mark.fem

PLANAR = """
title = "BV curve, E = {potential} mV"
[domain]
width = "1 um"
height = "5 um"
sides = "periodic"
[anode]
thickness = "3 um"
[electrolyte]
concentration = "2 mol/L"
D_cation = "1e-8 m^2/s"
D_anion = "1e-8 m^2/s"
[kinetics]
exchange_current_density = "2 mA/cm^2"
alpha_anodic = 0.75
alpha_cathodic = 0.25
[interface]
energy = "0.5 J/m^2"
width = "0.5 um"
anisotropy = 0.0
[control]
mode = "potentiostatic"
potential = "{potential} mV"
duration = "3 s"
[numerics]
dt_initial = "0.01 s"
dt_max = "0.1 s"
[output]
interval = "0.25 s"
"""


# measured errors: -0.21 %, -0.14 %, -0.24 %, -0.07 % (8 elements per interface width, dt <= 0.1 s)
@pytest.mark.parametrize("potential", [-100.0, -50.0, 20.0, 50.0])
def test_butler_volmer_curve(tmp_path, case_runner, butler_volmer, potential):
    _, m = case_runner(tmp_path, PLANAR.format(potential=potential))
    assert np.all(np.abs(m["c_min_interface"] - 2.0) < 1e-3)  # no concentration polarisation
    late = m["t"] >= 1.0
    current = np.polyfit(m["t"][late], m["zn_deposited"][late] * 3600.0, 1)[0]  # mA/cm^2
    assert current == pytest.approx(butler_volmer(potential * 1e-3, 2.0, 0.75), rel=0.02)
