"""Morphology metrics on plain arrays (no DOLFINx): contours of analytic fields."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zndeposit.metrics.morphology import (
    contour_segments,
    height_profile,
    morphology_from_segments,
    roughness_rms,
    segments_length,
    tip_rise_and_front_advance,
)

W, H = 40.0, 20.0  # domain (um; the functions are unit-agnostic)


def grid(nx: int, ny: int, width: float = W, height: float = H):
    """Structured triangulation: each rectangle split into two triangles."""
    x, y = np.meshgrid(np.linspace(0, width, nx + 1), np.linspace(0, height, ny + 1))
    pts = np.column_stack([x.ravel(), y.ravel()])
    i, j = np.meshgrid(np.arange(nx), np.arange(ny))
    v0 = (j * (nx + 1) + i).ravel()
    v1, v2, v3 = v0 + 1, v0 + nx + 2, v0 + nx + 1
    tris = np.concatenate([np.column_stack([v0, v1, v2]), np.column_stack([v0, v2, v3])])
    return pts, tris


def test_sine_length_ratio_against_quadrature(sine_length):
    k = 2 * math.pi * 2.0 / W
    x = np.linspace(0, W, 20001)[:-1]
    quad = np.mean(np.sqrt(1 + (2.0 * k * np.cos(k * x)) ** 2))
    assert sine_length(2.0, W / 2.0) == pytest.approx(quad, rel=1e-12)


def test_flat_front():
    pts, tris = grid(40, 20)
    y0 = 7.3  # between grid lines
    segs = contour_segments(pts, tris, 0.5 - (pts[:, 1] - y0), level=0.5)
    m = morphology_from_segments(segs, 0.0, W, nbins=50, initial_height=5.0)
    assert np.allclose(segs[..., 1], y0, atol=1e-12)
    assert np.allclose(m.h, y0, atol=1e-12)
    assert m.height_max == pytest.approx(y0, abs=1e-12)
    assert m.height_min == pytest.approx(y0, abs=1e-12)
    assert m.dendrite_height == pytest.approx(y0 - 5.0, abs=1e-12)
    assert m.length_ratio == pytest.approx(1.0, abs=1e-12)
    assert m.roughness_rms == pytest.approx(0.0, abs=1e-12)


def test_flat_front_through_vertices():
    """A contour passing exactly through grid nodes is still counted once."""
    pts, tris = grid(40, 20)
    segs = contour_segments(pts, tris, pts[:, 1], level=10.0)
    assert segments_length(segs) == pytest.approx(W, rel=1e-12)


def test_sinusoidal_front(sine_length):
    """y = y0 + a sin(2 pi x / L): roughness a/sqrt(2); arc length by E(m)."""
    a, y0 = 2.0, 10.0
    k = 2 * math.pi / W
    pts, tris = grid(320, 160)  # h = 0.125
    front = y0 + a * np.sin(k * pts[:, 0])
    segs = contour_segments(pts, tris, front - pts[:, 1], level=0.0)
    m = morphology_from_segments(segs, 0.0, W, nbins=200, initial_height=y0)
    ratio = sine_length(a, W)
    # bin maxima shift h by < |h'| dx / 2 = 0.03; linear interpolation O(h^2)
    assert m.roughness_rms == pytest.approx(a / math.sqrt(2), rel=1e-3)  # found 1.3e-4
    assert m.length_ratio == pytest.approx(ratio, rel=1e-5)  # found 7.5e-7
    assert m.height_max == pytest.approx(y0 + a, abs=2e-3)
    assert m.height_min == pytest.approx(y0 - a, abs=2e-3)
    assert m.dendrite_height == pytest.approx(a, abs=2e-3)
    assert m.height_mean == pytest.approx(y0, abs=0.02)


def test_semicircle_bump():
    """Flat surface at y0 with a semicircular bump of radius R: height R, length W - 2R + pi R."""
    y0, R, xc = 5.0, 6.0, 17.0
    pts, tris = grid(400, 200)  # h = 0.1
    dist = np.minimum(pts[:, 1] - y0, np.hypot(pts[:, 0] - xc, pts[:, 1] - y0) - R)
    segs = contour_segments(pts, tris, -dist, level=0.0)
    m = morphology_from_segments(segs, 0.0, W, nbins=400, initial_height=y0)
    assert m.height_max == pytest.approx(y0 + R, abs=1e-3)
    assert m.height_min == pytest.approx(y0, abs=1e-12)  # the flat surface beside the bump
    assert m.dendrite_height == pytest.approx(R, rel=1e-3)
    assert m.length_ratio == pytest.approx((W - 2 * R + math.pi * R) / W, rel=5e-5)  # 5.2e-6


def test_dendrite_height_is_measured_from_the_initial_surface_level():
    """Nucleus of radius R on a flat surface at y0, then every point raised by d and the foot
    corners filled by f > d: the dendrite height is the tip above the initial flat level, R + d,
    not the corner filling."""
    y0, R, xc, d, f = 5.0, 6.0, 17.0, 0.3, 2.0
    pts, tris = grid(400, 200)

    def surface(lift, corner):
        bump = np.hypot(pts[:, 0] - xc, pts[:, 1] - y0 - lift) - R
        flat = pts[:, 1] - y0 - lift
        foot = np.abs(np.abs(pts[:, 0] - xc) - R) < 0.5  # columns at the foot corners
        flat = np.where(foot, pts[:, 1] - y0 - corner, flat)
        return -np.minimum(flat, bump)

    m0 = morphology_from_segments(contour_segments(pts, tris, surface(0.0, 0.0), 0.0), 0.0, W,
                                  nbins=400, initial_height=y0)  # fmt: skip
    m = morphology_from_segments(contour_segments(pts, tris, surface(d, f), 0.0), 0.0, W,
                                 nbins=400, initial_height=m0.h)  # fmt: skip
    assert m0.dendrite_height == pytest.approx(R, rel=1e-3)
    assert m.dendrite_height == pytest.approx(R + d, rel=1e-3)
    assert np.nanmax(m.h - m0.h) == pytest.approx(f, abs=0.1)  # the old definition: corners


def test_profile_bins_and_empty():
    x, h = height_profile(np.zeros((0, 2, 2)), 0.0, 1.0, 4)
    assert np.allclose(x, [0.125, 0.375, 0.625, 0.875])
    assert np.isnan(h).all()
    assert np.isnan(roughness_rms(h))
    # one long sloped segment spanning all bins: bin maxima at right bin edges
    seg = np.array([[[1.0, 1.0], [0.0, 0.0]]])
    _, h = height_profile(seg, 0.0, 1.0, 4)
    assert np.allclose(h, [0.25, 0.5, 0.75, 1.0])
    # a vertical segment
    seg = np.array([[[0.3, 0.1], [0.3, 0.9]]])
    _, h = height_profile(seg, 0.0, 1.0, 4)
    assert h[1] == pytest.approx(0.9) and np.isnan(h[[0, 2, 3]]).all()


def test_overhang_takes_highest_point():
    """A mushroom-shaped contour: h(x) is the top, not the first crossing."""
    segs = np.array([[[0.0, 1.0], [1.0, 1.0]], [[0.2, 1.0], [0.2, 3.0]], [[0.2, 3.0], [0.8, 3.0]]])
    m = morphology_from_segments(segs, 0.0, 1.0, nbins=10, initial_height=1.0)
    assert m.height_max == pytest.approx(3.0)
    assert m.dendrite_height == pytest.approx(2.0)
    assert m.length == pytest.approx(1.0 + 2.0 + 0.6)


# --- tip rise, front advance, tip lead ----------------------------------------------------
def _nucleus(pts, y0: float, radius: float, xc: float, lift: float = 0.0, tip: float = 0.0):
    """Level-set values (>= 0 in metal) of a flat surface at y0 + lift with a circular
    nucleus of radius ``radius`` centred on it, its top part stretched upwards by ``tip``."""
    x, y = pts[:, 0], pts[:, 1]
    yc = y0 + lift
    stretch = np.where(y > yc, 1.0 + tip / radius, 1.0)  # ellipse above the centre line
    bump = np.hypot(x - xc, (y - yc) / stretch) - radius
    return -np.minimum(y - yc, bump)


def test_flat_front_advances_as_a_whole():
    """A flat front moved from y0 to y0 + d: tip rise = front advance = d, lead 0."""
    pts, tris = grid(40, 20)
    y0, d = 5.3, 1.7
    segs0 = contour_segments(pts, tris, y0 - pts[:, 1], 0.0)
    m0 = morphology_from_segments(segs0, 0.0, W, initial_height=y0)
    m = morphology_from_segments(
        contour_segments(pts, tris, y0 + d - pts[:, 1], 0.0), 0.0, W, initial_height=m0.h
    )
    assert m0.tip_rise == pytest.approx(0.0, abs=1e-12)
    assert m.tip_rise == pytest.approx(d, abs=1e-12)
    assert m.front_advance == pytest.approx(d, abs=1e-12)
    assert m.tip_lead == pytest.approx(0.0, abs=1e-12)


def test_uniform_growth_of_a_nucleus_has_no_lead():
    """Nucleus (R = 6) on a flat surface, everything lifted by d: the dendrite height counts
    the nucleus (R + d) but the tip rise and the front advance are both d (lead 0)."""
    y0, R, xc, d = 5.0, 6.0, 17.0, 0.8
    pts, tris = grid(400, 200)
    m0 = morphology_from_segments(
        contour_segments(pts, tris, _nucleus(pts, y0, R, xc), 0.0), 0.0, W, nbins=200,
        initial_height=y0,
    )  # fmt: skip
    m = morphology_from_segments(
        contour_segments(pts, tris, _nucleus(pts, y0, R, xc, lift=d), 0.0), 0.0, W, nbins=200,
        initial_height=m0.h,
    )  # fmt: skip
    assert m.dendrite_height == pytest.approx(R + d, abs=2e-3)
    assert m.tip_rise == pytest.approx(d, abs=2e-3)
    assert m.front_advance == pytest.approx(d, abs=1e-9)  # most bins are flat
    assert m.tip_lead == pytest.approx(0.0, abs=2e-3)


def test_a_tip_that_runs_ahead_has_a_lead():
    """As above, and the top of the nucleus stretched by 1.5 more: lead 1.5, front d."""
    y0, R, xc, d, extra = 5.0, 6.0, 17.0, 0.8, 1.5
    pts, tris = grid(400, 200)
    m0 = morphology_from_segments(
        contour_segments(pts, tris, _nucleus(pts, y0, R, xc), 0.0), 0.0, W, nbins=200
    )
    grown = _nucleus(pts, y0, R, xc, lift=d, tip=extra)
    m = morphology_from_segments(
        contour_segments(pts, tris, grown, 0.0), 0.0, W, nbins=200, initial_height=m0.h
    )
    assert m.tip_rise == pytest.approx(d + extra, abs=2e-3)
    assert m.front_advance == pytest.approx(d, abs=1e-9)
    assert m.tip_lead == pytest.approx(extra, abs=2e-3)
    # the lowest-lying point would not do: it is the foot of the bump, not the flat surface
    assert m.height_min == pytest.approx(y0 + d, abs=1e-9)


def test_front_advance_is_the_lower_quartile_of_the_local_advance():
    h0 = np.array([1.0, 1.0, 1.0, 1.0, 3.0, np.nan])
    h = np.array([1.5, 1.4, 1.6, 1.5, 5.0, 2.0])  # the last bin had no initial contour
    rise, advance = tip_rise_and_front_advance(h, h0)
    assert rise == pytest.approx(5.0 - 3.0)
    assert advance == pytest.approx(0.5)  # sorted 0.4, 0.5, 0.5, 0.6, 2.0: position 1 of 4
    rise, advance = tip_rise_and_front_advance(h, 1.0)  # one initial height for every bin
    # sorted 0.4, 0.5, 0.5, 0.6, 1.0, 4.0: position 1.25 of 5 (the median was 0.55)
    assert (rise, advance) == pytest.approx((4.0, 0.5))
    assert tip_rise_and_front_advance(h, 1.0, quantile=0.5)[1] == pytest.approx(0.55)
    assert all(math.isnan(v) for v in tip_rise_and_front_advance(np.full(3, np.nan), 0.0))


# --- front advance on synthetic profiles of a narrow strip ------------------------------------
# h(x) given as a graph sampled every 10 nm, contoured into segments, binned in 200 bins of
# 60 nm: the same path as a run's profiles. Strip 12 um wide, flat surface at 5 um.
WS, Y0, D = 12.0, 5.0, 0.8  # width, initial flat level, uniform advance (um)
XS = np.linspace(0.0, WS, 1201)


def _graph(y: np.ndarray) -> np.ndarray:
    """Segments of the polyline (XS, y); a jump between two samples is a steep wall."""
    p = np.column_stack([XS, y])
    return np.stack([p[:-1], p[1:]], axis=1)


def _rough(amplitude: float = 0.3) -> np.ndarray:
    """A rough initial surface about Y0: a few periodic modes of fixed random phase."""
    rng = np.random.default_rng(7)
    k = 2 * np.pi * np.arange(1, 9) / WS
    phase = rng.uniform(0, 2 * np.pi, k.size)
    y = (np.sin(np.outer(XS, k) + phase) / np.arange(1, 9)).sum(axis=1)
    return Y0 + amplitude * y / np.abs(y).max()


def _grown(y0: np.ndarray, y: np.ndarray):
    """Morphology of profile y with initial profile y0 (both sampled on XS)."""
    m0 = morphology_from_segments(_graph(y0), 0.0, WS, initial_height=Y0)
    return morphology_from_segments(_graph(y), 0.0, WS, initial_height=m0.h), m0


def _block(centre: float, width: float, height: float) -> np.ndarray:
    """0 outside |x - centre| < width / 2, height inside: a finger (or trough) profile."""
    return np.where(np.abs(XS - centre) < width / 2, height, 0.0)


def _median_advance(m, m0) -> float:
    """The old definition, for comparison: median over the bins of h - h0."""
    return tip_rise_and_front_advance(m.h, m0.h, quantile=0.5)[1]


@pytest.mark.parametrize("rough", [False, True], ids=["flat", "rough"])
def test_uniform_growth_advances_by_the_plated_thickness(rough):
    """Every point lifted by D, on a flat or a rough (+-0.3 um) initial surface: advance D,
    lead 0. Against h0(x), the roughness is surface, not advance (h - median h0 would give
    D +- the roughness bin by bin)."""
    y0 = _rough() if rough else np.full_like(XS, Y0)
    m, m0 = _grown(y0, y0 + D)
    assert m.front_advance == pytest.approx(D, abs=1e-9)
    assert m.tip_rise == pytest.approx(D, abs=1e-9)
    assert m.tip_lead == pytest.approx(0.0, abs=1e-9)
    at_start = morphology_from_segments(_graph(y0), 0.0, WS, initial_height=m0.h)
    assert at_start.front_advance == 0.0 and at_start.tip_lead == 0.0


def test_a_narrow_spike_is_not_the_front():
    """A 0.6 um (5 %) spike 10 um tall on a front advanced by D: front D, lead 10."""
    y0 = np.full_like(XS, Y0)
    m, m0 = _grown(y0, y0 + D + _block(6.0, 0.6, 10.0))
    assert m.front_advance == pytest.approx(D, abs=1e-9)
    assert m.tip_rise == pytest.approx(D + 10.0, abs=1e-9)
    assert m.tip_lead == pytest.approx(10.0, abs=1e-9)
    assert _median_advance(m, m0) == pytest.approx(D, abs=1e-9)  # the median managed this


@pytest.mark.parametrize("rough", [False, True], ids=["flat", "rough"])
def test_a_finger_covering_most_of_the_width_is_not_the_front(rough):
    """A 20 um finger covering 70 % of the strip (as in a dendrite run in a narrow strip),
    the surface beside it advanced by D: front D, lead 20. The median lies on the finger."""
    y0 = _rough() if rough else np.full_like(XS, Y0)
    finger = _block(6.0, 0.7 * WS, 20.0)
    m, m0 = _grown(y0, np.where(finger > 0, Y0 + D + 20.0, y0 + D))
    assert m.front_advance == pytest.approx(D, abs=1e-9)
    assert m.tip_lead == pytest.approx(m.tip_rise - D, abs=1e-9)
    assert m.tip_lead == pytest.approx(20.0 + Y0 - m0.height_max, abs=1e-9)
    assert _median_advance(m, m0) > D + 15.0  # the old definition followed the finger


def test_a_shielded_trough_does_not_pull_the_front_down():
    """A trough 1.2 um (10 %) wide that did not grow at all, beside a nucleus-free front
    advanced by D: front D, where the minimum (height_min - Y0) would give 0."""
    y0 = np.full_like(XS, Y0)
    m, _ = _grown(y0, y0 + D - _block(3.0, 1.2, D))
    assert m.front_advance == pytest.approx(D, abs=1e-9)
    assert m.height_min - Y0 == pytest.approx(0.0, abs=1e-9)


def test_the_initial_nucleus_is_not_advance():
    """A 2 um nucleus (1/3 of the width at its base) on the initial surface; the flat part
    advanced by D and the nucleus grew into a finger 70 % wide: front D. The nucleus'
    own height (2 um) counts neither in the front nor in the tip rise."""
    y0 = Y0 + np.sqrt(np.clip(2.0**2 - (XS - 6.0) ** 2, 0.0, None))
    grown = np.where(_block(6.0, 0.7 * WS, 1.0) > 0, Y0 + 2.0 + 15.0, y0 + D)
    m, m0 = _grown(y0, grown)
    assert m0.dendrite_height == pytest.approx(2.0, abs=1e-3)
    assert m.front_advance == pytest.approx(D, abs=1e-9)
    assert m.tip_rise == pytest.approx(15.0, abs=1e-3)
    assert m.tip_lead == pytest.approx(15.0 - D, abs=1e-3)


def test_no_contour_gives_nan_morphology():
    m = morphology_from_segments(np.zeros((0, 2, 2)), 0.0, W, nbins=10)
    assert all(math.isnan(getattr(m, k)) for k in ("tip_rise", "front_advance", "tip_lead"))
