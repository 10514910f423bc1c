"""Figures of docs/results.md (scripts/results.py): one style, units on every axis."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from results import Run

ROOT = Path(__file__).resolve().parents[1]

# Okabe-Ito colour-blind-safe palette
BLUE, ORANGE, GREEN, VERMILLION, PURPLE, GREY = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#666666",
)


# --------------------------------------------------------------------------- figures
def style() -> Any:
    """Matplotlib with the one style of all figures (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "figure.figsize": (5.0, 3.3),
            "figure.dpi": 160,
            "savefig.dpi": 160,
            "font.size": 9,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "lines.linewidth": 1.6,
        }
    )
    return plt


def save(fig: Any, path: Path) -> None:
    """Tight PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    print(f"  figure {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def figures(runs: list[Run], out: Path, figdir: Path, summary: dict[str, Any]) -> None:
    """All figures of docs/results.md."""
    from zndeposit.io.metrics_csv import read_metrics

    plt = style()
    metrics = {r.name: read_metrics(out / r.name / "metrics.csv") for r in runs}
    galv = [r for r in runs if r.group == "galvanostatic"]
    aniso = [r for r in runs if r.group == "anisotropy"]

    if galv:
        # dendrite height vs capacity, against uniform growth of the same deposit
        fig, ax = plt.subplots()
        for r in galv:
            m, sm = metrics[r.name], summary[r.name]
            ax.plot(m["charge"], m["dendrite_height"], r.style, color=r.colour, label=r.label)
            ax.plot(m["charge"], sm["uniform_dendrite_height_series"], "-", color=r.colour,
                    lw=0.6)  # fmt: skip
        m = metrics[galv[0].name]
        ax.plot(m["charge"], m["thickness_mean"], "--", color="black", lw=0.8,
                label="mean deposit thickness (dense Zn)")  # fmt: skip
        ax.set(xlabel="plated capacity (mAh/cm$^2$)", ylabel="dendrite height (µm)")
        ax.set_title("thin lines: uniform growth of the same deposit", fontsize=7.5)
        ax.legend(fontsize=7)
        save(fig, figdir / "results_dendrite_height.png")
        plt.close(fig)

        # minimum interfacial Zn2+ concentration vs time: absolute and relative
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(7.0, 3.0))
        for r in galv:
            m, cb = metrics[r.name], summary[r.name]["c_bulk"]
            a1.plot(m["t"], m["c_min_interface"], r.style, color=r.colour, label=r.label)
            a2.plot(m["t"], m["c_min_interface"] / cb, r.style, color=r.colour)
        a1.set(xlabel="time (s)", ylabel="min Zn$^{2+}$ at the interface (mol/L)")
        a2.set(xlabel="time (s)", ylabel="min Zn$^{2+}$ / bulk concentration (-)")
        a1.legend(fontsize=7)
        fig.tight_layout()
        save(fig, figdir / "results_c_min.png")
        plt.close(fig)

        # focusing factor vs capacity
        fig, ax = plt.subplots()
        for r in galv:
            m = metrics[r.name]
            later = m["t"] > 0
            ax.plot(m["charge"][later], m["focusing_factor"][later], r.style, color=r.colour,
                    label=r.label)  # fmt: skip
        ax.axhline(1.0, color=GREY, lw=0.8)
        ax.set(xlabel="plated capacity (mAh/cm$^2$)", ylabel="current focusing factor (-)")
        ax.legend()
        save(fig, figdir / "results_focusing.png")
        plt.close(fig)

        # overpotential and electrode potential vs capacity
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(7.6, 3.1))
        for r in galv:
            m = metrics[r.name]
            later = m["t"] > 0
            q = m["charge"][later]
            a1.plot(q, -1e3 * m["eta"][later], r.style, color=r.colour, label=r.label)
            a2.plot(q, -1e3 * m["E"][later], r.style, color=r.colour)
        a1.set(xlabel="plated capacity (mAh/cm$^2$)",
               ylabel="$-\\eta$, interface-averaged overpotential (mV)")  # fmt: skip
        a2.set(xlabel="plated capacity (mAh/cm$^2$)", ylabel="$-E$, electrode potential (mV)")
        a1.legend(fontsize=7)
        fig.tight_layout()
        save(fig, figdir / "results_overpotential.png")
        plt.close(fig)

        # bare-case morphology: the nucleus at a few capacities
        panels = [r for r in galv if r.name != "flat"]
        morph_panels(plt, panels, out, figdir / "results_morphology_galvanostatic.png", metrics,
                     summary)  # fmt: skip

    if aniso:
        morph_panels(plt, aniso, out, figdir / "results_morphology_anisotropy.png", metrics,
                     summary)  # fmt: skip
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(7.6, 3.1))
        for r in aniso:
            sm = summary[r.name]
            a1.plot(sm["angles"], sm["growth"], r.style, color=r.colour, label=r.label)
            if "growth_rel" in sm:
                a2.plot(sm["angles"], sm["growth_rel"], r.style, color=r.colour)
                for a in sm["expected_deg"]:
                    a2.axvline(a, color=r.colour, lw=0.8, ls=":", alpha=0.8)
        a2.axhline(0.0, color=GREY, lw=0.8)
        for ax in (a1, a2):
            ax.set_xticks(np.arange(-60, 61, 15))
            ax.set_xlabel("direction (deg from vertical, + towards +x)")
        a1.set_ylabel("growth along a ray from the nucleus centre (µm)")
        a2.set_ylabel("growth minus isotropic run (µm)")
        a2.set_title("dotted: fast directions of i$_0$(θ)", fontsize=7.5)
        a1.legend(fontsize=7)
        fig.tight_layout()
        save(fig, figdir / "results_anisotropy_growth.png")
        plt.close(fig)


def morph_panels(
    plt: Any, runs: list[Run], out: Path, path: Path, metrics: dict, summary: dict
) -> None:
    """One panel per run: xi = 0.5 contours at the first, a few middle and the last output."""
    import matplotlib.tri as mtri

    fig, axes = plt.subplots(1, len(runs), figsize=(2.4 * len(runs) + 0.6, 2.9), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, r in zip(axes, runs, strict=True):
        snap = np.load(out / r.name / "snapshots.npz")
        tri = mtri.Triangulation(snap["points"][:, 0], snap["points"][:, 1], snap["triangles"])
        n = len(snap["t"])
        picks = sorted({0, n // 3, (2 * n) // 3, n - 1})
        charge = metrics[r.name]["charge"]
        for j, k in enumerate(picks):
            last = k == n - 1
            ax.tricontour(tri, snap["xi"][k], levels=[0.5], colors=[r.colour if last else GREY],
                          linewidths=1.6 if last else 0.7,
                          linestyles="-" if k else "--")  # fmt: skip
            del j
        ax.set_title(f"{r.label}\n{charge[-1]:.2f} mAh/cm$^2$ at t = {snap['t'][-1]:.0f} s",
                     fontsize=7.5)  # fmt: skip
        for lo, hi in summary[r.name]["coatings_um"]:
            ax.axhspan(lo, hi, color=ORANGE, alpha=0.15, lw=0)
        ax.set_aspect("equal")
        ax.set_xlim(snap["points"][:, 0].min(), snap["points"][:, 0].max())
        ax.set_ylim(9.0, 18.0)
        ax.set_xlabel("x (µm)")
        ax.grid(False)
    axes[0].set_ylabel("y (µm)")
    note = "grey dashed: t = 0; grey: intermediate outputs; colour: last output"
    if any(summary[r.name]["coatings_um"] for r in runs):
        note += "; shaded: coating"
    fig.text(0.5, -0.04, note, ha="center", fontsize=7)
    fig.tight_layout()
    save(fig, path)
    plt.close(fig)
