"""Field figures: single fields, multi-panel figures, growth sequences and run comparisons.

Every figure is a grid of :func:`zndeposit.viz.panel.draw_panel` panels laid out
in inches (so sizes are exact at column width): all panels of a grid show
windows of the same size, i.e. the same um per inch, and panels that show
the same field share one colour bar and one set of colour limits.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from zndeposit.io.snapshots import Snapshot
from zndeposit.viz import style
from zndeposit.viz.extract import Window, domain_window, interface_window
from zndeposit.viz.panel import PanelResult, Vectors, data_range, draw_panel, time_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "PanelSpec",
    "comparison_figure",
    "field_figure",
    "field_grid",
    "fields_figure",
    "sequence_figure",
    "view_window",
]

View = Literal["domain", "interface"]
#: fields of the multi-panel figure, in order
PANEL_FIELDS = ("xi", "c", "phi", "current")

# layout, inches
_EDGE, _HEADER, _HGAP = 0.04, 0.17, 0.07
_CB_GAP, _CB_THICK, _CB_BELOW, _CB_RIGHT = 0.05, 0.07, 0.40, 0.62


@dataclass
class PanelSpec:
    """One panel of a grid: a field of a snapshot in a window (um), with an optional title."""

    snap: Snapshot
    field: str
    window: Window
    title: str = ""
    stamp: bool = True


def view_window(snaps: Sequence[Snapshot], view: View | Window) -> Window:
    """The window of a view: the whole domain, or a close-up holding every snapshot's interface."""
    if isinstance(view, Window):
        return view
    if view == "domain":
        return domain_window(snaps[0].mesh)
    return interface_window([s.mesh for s in snaps])


def field_grid(
    panels: Sequence[Sequence[PanelSpec]],
    *,
    share: Literal["row", "column"] = "column",
    width: float = style.DOUBLE_COLUMN,
    max_panel_height: float = 4.0,
    limits: dict[str, tuple[float, float]] | None = None,
    letters: bool = True,
    dpi: int = style.DPI,
    vectors: Vectors = "streamlines",
    contour_colour: str = style.CONTOUR_COLOUR,
) -> tuple[Figure, list[list[PanelResult]]]:
    """Lay out panels in rows and columns with shared colour bars.

    Args:
        panels: rows of panels; every row has the same number of panels.
        share: ``"column"``: each column shows one field (colour bar below it);
            ``"row"``: each row shows one field (colour bar at its right).
        width: figure width, in (a journal column or page width).
        max_panel_height: panels are made narrower if they would be taller, in.
        limits: field -> colour limits (display units); missing fields get the range
            over all panels of the grid that show them.
        letters: panel letters a, b, c ...
        dpi: resolution the field images are sampled for.
        vectors: current streamlines, glyphs or none.
        contour_colour: colour of the xi = 0.5 line.

    Returns:
        The figure and the :class:`PanelResult` of every panel.
    """
    nrows, ncols = len(panels), len(panels[0])
    w_max = max(p.window.width for row in panels for p in row)
    h_max = max(p.window.height for row in panels for p in row)
    aspect = h_max / w_max
    side = _CB_GAP + _CB_THICK + _CB_RIGHT if share == "row" else 0.0
    below = _CB_GAP + _CB_THICK + _CB_BELOW if share == "column" else 0.0
    pw = (width - 2 * _EDGE - (ncols - 1) * _HGAP - side) / ncols
    ph = pw * aspect
    if ph > max_panel_height:
        ph, pw = max_panel_height, max_panel_height / aspect
    fig_w = 2 * _EDGE + ncols * pw + (ncols - 1) * _HGAP + side
    header = (
        _HEADER
        if (letters and nrows * ncols > 1) or any(p.title for row in panels for p in row)
        else _EDGE
    )
    fig_h = _EDGE + nrows * (header + ph) + below
    fig = style.new_figure(fig_w, fig_h)
    limits = dict(limits or {})
    for fld in {p.field for row in panels for p in row}:
        if fld not in limits:
            group = [p for row in panels for p in row if p.field == fld]
            window = group[0].window
            for p in group[1:]:
                window = window.union(p.window)
            limits[fld] = data_range([p.snap for p in group], fld, window)
    results: list[list[PanelResult]] = []
    nx = max(16, round(pw * dpi))
    letter = iter(string.ascii_lowercase)
    for r, row in enumerate(panels):
        top = fig_h - _EDGE - r * (header + ph) - header
        out_row = []
        for c, spec in enumerate(row):
            left = _EDGE + c * (pw + _HGAP)
            ax = fig.add_axes((left / fig_w, (top - ph) / fig_h, pw / fig_w, ph / fig_h))
            win = spec.window.sized(w_max, h_max)
            res = draw_panel(
                ax,
                spec.snap,
                spec.field,
                win,
                limits=limits[spec.field],
                pixels=(max(16, round(nx * aspect)), nx),
                vectors=vectors,
                stamp=spec.stamp,
                contour_colour=contour_colour,
            )
            out_row.append(res)
            if letters and nrows * ncols > 1:
                fig.text(
                    left / fig_w,
                    (top + 0.03) / fig_h,
                    next(letter),
                    fontsize=style.FONT_SIZE + 1,
                    fontweight="bold",
                    va="bottom",
                    ha="left",
                )
            if spec.title:
                fig.text(
                    (left + 0.5 * pw) / fig_w,
                    (top + 0.03) / fig_h,
                    spec.title,
                    fontsize=style.FONT_SIZE - 1,
                    va="bottom",
                    ha="center",
                )
        results.append(out_row)
    _colour_bars(fig, panels, results, share, (fig_w, fig_h, pw, ph, header))
    return fig, results


