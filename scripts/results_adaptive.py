"""Part C of docs/results.md: a tall dendrite on an adaptive mesh (figures and table).

Reads a finished run of ``cases/transport_limited/dendrite_20um.toml`` and writes

- ``docs/figures/adaptive_dendrite_growth.png``: tip rise, front advance and tip
  lead (um) against time (s), and the current (mA/cm^2);
- the table rows of docs/results.md (printed);

the deposit and field figures come from ``zndeposit render RUN --time ...``.

``--from-snapshots`` recomputes tip rise, front advance and tip lead from the
run's VTU snapshots with the current definitions of
:mod:`zndeposit.metrics.morphology` (the xi = 0.5 contour of the P1 xi, the
solver's 200-bin height profile h(x), h0 from the first snapshot at t = 0), for
a run whose ``metrics.csv`` predates a change of those metrics (Part C's run
wrote ``front_advance`` as the median of h - h0, now the lower quartile). The
recomputed tip rise is checked against the CSV (same contour, same bins).

Usage::

    .venv/bin/python scripts/results_adaptive.py RUN_DIR [--out docs/figures] [--from-snapshots]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from zndeposit.io.metrics_csv import read_metrics
from zndeposit.viz.style import axis_label

MORPHOLOGY = ("tip_rise", "front_advance", "tip_lead")


def snapshot_morphology(run: Path) -> dict[str, np.ndarray]:
    """Time (s) and tip rise, front advance, tip lead (um) of every snapshot of ``run``."""
    import pyvista as pv

    from zndeposit.io.snapshots import read_index
    from zndeposit.metrics.morphology import contour_segments, morphology_from_segments

    entries = read_index(run).entries
    if entries[0].t != 0.0:
        raise ValueError(f"{run}: the first snapshot is at t = {entries[0].t} s, not 0 (h0)")
    h0: np.ndarray | None = None
    rows = []
    for e in entries:
        grid = pv.read(str(e.path))  # coordinates in um: the profile comes out in um
        tri = grid.cells_dict[pv.CellType.TRIANGLE]
        seg = contour_segments(grid.points, tri, grid.point_data["xi"], 0.5)
        x_min, x_max = grid.bounds[0], grid.bounds[1]  # the strip, 0 ... width
        # as zndeposit.solver.observe: morphology(xi, 0, width, initial_height=h0), 200 bins
        if h0 is None:  # h0(x): the profile of the first snapshot, t = 0
            h0 = morphology_from_segments(seg, x_min, x_max).h
        mo = morphology_from_segments(seg, x_min, x_max, initial_height=h0)
        rows.append((e.t, *(getattr(mo, k) for k in MORPHOLOGY)))
    return dict(zip(("t", *MORPHOLOGY), np.array(rows).T, strict=True))


def main() -> None:
    """Plot the growth curves and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="the run directory")
    ap.add_argument("--out", type=Path, default=Path("docs/figures"), help="figure folder")
    ap.add_argument(
        "--from-snapshots",
        action="store_true",
        help="tip rise, front advance and tip lead recomputed from the VTU snapshots",
    )
    args = ap.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = read_metrics(args.run / "metrics.csv")
    t = np.asarray(m["t"], float)
    series = {k: (t, np.asarray(m[k], float)) for k in MORPHOLOGY}
    if args.from_snapshots:
        s = snapshot_morphology(args.run)
        near = np.abs(s["t"][None, :] - t[:, None]).argmin(axis=1)  # snapshot per CSV row
        err = np.abs(s["tip_rise"][near] - series["tip_rise"][1]).max()
        print(f"tip rise from the snapshots against metrics.csv: max difference {err:.2g} um")
        series = {k: (s["t"], s[k]) for k in MORPHOLOGY}
        m = {**m, **{k: s[k][near] for k in MORPHOLOGY}}
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(9, 3.4), constrained_layout=True)
    labels = ("tip rise", "front advance (lower quartile)", "tip lead")
    for key, label in zip(MORPHOLOGY, labels, strict=True):
        ax.plot(*series[key], label=label)
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
