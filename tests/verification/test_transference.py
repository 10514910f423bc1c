"""Transference number of a fixed-charge electrolyte and absence of polarisation (MODEL.md 6.5)."""

import numpy as np
import pytest

from zndeposit.case.derived import derive, donnan_concentrations

pytestmark = pytest.mark.fem

CASE = """
title = "{title}"
[domain]
width = "1 um"
height = "20 um"
sides = "periodic"
[anode]
thickness = "3 um"
[electrolyte]
kind = "solid"
concentration = "{conc}"
fixed_charge = "{charge}"
D_cation = "5e-11 m^2/s"
D_anion = "5e-11 m^2/s"
[kinetics]
exchange_current_density = "10 mA/cm^2"
[interface]
energy = "0.5 J/m^2"
width = "0.5 um"
anisotropy = 0.0
[control]
mode = "galvanostatic"
current_density = "10 mA/cm^2"
duration = "6 s"
[numerics]
dt_max = "0.25 s"
[output]
interval = "1 s"
"""


def test_single_ion_conductor_has_no_polarisation(tmp_path, case_runner):
    text = CASE.format(title="single-ion", conc="0.1 mol/L", charge="-4 mol/L")
    loaded, m = case_runner(tmp_path, text)
    cp, cm = donnan_concentrations(100.0, -4000.0, 2, -2)
    t_plus = cp / (cp + cm)  # equal D+ and D-
    assert t_plus > 0.99
    region = derive(loaded.case).regions[-1]
    assert region.transference_number == pytest.approx(t_plus, rel=1e-9)
    # the measured migration share of the current equals the theory (2 %)
    assert np.allclose(m["t_plus_bulk"][1:], t_plus, rtol=0.02)
    # Zn2+ at the interface stays at its bulk value (2 %): no concentration polarisation
    assert np.allclose(m["c_min_interface"][1:], cp / 1000.0, rtol=0.02)


def test_fixed_charge_transference_number_and_polarisation(tmp_path, case_runner):
    neutral_loaded, neutral = case_runner(
        tmp_path / "a", CASE.format(title="neutral", conc="0.5 mol/L", charge="0 mol/L")
    )
    charged_loaded, charged = case_runner(
        tmp_path / "b", CASE.format(title="charged", conc="0.5 mol/L", charge="-1 mol/L")
    )
    for loaded, m in ((neutral_loaded, neutral), (charged_loaded, charged)):
        expected = derive(loaded.case).regions[-1].transference_number
        assert np.allclose(m["t_plus_bulk"][1:], expected, rtol=0.02)
    # fixed charge raises t+ and reduces the depletion of the interface
    assert charged["t_plus_bulk"][-1] > neutral["t_plus_bulk"][-1] + 0.1
    drop_neutral = 1 - neutral["c_min_interface"][-1] / neutral["c_min_interface"][0]
    cp0 = donnan_concentrations(500.0, -1000.0, 2, -2)[0] / 1000
    drop_charged = 1 - charged["c_min_interface"][-1] / cp0
    assert drop_charged < 0.5 * drop_neutral