def _colour_bars(fig, panels, results, share, size) -> None:
    from matplotlib.cm import ScalarMappable
    from matplotlib.ticker import MaxNLocator

    fig_w, fig_h, pw, ph, header = size
    nrows, ncols = len(panels), len(panels[0])
    groups = range(ncols) if share == "column" else range(nrows)
    for g in groups:
        spec = panels[0][g] if share == "column" else panels[g][0]
        res = results[0][g] if share == "column" else results[g][0]
        fs = style.FIELD_STYLES[spec.field]
        if share == "column":
            long_side = 0.86 * pw  # shorter than the panel: end labels of neighbours never touch
            left = _EDGE + g * (pw + _HGAP) + 0.5 * (pw - long_side)
            rect = (left / fig_w, _CB_BELOW / fig_h, long_side / fig_w, _CB_THICK / fig_h)
            orientation = "horizontal"
        else:
            top = fig_h - _EDGE - g * (header + ph) - header
            left = fig_w - _EDGE - _CB_RIGHT - _CB_THICK
            rect = (left / fig_w, (top - ph) / fig_h, _CB_THICK / fig_w, ph / fig_h)
            orientation, long_side = "vertical", ph
        cax = fig.add_axes(rect)
        cb = fig.colorbar(ScalarMappable(res.norm, res.cmap), cax=cax, orientation=orientation)
        label = fs.axis_label if long_side >= _text_width(fs.axis_label) else fs.symbol_label
        cb.set_label(label)
        cb.locator = MaxNLocator(nbins=4 if long_side < 2.0 else 6)
        cb.update_ticks()
        cb.outline.set_linewidth(0.5)
        cax.tick_params(width=0.5, length=2)
        cax.set_gid(f"colorbar_{spec.field}")


def _text_width(text: str, size: float = style.FONT_SIZE) -> float:
    """Approximate width of a label in inches (mathtext markup not counted)."""
    import re

    plain = re.sub(r"\\mathrm|[${}^_\\]", "", text)
    return 0.55 * size / 72.0 * len(plain)


