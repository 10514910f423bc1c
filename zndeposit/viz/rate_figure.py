"""The plating-rate figure: the local reaction rate along the interface (xi = 0.5).

(a) the xi = 0.5 line coloured by the rate over the deposit, (b) the rate
against arc length, with the applied current and the interface mean.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from zndeposit.io.snapshots import Snapshot
from zndeposit.viz import style
from zndeposit.viz.extract import Window
from zndeposit.viz.figures import View, view_window
from zndeposit.viz.panel import stamp_size, stamp_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["interface_profile", "reaction_rate_figure"]


def interface_profile(snap: Snapshot) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arc length (um), x (um) and local plating rate (mA/cm^2) along the xi = 0.5 contour.

    The longest contour piece is taken, ordered from left to right.
    """
    from zndeposit.viz.extract import interface_line

    itf = interface_line(snap.mesh)
    if not itf.lines:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    k = int(np.argmax([len(line) for line in itf.lines]))
    line, rate = itf.lines[k], itf.values[k]["reaction_rate"]
    if line[0, 0] > line[-1, 0]:
        line, rate = line[::-1], rate[::-1]
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(line, axis=0).T))])
    return s, line[:, 0], np.asarray(rate, dtype=float)


def reaction_rate_figure(
    snap: Snapshot,
    *,
    view: View | Window = "interface",
    applied: float | None = None,
    limits: tuple[float, float] | None = None,
    width: float = style.DOUBLE_COLUMN,
    dpi: int = style.DPI,
) -> tuple[Figure, tuple[np.ndarray, np.ndarray]]:
    """The local plating rate along the interface, in two panels.

    (a) The xi = 0.5 line coloured by the rate over the deposit, (b) the rate
    against arc length.

    Args:
        snap: the snapshot.
        view: the window of panel (a).
        applied: applied current density, mA/cm^2 (a reference line in (b)).
        limits: colour limits of the rate, mA/cm^2.
        width: figure width, in.
        dpi: resolution of the background image.

    Returns:
        The figure and (arc length um, rate mA/cm^2) of the plotted profile.
    """
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize, to_rgba

    from zndeposit.viz.extract import interface_line, sample_fields
    from zndeposit.viz.panel import (
        METAL_COLOUR,
        STAMP_SIZE,
        _axes_inches,
        _box,
        _draw_outlines,
        add_scale_bar,
        frame_axes,
    )

    window = view_window([snap], view)
    fig = style.new_figure(width, 0.36 * width, layout="constrained")
    ax_map, ax_line = fig.subplots(1, 2, width_ratios=[1.25, 1.0])
    nx = max(16, round(0.55 * width * dpi))
    ny = max(16, round(nx * window.height / window.width))
    xi = sample_fields(snap.mesh, window, (ny, nx), ["xi"])["xi"]
    rgba = np.ones((ny, nx, 4))
    rgba[np.ma.getdata(xi) >= 0.5] = to_rgba(METAL_COLOUR)
    rgba[np.ma.getmaskarray(xi)] = to_rgba(style.HOLE_COLOUR)
    ax_map.imshow(rgba, extent=window.extent, origin="lower", interpolation="none")
    frame_axes(ax_map, window)
    _draw_outlines(ax_map, snap, window)
    itf = interface_line(snap.mesh)
    rates = itf.value("reaction_rate")
    lo, hi = limits or _rate_limits(rates)
    norm = Normalize(lo, hi)
    cmap = __import__("matplotlib").colormaps[style.FIELD_STYLES["reaction_rate"].cmap]
    for line, vals in zip(itf.lines, itf.values, strict=True):
        seg = np.stack([line[:-1], line[1:]], axis=1)
        mid = 0.5 * (vals["reaction_rate"][:-1] + vals["reaction_rate"][1:])
        lc = LineCollection(seg, colors=cmap(norm(mid)), linewidths=2.2, capstyle="round", zorder=5)
        lc.set_gid("interface_rate")
        ax_map.add_collection(lc)
    add_scale_bar(ax_map, window)
    cb = fig.colorbar(ScalarMappable(norm, cmap), ax=ax_map, shrink=0.9, pad=0.02, aspect=15)
    cb.set_label(style.FIELD_STYLES["reaction_rate"].symbol_label)
    cb.outline.set_linewidth(0.5)
    s, _, rate = interface_profile(snap)
    ax_line.plot(s, rate, **style.line_style(0), label="at $\\xi$ = 0.5")
    if applied is not None:
        ax_line.axhline(
            applied, color="0.5", linewidth=0.7, linestyle=":", label="applied (per projected area)"
        )
    mean = float(np.trapezoid(rate, s) / s[-1]) if len(s) > 1 and s[-1] > 0 else float("nan")
    if np.isfinite(mean):
        ax_line.axhline(
            mean,
            color=style.OKABE_ITO["vermillion"],
            linewidth=0.7,
            linestyle="--",
            label=f"interface mean ({mean:.3g})",
        )
    ax_line.set_xlabel(style.axis_label("Arc length along the interface", "um"))
    ax_line.set_ylabel(style.FIELD_STYLES["reaction_rate"].axis_label)
    ax_line.set_xlim(0.0, s[-1] if len(s) > 1 else 1.0)
    ax_line.legend(loc="best")
    for letter, ax in zip("ab", (ax_map, ax_line), strict=True):
        ax.set_title(letter, loc="left", fontweight="bold", fontsize=style.FONT_SIZE + 1)
    # the stamp in the map if it has room there (its box known once laid out), else below it
    fig.get_layout_engine().execute(fig)
    ax_map.apply_aspect()
    text = stamp_text(snap)
    size = stamp_size(text, *_axes_inches(ax_map))
    if size is not None:
        _box(ax_map, text, "upper left", size)
    else:
        ax_map.text(0.5, -0.02, text, transform=ax_map.transAxes, ha="center", va="top",
                    fontsize=STAMP_SIZE, multialignment="center")  # fmt: skip
    return fig, (s, rate)


def _rate_limits(rates: np.ndarray) -> tuple[float, float]:
    """Colour limits of the rate along the line: its range, at least 2 % of its maximum wide."""
    if not len(rates):
        return (0.0, 1.0)
    lo, hi = float(rates.min()), float(rates.max())
    span = max(hi - lo, 0.02 * max(abs(hi), 1e-12))
    mid = 0.5 * (lo + hi)
    return (mid - 0.5 * span, mid + 0.5 * span)
