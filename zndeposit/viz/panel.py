"""One field panel: a snapshot field on its pixel grid, the interface, outlines, vectors and marks.

A panel is drawn with matplotlib from field values that PyVista (VTK)
evaluates exactly at the pixel centres (:func:`zndeposit.viz.extract.sample_fields`),
so it needs no OpenGL and no display, and PDF/SVG keep the interface contour,
outlines, streamlines, scale bar and text as vectors over an embedded image.

Electrolyte fields (c, c_anion, phi, current; pH, c_hydroxide, c_zn_hydroxide, zhs) are shown
only in the electrolyte (xi < 0.5); the metal is painted in :data:`METAL_COLOUR`,
so every panel shows the deposit's shape. Holes of the mesh (resolved fibres) are
:data:`HOLE_COLOUR`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from zndeposit.geometry import tags
from zndeposit.io.snapshots import Snapshot
from zndeposit.viz import style
from zndeposit.viz.chemistry import chemistry_limits, field_colormap
from zndeposit.viz.extract import (
    Interface,
    Window,
    domain_window,
    interface_line,
    region_outlines,
    sample_fields,
)
from zndeposit.viz.textfit import MIN_FONT_SIZE, fit_size

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap, Normalize

__all__ = [
    "METAL_COLOUR",
    "PanelResult",
    "data_range",
    "draw_panel",
    "frame_axes",
    "nice_length",
]

#: colour of Zn metal (xi >= 0.5) behind electrolyte fields
METAL_COLOUR = "#A6A6A6"
#: fields defined in the electrolyte only (the chemistry ones only in runs with [chemistry])
ELECTROLYTE_FIELDS = (
    "c", "c_anion", "phi", "current", "pH", "c_hydroxide", "c_zn_hydroxide", "zhs",
)  # fmt: skip
#: fields measured on the interface band (0.1 < xi < 0.9)
INTERFACE_FIELDS = ("reaction_rate", "her_rate")
Vectors = Literal["streamlines", "glyphs", "none"]


def _field_values(snap: Snapshot, field: str) -> np.ndarray:
    """Nodal values of ``field`` in the style's display unit (``current``: |i| at the nodes)."""
    mesh = snap.mesh
    fs = style.FIELD_STYLES[field]
    if field == "current":
        nodal = mesh.cell_data_to_point_data(pass_cell_data=False).point_data["current"]
        return np.hypot(nodal[:, 0], nodal[:, 1]) * fs.scale
    return np.asarray(mesh.point_data[field]) * fs.scale


def data_range(
    snaps: list[Snapshot], field: str, window: Window | None = None
) -> tuple[float, float]:
    """Colour limits of ``field`` over snapshots: fixed ones, or min/max where it is shown.

    Electrolyte fields count only nodes with xi < 0.5; ``window`` (um) restricts
    to the nodes inside it. ``reaction_rate`` and ``her_rate`` count the nodes of the
    interface band; pH and ZHS limits come from :func:`~zndeposit.viz.chemistry.chemistry_limits`.
    """
    fs = style.FIELD_STYLES[field]
    if fs.limits is not None:
        return fs.limits
    lo, hi = math.inf, -math.inf
    for snap in snaps:
        values = _field_values(snap, field)
        pts, xi = np.asarray(snap.mesh.points), np.asarray(snap.mesh.point_data["xi"])
        keep = np.ones(len(values), dtype=bool)
        if window is not None:
            keep &= (pts[:, 0] >= window.x0) & (pts[:, 0] <= window.x1)
            keep &= (pts[:, 1] >= window.y0) & (pts[:, 1] <= window.y1)
        if field in ELECTROLYTE_FIELDS:
            keep &= xi < 0.5
        elif field in INTERFACE_FIELDS:
            keep &= (xi > 0.1) & (xi < 0.9)
        if keep.any():
            lo, hi = min(lo, float(values[keep].min())), max(hi, float(values[keep].max()))
    special = chemistry_limits(field, lo, hi)
    if special is not None:
        return special
    if not math.isfinite(lo):
        return (0.0, 1.0)
    if field in ("current", "reaction_rate"):
        lo = min(lo, 0.0) if lo >= 0 else lo
    if hi - lo <= 1e-12 * max(abs(hi), 1.0):
        pad = 0.5 * max(abs(hi), 1e-9)
        lo, hi = lo - pad, hi + pad
    return (lo, hi)


