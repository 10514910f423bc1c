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

from zndeposit.io.snapshots import Snapshot
from zndeposit.viz import style, textfit
from zndeposit.viz.extract import Window, domain_window, interface_window
from zndeposit.viz.panel import (
    PanelResult,
    Vectors,
    data_range,
    draw_panel,
    stamp_size,
    stamp_text,
    time_text,
)

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
#: narrowest panel that gets its colour bar below it; narrower ones get it at their right,
#: along their long side (a horizontal bar this short holds two or three tick labels)
_CB_BELOW_MIN_WIDTH = 1.1
#: fonts of panel letters and titles, pt
_LETTER_SIZE, _TITLE_SIZE = style.FONT_SIZE + 1, style.FONT_SIZE - 1
#: the room a letter takes before a title, in
_LETTER_ROOM = 0.14
#: room for the half of an end tick label of a vertical colour bar that reaches past it, in
_HALF_LABEL = 0.07


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


@dataclass
class _Title:
    """A panel title as drawn: its text (possibly broken into lines) and font size."""

    text: str
    size: float
    fits: bool = True

    @property
    def height(self) -> float:
        return textfit.text_size(self.text, self.size)[1]


def _fit_title(text: str, width: float) -> _Title:
    """``text`` in ``width`` (in): one line, else broken after its commas, else smaller.

    Below the smallest font the text stays at that size and is marked as not fitting
    (it is then set flush left after the letter, reaching to the right past ``width``).
    """
    candidates = [text]
    if ", " in text:
        candidates.append(text.replace(", ", "\n"))
    for cand in candidates:
        if textfit.text_size(cand, _TITLE_SIZE)[0] <= width:
            return _Title(cand, _TITLE_SIZE)
    best = candidates[-1]
    size = textfit.fit_size(best, _TITLE_SIZE, width)
    return _Title(best, size or textfit.MIN_FONT_SIZE, fits=size is not None)


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

    Text is fitted to the panels, so tall narrow and wide flat windows lay out
    without overlaps: a column's colour bar goes below it, or at its right where
    the panel is narrower than 1.1 in; colour bars get only as many ticks as their
    labels have room for; a title too wide for its panel is broken after its commas
    or set smaller; a time stamp too wide for its panel becomes (part of) its title.

    Args:
        panels: rows of panels; every row has the same number of panels.
        share: ``"column"``: each column shows one field (colour bar below it, or
            at its right if the panels are narrow); ``"row"``: each row shows one
            field (colour bar at its right).
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
    bar = _CB_GAP + _CB_THICK + _CB_RIGHT  # a colour bar at the right, with its labels

    def panel_size(side: float, per_column: float, height: float) -> tuple[float, float]:
        pw = (width - 2 * _EDGE - (ncols - 1) * _HGAP - side - ncols * per_column) / ncols
        return min(pw, height / aspect), min(pw, height / aspect) * aspect

    placement = "right" if share == "row" else "below"
    pw, ph = panel_size(bar if share == "row" else 0.0, 0.0, max_panel_height)
    if placement == "below" and pw < _CB_BELOW_MIN_WIDTH:
        placement = "beside"  # each column's bar at its right
    side = bar if placement == "right" else 0.0
    per_column = bar if placement == "beside" else 0.0
    pw, ph = panel_size(side, per_column, max_panel_height)
    with_letters = letters and nrows * ncols > 1
    letter_room = _LETTER_ROOM if with_letters else 0.0
    # panels too narrow for their titles at the smallest font are widened (so made taller),
    # up to twice max_panel_height
    specs = [[_stamp_outside(spec, pw, ph) for spec in row] for row in panels]
    need = max((_title_width(p.title) for row in specs for p in row if p.title), default=0.0)
    if pw < need + letter_room:
        height = min((need + letter_room) * aspect, 2 * max_panel_height)
        pw, ph = panel_size(side, per_column, height)
        specs = [[_stamp_outside(spec, pw, ph) for spec in row] for row in panels]
    pitch = pw + _HGAP + per_column  # from column to column
    # below the panels: the colour bars, or room for half the lowest tick label of a bar beside
    below = _CB_GAP + _CB_THICK + _CB_BELOW if placement == "below" else _HALF_LABEL
    fig_w = 2 * _EDGE + (ncols - 1) * pitch + pw + side + per_column
    title_room = pw - letter_room
    titles = [[_fit_title(spec.title, title_room) if spec.title else None for spec in row]
              for row in specs]  # fmt: skip
    fitted = [t for row in titles for t in row if t is not None]
    if fitted:  # the titles of a grid alike: one font size, all broken if one is
        size = min(t.size for t in fitted)
        broken = any("\n" in t.text for t in fitted)
        for row in titles:
            for k, t in enumerate(row):
                if t is not None:
                    text = t.text.replace(", ", "\n") if broken else t.text
                    row[k] = _Title(text, size, t.fits)
    header = _HEADER if with_letters else _EDGE
    if placement != "below":
        header = max(header, _HALF_LABEL)
    for t in (t for row in titles for t in row if t is not None):
        header = max(header, t.height + 0.05)
    fig_h = _EDGE + nrows * (header + ph) + below
    fig = style.new_figure(fig_w, fig_h)
    limits = dict(limits or {})
    for fld in {p.field for row in specs for p in row}:
        if fld not in limits:
            group = [p for row in specs for p in row if p.field == fld]
            window = group[0].window
            for p in group[1:]:
                window = window.union(p.window)
            limits[fld] = data_range([p.snap for p in group], fld, window)
    results: list[list[PanelResult]] = []
    nx = max(16, round(pw * dpi))
    letter = iter(string.ascii_lowercase)
    for r, row in enumerate(specs):
        top = fig_h - _EDGE - r * (header + ph) - header
        out_row = []
        for c, spec in enumerate(row):
            left = _EDGE + c * pitch
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
            if with_letters:
                fig.text(
                    left / fig_w,
                    (top + 0.03) / fig_h,
                    next(letter),
                    fontsize=_LETTER_SIZE,
                    fontweight="bold",
                    va="bottom",
                    ha="left",
                    gid="panel_letter",
                )
            title = titles[r][c]
            if title is not None:
                x0 = left + (_LETTER_ROOM if with_letters else 0.0)
                fig.text(
                    (x0 + (0.5 * title_room if title.fits else 0.0)) / fig_w,
                    (top + 0.03) / fig_h,
                    title.text,
                    fontsize=title.size,
                    va="bottom",
                    ha="center" if title.fits else "left",
                    multialignment="center" if title.fits else "left",
                    gid="panel_title",
                )
        results.append(out_row)
    _colour_bars(fig, specs, results, placement, (fig_w, fig_h, pw, ph, header, pitch))
    return fig, results


