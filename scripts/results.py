"""Numbers and figures of docs/results.md from reduced runs of the example cases.

Runs each case of the study through the normal ``zndeposit run`` code path
(:func:`zndeposit.solver.driver.run_case`, in this process, serial) with the
``--set``-style overrides below, reads every run's ``metrics.csv`` with
:func:`zndeposit.io.metrics_csv.read_metrics`, and writes

* ``<out>/<run>/``: the run directories (metrics.csv, manifest.json, fields/),
  plus ``snapshots.npz``: the P1 node coordinates, triangles and the xi field
  at every output time (and c, c_anion at the end), for the morphology figures;
* ``<out>/summary.json`` and ``<out>/results_table.md``: the numbers;
* the PNG figures (into ``docs/figures/``; with ``--quick`` into ``<out>/figures/``).

The final fields are taken from the run's own :class:`~zndeposit.solver.observe.Observer`
(a subclass that keeps a copy of the P1 arrays each time the driver asks for a
metrics row), because the VTX output needs ADIOS2 Python to be read back, which
the DOLFINx wheel does not ship.

Usage::

    .venv/bin/python scripts/results.py              # the study (about 32 min on one core)
    .venv/bin/python scripts/results.py --quick      # 2-4 s of plating per run: cost per step
    .venv/bin/python scripts/results.py --plot-only  # figures and table from existing runs
    .venv/bin/python scripts/results.py --only bare coated
    .venv/bin/python scripts/results.py --only bare_e8 aniso_e8 aniso_off_e8  # mesh checks
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from results_figures import BLUE, GREEN, GREY, ORANGE, PURPLE, VERMILLION

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"

# --------------------------------------------------------------------------- the study
#: Overrides shared by every run of the galvanostatic comparison (claims 1 and 2).
#: The case files use a 40 x 110-120 um cell at 8 elements per interface width
#: (about 490k unknowns for the bare case); this is a 12 x 40 um strip at 6
#: elements (84k unknowns), to the same 1 mAh/cm^2. The reservoir (or
#: counter electrode) is then 30 um above the anode instead of 100-110 um, which
#: raises the limiting current 3.7-fold; 40 mA/cm^2 restores i/i_lim = 0.25 in
#: the bare cell (the full bare case runs at 10 mA/cm^2 = 0.23 i_lim). The
#: solid-electrolyte case file plates at 2 mA/cm^2: here it gets the same
#: 40 mA/cm^2 as the others, so that the comparison is at equal current and capacity.
GALVANOSTATIC = {
    "domain.width": "12 um",
    "domain.height": "40 um",
    "anode.nuclei.0.x": "6 um",
    "control.current_density": "40 mA/cm^2",
    "control.capacity": "1 mAh/cm^2",
    "mesh.elements_across_interface": 6,
    "numerics.dt_initial": "10 ms",
    "numerics.dt_max": "1 s",
    "output.count": 25,
}
#: Overrides shared by the anisotropy runs (claim 3): same strip, potentiostatic
#: -80 mV as in the case file but for 5 min instead of 10, fine band 6 um
#: instead of 12 um (the deposit grows about 1.2-1.5 um in 5 min).
ANISOTROPY = {
    "domain.width": "12 um",
    "domain.height": "40 um",
    "anode.nuclei.0.x": "6 um",
    "control.duration": "5 min",
    "mesh.elements_across_interface": 6,
    "mesh.growth_band": "6 um",
    "numerics.dt_initial": "10 ms",
    "numerics.dt_max": "4 s",
    "output.count": 20,
}
#: --quick: the same runs for a few seconds of plating (cost per step, script check)
QUICK = {"control.capacity": "0.02 mAh/cm^2", "control.duration": "4 s"}


@dataclass(frozen=True)
class Run:
    """One run of the study: name, case file, overrides, plot label and colour."""

    name: str
    case: str
    overrides: dict[str, Any]
    label: str
    colour: str
    style: str = "-"
    group: str = "galvanostatic"
    extra: dict[str, Any] = field(default_factory=dict)
    #: part of the default study (False: mesh checks, run with --only NAME)
    default: bool = True
    #: isotropic run on the same mesh, for the anisotropy comparison
    reference: str | None = None

    def all_overrides(self, quick: bool) -> dict[str, Any]:
        """Study overrides, then the run's own, then (quick) the short duration."""
        out = {**self.overrides, **self.extra}
        if quick:
            key = "control.capacity" if "control.capacity" in out else "control.duration"
            out[key] = QUICK[key]
        return out