def nice_length(span: float, fraction: float = 0.25) -> float:
    """A round scale-bar length (1, 2 or 5 x 10^k um) near ``fraction`` of ``span`` (um)."""
    target = max(span * fraction, 1e-12)
    exp = math.floor(math.log10(target))
    best = 10.0**exp
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10.0**exp <= target:
            best = m * 10.0**exp
    return best


def length_text(length_um: float) -> str:
    """``"2 µm"``, ``"500 nm"``."""
    if length_um < 1.0:
        return f"{length_um * 1e3:g} nm"
    return f"{length_um:g} \u00b5m"


def time_text(t: float) -> str:
    """Simulated time for a stamp: ``"9 s"``, ``"12.5 min"``, ``"2.25 h"``."""
    if t >= 7200:
        return f"{t / 3600:.3g} h"
    if t >= 600:
        return f"{t / 60:.3g} min"
    return f"{t:.3g} s"


def stamp_text(snap: Snapshot) -> str:
    """Two lines: time and passed capacity."""
    return f"t = {time_text(snap.t)}\n{snap.capacity:.3g} mAh cm$^{{-2}}$"


#: font size of the time stamp in a panel that has room for it, pt
STAMP_SIZE = style.FONT_SIZE - 1.5


def stamp_size(text: str, width: float, height: float) -> float | None:
    """Font size (pt) at which the stamp box fits a panel of ``width`` x ``height`` (in).

    The box may take the width less its padding (~0.06 in at these sizes) and 45 %
    of the height; None if it does not fit even at
    :data:`~zndeposit.viz.textfit.MIN_FONT_SIZE` (then the stamp belongs outside
    the panel, e.g. in its title).
    """
    pad = 0.07  # box padding and distance from the frame, in
    return fit_size(text, STAMP_SIZE, 0.98 * width - pad, 0.45 * height - pad)


def _axes_inches(ax: Axes) -> tuple[float, float]:
    """Width and height of the axes box, in."""
    bbox = ax.get_position()
    fw, fh = ax.figure.get_size_inches()
    return bbox.width * fw, bbox.height * fh


@dataclass
class PanelResult:
    """What :func:`draw_panel` drew (for colour bars, tests and reuse).

    Attributes:
        norm: the colour normalisation (display units).
        cmap: the colour map.
        interface: the xi = 0.5 contour (um).
        values: the sampled field, (ny, nx), display units, masked where not shown.
        window: the window drawn, um.
    """

    norm: Normalize
    cmap: Colormap
    interface: Interface
    values: np.ma.MaskedArray
    window: Window


def _box(ax: Axes, text: str, loc: str, fontsize: float) -> None:
    from matplotlib.offsetbox import AnchoredText

    at = AnchoredText(text, loc=loc, prop={"size": fontsize}, frameon=True, pad=0.25, borderpad=0.3)
    at.patch.set(facecolor="white", alpha=0.8, edgecolor="none", boxstyle="round,pad=0.1")
    ax.add_artist(at)


def add_scale_bar(ax: Axes, window: Window, fontsize: float = style.FONT_SIZE - 1) -> float:
    """A scale bar in um at the lower right of a panel; returns its length (um).

    The label's font shrinks (to no less than 5.5 pt) where the panel is too narrow or
    too flat for it.
    """
    from matplotlib.font_manager import FontProperties
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    length = nice_length(window.width)
    w_in, h_in = _axes_inches(ax)
    fontsize = fit_size(length_text(length), fontsize, 0.9 * w_in - 0.05, 0.4 * h_in - 0.05)
    fontsize = fontsize or MIN_FONT_SIZE
    bar = AnchoredSizeBar(
        ax.transData,
        length,
        length_text(length),
        loc="lower right",
        pad=0.3,
        borderpad=0.3,
        sep=2,
        color="black",
        frameon=True,
        size_vertical=window.height * 0.008,
        fontproperties=FontProperties(size=fontsize),
    )
    bar.patch.set(facecolor="white", alpha=0.8, edgecolor="none")
    bar.set_gid("scale_bar")
    ax.add_artist(bar)
    return length


