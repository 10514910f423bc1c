"""Morphology map: thumbnails of the final deposit (xi field, xi = 0.5 contour) over two swept axes.

The last field snapshot of each member is read with
:func:`zndeposit.io.snapshots.read_snapshot` (VTU files in
``fields/snapshots/``, coordinates in um). Rows follow the second axis, columns
the first; every thumbnail shows the same window at the same scale (um), so
heights compare by eye. With more swept dimensions one map is drawn per
combination of the other values (at most :data:`MAX_MAPS`).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zndeposit.metrics.registry import Metric, lookup, plain_unit
from zndeposit.sweep.members import MEMBERS_DIR, run_state

MAX_MAPS = 8
#: metric noted above each thumbnail as "h = ..." (from the summary table)
MAP_METRIC = "dendrite_height"
#: VTK cell type of a linear triangle
_VTK_TRIANGLE = 5


@dataclass
class Deposit:
    """The final xi field of a run: points (n, 2) in um, triangles (m, 3), xi (n,), time (s)."""

    points: np.ndarray
    triangles: np.ndarray
    xi: np.ndarray
    t: float
    capacity: float | None


def _from_grid(grid: Any, t: float, capacity: float | None) -> Deposit:
    cells = grid.cells_dict[_VTK_TRIANGLE]
    return Deposit(
        np.asarray(grid.points)[:, :2],
        np.asarray(cells),
        np.asarray(grid.point_data["xi"]),
        float(t),
        capacity,
    )


def _plain(metric: Metric, value: float) -> str:
    """``"1.25 µm"``: a display-unit value with its unit as typeset in text."""
    return f"{value:.3g} {plain_unit(metric.display_unit)}"


def read_final_deposit(run_dir: str | os.PathLike[str]) -> Deposit | None:
    """The last snapshot's xi field of a run, or None if the run wrote no snapshot."""
    from zndeposit.io.snapshots import read_snapshot

    try:
        snap = read_snapshot(run_dir)
    except (FileNotFoundError, ValueError, KeyError, OSError):
        return None
    if "xi" not in snap.mesh.point_data:
        return None
    return _from_grid(snap.mesh, snap.t, snap.capacity)


def _window(deposits: list[Deposit]) -> tuple[float, float, float, float]:
    """Common view (x0, x1, y0, y1) in um: full width, the interface band with a margin."""
    x0 = min(float(d.points[:, 0].min()) for d in deposits)
    x1 = max(float(d.points[:, 0].max()) for d in deposits)
    lo, hi = [], []
    for d in deposits:
        band = d.points[(d.xi > 0.05) & (d.xi < 0.95), 1]
        if band.size:
            lo.append(float(band.min()))
            hi.append(float(band.max()))
    y_min = min(float(d.points[:, 1].min()) for d in deposits)
    y_max = max(float(d.points[:, 1].max()) for d in deposits)
    if not lo:
        return x0, x1, y_min, y_max
    span = max(hi) - min(lo)
    pad = max(0.35 * span, 0.15 * (x1 - x0))
    return x0, x1, max(y_min, min(lo) - pad), min(y_max, max(hi) + pad)


def _draw(ax: Any, d: Deposit, window: tuple[float, float, float, float]) -> None:
    """Draw xi in cividis (0..1, as in the run renders) with a white, black-rimmed xi = 0.5 line."""
    import matplotlib.patheffects as pe
    import matplotlib.tri as mtri

    tri = mtri.Triangulation(d.points[:, 0], d.points[:, 1], d.triangles)
    ax.tripcolor(
        tri,
        np.clip(d.xi, 0.0, 1.0),
        cmap="cividis",
        vmin=0.0,
        vmax=1.0,
        shading="gouraud",
        rasterized=True,
    )
    from zndeposit.viz.style import CONTOUR_COLOUR, CONTOUR_EDGE

    cs = ax.tricontour(tri, d.xi, levels=[0.5], colors=CONTOUR_COLOUR, linewidths=0.8)
    cs.set_path_effects([pe.Stroke(linewidth=1.6, foreground=CONTOUR_EDGE), pe.Normal()])
    ax.set_xlim(window[0], window[1])
    ax.set_ylim(window[2], window[3])
    ax.set_aspect("equal")


def _text(a: dict, member: dict) -> str:
    """The member's value of axis ``a`` as a label, its unit typeset (``5 mA cm$^{-2}$``)."""
    from zndeposit.viz.style import unit_text

    text = str(member["resolved_text"].get(a["key"], member["given"].get(a["key"])))
    number, _, unit = text.partition(" ")
    return f"{number} {unit_text(unit)}" if unit else text


def morphology_axes(plan: dict) -> list[dict]:
    """The two axis columns of the map (``report.morphology``, else the first two dimensions)."""
    columns = plan["columns"]
    wanted = (plan.get("report") or {}).get("morphology")
    if wanted:
        return [next(c for c in columns if c["key"] == k) for k in wanted]
    picked, dims = [], set()
    for c in columns:
        if c["dimension"] not in dims:
            dims.add(c["dimension"])
            picked.append(c)
    return picked[:2]