RUNS = (
    Run("bare", "bare_zn_2M_ZnSO4.toml", GALVANOSTATIC, "bare Zn, 2 M ZnSO4", BLUE),
    Run(
        "coated",
        "coated_zn_cation_selective.toml",
        GALVANOSTATIC,
        "3 um cation-selective coating",
        ORANGE,
        "--",
    ),
    Run(
        "solid",
        "solid_electrolyte_KL_Zn.toml",
        GALVANOSTATIC,
        "KL-Zn solid electrolyte",
        GREEN,
        "-.",
    ),
    Run(
        "flat",
        "bare_zn_2M_ZnSO4.toml",
        {k: v for k, v in GALVANOSTATIC.items() if not k.startswith("anode.nuclei")},
        "bare Zn, no nucleus (control)",
        GREY,
        ":",
        extra={"anode.nuclei": []},
    ),
    Run(
        "aniso",
        "anisotropic_zn_hcp.toml",
        ANISOTROPY,
        "kinetic anisotropy 0.2, tilt 30 deg",
        VERMILLION,
        group="anisotropy",
        reference="aniso_off",
    ),
    Run(
        "aniso_off",
        "anisotropic_zn_hcp.toml",
        ANISOTROPY,
        "kinetic anisotropy off",
        BLUE,
        "--",
        group="anisotropy",
        extra={"interface.kinetic_anisotropy": 0.0},
    ),
    Run(
        "aniso_15deg",
        "anisotropic_zn_hcp.toml",
        ANISOTROPY,
        "kinetic anisotropy 0.2, tilt 15 deg",
        PURPLE,
        ":",
        group="anisotropy",
        extra={"interface.angle": "15 deg"},
        reference="aniso_off",
    ),
    # mesh checks (not in the default study): the same runs at 8 elements per width
    Run(
        "bare_e8",
        "bare_zn_2M_ZnSO4.toml",
        {**GALVANOSTATIC, "mesh.elements_across_interface": 8},
        "bare Zn, 8 elements per interface width",
        BLUE,
        group="check",
        default=False,
    ),
    Run(
        "aniso_e8",
        "anisotropic_zn_hcp.toml",
        {**ANISOTROPY, "mesh.elements_across_interface": 8},
        "kinetic anisotropy 0.2, tilt 30 deg, 8 elements",
        VERMILLION,
        group="check",
        default=False,
        reference="aniso_off_e8",
    ),
    Run(
        "aniso_off_e8",
        "anisotropic_zn_hcp.toml",
        {**ANISOTROPY, "mesh.elements_across_interface": 8},
        "kinetic anisotropy off, 8 elements",
        BLUE,
        group="check",
        default=False,
        extra={"interface.kinetic_anisotropy": 0.0},
    ),
)

#: snapshot fields kept at every output (xi) and at the last output only
SNAP_EVERY, SNAP_LAST = ("xi",), ("c", "c_anion")


