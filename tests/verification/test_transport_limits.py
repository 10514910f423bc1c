"""Sand's time and the limiting current against closed forms (MODEL.md 6.1, 6.2).

Fast versions: coarse far-field meshes and time steps. Their tolerances
state what these resolutions reach; the measured deviations and their causes
(finite interface width l against the diffusion length, the front moving
toward the reservoir) are tabulated in docs/verification.md.
"""

import math

import numpy as np
import pytest

from zndeposit.case.derived import derive
from zndeposit.constants import FARADAY

pytestmark = pytest.mark.fem

STRIP = """
title = "{title}"
[domain]
width = "1 um"
height = "{height}"
sides = "periodic"
[anode]
thickness = "3 um"
[electrolyte]
preset = "ZnSO4_2M"
[kinetics]
exchange_current_density = "10 mA/cm^2"
[interface]
energy = "0.5 J/m^2"
width = "0.5 um"
anisotropy = 0.0
{control}
[mesh]
max_size = "{max_size}"
[numerics]
dt_initial = "1 ms"
dt_min = "1 ms"
dt_max = "{dt_max}"
[output]
interval = "{interval}"
"""


def test_sand_time(tmp_path, case_runner):
    control = (
        '[control]\nmode = "galvanostatic"\ncurrent_density = "100 mA/cm^2"\nduration = "30 s"'
    )
    text = STRIP.format(title="Sand", height="250 um", control=control, max_size="2 um",
                        dt_max="0.1 s", interval="0.5 s")  # fmt: skip
    loaded, m = case_runner(tmp_path, text, may_fail=True)
    t_sand = derive(loaded.case).sand_time  # pi D (z F c0)^2 / (4 (i t-)^2) = 24.09 s
    t, c = m["t"], m["c_min_interface"]
    ok = (c > 0) & (c < 2.0) & (t > 0)
    t, c = t[ok], c[ok]
    # interface concentration -> 0: extrapolate the last two outputs linearly
    t_zero = t[-1] - c[-1] * (t[-1] - t[-2]) / (c[-1] - c[-2])
    assert t_zero == pytest.approx(t_sand, rel=0.10)  # measured +6.6 %
    # early times follow the semi-infinite solution c0 - 2 J sqrt(t / (pi D)); measured +1.5 % (1 s)
    # to +3.5 % (5 s) above it: the depletion lags, as Sand's time does (open, docs/verification.md)
    d = derive(loaded.case)
    flux = 1000.0 * (1 - d.transference_number) / (2 * FARADAY)
    early = (t > 0.9) & (t < 5.1)
    c_exact = 2.0 - 2 * flux * np.sqrt(t[early] / (math.pi * d.ambipolar_diffusivity)) / 1000
    assert np.allclose(c[early], c_exact, rtol=0.05)


@pytest.mark.parametrize(("top", "factor", "potential"), [("reservoir", 1.0, "-500 mV")])
def test_limiting_current(tmp_path, case_runner, top, factor, potential):
    control = (f'[top]\nkind = "{top}"\n[control]\nmode = "potentiostatic"\n'
               f'potential = "{potential}"\nduration = "2 s"')  # fmt: skip
    text = STRIP.format(title="limit", height="13 um", control=control, max_size="1 um",
                        dt_max="0.05 s", interval="0.25 s")  # fmt: skip
    loaded, m = case_runner(tmp_path, text)
    d = derive(loaded.case)
    assert m["t"][-1] == pytest.approx(2.0)
    late = m["t"] >= 1.0  # steady after L^2 / D_amb = 1.3 s of ... (front keeps moving)
    gap = 13e-6 - m["height_max"][late] * 1e-6  # reservoir to the front (xi = 0.5)
    # z F c0 D+ (1 - z+/z-) / L for the current gap
    # (twice that between two Zn electrodes: the mid-plane keeps c0)
    i_lim = factor * 2 * FARADAY * 2000.0 * d.D_cation * 2.0 / gap / 10.0  # mA/cm^2
    assert np.allclose(m["i"][late], i_lim, rtol=0.06)  # measured +4.3 %
    assert np.all(m["c_min_interface"][late] < 0.02)  # the interface is depleted
