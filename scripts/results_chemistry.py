"""docs/results.md, "Hydrogen evolution, pH and ZHS": runs, table and figures.

Flat bare Zn in 2 M ZnSO4 (bulk pH 4.5, mean activity coefficient 0.036 [U])
under a reservoir 100 um away (a diffusion layer of 100 um), on a 2 um wide
periodic strip, with the side chemistry of docs/chemistry.md. The cases:

- ``plate_1`` / ``plate_10``: 1 mAh/cm^2 at 1 and 10 mA/cm^2, default HER
  (proton reduction i0 = 1e-10 A/cm^2, water 1e-11 A/cm^2);
- ``plate_*_her9``: the same with ten times the HER exchange currents
  (the top of the 1e-11 ... 1e-9 A/cm^2 range); ``plate_*_her8``: a hundred
  times (above the range: where ZHS forms in plating);
- ``rest`` / ``rest_her9``: 2 h at open circuit (corrosion);
- ``plate_10_additive`` / ``rest_additive``: an additive or coating that
  lowers the water activity at the interface to 0.3 and the HER exchange
  currents ten-fold, with ``her9`` as the untreated reference;
- ``nucleus_her8`` / ``nucleus_her8_additive``: a 1.5 um Zn nucleus on a
  6 x 40 um strip, 0.1 mAh/cm^2 at 10 mA/cm^2, with a hundred times the HER
  (above the literature range, so that ZHS forms within the run), without and
  with the additive (ten times less proton reduction, water activity 0.3):
  the morphology under partial ZHS coverage.

Usage::

    .venv/bin/python scripts/results_chemistry.py run [--runs runs/chemistry] [--only NAME ...]
    .venv/bin/python scripts/results_chemistry.py table [--runs runs/chemistry] [--out docs/figures]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
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

ROOT = Path(__file__).resolve().parents[1]
BASE = """title = "{title}"
[domain]
width = "{width} um"
height = "{height} um"
sides = "periodic"
[anode]
thickness = "5 um"
{nucleus}
[top]
kind = "reservoir"
[electrolyte]
preset = "ZnSO4_2M"
[kinetics]
preset = "Zn_ZnSO4"
[interface]
preset = "Zn_hcp"
[chemistry]
preset = "ZnSO4_side_reactions"
ph = 4.5
activity_coefficient = 0.036
[chemistry.hydrogen]
exchange_current_density = "{i0_p} A/cm^2"
water_exchange_current_density = "{i0_w} A/cm^2"
water_activity = {a_w}
[control]
{control}
[mesh]
elements_across_interface = 6
[numerics]
dt_max = "{dt_max} s"
[output]
count = 24
snapshots = {snapshots}
"""
NUCLEUS = '[[anode.nuclei]]\nx = "3 um"\nradius = "1.5 um"\nshape = "semicircle"'
DEFAULT_HER = (1e-10, 1e-11, 1.0)
HER9 = (1e-9, 1e-10, 1.0)
ADDITIVE = (1e-10, 1e-11, 0.3)
#: a stress case above the literature range, to see ZHS cover part of the surface
HER8 = (1e-8, 1e-9, 1.0)
#: the additive on it: ten times less proton reduction, water activity 0.3
HER8_ADDITIVE = (1e-9, 1e-10, 0.3)


def plate(current: float) -> str:
    """Galvanostatic plating of 1 mAh/cm^2 at ``current`` mA/cm^2."""
    density = f'current_density = "{current:g} mA/cm^2"'
    return f'mode = "galvanostatic"\n{density}\ncapacity = "1 mAh/cm^2"'


REST = 'mode = "open_circuit"\nduration = "2 h"'
#: the nucleus strips: 0.1 mAh/cm^2 at 10 mA/cm^2 under a 40 um layer (a shorter study)
NUCLEUS_PLATE = 'mode = "galvanostatic"\ncurrent_density = "10 mA/cm^2"\ncapacity = "0.1 mAh/cm^2"'
#: name -> (title, control, HER (i0_p, i0_w, a_w), width um, nucleus, dt_max s)
CASES = {
    "plate_1": ("bare Zn, 1 mA/cm^2", plate(1), DEFAULT_HER, 2, "", 60),
    "plate_10": ("bare Zn, 10 mA/cm^2", plate(10), DEFAULT_HER, 2, "", 10),
    "plate_1_her9": ("bare Zn, 1 mA/cm^2, HER x10", plate(1), HER9, 2, "", 60),
    "plate_10_her9": ("bare Zn, 10 mA/cm^2, HER x10", plate(10), HER9, 2, "", 10),
    "plate_10_additive": ("additive, 10 mA/cm^2", plate(10), ADDITIVE, 2, "", 10),
    "rest": ("rest 2 h", REST, DEFAULT_HER, 2, "", 120),
    "rest_her9": ("rest 2 h, HER x10", REST, HER9, 2, "", 120),
    "rest_additive": ("rest 2 h, additive", REST, ADDITIVE, 2, "", 120),
    "plate_1_her8": ("bare Zn, 1 mA/cm^2, HER x100", plate(1), HER8, 2, "", 60),
    "plate_10_her8": ("bare Zn, 10 mA/cm^2, HER x100", plate(10), HER8, 2, "", 10),
    "nucleus_her8": ("nucleus, HER x100", NUCLEUS_PLATE, HER8, 6, NUCLEUS, 2),
    "nucleus_her8_additive": (
        "nucleus, HER x100, additive",
        NUCLEUS_PLATE,
        HER8_ADDITIVE,
        6,
        NUCLEUS,
        2,
    ),
}


def case_text(name: str) -> str:
    """The case file of one study member."""
    title, control, (i0_p, i0_w, a_w), width, nucleus, dt_max = CASES[name]
    return BASE.format(
        title=f"Side chemistry study: {title}", width=width, nucleus=nucleus,
        height=40 if nucleus else 105,
        i0_p=f"{i0_p:g}", i0_w=f"{i0_w:g}", a_w=a_w, control=control, dt_max=dt_max,
        snapshots="true" if nucleus else "false",
    )  # fmt: skip


def run(runs: Path, only: list[str] | None) -> None:
    """Run the members one after the other (``zndeposit run``), skipping finished ones."""
    runs.mkdir(parents=True, exist_ok=True)
    for name in only or list(CASES):
        out = runs / name
        manifest = out / "manifest.json"
        if manifest.is_file() and json.loads(manifest.read_text())["status"] == "finished":
            continue
        path = runs / f"{name}.toml"
        path.write_text(case_text(name))
        cmd = [sys.executable, "-m", "zndeposit", "run", str(path), "--out", str(out)]
        if out.exists():
            cmd.append("--overwrite")
        print(f"== {name}", flush=True)
        subprocess.run(cmd, check=False)


def final(rows: dict[str, np.ndarray], key: str) -> float:
    """Last value of a column."""
    return float(rows[key][-1])


def table(runs: Path, out: Path) -> None:
    """Print the Markdown table and write the figures."""
    data = {}
    for name in CASES:
        csv = runs / name / "metrics.csv"
        if csv.is_file():
            data[name] = read_metrics(csv)
    print("| case | t (h) | E (mV) | HER (uA/cm^2) | H2 (uL/cm^2) | plating eff. | "
          "pH interface mean / max | ZHS (nm) | ZHS coverage | corrosion (uA/cm^2) | "
          "balances Zn/S/H |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in data.items():
        keys = ("zinc_balance_error", "sulfate_balance_error", "proton_balance_error")
        bal = max(float(np.nanmax(r[k])) for k in keys)
        print(
            f"| {name} | {final(r, 't') / 3600:.3g} | {final(r, 'E') * 1e3:.1f} | "
            f"{final(r, 'her_current') * 1e3:.3g} | {final(r, 'h2_volume'):.3g} | "
            f"{final(r, 'coulombic_efficiency'):.4f} | {final(r, 'ph_interface_mean'):.2f} / "
            f"{float(np.nanmax(r['ph_interface_max'])):.2f} | "
            f"{max(final(r, 'zhs_thickness') * 1e3, 0.0):.2g} | {final(r, 'zhs_coverage'):.2g} | "
            f"{final(r, 'corrosion_current') * 1e3:.3g} | {bal:.1e} |"
        )
    _figure_ph(data, out)


def _figure_ph(data: dict[str, dict[str, np.ndarray]], out: Path) -> None:
    """Interfacial pH (mean) and ZHS thickness against time, plating and rest side by side."""
    with journal_style():
        fig = new_figure(DOUBLE_COLUMN, 4.6, layout="constrained")
        axes = fig.subplots(2, 2)
        panels = [
            (axes[0][0], "plate", "ph_interface_mean", "Interfacial pH (mean)", "-", 1.0),
            (axes[0][1], "rest", "ph_interface_mean", "Interfacial pH (mean)", "-", 1.0),
            (axes[1][0], "plate", "zhs_thickness", "ZHS thickness", "nm", 1e3),
            (axes[1][1], "rest", "zhs_thickness", "ZHS thickness", "nm", 1e3),
        ]
        for ax, kind, key, label, unit, factor in panels:
            for i, (name, r) in enumerate(data.items()):
                if not name.startswith(kind):
                    continue
                y = r[key] * factor
                y = np.where(np.abs(y) < 1e-9, 0.0, y)  # round-off of "no ZHS" (1e-50 nm)
                ax.plot(r["t"] / 60, y, label=name, **line_style(i))
            ax.set_xlabel(axis_label("Time", "min"))
            ax.set_ylabel(axis_label(label, unit))
            if ax.get_lines():
                ax.legend(fontsize="x-small")
        save_figure(fig, out / "chemistry_ph_zhs")


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["run", "table"])
    ap.add_argument("--runs", type=Path, default=ROOT / "runs" / "chemistry")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "figures")
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    if args.what == "run":
        run(args.runs, args.only)
    else:
        table(args.runs, args.out)


if __name__ == "__main__":
    main()