# --------------------------------------------------------------------------- running
@contextlib.contextmanager
def recording_observer():
    """Make ``run_case`` use an Observer that keeps copies of the P1 fields at each output.

    Yields a dict that holds, after the run, ``points`` (n, 2, um), ``triangles``,
    ``t`` (s) and the snapshot arrays.
    """
    import zndeposit.solver.driver as driver

    store: dict[str, Any] = {}
    base = driver.Observer

    class Recording(base):  # type: ignore[misc, valid-type]
        def __init__(self, sim: Any) -> None:
            super().__init__(sim)
            space = self.fields["xi"].function_space
            store["points"] = space.tabulate_dof_coordinates()[:, :2] * 1e6
            store["triangles"] = np.asarray(space.dofmap.list).copy()
            store["t"], store["xi"] = [], []

        def metrics(self) -> dict[str, float]:
            row = super().metrics()
            store["t"].append(self.sim.t)
            for name in SNAP_EVERY:
                store[name].append(self.fields[name].x.array.copy())
            for name in SNAP_LAST:
                store[name] = self.fields[name].x.array.copy()
            return row

    driver.Observer = Recording
    try:
        yield store
    finally:
        driver.Observer = base


def run_one(run: Run, out: Path, quick: bool) -> dict[str, Any]:
    """Run one case (in this process); returns timings and the solver status."""
    from zndeposit.case.load import load_case
    from zndeposit.errors import SolverError
    from zndeposit.solver.driver import run_case

    overrides = run.all_overrides(quick)
    loaded = load_case(CASES / run.case, overrides)
    for w in loaded.warnings:
        print(f"  {w}", flush=True)
    status, message = "ok", ""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    with recording_observer() as store:
        try:
            run_case(
                loaded, out / run.name, cache_dir=out / "mesh-cache", overwrite=True, progress=False
            )
        except SolverError as exc:  # the last good state is in metrics.csv
            status, message = "solver failure", str(exc)
            print(f"  SOLVER FAILURE: {exc}", flush=True)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    np.savez_compressed(
        out / run.name / "snapshots.npz",
        points=store["points"],
        triangles=store["triangles"],
        t=np.asarray(store["t"]),
        **{k: np.asarray(store[k]) for k in (*SNAP_EVERY, *SNAP_LAST)},
    )
    manifest = json.loads((out / run.name / "manifest.json").read_text())
    gc.collect()
    return {
        "status": status,
        "message": message,
        "wall_s": wall,
        "cpu_s": cpu,
        "overrides": overrides,
        "dofs": manifest.get("mesh", {}).get("dofs"),
        "nodes": manifest.get("mesh", {}).get("nodes"),
        "solver": manifest.get("solver", {}),
    }


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    """Run the study (or part of it), then write the table and the figures."""
    from results_analysis import compare_isotropic, summarise, table
    from results_figures import figures

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a few seconds of plating per run")
    ap.add_argument("--plot-only", action="store_true", help="reuse the runs in --out")
    ap.add_argument(
        "--only", nargs="+", metavar="RUN", help="subset of " + ", ".join(r.name for r in RUNS)
    )
    ap.add_argument("--out", type=Path, help="run folder (default runs/results[-quick])")
    args = ap.parse_args(argv)

    from zndeposit.log import setup_logging

    setup_logging()
    out = args.out or ROOT / "runs" / ("results-quick" if args.quick else "results")
    figdir = out / "figures" if args.quick else ROOT / "docs" / "figures"
    out.mkdir(parents=True, exist_ok=True)
    runs = [r for r in RUNS if (r.name in args.only if args.only else r.default)]
    info_path = out / "runs.json"
    infos = json.loads(info_path.read_text()) if info_path.exists() else {}
    for r in runs:
        if args.plot_only:
            continue
        print(f"== {r.name}: {r.case} with {r.all_overrides(args.quick)}", flush=True)
        infos[r.name] = run_one(r, out, args.quick)
        info_path.write_text(json.dumps(infos, indent=1))
        i = infos[r.name]
        print(f"   {i['status']}, {i['wall_s']:.0f} s wall, {i['cpu_s']:.0f} s CPU", flush=True)
    runs = [r for r in RUNS if r.name in infos and (out / r.name / "metrics.csv").exists()]
    summary = {r.name: summarise(r, out, infos[r.name]) for r in runs}
    for r in runs:
        summary[r.name]["overrides"] = infos[r.name]["overrides"]
    compare_isotropic(runs, summary)
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    text = table(runs, summary)
    (out / "results_table.md").write_text(text)
    print(text)
    figures(runs, out, figdir, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