def _rgba(values: np.ma.MaskedArray, cmap: Colormap, norm: Normalize, paint: list) -> np.ndarray:
    """Colour the values, then paint (mask, colour) pairs over them."""
    from matplotlib.colors import to_rgba

    rgba = cmap(norm(np.ma.getdata(values)))
    for mask, colour in paint:
        rgba[mask] = to_rgba(colour)
    return rgba


def draw_panel(
    ax: Axes,
    snap: Snapshot,
    field: str,
    window: Window,
    *,
    limits: tuple[float, float] | None = None,
    pixels: tuple[int, int] | None = None,
    contour: bool = True,
    outlines: bool = True,
    vectors: Vectors = "streamlines",
    scale_bar: bool = True,
    stamp: bool = True,
    contour_colour: str = style.CONTOUR_COLOUR,
) -> PanelResult:
    """Draw ``field`` of ``snap`` in ``window`` on ``ax`` (axes hidden, equal scale).

    Args:
        ax: target axes; its box should have the aspect of ``window``.
        snap: the snapshot.
        field: ``xi``, ``c``, ``c_anion``, ``phi``, ``current`` (magnitude), ``reaction_rate``
            or a chemistry field (``pH``, ``c_hydroxide``, ``c_zn_hydroxide``, ``zhs``,
            ``her_rate``).
        window: area shown, um.
        limits: colour limits in display units (default: :func:`data_range`).
        pixels: ``(ny, nx)`` of the field image (default: from the axes size at 300 dpi).
        contour: draw the xi = 0.5 interface.
        outlines: draw the initial surface, region boundaries and holes.
        vectors: streamlines or glyphs of the ionic current (``current`` panels only).
        scale_bar: draw a scale bar in um.
        stamp: write time and capacity in the upper-left corner (in a smaller font where
            the panel is narrow; left out where it does not fit at all, see :func:`stamp_size`).
        contour_colour: colour of the interface line.
    """
    import matplotlib as mpl
    from matplotlib.colors import Normalize

    fs = style.FIELD_STYLES[field]
    if pixels is None:
        bbox = ax.get_position()
        w_in = ax.figure.get_size_inches()[0]
        nx = max(16, round(bbox.width * w_in * style.DPI))
        pixels = (max(16, round(nx * window.height / window.width)), nx)
    need = ["xi", field] if field != "xi" else ["xi"]
    sampled = sample_fields(snap.mesh, window, pixels, need)
    values = sampled[field] * fs.scale
    xi = np.ma.getdata(sampled["xi"])
    hole = np.ma.getmaskarray(sampled["xi"])
    paint = [(hole, style.HOLE_COLOUR), (_outside(snap, window, pixels), "#FFFFFF")]
    if field in ELECTROLYTE_FIELDS:
        metal = (xi >= 0.5) & ~hole
        paint.insert(0, (metal, METAL_COLOUR))
        values = np.ma.masked_array(np.ma.getdata(values), hole | metal)
    lo, hi = limits if limits is not None else data_range([snap], field, window)
    norm = Normalize(lo, hi, clip=True)
    cmap = field_colormap(field, lo, hi) if field == "pH" else mpl.colormaps[fs.cmap]
    ax.imshow(
        _rgba(values, cmap, norm, paint),
        extent=window.extent,
        origin="lower",
        interpolation="none",
        zorder=0,
    ).set_gid(f"field_{field}")
    frame_axes(ax, window)
    if outlines:
        _draw_outlines(ax, snap, window)
    if vectors != "none" and field == "current":
        _draw_vectors(ax, sampled, window, vectors, pixels)
    interface = interface_line(snap.mesh)
    if contour:
        _draw_interface(ax, interface, contour_colour)
    if scale_bar:
        add_scale_bar(ax, window)
    if stamp:
        text = stamp_text(snap)
        size = stamp_size(text, *_axes_inches(ax))
        if size is not None:
            _box(ax, text, "upper left", size)
    return PanelResult(norm, cmap, interface, values, window)


