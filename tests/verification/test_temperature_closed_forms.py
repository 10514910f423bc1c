"""Temperature: Butler-Volmer and the limiting current away from 25 degC against closed forms.

The case temperature T (electrolyte.temperature) enters the model three ways
(zndeposit/case/temperature.py): f = F/(R T) in Butler-Volmer and migration;
i0(T) = i0_ref exp(-(E_a/R)(1/T - 1/T_ref)); D(T) = D_ref (T/T_ref)
mu_w(T_ref)/mu_w(T) (Stokes-Einstein with the viscosity of water). The
closed forms below are written from those formulas in this file, not taken
from derive(), so a run that missed any of the three would fail:

- the planar Butler-Volmer current at a fixed potential (the setting of
  test_butler_volmer.py: D = 1e-8 m^2/s, no concentration polarisation) at 5
  and 45 degC with E_a = 35 kJ/mol: i0 is 0.362x and 2.43x its 25 degC value
  and f is 7 % above / 6 % below;
- the limiting current of the dilute strip of test_transport_limits.py at
  45 degC: D x 1.600, so 1.6x the 25 degC current.
"""

import math

import numpy as np
import pytest
from test_butler_volmer import PLANAR
from test_transport_limits import DILUTE, _limit_run, limiting_current, report_current

from zndeposit.constants import FARADAY, GAS_CONSTANT

pytestmark = pytest.mark.fem

T_REF = 298.15
E_A = 35e3  # J/mol, kinetics.activation_energy of the runs


def water_viscosity(t: float) -> float:
    """mu = 2.414e-5 Pa s x 10^(247.8 K / (T - 140 K)) (Vogel-type correlation)."""
    return 2.414e-5 * 10.0 ** (247.8 / (t - 140.0))


def bv_current(potential: float, celsius: float) -> float:
    """Plating current (mA/cm^2, > 0 cathodic) at ``potential`` (V), i0_ref = 2 mA/cm^2 at 25 degC."""
    t = 273.15 + celsius
    f = FARADAY / (GAS_CONSTANT * t)
    i0 = 2.0 * math.exp(-(E_A / GAS_CONSTANT) * (1.0 / t - 1.0 / T_REF))
    return -i0 * (math.exp(0.75 * 2 * f * potential) - math.exp(-0.25 * 2 * f * potential))


# measured: -0.30 / -0.29 % at 5 degC, -0.33 / -0.28 % at 45 degC (-50 / +20 mV); at 25 degC
# test_butler_volmer.py measures -0.14 / -0.07 % (8 elements per interface width, dt <= 0.1 s)
@pytest.mark.parametrize("celsius", [5.0, 45.0])
@pytest.mark.parametrize("potential", [-50.0, 20.0])
def test_butler_volmer_at_temperature(tmp_path, case_runner, celsius, potential):
    """Planar BV current at 5 and 45 degC within 2 % of i0(T) (exp(a_a n f E) - exp(-a_c n f E))."""
    text = PLANAR.format(potential=potential)
    text = text.replace("[electrolyte]\n", f'[electrolyte]\ntemperature = "{celsius} degC"\n')
    text = text.replace("[kinetics]\n", '[kinetics]\nactivation_energy = "35 kJ/mol"\n')
    loaded, m = case_runner(tmp_path, text)
    assert loaded.case.electrolyte.temperature == pytest.approx(273.15 + celsius)
    assert np.all(np.abs(m["c_min_interface"] - 2.0) < 1e-3)  # no concentration polarisation
    late = m["t"] >= 1.0
    current = np.polyfit(m["t"][late], m["zn_deposited"][late] * 3600.0, 1)[0]  # mA/cm^2
    closed = bv_current(potential * 1e-3, celsius)
    print(f"\nBV {celsius:g} degC, {potential:g} mV: closed form {closed:.4f}, computed "
          f"{current:.4f} mA/cm^2 ({100 * (current / closed - 1):+.2f} %)")  # fmt: skip
    assert current == pytest.approx(closed, rel=0.02)
    # the 25 degC curve is far off: the check sees the temperature
    at_25 = bv_current(potential * 1e-3, 25.0)
    assert abs(current / at_25 - 1) > 0.3


# measured at 1.25-2 s: -0.16 -> -0.18 %, interface c <= 0.13 % of c0 (at 25 degC,
# test_transport_limits.py: +0.62 -> +0.20 %, where the Cottrell-like start decays 1.6x slower)
def test_limiting_current_at_45_degC(tmp_path, case_runner):
    """0.1 M ZnSO4_dilute at 45 degC, L = 40 um, E = -500 mV: within 2 % of z F c0 D+(T) 2 / L.

    D+(T) = 0.703e-9 m^2/s x (T/T_ref) mu_w(T_ref)/mu_w(T) = 1.125e-9 m^2/s (x 1.600).
    Settings as the 25 degC test (mesh h = 62.5 nm, dt <= 25 ms); the salt's
    time constant L^2/(pi^2 D) falls to 0.12 s.
    """
    t = 318.15
    electrolyte = DILUTE + '\ntemperature = "45 degC"'
    d, c0, m, gap = _limit_run(tmp_path, case_runner, electrolyte, "reservoir", 40, "-500 mV",
                               "2 s", dt_max="25 ms")  # fmt: skip
    factor = (t / T_REF) * water_viscosity(T_REF) / water_viscosity(t)
    assert factor == pytest.approx(1.600, abs=1e-3)
    d_plus = 0.703e-9 * factor
    assert d.D_cation == pytest.approx(d_plus, rel=1e-9)
    late = m["t"] >= 1.25
    i_lim = limiting_current(c0, gap[late], 40e-6, d_plus, "reservoir") / 10.0  # mA/cm^2
    report_current("limiting current 0.1 M, reservoir, 45 degC", m, late, i_lim, c0)
    assert np.allclose(m["i"][late], i_lim, rtol=0.02)
    assert np.all(m["c_min_interface"][late] * 1000.0 < 0.01 * c0)
    # the 25 degC closed form is 37 % lower: the check sees D(T)
    assert np.all(m["i"][late] > 1.5 * i_lim / factor)
