"""Convergence under time-step and mesh refinement at the expected order (MODEL.md 6.6).

Set-up: a 1 um wide periodic strip of 2 M ZnSO4 (preset ZnSO4_2M) over a flat Zn
anode held at E = -60 mV vs the reservoir 10 um above it, i0 = 50 mA/cm^2. The
plating current (124 mA/cm^2 at 0.5 s; Butler-Volmer at c_bulk: 159) falls
to ~115 mA/cm^2 within 2 s as the interface depletes (c_interface / c_bulk
0.78 at 2 s), so the deposit depends on the discretisation (under galvanostatic
control Faraday's law would fix it). Quantity of interest: the front position
as the mean deposit thickness (Zn from xi, rho_m integral q(xi) / width), a
smooth functional of the solution; for a nucleus, the tip height (highest
point of the xi = 0.5 contour).

Observed orders come from three levels with ratio 2 (Richardson):
p = log2(|q1 - q2| / |q2 - q3|). Backward Euler is order 1 in dt, P1 elements
order 2 in h. The interface width l is fixed while h = l /
elements_across_interface is refined, so the limit is the diffuse-interface
solution. Time steps are fixed (dt_min = dt_initial = dt_max; a cut step would
stop the run) and every level is checked to have used that dt.

What was measured (and why the tolerances are what they are):

* time, front advance between 2 s and 4 s at 8 elements per l: p = 1.024
  (dt 0.2/0.1/0.05 s) and 1.014 (0.1/0.05/0.025 s); the thickness at 4 s
  p = 1.012 and 1.006; the current at 4 s p = 1.023 and 1.011 (commit after
  the capillarity work). With the earlier Allen-Cahn operator the thickness at
  4 s gave only p = 0.87 and 0.95: a start-up transient of the diffuse
  interface (the equilibrium tanh profile adapting to the moving one) whose dt
  error had the opposite sign; the profile-flux operator keeps the equilibrium
  profile of a moving front, and it is gone. The window for the thickness
  stays wider (0.7) for that reason.
* space (dt = 0.1 s on every level, so the time error is common to all levels
  and cancels in the differences), thickness at T: 8/16/32 elements per l give
  p = 1.94 (T = 0.5 s), 1.93 (1 s), 1.92 (2 s); 4/8/16 give 1.88 (1 s) and
  1.85 (2 s) (earlier operator: 1.66-2.47). The unstructured meshes of
  different h are not nested, so the error constant e n^2 (e the error, n
  elements per l) can scatter between meshes (by about +-40 % with the earlier
  operator: 5/10/20 per l gave p ~ 1.4), which sets the width of the p window.
  The far field (mesh.max_size = 0.25 um, fixed) does not pollute the result:
  refining it with h (max_size = 2 um / n) moved the thickness by 7e-7 um
  (n = 16) and 4e-6 um (n = 32), <= 3 % of the level differences.
* nucleus (slow test; dt = 0.1 s on every level, ``max_xi_change = "none"``:
  the first step changes xi by 0.11 at the concave corners): tip height after
  1 s, 4/8/16/32 elements per l: 3.39874, 3.40374, 3.40490, 3.40513 um, p = 2.11
  and 2.32 (re-measured on the current flux; before: 3.40217 ... 3.40669 um, p = 2.41
  and 5.99); the finest two differ by 0.42 % of the tip growth.
  (Before the profile-flux operator of the capillarity work: p = 2.19, 2.16,
  finest two 0.94 % apart.) Its mean thickness (0.06551, 0.07033, 0.07252,
  0.07371 um; p ~ 1.1, 0.9) is only printed: the kinked initial profile at the
  corners fills differently on every mesh. In dt the nucleus is not clean (a fast early
  relaxation of the kinked initial profile at the concave corners where the
  semicircle meets the base); no dt test for it.
* The xi = 0.5 contour of the flat front moves by less than 1e-4 um between
  levels beyond 8 per l, erratically (the contour of a P1 field on a
  non-nested unstructured mesh); only its closeness is asserted.

Before the tail weight of the projected curvature (zndeposit/solver/curvature.py)
the default (sharp) formulation did not converge in dt at all: the lagged
correction kappa |grad xi| K fed the mesh noise of the normal in the profile
tails back (rms K ~ 8/l where xi < 0.01), the current wandered by up to 6 % and the thickness at
1 s changed non-monotonically by up to 1 % between dt = 0.05, 0.025, 0.0125 and
0.00625 s (worse at 16 per l). chen2015 converged (p = 0.98).
"""

import math

import numpy as np
import pytest

pytestmark = pytest.mark.fem