def field_figure(
    snap: Snapshot,
    field: str,
    *,
    view: View | Window = "domain",
    width: float = style.SINGLE_COLUMN,
    limits: tuple[float, float] | None = None,
    vectors: Vectors = "streamlines",
    contour_colour: str = style.CONTOUR_COLOUR,
    dpi: int = style.DPI,
) -> tuple[Figure, PanelResult]:
    """One field of one snapshot at column width (colour bar beside tall panels, else below)."""
    window = view_window([snap], view)
    tall = window.height > 1.3 * window.width
    fig, res = field_grid(
        [[PanelSpec(snap, field, window)]],
        share="row" if tall else "column",
        width=width,
        max_panel_height=3.6,
        limits={field: limits} if limits else None,
        vectors=vectors,
        contour_colour=contour_colour,
        dpi=dpi,
    )
    return fig, res[0][0]


def fields_figure(
    snap: Snapshot,
    fields: Sequence[str] = PANEL_FIELDS,
    *,
    view: View | Window = "domain",
    width: float = style.DOUBLE_COLUMN,
    vectors: Vectors = "streamlines",
    dpi: int = style.DPI,
) -> tuple[Figure, list[PanelResult]]:
    """Multi-panel figure: several fields of one snapshot side by side (a, b, c, d)."""
    present = [f for f in fields if f in snap.mesh.point_data or f in snap.mesh.cell_data]
    window = view_window([snap], view)
    row = [PanelSpec(snap, f, window, stamp=(k == 0)) for k, f in enumerate(present)]
    fig, res = field_grid(
        [row], share="column", width=width, vectors=vectors, dpi=dpi, max_panel_height=4.5
    )
    return fig, res[0]


def sequence_figure(
    snaps: Sequence[Snapshot],
    field: str = "xi",
    *,
    view: View | Window = "interface",
    width: float = style.DOUBLE_COLUMN,
    dpi: int = style.DPI,
) -> tuple[Figure, list[PanelResult]]:
    """One field at several times in a row, equal colour limits and window (growth sequence)."""
    window = view_window(snaps, view)
    row = [
        PanelSpec(
            s,
            field,
            window,
            title=f"{time_text(s.t)}, {s.capacity:.3g} mAh cm$^{{-2}}$",
            stamp=False,
        )
        for s in snaps
    ]
    fig, res = field_grid([row], share="row", width=width, dpi=dpi, max_panel_height=3.0)
    return fig, res[0]


def comparison_figure(
    snaps: Sequence[Snapshot],
    labels: Sequence[str],
    fields: Sequence[str] = PANEL_FIELDS,
    *,
    view: View = "domain",
    width: float = style.DOUBLE_COLUMN,
    dpi: int = style.DPI,
) -> tuple[Figure, list[list[PanelResult]]]:
    """Runs side by side (columns), one field per row, equal colour limits and scale per row.

    Each run keeps its own window origin; all windows get the size of the largest,
    so a um is the same length in every panel.
    """
    windows = [view_window([s], view) for s in snaps]
    if view == "interface":  # align the close-ups: same height above each run's lowest point
        h = max(w.height for w in windows)
        windows = [Window(w.x0, w.x1, w.y0, w.y0 + h) for w in windows]
    rows = []
    for f in fields:
        if not all(f in s.mesh.point_data or f in s.mesh.cell_data for s in snaps):
            continue
        rows.append(
            [
                PanelSpec(s, f, w, title=lab if not rows else "")
                for s, w, lab in zip(snaps, windows, labels, strict=True)
            ]
        )
    return field_grid(rows, share="row", width=width, dpi=dpi, max_panel_height=2.6)


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
        _box,
        _draw_outlines,
        add_scale_bar,
        frame_axes,
        stamp_text,
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
    _box(ax_map, stamp_text(snap), "upper left", style.FONT_SIZE - 1.5)
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
    return fig, (s, rate)


def _rate_limits(rates: np.ndarray) -> tuple[float, float]:
    """Colour limits of the rate along the line: its range, at least 2 % of its maximum wide."""
    if not len(rates):
        return (0.0, 1.0)
    lo, hi = float(rates.min()), float(rates.max())
    span = max(hi - lo, 0.02 * max(abs(hi), 1e-12))
    mid = 0.5 * (lo + hi)
    return (mid - 0.5 * span, mid + 0.5 * span)
