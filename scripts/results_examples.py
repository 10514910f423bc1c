"""docs/results.md, "The example cases as written": table and figures from their runs.

Reads the run directories that ``benchmarks/example_cases.py`` writes (one per
case file of ``cases/``, run without any override) and writes

- ``docs/figures/examples_potential.png``: electrode potential E (mV) against
  the passed charge (mAh/cm^2) of the galvanostatic cases;
- ``docs/figures/examples_growth.png``: tip rise, front advance and tip lead
  (um) against the passed charge;
- the table of docs/results.md (printed, Markdown).

The deposit close-ups come from ``zndeposit render RUN`` (last output).

Usage::

    .venv/bin/python scripts/results_examples.py [--runs runs/examples] [--out docs/figures]
"""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path

import numpy as np

from zndeposit.io.metrics_csv import read_metrics
from zndeposit.viz.style import (
    DOUBLE_COLUMN,
    axis_label,
    journal_style,
    line_style,
    new_figure,
    save_figure,
)

#: case file stem -> short label of the figures and the table
LABELS = {
    "bare_zn_2M_ZnSO4": "bare Zn, 2 M ZnSO4",
    "coated_zn_cation_selective": "3 um cation-selective coating",
    "hydrogel_PAM": "PAM hydrogel",
    "solid_electrolyte_KL_Zn": "KL-Zn solid electrolyte",
    "separator_glass_fibre_homogenised": "glass-fibre separator (homogenised)",
    "separator_glass_fibre_resolved": "glass-fibre separator (fibres resolved)",
    "rough_anode_nuclei": "rough anode, 3 nuclei",
    "anisotropic_zn_hcp": "kinetic anisotropy (potentiostatic)",
    "quickstart_nucleus": "quickstart nucleus",
}


def finished_runs(runs: Path) -> dict[str, Path]:
    """Finished run directories under ``runs``, by case stem, in LABELS order."""
    out = {}
    for stem in LABELS:
        manifest = runs / stem / "manifest.json"
        if manifest.is_file() and json.loads(manifest.read_text())["status"] == "finished":
            out[stem] = runs / stem
    return out


def table(runs: dict[str, Path]) -> str:
    """Markdown table of the end state of every run."""
    rows = [
        "| case | control | end: t (s), charge (mAh/cm²) | E start → end (mV) | tip rise (µm) "
        "| front advance (µm) | tip lead (µm) | growth focusing | min. interfacial Zn²⁺ "
        "(mol/L) | roughness (µm) | wall (min) |",
        "|---" * 11 + "|",
    ]
    for stem, run in runs.items():
        m = read_metrics(run / "metrics.csv")
        manifest = json.loads((run / "manifest.json").read_text())
        control = tomllib.loads((run / "case.resolved.toml").read_text())["control"]
        mode = control.get("mode", "")
        drive = control.get("current_density") or control.get("potential") or ""
        e = 1e3 * np.asarray(m["E"], float)
        focusing = np.asarray(m["growth_focusing"], float)
        rows.append(
            f"| {LABELS[stem]} | {mode} {drive} | {m['t'][-1]:.4g}, {m['charge'][-1]:.3g} "
            f"| {e[1]:.1f} → {e[-1]:.1f} | {m['tip_rise'][-1]:.3f} "
            f"| {m['front_advance'][-1]:.3f} | {m['tip_lead'][-1]:.3f} "
            f"| {np.nanmax(focusing[1:]) if focusing.size > 1 else np.nan:.2f} (max) "
            f"| {np.min(m['c_interface_min'][1:]):.3g} | {m['roughness_rms'][-1]:.3f} "
            f"| {manifest['wall_time_s'] / 60:.1f} |"
        )
    return "\n".join(rows)


def label(stem: str, run: Path) -> str:
    """Legend label: the case and its applied current."""
    control = tomllib.loads((run / "case.resolved.toml").read_text())["control"]
    return f"{LABELS[stem]}, {control.get('current_density', '')}".replace("^2", "²")


def figures(runs: dict[str, Path], out: Path) -> None:
    """E and growth against the passed charge, galvanostatic cases."""
    galvanostatic = {
        s: r for s, r in runs.items() if s not in ("anisotropic_zn_hcp", "quickstart_nucleus")
    }
    with journal_style():
        fig = new_figure(DOUBLE_COLUMN * 0.7, 3.6, layout="constrained")
        ax = fig.add_subplot()
        for k, (stem, run) in enumerate(galvanostatic.items()):
            m = read_metrics(run / "metrics.csv")
            e_mv = 1e3 * np.asarray(m["E"], float)
            ax.plot(m["charge"][1:], e_mv[1:], label=label(stem, run), **line_style(k))
        ax.set_xlabel(axis_label("Passed charge", "mAh/cm²"))
        ax.set_ylabel(axis_label("Electrode potential E", "mV"))
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=2,
                   frameon=False, fontsize=6)  # fmt: skip
        save_figure(fig, out / "examples_potential", formats=("png",))
        fig = new_figure(DOUBLE_COLUMN, 3.0, layout="constrained")
        axes = fig.subplots(1, 3)
        for k, (stem, run) in enumerate(galvanostatic.items()):
            m = read_metrics(run / "metrics.csv")
            for ax, key in zip(axes, ("tip_rise", "front_advance", "tip_lead"), strict=True):
                ax.plot(m["charge"], m[key], label=label(stem, run), **line_style(k))
        for ax, name in zip(axes, ("Tip rise", "Front advance", "Tip lead"), strict=True):
            ax.set_xlabel(axis_label("Passed charge", "mAh/cm²"))
            ax.set_ylabel(axis_label(name, "µm"))
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=3,
                   frameon=False, fontsize=6)  # fmt: skip
        save_figure(fig, out / "examples_growth", formats=("png",))


def main() -> None:
    """Write the figures and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, default=Path("runs/examples"), help="runs folder")
    ap.add_argument("--out", type=Path, default=Path("docs/figures"), help="figure folder")
    args = ap.parse_args()
    runs = finished_runs(args.runs)
    print(table(runs))
    figures(runs, args.out)


if __name__ == "__main__":
    main()
