"""Capillarity of the interface formulations (MODEL.md 6.7).

Setting: a semicircular Zn bump of radius R on a flat anode in a periodic
strip, plated at a fixed electrode potential E with fast ion transport
(D+ = D- = 1e-8 m^2/s: the interface concentration stays at the bulk value and
the ohmic drop is below 1 uV, as in test_butler_volmer.py). Every interface
point then has the same overpotential, so in the sharp-interface limit the
surface moves along its normal at the Butler-Volmer speed
``v = i_BV(E) / (n F rho_m)`` everywhere (Huygens: the flat surface rises by
v t, the bump becomes a circle of radius R + v t about its old centre, the foot
corners fill in) and the bump top stays R above the flat surface. The
Gibbs-Thomson shift (gamma V_m K / (n F) = 24 uV at K = 1/R = 1/um) changes the
tip's current by < 0.2 % and is neglected.

Measured: height_max (bump top) and height_min (the lowest point of the
surface: the flat level) of the metrics table; the flat advance is compared with v t, the bump height
height_max - height_min with R.

What the default ``sharp`` formulation gives (its xi equation: the profile
flux kappa div(grad xi + xi (1 - xi)/l n), which vanishes for the equilibrium
profile about any surface and conserves integral(xi), plus the Butler-Volmer
speed times h'(xi)/(5 l); docs/solver.md): at 8 elements per interface width
and 2 R plated the bump height is +3.8 % (L_sigma = 1e-6) / +0.0 % (1e-5), the
flat advance -2.0 % / -1.9 % and the top advance -0.1 % / -1.9 % of v t; a
tenfold L_sigma changes the flat advance by +0.13 % and the top advance by
-1.8 %. height_min is the lowest surface point, a shallow dip (~0.03 um) next
to the concave foot of the bump, so the flat advance read from it is slightly
low. At the fast resolution (4 elements, 1 R) the bump is +0.6 %, the flat and
top advances -6.7 % / -6.1 %.

The ``chen2015`` formulation is exempt from 6.7 (MODEL.md): it flattens the bump
by curvature motion within seconds, whatever the plating; the contrast test
shows that the bump-height check can fail.
"""

import math

import numpy as np
import pytest

from zndeposit.constants import FARADAY, ZN_ELECTRONS, ZN_MOLAR_VOLUME

pytestmark = pytest.mark.fem

BUMP = """
title = "capillarity: semicircular bump, {formulation}, L_sigma = {mobility} m^3/(J s)"
[domain]
width = "{width} um"
height = "{height} um"
sides = "periodic"
[anode]
thickness = "2 um"
[[anode.nuclei]]
x = "{centre} um"
radius = "{radius} um"
shape = "semicircle"
[electrolyte]
concentration = "2 mol/L"
D_cation = "1e-8 m^2/s"
D_anion = "1e-8 m^2/s"
[kinetics]
exchange_current_density = "10 mA/cm^2"
[interface]
energy = "0.5 J/m^2"
width = "0.5 um"
anisotropy = 0.0
formulation = "{formulation}"
mobility = "{mobility} m^3/(J*s)"
[control]
mode = "potentiostatic"
potential = "{potential} mV"
duration = "{duration} s"
[mesh]
elements_across_interface = {elements}
growth_band = "{growth_band} um"
[numerics]
dt_initial = "0.1 s"
dt_max = "{dt_max} s"
[output]
interval = "{interval} s"
"""

POTENTIAL = -30.0  # mV vs the reservoir
I0, ALPHA_A = 10.0, 0.75  # mA/cm^2; the schema's default transfer coefficients (0.75 / 0.25)


def bv_speed(butler_volmer) -> float:
    """Sharp-interface normal speed (um/s) of plating at POTENTIAL, Butler-Volmer."""
    i = butler_volmer(POTENTIAL * 1e-3, I0, ALPHA_A)  # mA/cm^2
    return i * 10.0 * ZN_MOLAR_VOLUME / (ZN_ELECTRONS * FARADAY) * 1e6  # A/m^2 -> um/s


def bump_case(
    speed: float,
    formulation: str = "sharp",
    mobility: float = 1e-6,
    elements: int = 8,
    width: float = 6.0,
    radius: float = 1.0,
    radii_plated: float = 2.0,
    dt_max: float = 20.0,
    outputs: int = 4,
) -> str:
    """Case text: a bump of ``radius`` (um) in a ``width`` (um) strip; ``radii_plated`` R plated.

    ``speed``: the Butler-Volmer front speed (um/s), from :func:`bv_speed`.
    """
    duration = radii_plated * radius / speed
    return BUMP.format(
        formulation=formulation,
        mobility=f"{mobility:g}",
        width=width,
        height=12.0,
        centre=width / 2,
        radius=radius,
        potential=POTENTIAL,
        duration=f"{duration:.6g}",
        elements=elements,
        growth_band=radii_plated * radius + 1.0,  # bump top + plated + 2 widths
        dt_max=dt_max,
        interval=f"{duration / outputs:.6g}",
    )