def _title_width(text: str) -> float:
    """Width (in) of a title at the smallest font, broken after its commas."""
    return textfit.text_size(text.replace(", ", "\n"), textfit.MIN_FONT_SIZE)[0] + 0.02


def _stamp_outside(spec: PanelSpec, pw: float, ph: float) -> PanelSpec:
    """The panel with its time stamp moved into its title if the panel has no room for it."""
    if not spec.stamp:
        return spec
    text = stamp_text(spec.snap)
    if stamp_size(text, pw, ph) is not None:
        return spec
    title = f"{spec.title}\n{text}" if spec.title else text.replace("\n", ", ")
    return PanelSpec(spec.snap, spec.field, spec.window, title=title, stamp=False)


def _colour_bars(fig, panels, results, placement, size) -> None:
    from matplotlib.cm import ScalarMappable

    fig_w, fig_h, pw, ph, header, pitch = size
    nrows, ncols = len(panels), len(panels[0])
    groups = range(nrows) if placement == "right" else range(ncols)
    for g in groups:
        spec = panels[g][0] if placement == "right" else panels[0][g]
        res = results[g][0] if placement == "right" else results[0][g]
        fs = style.FIELD_STYLES[spec.field]
        if placement == "below":
            long_side = 0.86 * pw  # shorter than the panel: end labels of neighbours never touch
            left = _EDGE + g * pitch + 0.5 * (pw - long_side)
            rect = (left / fig_w, _CB_BELOW / fig_h, long_side / fig_w, _CB_THICK / fig_h)
            orientation = "horizontal"
            # tick labels may reach halfway into the gap to the next bar (or the figure edge)
            reach = 0.5 * (pw - long_side) + 0.5 * _HGAP
            label_room = pw + _HGAP
        else:
            if placement == "right":  # one bar per row, beside the last column
                top = fig_h - _EDGE - g * (header + ph) - header
                left = fig_w - _EDGE - _CB_RIGHT - _CB_THICK
                bottom = top - ph
            else:  # "beside": one bar per column, along all its rows
                top = fig_h - _EDGE - header
                left = _EDGE + g * pitch + pw + _CB_GAP
                bottom = fig_h - _EDGE - nrows * (header + ph)
            long_side = top - bottom
            rect = (left / fig_w, bottom / fig_h, _CB_THICK / fig_w, long_side / fig_h)
            orientation = "vertical"
            reach = 0.06  # half a label past the ends, no further
            label_room = long_side
        cax = fig.add_axes(rect)
        cb = fig.colorbar(ScalarMappable(res.norm, res.cmap), cax=cax, orientation=orientation)
        label, label_size = fs.axis_label, style.FONT_SIZE
        if textfit.text_size(label, label_size)[0] > label_room:
            label = fs.symbol_label
            label_size = textfit.fit_size(label, label_size, label_room) or textfit.MIN_FONT_SIZE
        cb.set_label(label, size=label_size)
        _fit_ticks(cb, long_side, orientation, reach)
        cb.outline.set_linewidth(0.5)
        cax.tick_params(width=0.5, length=2)
        cax.set_gid(f"colorbar_{spec.field}")


def _fit_ticks(cb, long_side: float, orientation: str, reach: float) -> None:
    """As many colour-bar ticks (up to 6) as have room for their labels along ``long_side``.

    Args:
        cb: the colour bar.
        long_side: its length, in.
        orientation: ``"horizontal"`` (labels side by side) or ``"vertical"`` (stacked).
        reach: how far past the bar's ends a label may reach, in.
    """
    from matplotlib.ticker import MaxNLocator

    lo, hi = cb.norm.vmin, cb.norm.vmax
    axis = cb.ax.xaxis if orientation == "horizontal" else cb.ax.yaxis
    size = float(style.rc_params()["xtick.labelsize"])
    for nbins in (6, 5, 4, 3, 2, 1):
        locator = MaxNLocator(nbins=nbins)
        ticks = [v for v in locator.tick_values(lo, hi) if lo - 1e-12 * abs(hi - lo) <= v <= hi]
        cb.locator = locator
        cb.update_ticks()
        formatter = axis.get_major_formatter()
        formatter.set_locs(ticks)
        labels = [formatter(v) for v in ticks]
        positions = [long_side * (v - lo) / (hi - lo) for v in ticks]
        along = "x" if orientation == "horizontal" else "y"
        if textfit.tick_labels_fit(
            positions, labels, size, along=along, lo=-reach, hi=long_side + reach
        ):
            return
    cb.locator = MaxNLocator(nbins=1)  # the ends only: some label is better than none
    cb.update_ticks()


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
