"""Time-series plots of the metrics (matplotlib), one or several runs per figure.

Every function takes a list of :class:`~zndeposit.viz.run_data.RunData` (one
curve per run, colours and dash patterns from the style) and returns a
figure whose every axis label carries its unit. Names, units and conversions
of the metrics come from :mod:`zndeposit.metrics.registry`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from zndeposit.metrics.registry import lookup
from zndeposit.units import unit_factor
from zndeposit.viz import style
from zndeposit.viz.panel import time_text
from zndeposit.viz.run_data import RunData

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "concentration_plot",
    "focusing_plot",
    "interface_rate_plot",
    "morphology_plot",
    "potential_plot",
]


def metric_label(key: str, label: str | None = None) -> str:
    """Axis label of a metric: its registry label (or ``label``) and display unit."""
    m = lookup(key)
    return style.axis_label((label or m.label).replace("Zn2+", "Zn$^{2+}$"), m.display_unit)


def series(run: RunData, key: str) -> np.ndarray:
    """A metrics column of a run in the registry's display unit (NaN if the run lacks it)."""
    col = run.column(key)
    unit = run.metrics.units.get(key) if key in run.metrics else None
    return col * unit_factor(unit, lookup(key).display_unit) if unit else col


TIME = metric_label("t")
CAPACITY = metric_label("charge")


#: runs with at most this many outputs get a marker at every output
MARKER_LIMIT = 30
#: panels of :func:`morphology_plot`, in order
MORPHOLOGY_METRICS = ("dendrite_height", "tip_lead", "roughness_rms", "length_ratio")
#: interface concentration of :func:`concentration_plot` (electrolyte side of the interface)
CONCENTRATION = "c_interface_min"
#: focusing factor of :func:`focusing_plot` (plating current per interface area)
FOCUSING = "current_focusing"


def _markers(run: RunData) -> dict[str, object]:
    """A small marker at each output of a run with few outputs (where the curve is measured)."""
    return {"marker": "o", "markersize": 2.5} if len(run.column("t")) <= MARKER_LIMIT else {}


def _legend(ax: Axes, runs: Sequence[RunData], **kw) -> None:
    if len(runs) > 1 or kw:
        ax.legend(**kw)


def _label(run: RunData, runs: Sequence[RunData], what: str = "") -> str:
    if len(runs) == 1:
        return what
    return f"{run.label}, {what}" if what else run.label


def potential_plot(runs: Sequence[RunData], width: float = style.DOUBLE_COLUMN) -> Figure:
    """Electrode potential E and mean interfacial overpotential against time and capacity."""
    fig = style.new_figure(width, 0.36 * width, layout="constrained")
    ax_t, ax_q = fig.subplots(1, 2)
    for k, run in enumerate(runs):
        st = style.line_style(k)
        t, q = series(run, "t"), series(run, "charge")
        e, eta = series(run, "E"), series(run, "eta")
        for ax, x in ((ax_t, t), (ax_q, q)):
            mk, lab = _markers(run), _label(run, runs, "E")
            ax.plot(x, e, color=st["color"], linestyle="-", label=lab, **mk)
            lab = _label(run, runs, "$\\eta$")
            ax.plot(x, eta, color=st["color"], linestyle="--", label=lab, **mk)
    ax_t.set_xlabel(TIME)
    ax_q.set_xlabel(CAPACITY)
    for ax in (ax_t, ax_q):
        ax.set_ylabel(metric_label("E", "Potential"))
    ax_t.legend(loc="best")
    _letters(fig, (ax_t, ax_q))
    return fig


def morphology_plot(runs: Sequence[RunData], width: float = style.DOUBLE_COLUMN) -> Figure:
    """Dendrite height, tip lead, RMS roughness and interface-length ratio against capacity."""
    fig = style.new_figure(width, 0.3 * width, layout="constrained")
    quantities = MORPHOLOGY_METRICS
    axes = fig.subplots(1, len(quantities))
    for k, run in enumerate(runs):
        q, st = series(run, "charge"), style.line_style(k)
        for ax, name in zip(axes, quantities, strict=True):
            ax.plot(q, series(run, name), label=_label(run, runs), **st, **_markers(run))
    for ax, name in zip(axes, quantities, strict=True):
        ax.set_xlabel(CAPACITY)
        ax.set_ylabel(metric_label(name))
    axes[quantities.index("tip_lead")].axhline(
        0.0, color="0.6", linewidth=0.6, linestyle=":", zorder=0
    )
    axes[quantities.index("length_ratio")].axhline(
        1.0, color="0.6", linewidth=0.6, linestyle=":", zorder=0
    )
    _legend(axes[0], runs)
    _letters(fig, axes)
    return fig