def bump_numbers(m, speed: float) -> dict[str, float]:
    """Bump height at start / end, flat advance and top advance (um) from a metrics table."""
    bump = m["height_max"] - m["height_min"]
    return {
        "t": float(m["t"][-1]),
        "bump0": float(bump[0]),
        "bump": float(bump[-1]),
        "flat_advance": float(m["height_min"][-1] - m["height_min"][0]),
        "top_advance": float(m["height_max"][-1] - m["height_max"][0]),
        "expected_advance": speed * float(m["t"][-1]),
    }


@pytest.fixture(scope="module")
def bump_runs(tmp_path_factory, case_runner, butler_volmer):
    """Run a bump case once per module for each set of settings; returns its numbers."""
    done: dict[tuple, dict[str, float]] = {}
    speed = bv_speed(butler_volmer)

    def run(**kw) -> dict[str, float]:
        key = tuple(sorted(kw.items()))
        if key not in done:
            _, m = case_runner(tmp_path_factory.mktemp("bump"), bump_case(speed, **kw))
            # fast transport: the interface concentration stays at the bulk 2 mol/L
            assert np.all(np.abs(m["c_min_interface"] - 2.0) < 2e-3)
            done[key] = bump_numbers(m, speed)
            print(f"\nbump case {kw}: " + ", ".join(f"{k} {v:.4f}" for k, v in done[key].items()))
        return done[key]

    return run


# --- fast (default run): 4 elements per interface width, 1 R plated, ~10-25 s per run
FAST = {"elements": 4, "radii_plated": 1.0}


def test_chen2015_flattens_the_bump(bump_runs):
    """Chen 2015 moves the interface by curvature (L_sigma kappa / R = 0.34 um/s >> v).

    Curve-shortening flow of a periodic graph keeps the enclosed area (the total
    turning of the contour is zero), so the bump's metal fills the flat: the
    flat rises by v t + pi R^2 / (2 W) while the bump vanishes.
    """
    r = bump_runs(formulation="chen2015", **FAST)
    radius, width = 1.0, 6.0
    # measured: bump 0.0032 um (from 1.0000), flat advance 1.2492 um vs 1.2618 (-1.0 %)
    assert r["bump"] < 0.05 * radius
    assert r["flat_advance"] == pytest.approx(
        r["expected_advance"] + math.pi * radius**2 / (2 * width), rel=0.02
    )


def test_sharp_bump_height_fast(bump_runs):
    """MODEL 6.7 at the fast resolution: the bump keeps its height (5 %) while R is plated.

    The advance is looser here (8 %): 4 elements per width resolve the foot dip
    coarsely; the slow tests below hold it to MODEL's bound at 8 elements.
    """
    r = bump_runs(**FAST)
    # measured: bump 1.0000 -> 1.0058 um (+0.6 %), flat advance 0.9329 um vs v t = 1.0000
    # (-6.7 %), top advance 0.9387 um (-6.1 %)
    assert r["bump"] == pytest.approx(r["bump0"], rel=0.05)
    assert r["flat_advance"] == pytest.approx(r["expected_advance"], rel=0.08)
    assert r["top_advance"] == pytest.approx(r["expected_advance"], rel=0.08)


# --- slow: 8 elements per interface width (the default), 2 R plated
SLOW = {"elements": 8, "radii_plated": 2.0}


@pytest.mark.slow
def test_sharp_bump_keeps_its_height(bump_runs):
    """MODEL 6.7: the bump stays R above the flat surface (5 %) while 2 R are plated."""
    r = bump_runs(**SLOW)
    # measured: bump 0.9995 -> 1.0378 um (+3.8 %); flat advance 1.9592 um vs v t = 2.0000
    # (-2.0 %), top advance 1.9975 um (-0.1 %)
    assert r["bump"] == pytest.approx(r["bump0"], rel=0.05)
    assert r["flat_advance"] == pytest.approx(r["expected_advance"], rel=0.05)
    assert r["top_advance"] == pytest.approx(r["expected_advance"], rel=0.05)


@pytest.mark.slow
def test_sharp_results_do_not_depend_on_mobility(bump_runs):
    """MODEL 6.7: front velocity and bump growth change < 2 % when L_sigma grows tenfold."""
    base = bump_runs(**SLOW)
    fast = bump_runs(mobility=1e-5, **SLOW)
    # measured (L_sigma 1e-6 -> 1e-5): flat advance 1.9592 -> 1.9618 um (+0.13 %), top
    # advance 1.9975 -> 1.9621 um (-1.77 %), bump 1.0378 -> 0.9998 um
    front = fast["flat_advance"] / base["flat_advance"] - 1
    growth = fast["top_advance"] / base["top_advance"] - 1
    assert abs(front) < 0.02 and abs(growth) < 0.02, (front, growth)