def plot_morphology(
    directory: str | os.PathLike[str], plan: dict, summary: Any = None
) -> list[Path]:
    """Draw the morphology map(s) into ``DIR/figures/``; returns the PNG paths."""
    import matplotlib.pyplot as plt

    from zndeposit.viz import style
    from zndeposit.viz.style import MARK_COLOUR, axis_label

    directory = Path(directory)
    axes = morphology_axes(plan)
    if not axes:
        return []
    members = []
    for m in plan["members"]:
        item = dict(m, resolved_text=m.get("texts", {}))
        if m["hash"] is None:
            item["status"], item["deposit"] = "invalid", None
        else:
            run_dir = directory / MEMBERS_DIR / m["hash"]
            item["status"] = run_state(run_dir, m["hash"]).status
            item["deposit"] = read_final_deposit(run_dir)
        members.append(item)
    deposits = [m["deposit"] for m in members if m["deposit"] is not None]
    if not deposits:
        return []
    window = _window(deposits)
    map_dims = {a["dimension"] for a in axes}
    other_dims = sorted({c["dimension"] for c in plan["columns"]} - map_dims)
    by_other: dict[tuple, list[dict]] = {}
    for m in members:
        key = tuple(m["position"][d] for d in other_dims)
        by_other.setdefault(key, []).append(m)
    height = lookup(MAP_METRIC)
    column = f"{height.key} [{height.unit}]"
    heights = {}
    if summary is not None and column in summary:
        heights = dict(zip(summary["member"], summary[column], strict=True))
    out_dir = directory / "figures"
    paths = []
    for k, (other, group) in enumerate(itertools.islice(sorted(by_other.items()), MAX_MAPS)):
        cols_of = {
            a["dimension"]: sorted({m["position"][a["dimension"]] for m in group}) for a in axes
        }
        ca = axes[0]
        ra = axes[1] if len(axes) > 1 else None
        ncol = len(cols_of[ca["dimension"]])
        nrow = len(cols_of[ra["dimension"]]) if ra else 1
        w = 1.5
        aspect = (window[3] - window[2]) / max(window[1] - window[0], 1e-12)
        with style.journal_style():
            fig, grid = plt.subplots(
                nrow,
                ncol,
                figsize=(0.9 + w * ncol, 0.7 + w * aspect * nrow + 0.25 * nrow),
                squeeze=False,
                sharex=True,
                sharey=True,
            )
            for ax in grid.flat:
                ax.set_facecolor("#f2f2f2")
            for m in group:
                c = cols_of[ca["dimension"]].index(m["position"][ca["dimension"]])
                r = cols_of[ra["dimension"]].index(m["position"][ra["dimension"]]) if ra else 0
                ax = grid[r, c]
                if m["deposit"] is not None:
                    _draw(ax, m["deposit"], window)
                    h = heights.get(m["index"])
                    shown = height.to_display(h) if h is not None else float("nan")
                    note = f"h = {_plain(height, shown)}" if np.isfinite(shown) else ""
                    if m["status"] != "finished":
                        note = f"{m['status']} {note}"
                    colour = "black" if m["status"] == "finished" else MARK_COLOUR
                    ax.set_title(note, fontsize=6.5, color=colour)
                else:
                    ax.text(
                        0.5,
                        0.5,
                        m["status"],
                        transform=ax.transAxes,
                        ha="center",
                        va="center",
                        color=MARK_COLOUR,
                        fontsize=7,
                    )
                if r == 0:
                    ax.annotate(
                        _text(ca, m),
                        (0.5, 1.0),
                        xycoords="axes fraction",
                        xytext=(0, 12),
                        textcoords="offset points",
                        ha="center",
                        fontsize=7,
                    )
                if ra is not None and c == 0:
                    ax.set_ylabel(f"{_text(ra, m)}\n" + axis_label("y", "um"))
            for ax in grid[-1, :]:
                ax.set_xlabel(axis_label("x", "um"))
            if ra is None:
                grid[0, 0].set_ylabel(axis_label("y", "um"))
            title = f"Final deposit (\u03be = 0.5 contour): columns {ca['label']}"
            title += f", rows {ra['label']}" if ra else ""
            if other:
                fixed = [c for c in plan["columns"] if c["dimension"] in other_dims]
                sample = group[0]
                title += "\n" + ", ".join(f"{c['label']} = {_text(c, sample)}" for c in fixed)
            fig.suptitle(title, fontsize=8)
            fig.tight_layout()
            stem = "morphology" if len(by_other) == 1 else f"morphology_{k}"
            paths.append(style.save_figure(fig, out_dir / stem)[0])
            plt.close(fig)
    return paths
