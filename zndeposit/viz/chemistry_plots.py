"""Time series of the side chemistry: interfacial pH, hydrogen evolution, plating efficiency, ZHS.

Drawn for runs with ``[chemistry]`` only (their metrics CSV has the columns of
the registry's ``chemistry=True`` metrics); runs without them in a comparison
are left out of these figures. Every axis label carries its unit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from zndeposit.viz import style
from zndeposit.viz.plots import TIME, _label, _legend, _letters, _markers, metric_label, series
from zndeposit.viz.run_data import RunData

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "PH_METRICS",
    "SIDE_REACTION_METRICS",
    "chemistry_runs",
    "chemistry_series",
    "ph_plot",
    "side_reaction_plot",
]

#: interfacial pH columns: minimum, mean, maximum over the interface nodes
PH_METRICS = ("ph_interface_min", "ph_interface_mean", "ph_interface_max")
#: panels of :func:`side_reaction_plot`, in order
SIDE_REACTION_METRICS = ("her_current", "coulombic_efficiency", "zhs_thickness", "zhs_coverage")


def chemistry_runs(runs: Sequence[RunData]) -> list[RunData]:
    """The runs whose metrics hold the side-chemistry columns (runs with ``[chemistry]``)."""
    return [r for r in runs if "ph_interface_mean" in r.metrics]


def _bulk_ph(run: RunData) -> float | None:
    chem = getattr(run.case, "chemistry", None)
    return None if chem is None else float(chem.ph)


def ph_plot(runs: Sequence[RunData], width: float = style.SINGLE_COLUMN) -> Figure:
    """Interfacial pH against time: mean (line) and min..max (band), bulk pH dashed."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig = style.new_figure(width, 0.78 * width, layout="constrained")
    ax = fig.subplots()
    for k, run in enumerate(runs):
        st = style.line_style(k)
        t = series(run, "t")
        lo, mean, hi = (series(run, m) for m in PH_METRICS)
        ax.fill_between(t, lo, hi, color=st["color"], alpha=0.25, linewidth=0)
        ax.plot(t, mean, label=_label(run, runs, "mean"), **st, **_markers(run))
        ax.plot(t, lo, color=st["color"], linewidth=0.6, linestyle=":")
        ax.plot(t, hi, color=st["color"], linewidth=0.6, linestyle=":")
        bulk = _bulk_ph(run)
        if bulk is not None and (k == 0 or bulk != _bulk_ph(runs[0])):
            ax.axhline(bulk, color="0.6", linewidth=0.6, linestyle="--", zorder=0)
    ax.set_xlabel(TIME)
    ax.set_ylabel(style.axis_label("Interfacial pH", "-"))
    ax.ticklabel_format(axis="y", useOffset=False)
    handles = [
        Patch(color=style.LINE_COLOURS[0], alpha=0.25, label="min\u2013max"),
        Line2D([], [], color="0.6", linewidth=0.6, linestyle="--", label="bulk"),
    ]
    ax.legend(handles=[*ax.get_legend_handles_labels()[0], *handles], loc="best")
    return fig


def side_reaction_plot(runs: Sequence[RunData], width: float = style.DOUBLE_COLUMN) -> Figure:
    """HER current (and corrosion current at rest), plating efficiency, ZHS thickness, coverage."""
    fig = style.new_figure(width, 0.3 * width, layout="constrained")
    axes = fig.subplots(1, len(SIDE_REACTION_METRICS))
    for k, run in enumerate(runs):
        t, st = series(run, "t"), style.line_style(k)
        for ax, name in zip(axes, SIDE_REACTION_METRICS, strict=True):
            ax.plot(t, series(run, name), label=_label(run, runs), **st, **_markers(run))
        corrosion = series(run, "corrosion_current")
        if np.isfinite(corrosion).any():
            axes[0].plot(
                t,
                corrosion,
                color=st["color"],
                linestyle=":",
                linewidth=0.9,
                label=_label(run, runs, "corrosion (at rest)"),
            )
    for ax, name in zip(axes, SIDE_REACTION_METRICS, strict=True):
        ax.set_xlim(left=0.0)
        ax.set_xlabel(TIME)
        ax.set_ylabel(metric_label(name))
    axes[1].axhline(1.0, color="0.6", linewidth=0.6, linestyle=":", zorder=0)
    axes[1].ticklabel_format(axis="y", useOffset=False)
    axes[3].set_ylim(bottom=0.0)
    axes[2].set_ylim(bottom=0.0)
    _legend(axes[0], runs)
    _letters(fig, axes)
    return fig


def chemistry_series(runs: Sequence[RunData]) -> Iterator[tuple[str, str, Figure]]:
    """(file stem, caption, figure) of the chemistry time series; nothing without chemistry runs."""
    chem = chemistry_runs(runs)
    if not chem:
        return
    left = [r.label for r in runs if r not in chem]
    note = f" Runs without [chemistry] left out: {', '.join(left)}." if left else ""
    yield (
        "interface_ph",
        "Interfacial pH against time: mean over the interface nodes (line), minimum to "
        f"maximum (band, dotted edges); dashed: bulk pH.{note}",
        ph_plot(chem),
    )
    yield (
        "side_reactions",
        "(a) Hydrogen-evolution current per projected area (dotted: corrosion current at "
        "rest), (b) plating efficiency (Zn plated / charge passed), (c) ZHS thickness "
        "(volume per projected area), (d) share of the interface blocked by ZHS, against "
        f"time.{note}",
        side_reaction_plot(chem),
    )