def concentration_plot(runs: Sequence[RunData], width: float = style.SINGLE_COLUMN) -> Figure:
    """Minimum interfacial Zn2+ concentration (electrolyte side) against time, Sand's time marked.

    Also drawn: the bulk concentration and the planar semi-infinite (Sand)
    surface concentration c0 (1 - sqrt(t / tau_s)), which reaches zero at Sand's time.
    """
    fig = style.new_figure(width, 0.78 * width, layout="constrained")
    ax = fig.subplots()
    t_end = max(float(np.nanmax(series(r, "t"))) for r in runs)
    notes = []
    for k, run in enumerate(runs):
        st = style.line_style(k)
        t = series(run, "t")
        lab = _label(run, runs, "simulated")
        ax.plot(t, series(run, CONCENTRATION), label=lab, **st, **_markers(run))
        c0 = lookup(CONCENTRATION).si_to_display(run.case.electrolyte.concentration)
        tau = run.sand_time
        if tau is not None:
            tt = np.linspace(0.0, min(tau, t_end), 200)
            ax.plot(
                tt,
                c0 * (1 - np.sqrt(tt / tau)),
                color=st["color"],
                linewidth=0.7,
                linestyle=(0, (1, 1.5)),
                label=_label(run, runs, "planar Sand"),
            )
            if tau <= 1.05 * t_end:
                ax.axvline(
                    tau,
                    color=style.MARK_COLOUR if len(runs) == 1 else st["color"],
                    linewidth=0.8,
                    linestyle="--",
                )
                ax.annotate(
                    f"$\\tau_s$ = {time_text(tau)}",
                    (tau, 0.02),
                    xycoords=("data", "axes fraction"),
                    rotation=90,
                    ha="right",
                    va="bottom",
                    fontsize=style.FONT_SIZE - 1,
                    xytext=(-2, 0),
                    textcoords="offset points",
                )
            else:
                notes.append(
                    f"{run.label + ': ' if len(runs) > 1 else ''}"
                    f"$\\tau_s$ = {time_text(tau)} (after the run)"
                )
        else:
            notes.append(
                f"{run.label + ': ' if len(runs) > 1 else ''}no Sand's time (potentiostatic)"
            )
        if k == 0 or c0 != lookup(CONCENTRATION).si_to_display(
            runs[0].case.electrolyte.concentration
        ):
            ax.axhline(c0, color="0.6", linewidth=0.6, linestyle=":", zorder=0)
    ax.set_xlim(0.0, 1.05 * t_end)
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel(TIME)
    ax.set_ylabel(metric_label(CONCENTRATION))
    if notes:
        ax.text(
            0.98,
            0.04,
            "\n".join(notes),
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=style.FONT_SIZE - 1,
        )
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 0.12) if notes else None)
    return fig


def focusing_plot(runs: Sequence[RunData], width: float = style.SINGLE_COLUMN) -> Figure:
    """Current-focusing factor (max / mean plating current per interface area) against capacity."""
    fig = style.new_figure(width, 0.78 * width, layout="constrained")
    ax = fig.subplots()
    for k, run in enumerate(runs):
        ax.plot(
            series(run, "charge"),
            series(run, FOCUSING),
            label=_label(run, runs),
            **style.line_style(k),
            **_markers(run),
        )
    ax.axhline(1.0, color="0.6", linewidth=0.6, linestyle=":", zorder=0)
    ax.set_xlabel(CAPACITY)
    ax.set_ylabel(metric_label(FOCUSING))
    _legend(ax, runs)
    return fig


def interface_rate_plot(
    profiles: Sequence[tuple[str, np.ndarray, np.ndarray]],
    applied: float | None,
    width: float = style.SINGLE_COLUMN,
) -> Figure:
    """Local plating rate along the interface (arc length from the left edge).

    Args:
        profiles: (label, arc length um, rate mA/cm^2) per curve.
        applied: applied current density, mA/cm^2 (the mean of a flat front), or None.
        width: figure width, in.
    """
    fig = style.new_figure(width, 0.7 * width, layout="constrained")
    ax = fig.subplots()
    for k, (label, s, rate) in enumerate(profiles):
        ax.plot(s, rate, label=label or None, **style.line_style(k))
    if applied is not None:
        ax.axhline(applied, color="0.5", linewidth=0.7, linestyle=":", label="applied")
    ax.set_xlabel(style.axis_label("Arc length along the interface", "um"))
    ax.set_ylabel(style.axis_label("Local plating rate", "mA/cm^2"))
    ax.set_ylim(bottom=min(0.0, *(float(np.min(r)) for _, _, r in profiles if len(r))))
    ax.legend(loc="best")
    return fig


def _letters(fig: Figure, axes) -> None:
    for letter, ax in zip("abcdefgh", axes, strict=False):
        ax.set_title(letter, loc="left", fontweight="bold", fontsize=style.FONT_SIZE + 1)