def frame_axes(ax: Axes, window: Window) -> None:
    """Show exactly ``window`` (um) at equal scale, no ticks, a thin frame on all sides."""
    ax.set_xlim(window.x0, window.x1)
    ax.set_ylim(window.y0, window.y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_linewidth(0.5)


def _outside(snap: Snapshot, window: Window, pixels: tuple[int, int]) -> np.ndarray:
    """Pixels whose centre lies outside the domain's bounding box (left white, not a hole)."""
    dom = domain_window(snap.mesh)
    ny, nx = pixels
    x = window.x0 + (np.arange(nx) + 0.5) * window.width / nx
    y = window.y0 + (np.arange(ny) + 0.5) * window.height / ny
    out_x = (x < dom.x0) | (x > dom.x1)
    out_y = (y < dom.y0) | (y > dom.y1)
    return out_y[:, None] | out_x[None, :]


def _draw_interface(ax: Axes, interface: Interface, colour: str) -> None:
    import matplotlib.patheffects as pe

    for k, line in enumerate(interface.lines):
        (art,) = ax.plot(line[:, 0], line[:, 1], color=colour, linewidth=0.9, zorder=5)
        if colour == style.CONTOUR_COLOUR:
            art.set_path_effects(
                [pe.Stroke(linewidth=1.7, foreground=style.CONTOUR_EDGE), pe.Normal()]
            )
        art.set_gid(f"interface_{k}")


def _draw_outlines(ax: Axes, snap: Snapshot, window: Window) -> None:
    import matplotlib.patheffects as pe
    from matplotlib.collections import LineCollection

    out = region_outlines(snap.mesh, snap.regions)
    kw = {"colors": style.OUTLINE_COLOUR, "zorder": 3}
    if out.initial_surface:
        ax.add_collection(
            LineCollection(out.initial_surface, linewidths=0.6, linestyles=(0, (3, 2)), **kw)
        )
    if out.interfaces:
        ax.add_collection(LineCollection(out.interfaces, linewidths=0.6, **kw))
    if out.holes:
        ax.add_collection(LineCollection(out.holes, linewidths=0.5, **kw))
    for name, (x, y) in out.labels.items():
        named = name.startswith("coating") or name in (tags.GAP, tags.SEPARATOR)
        inside = window.x0 < x < window.x1 and window.y0 < y < window.y1
        if named and inside:
            ax.text(
                window.x0 + 0.03 * window.width,
                y,
                name,
                fontsize=style.FONT_SIZE - 2,
                style="italic",
                va="center",
                color="white",
                zorder=6,
                path_effects=[pe.withStroke(linewidth=1.5, foreground="#000000", alpha=0.7)],
            )


def _draw_vectors(
    ax: Axes, sampled: dict, window: Window, kind: Vectors, pixels: tuple[int, int]
) -> None:
    """Streamlines (width ~ |i|) or arrows of the ionic current over a |i| panel."""
    nx = pixels[1]
    step = max(1, nx // 40)
    u = sampled["current_x"][::step, ::step]
    v = sampled["current_y"][::step, ::step]
    metal = np.ma.getdata(sampled["xi"])[::step, ::step] >= 0.5
    mask = np.ma.getmaskarray(u) | metal
    u, v = np.ma.masked_array(np.ma.getdata(u), mask), np.ma.masked_array(np.ma.getdata(v), mask)
    gy, gx = u.shape
    x = window.x0 + (np.arange(gx) + 0.5) * window.width / gx
    y = window.y0 + (np.arange(gy) + 0.5) * window.height / gy
    speed = np.ma.sqrt(u**2 + v**2)
    top = float(speed.max()) if speed.count() else 0.0
    if top <= 0:
        return
    if kind == "glyphs":
        k = max(1, gx // 12)
        X, Y = np.meshgrid(x[::k], y[::k])
        ax.quiver(
            X, Y, u[::k, ::k], v[::k, ::k], color="white", scale=top * 14, width=0.006, zorder=4
        ).set_gid("vectors")
        return
    # seeds evenly spaced below the top of the window: where the current enters uniformly,
    # neighbouring lines then carry equal current, so line density shows current density
    n = 14
    seeds = np.column_stack(
        [
            window.x0 + (np.arange(n) + 0.5) * window.width / n,
            np.full(n, y[-1] - 0.5 * (y[-1] - y[-2])),
        ]
    )
    sp = ax.streamplot(
        x,
        y,
        u.filled(np.nan),
        v.filled(np.nan),
        color="#101010",
        linewidth=0.55,
        start_points=seeds,
        arrowsize=0.55,
        zorder=4,
        broken_streamlines=False,
        integration_direction="forward",
    )
    sp.lines.set_gid("vectors")
