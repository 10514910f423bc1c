"""Part C of docs/results.md: a tall dendrite on an adaptive mesh (figures and table).

Reads a finished run of ``cases/transport_limited/dendrite_20um.toml`` and writes

- ``docs/figures/adaptive_dendrite_growth.png``: tip rise, front advance and tip
  lead (um) against time (s), and the current (mA/cm^2);
- the table rows of docs/results.md (printed);

the deposit and field figures come from ``zndeposit render RUN --time ...``.

Usage::

    .venv/bin/python scripts/results_adaptive.py RUN_DIR [--out docs/figures]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from zndeposit.io.metrics_csv import read_metrics
from zndeposit.viz.style import axis_label


def main() -> None:
    """Plot the growth curves and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="the run directory")
    ap.add_argument("--out", type=Path, default=Path("docs/figures"), help="figure folder")
    args = ap.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = read_metrics(args.run / "metrics.csv")
    t = np.asarray(m["t"], float)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(9, 3.4), constrained_layout=True)
    for key, label in (("tip_rise", "tip rise"), ("front_advance", "front advance"),
                       ("tip_lead", "tip lead")):  # fmt: skip
        ax.plot(t, np.asarray(m[key], float), label=label)
    ax.set_xlabel(axis_label("Time", "s"))
    ax.set_ylabel(axis_label("Length", "µm"))
    ax.legend(frameon=False)
    ax2.plot(t[1:], np.asarray(m["i"], float)[1:])
    ax2.set_xlabel(axis_label("Time", "s"))
    ax2.set_ylabel(axis_label("Current density", "mA/cm²"))
    args.out.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out / "adaptive_dendrite_growth.png", dpi=200)
    manifest = json.loads((args.run / "manifest.json").read_text())
    print("| t (s) | capacity (mAh/cm²) | i (mA/cm²) | tip rise (µm) | front advance (µm) "
          "| tip lead (µm) | min. interfacial Zn²⁺ (mol/L) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for i in np.linspace(0, len(t) - 1, 6).astype(int)[1:]:
        print(f"| {t[i]:.0f} | {m['charge'][i]:.3f} | {m['i'][i]:.1f} | {m['tip_rise'][i]:.2f} "
              f"| {m['front_advance'][i]:.2f} | {m['tip_lead'][i]:.2f} "
              f"| {m['c_interface_min'][i]:.2g} |")  # fmt: skip
    print(json.dumps({k: manifest.get(k) for k in ("solver", "adaptation", "timings_s")}, indent=1))


if __name__ == "__main__":
    main()
