"""What the field images show, checked on their pixels: contour position, distinct fields."""

from __future__ import annotations

import numpy as np
import pytest
from pixels import crop, draw, level_crossings, nearest_distance, pixel_um

from zndeposit.viz import figures, style
from zndeposit.viz.panel import METAL_COLOUR, data_range

pytestmark = pytest.mark.fem
DPI = 150
MAGENTA = "#FF00FF"


def _magenta(rgb: np.ndarray) -> np.ndarray:
    r, g, b = (rgb[..., k].astype(int) for k in range(3))
    return (r > 170) & (b > 170) & (g < 100)


@pytest.mark.parametrize("view", ["interface", "domain"])
def test_contour_pixels_lie_on_the_xi_half_level(last_snapshot, view):
    """Every pixel of the drawn contour is within the line width of xi = 0.5, and it covers it."""
    with style.journal_style():
        fig, res = figures.field_figure(
            last_snapshot, "xi", view=view, contour_colour=MAGENTA, dpi=DPI
        )
        rgb = draw(fig, DPI)
    ax = next(a for a in fig.axes if a.images)
    window = res.window
    rows, cols = np.nonzero(_magenta(rgb))
    assert len(rows) > 50, "no contour pixels found"
    drawn = pixel_um(ax, rgb.shape[0], window, rows, cols)
    um_per_px = window.width / ax.get_window_extent().width
    tol = (0.9 / 72 * DPI / 2 + 1.5) * um_per_px  # half the line width + antialiasing
    x, y = drawn.T
    inside = (x > window.x0 - tol) & (x < window.x1 + tol)
    inside &= (y > window.y0 - tol) & (y < window.y1 + tol)
    assert inside.all(), "contour pixels outside the panel"
    truth = level_crossings(last_snapshot.mesh, "xi", window)
    off = nearest_distance(drawn, truth)
    assert np.quantile(off, 0.99) < tol, (np.quantile(off, 0.99), tol)
    # the other way round: the xi = 0.5 set is drawn (the stamp box may hide a little)
    miss = nearest_distance(truth, drawn)
    assert np.mean(miss < tol) > 0.9
    # a contour at another level would be visibly elsewhere: the test can fail
    wrong = level_crossings(last_snapshot.mesh, "xi", window, level=0.2)
    assert np.median(nearest_distance(wrong, truth)) > 3 * tol


def test_field_images_differ_and_show_the_metal(last_snapshot):
    """xi, c, phi and |i| give different pixel statistics; c and phi paint the same metal grey."""
    crops = {}
    with style.journal_style():
        for name in ("xi", "c", "phi", "current"):
            fig, _ = figures.field_figure(last_snapshot, name, view="domain", dpi=DPI)
            rgb = draw(fig, DPI)
            crops[name] = crop(rgb, next(a for a in fig.axes if a.images)).astype(float)
    shapes = {c.shape for c in crops.values()}
    assert len(shapes) == 1, shapes
    for name, img in crops.items():
        assert img.std() > 20, f"{name}: nearly uniform image"
    names = list(crops)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            diff = np.abs(crops[a] - crops[b]).mean()
            hist_a = np.histogram(crops[a].mean(axis=-1), bins=32, range=(0, 255))[0]
            hist_b = np.histogram(crops[b].mean(axis=-1), bins=32, range=(0, 255))[0]
            assert diff > 15, f"{a} and {b} look alike (mean |diff| {diff:.1f})"
            assert np.abs(hist_a - hist_b).sum() > 0.2 * hist_a.sum(), (a, b)
    grey = np.array([int(METAL_COLOUR[k : k + 2], 16) for k in (1, 3, 5)])
    metal_c = np.all(np.abs(crops["c"] - grey) < 2, axis=-1)
    metal_phi = np.all(np.abs(crops["phi"] - grey) < 2, axis=-1)
    assert 0.1 < metal_c.mean() < 0.6  # the anode (2 of 8 um) and the nucleus
    assert np.mean(metal_c == metal_phi) > 0.99
    assert np.all(np.abs(crops["xi"] - grey) < 2, axis=-1).mean() < 0.05  # xi shows no grey


def test_colour_limits_are_the_electrolyte_range(last_snapshot):
    """The colour bar of c spans min..max of c where xi < 0.5; xi is always 0..1."""
    mesh = last_snapshot.mesh
    xi, c = np.asarray(mesh.point_data["xi"]), np.asarray(mesh.point_data["c"])
    lo, hi = data_range([last_snapshot], "c")
    assert lo == pytest.approx(c[xi < 0.5].min()) and hi == pytest.approx(c[xi < 0.5].max())
    assert hi - lo > 0.05  # the coating's fixed charge raises c: a real range
    assert data_range([last_snapshot], "xi") == (0.0, 1.0)
    lo, hi = data_range([last_snapshot], "phi")
    phi = np.asarray(mesh.point_data["phi"])[xi < 0.5] * 1e3  # V -> mV
    assert (lo, hi) == pytest.approx((phi.min(), phi.max()))