STRIP = """
title = "convergence, {n} elements per interface width, dt = {dt} s"
[domain]
width = "1 um"
height = "13 um"
sides = "periodic"
[anode]
thickness = "3 um"
{nuclei}
[electrolyte]
preset = "ZnSO4_2M"
[kinetics]
exchange_current_density = "50 mA/cm^2"
[interface]
energy = "0.5 J/m^2"
width = "{width} um"
anisotropy = 0.0
[control]
mode = "potentiostatic"
potential = "-60 mV"
duration = "{duration} s"
[mesh]
elements_across_interface = {n}
max_size = "0.25 um"
growth_band = "{band} um"
adapt = false
[numerics]
dt_initial = "{dt} s"
dt_min = "{dt} s"
dt_max = "{dt} s"
target_newton_iterations = 25
max_xi_change = "none"
[output]
interval = "{interval} s"
"""

#: a semicircular nucleus of radius 0.35 um in the middle of the strip (tip at 3.35 um)
NUCLEUS = '[[anode.nuclei]]\nx = "0.5 um"\nradius = "0.35 um"\nshape = "semicircle"'


def run_level(tmp_path, case_runner, n, dt, duration, interval, nucleus=False):
    """Run one refinement level; returns the metrics table (lab units: um, mA/cm^2)."""
    text = STRIP.format(
        n=n, dt=dt, duration=duration, interval=interval,
        nuclei=NUCLEUS if nucleus else "",
        width=0.25 if nucleus else 0.5,
        band=0.3 if nucleus else 1.0,
    )  # fmt: skip
    _, m = case_runner(tmp_path / f"n{n}_dt{dt}", text)
    assert m["t"][-1] == pytest.approx(duration)
    assert np.all(m["steps_rejected"] == 0)
    assert np.allclose(m["dt"][1:], dt, rtol=1e-9)  # fixed steps on every level
    return m


def at(m, column, t):
    """Value of a metrics column at output time t."""
    k = int(np.argmin(np.abs(m["t"] - t)))
    assert m["t"][k] == pytest.approx(t)
    return float(m[column][k])


def observed_order(q1, q2, q3):
    """Richardson order from three levels with refinement ratio 2 (q3 finest)."""
    return math.log2(abs(q1 - q2) / abs(q2 - q3))


def report(name, levels, values, orders):
    print(f"{name}: " + ", ".join(f"{lv}: {v:.9g}" for lv, v in zip(levels, values, strict=True)))
    print(f"   observed orders {', '.join(f'{p:.3f}' for p in orders)}")


def advance(m):
    """Front advance (mean thickness gained) between 2 s and 4 s, um."""
    return at(m, "thickness_mean", 4.0) - at(m, "thickness_mean", 2.0)


def time_study(tmp_path, case_runner, dts):
    runs = [run_level(tmp_path, case_runner, 8, dt, 4.0, 2.0) for dt in dts]
    qoi = {
        "advance 2-4 s [um]": [advance(m) for m in runs],
        "thickness at 4 s [um]": [at(m, "thickness_mean", 4.0) for m in runs],
        "current at 4 s [mA/cm^2]": [at(m, "i", 4.0) for m in runs],
    }
    orders = {}
    for name, q in qoi.items():
        orders[name] = [observed_order(*q[k : k + 3]) for k in range(len(q) - 2)]
        report(name, [f"dt={dt}" for dt in dts], q, orders[name])
    return qoi, orders


def test_time_step_convergence(tmp_path, case_runner):
    """Backward Euler: order 1 in dt (fixed mesh, 8 elements per interface width)."""
    qoi, p = time_study(tmp_path, case_runner, [0.2, 0.1, 0.05])
    # measured p: advance 1.024, current 1.023, thickness 1.012
    assert 0.8 <= p["advance 2-4 s [um]"][0] <= 1.3
    assert 0.8 <= p["current at 4 s [mA/cm^2]"][0] <= 1.3
    assert 0.7 <= p["thickness at 4 s [um]"][0] <= 1.3
    a = qoi["advance 2-4 s [um]"]
    assert abs(a[-1] - a[-2]) < 0.005 * abs(a[-1])  # measured 1.8e-3
    thick = qoi["thickness at 4 s [um]"]
    assert abs(thick[-1] - thick[-2]) < 0.005 * thick[-1]  # measured 1.6e-3
    assert 0.1 < a[-1] < 0.12  # 115 mA/cm^2 for 2 s plates 0.109 um (i V_m t / (n F))


