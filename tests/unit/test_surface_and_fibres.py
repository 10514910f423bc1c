"""Initial surface, signed distance and fibre placement (pure numpy, no gmsh)."""

from __future__ import annotations

import numpy as np
import pytest

from zndeposit.geometry.fibres import min_clearance, place_fibres
from zndeposit.geometry.surface import (
    FourierProfile,
    InitialSurface,
    Nucleus,
    random_profile,
    sinusoid,
)

UM = 1e-6


def _autocorrelation(values: np.ndarray, lag: int) -> float:
    v = values - values.mean()
    return float(np.mean(v * np.roll(v, lag)) / np.mean(v * v))


def test_random_profile_rms_and_periodicity():
    width = 100 * UM
    prof = random_profile(width, 0.7 * UM, 4 * UM, seed=3)
    x = np.linspace(0.0, width, 4001)[:-1]
    s = prof(x)
    assert prof.rms == pytest.approx(0.7 * UM, rel=1e-12)
    assert np.sqrt(np.mean(s**2)) == pytest.approx(0.7 * UM, rel=1e-9)  # exact on a fine grid
    assert abs(s.mean()) < 1e-12 * UM
    assert prof.on_grid(width, 4000) == pytest.approx(s, abs=1e-12 * UM)
    assert prof(np.array([0.0]))[0] == pytest.approx(prof(np.array([width]))[0], abs=1e-15)
    # seeded: reproducible, and another seed differs
    assert np.array_equal(prof(x), random_profile(width, 0.7 * UM, 4 * UM, seed=3)(x))
    assert not np.allclose(s, random_profile(width, 0.7 * UM, 4 * UM, seed=4)(x))


def test_random_profile_gaussian_correlation():
    """Autocorrelation exp(-(r/lc)^2) at r = lc/2, lc, 2 lc: mean of 16 seeds within 0.03.

    The domain is 400 lc wide, so the bias of the estimator (about -sqrt(pi) lc / width
    = -0.004, as a zero-mean periodic signal's autocorrelation integrates to zero) and
    its scatter (about 0.01 for the mean of 16 seeds) stay below the tolerance.
    """
    lc, width, n = 2 * UM, 800 * UM, 16000
    lag_lc = round(lc / (width / n))
    acf = {1: [], 2: [], 0.5: []}
    for seed in range(16):
        s = random_profile(width, 1 * UM, lc, seed).on_grid(width, n)
        for m in acf:
            acf[m].append(_autocorrelation(s, round(m * lag_lc)))
    for m, vals in acf.items():
        assert np.mean(vals) == pytest.approx(np.exp(-(m**2)), abs=0.03), m


def test_sinusoid_values():
    x = np.array([0.0, 2.5, 5.0, 7.5, 10.0]) * UM
    assert sinusoid(x, 1 * UM, 10 * UM) == pytest.approx(np.array([1, 0, -1, 0, 1]) * UM, abs=1e-18)
    prof = FourierProfile(np.array([2 * np.pi / (10 * UM)]), np.array([1 * UM]), np.array([0.0]))
    surf = InitialSurface(20 * UM, 5 * UM, True, "sinusoidal", prof)
    assert surf.base(x) == pytest.approx(5 * UM + sinusoid(x, 1 * UM, 10 * UM), abs=1e-18)
    assert surf.y_max == pytest.approx(6 * UM) and surf.y_min == pytest.approx(4 * UM, rel=1e-3)


def test_signed_distance_flat():
    surf = InitialSurface(40 * UM, 10 * UM, True)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 40 * UM, 500), rng.uniform(0, 30 * UM, 500)
    assert surf.signed_distance(x, y) == pytest.approx(y - 10 * UM, abs=1e-18)
    d = surf.signed_distance(x, y, cutoff=2 * UM)
    assert d == pytest.approx(np.clip(y - 10 * UM, -2 * UM, 2 * UM), abs=1e-18)


@pytest.mark.parametrize("periodic", [True, False])
def test_signed_distance_semicircle(periodic):
    """Closed form for a semicircle (r = 2 um) on a flat surface, to 1e-4 r (polyline sag)."""
    r, xc, t = 2 * UM, 20 * UM, 10 * UM
    surf = InitialSurface(40 * UM, t, periodic, nuclei=(Nucleus(xc, r, r, t, "semicircle"),))
    rng = np.random.default_rng(1)
    x, y = rng.uniform(10 * UM, 30 * UM, 2000), rng.uniform(5 * UM, 16 * UM, 2000)
    dx, dy = np.abs(x - xc), y - t
    rho = np.hypot(dx, dy)
    d_arc = np.where(dy >= 0, np.abs(rho - r), np.inf)
    d_flat = np.where(dx >= r, np.abs(dy), np.hypot(r - dx, dy))
    outside = (dy > 0) & (rho > r)
    exact = np.where(outside, 1.0, -1.0) * np.minimum(d_arc, d_flat)
    assert surf.signed_distance(x, y) == pytest.approx(exact, abs=1e-4 * r)
    assert surf.height(np.array([xc]))[0] == pytest.approx(t + r)


def test_rectangle_nucleus_outline_has_vertical_walls():
    surf = InitialSurface(40 * UM, 10 * UM, True, nuclei=(Nucleus(20 * UM, 2 * UM, 3 * UM, 10 * UM,
                                                                   "rectangle"),))  # fmt: skip
    d = surf.signed_distance(np.array([17, 21, 20]) * UM, np.array([12, 14, 11]) * UM)
    assert d == pytest.approx(np.array([1, 1, -2]) * UM, abs=1e-12 * UM)


@pytest.mark.parametrize("target", [0.9, 0.7])
def test_fibres_do_not_overlap_and_reach_porosity(target):
    """Clear gaps >= 0.1 d everywhere; porosity within one mean fibre area (< 0.002) of target."""
    d = 1.5 * UM
    width, y0, y1 = 40 * UM, 20 * UM, 80 * UM
    pack = place_fibres(width, y0, y1, target, d, 0.5 * UM, seed=2)
    assert min_clearance(pack) >= 0.1 * d * (1 - 1e-12)
    assert pack.porosity == pytest.approx(target, abs=0.002)
    assert pack.radii.min() >= 0.15 * d
    solid = np.pi * np.sum(pack.radii**2) / (width * (y1 - y0))
    assert 1 - solid == pytest.approx(pack.porosity, rel=1e-12)
    again = place_fibres(width, y0, y1, target, d, 0.5 * UM, seed=2)
    assert np.array_equal(again.centres, pack.centres)


def test_fibres_stop_when_jammed():
    """An unreachable porosity stops early and reports the achieved (higher) porosity."""
    pack = place_fibres(10 * UM, 0.0, 10 * UM, 0.2, 2 * UM, 0.0, seed=0, max_failures=300)
    assert 0.3 < pack.porosity < 1.0
    assert min_clearance(pack) >= 0.2 * UM * (1 - 1e-12)