@pytest.mark.slow
def test_time_step_convergence_full(tmp_path, case_runner):
    """Four dt levels 0.2 ... 0.025 s: both triples of order 1."""
    qoi, p = time_study(tmp_path, case_runner, [0.2, 0.1, 0.05, 0.025])
    # measured p: advance 1.024, 1.014; current 1.023, 1.011; thickness 1.012, 1.006
    for name in ("advance 2-4 s [um]", "current at 4 s [mA/cm^2]"):
        assert all(0.85 <= x <= 1.2 for x in p[name]), name
    assert all(0.7 <= x <= 1.2 for x in p["thickness at 4 s [um]"])
    assert 0.9 <= p["thickness at 4 s [um]"][1] <= 1.2  # approaches 1 as dt -> 0
    a = qoi["advance 2-4 s [um]"]
    assert abs(a[-1] - a[-2]) < 0.002 * abs(a[-1])  # measured 8.7e-4


def space_study(tmp_path, case_runner, levels, duration, times, nucleus=False, dt=0.1):
    runs = [run_level(tmp_path, case_runner, n, dt, duration, 0.5, nucleus) for n in levels]
    column = "height_max" if nucleus else "thickness_mean"
    qoi, orders = {}, {}
    for t in times:
        q = [at(m, column, t) for m in runs]
        name = f"{column} at {t} s [um]"
        qoi[t] = q
        orders[t] = [observed_order(*q[k : k + 3]) for k in range(len(q) - 2)]
        report(name, [f"n={n}" for n in levels], q, orders[t])
    other = "thickness_mean" if nucleus else "height_max"
    print(f"   {other} at T: " + ", ".join(f"{at(m, other, duration):.9g}" for m in runs))
    return runs, qoi, orders


def test_mesh_convergence(tmp_path, case_runner):
    """P1 elements: order 2 in h for the deposited thickness (8/16/32 elements per l)."""
    runs, qoi, p = space_study(tmp_path, case_runner, [8, 16, 32], 0.5, [0.5])
    assert 1.5 <= p[0.5][0] <= 2.6  # measured 1.94
    q = qoi[0.5]
    assert abs(q[-1] - q[-2]) < 0.01 * q[-1]  # measured 4.0e-3
    assert 0.025 < q[-1] < 0.035  # 125 mA/cm^2 for 0.5 s plates 0.030 um
    # the xi = 0.5 contour: front advance agrees between the two finest levels within 1 %
    h = [at(m, "height_max", 0.5) - 3.0 for m in runs]
    assert abs(h[-1] - h[-2]) < 0.01 * h[-1]


@pytest.mark.slow
def test_mesh_convergence_full(tmp_path, case_runner):
    """4/8/16/32 elements per l over 2 s: order 2 at 1 s and 2 s for both triples."""
    runs, qoi, p = space_study(tmp_path, case_runner, [4, 8, 16, 32], 2.0, [1.0, 2.0])
    # measured p (4/8/16, 8/16/32): 1.40, 1.90 at 1 s; 1.60, 1.91 at 2 s (1.88, 1.93 and
    # 1.85, 1.92 before the reaction was cut off at xi = 0.02: a C1 kink that 4 elements per
    # width do not resolve, so the coarsest triple is pre-asymptotic)
    for t in (1.0, 2.0):
        assert 1.5 <= p[t][-1] <= 2.6, t  # the finest triple: order 2
        assert 1.2 <= p[t][0] <= 2.6, t
        q = qoi[t]
        assert abs(q[-1] - q[-2]) < 0.004 * q[-1]  # measured 2.3e-3 (1 s), 1.4e-3 (2 s)
    h = [at(m, "height_max", 2.0) - 3.0 for m in runs]
    assert abs(h[-1] - h[-2]) < 0.005 * h[-1]


@pytest.mark.slow
def test_nucleus_tip_mesh_convergence(tmp_path, case_runner):
    """Tip height of a nucleus (radius 0.35 um, l = 0.25 um) after 1 s: order 2 in h."""
    _, qoi, p = space_study(tmp_path, case_runner, [4, 8, 16, 32], 1.0, [1.0], nucleus=True)
    # measured 2.11 (4/8/16) and 2.32 (8/16/32) (earlier 2.41 / 5.99, when the finest two
    # differed by 1.1e-5 um, below the ~1e-4 um scatter of a P1 contour on non-nested
    # meshes): the second order is only bounded from below
    assert 1.5 <= p[1.0][0] <= 2.6
    assert p[1.0][1] >= 1.5
    tip = [q - 3.35 for q in qoi[1.0]]  # growth of the tip above its initial 3.35 um
    assert abs(tip[-1] - tip[-2]) < 0.02 * tip[-1]  # measured 0.02 % of 0.0567 um
