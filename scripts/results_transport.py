"""Transport-limited growth: the runs, numbers and figures of docs/results.md.

Every run is ``cases/transport_limited/dilute_nucleus.toml`` (a Zn nucleus of
radius 1 um on a 10 um periodic strip under 40 um of 0.1 M ZnSO4, reservoir on
top; flat-cell limiting current 67.8 mA/cm^2) or that cell with one change,
run through :func:`zndeposit.solver.driver.run_case` (the code path of
``zndeposit run``) in this process, one after the other (serial). A run that
stops with a SolverError (e.g. "interface depleted ... x Sand's time") keeps
its outputs up to the stop; the message is kept in ``summary.json``.

Studies (``--only NAME ...`` runs a subset):

* ``galv_*``: galvanostatic 100 mA/cm^2 (1.47 x i_lim of the bare cell) for up
  to 10 s: bare (t+ 0.40), t+ raised to 0.60 / 0.80 at equal conductivity,
  fixed charge -0.1 mol/L in the electrolyte, the KL-Zn solid electrolyte
  preset, a 2 um cation-selective ionomer coating (``galv_bare`` is the case
  file as written: 5 s, outputs every 50 ms);
* ``pot_bare``: potentiostatic -500 mV for 60 s (flat parts at the limiting
  current, the nucleus grows into a tip);
* ``pot_coated``: the same with the 2 um ionomer coating, for 20 s.

The morphology map is the sweep ``cases/sweeps/transport_limited_map.toml``
(run it with ``zndeposit sweep ... --workers 1``); ``--sweep DIR`` classifies
its members (compact / transition / dendritic, criterion in :func:`classify`)
and draws the map.

Usage::

    .venv/bin/python scripts/results_transport.py                 # every run (~50 min, one core)
    .venv/bin/python scripts/results_transport.py --only pot_bare # one run
    .venv/bin/python scripts/results_transport.py --plot-only --sweep sweeps/tl_map
    .venv/bin/python scripts/results_transport.py --plot-only --from-snapshots --sweep sweeps/tl_map

``--from-snapshots`` takes tip rise, front advance and tip lead (of the runs and
of the sweep members) from the runs' VTU snapshots with the current definitions
of :mod:`zndeposit.metrics.morphology` instead of their ``metrics.csv`` (for
runs written before ``front_advance`` became the lower quartile of h - h0; it
was the median): ``snapshot_morphology`` of ``scripts/results_adaptive.py``.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "cases" / "transport_limited" / "dilute_nucleus.toml"
FIGURES = ROOT / "docs" / "figures"

#: Galvanostatic runs: at most 10 s (0.47 um of dense Zn), outputs every 0.25 s. The bare
#: run is the case file as written (5 s, outputs every 0.05 s, dt_max 50 ms): it stops
#: at 1.12 x Sand's time.
GALV = {"control.duration": "10 s", "output.interval": "0.25 s", "numerics.dt_max": "0.1 s"}
#: Potentiostatic runs: -500 mV against the reservoir for 60 s, outputs every 2 s.
POT = {
    "control.mode": "potentiostatic",
    "control.potential": "-500 mV",
    "control.current_density": None,
    "control.duration": "60 s",
    "output.interval": "2 s",
    "numerics.dt_max": "0.5 s",
}
#: t+ raised at equal conductivity (26.6 mS/cm): D+ = 2 Dm t+, D- = 2 Dm (1 - t+),
#: Dm = (0.703 + 1.065)/2 x 1e-9 m^2/s, the mean of the ZnSO4_dilute preset's values.
T_PLUS = {
    0.6: {"electrolyte.D_cation": "1.061e-9 m^2/s", "electrolyte.D_anion": "0.707e-9 m^2/s"},
    0.8: {"electrolyte.D_cation": "1.414e-9 m^2/s", "electrolyte.D_anion": "0.354e-9 m^2/s"},
}
#: flat-cell limiting current (mA/cm^2) and D_Zn2+ (m^2/s) of the base case
I_LIM_BARE, D_PLUS_BARE = 67.83, 0.703e-9
COATING = {"coatings": [{"preset": "nafion_ionomer", "name": "ionomer", "thickness": "2 um"}]}


@dataclass(frozen=True)
class Run:
    """One run: name, overrides of the base case, label for plots and tables."""

    name: str
    overrides: dict[str, Any]
    label: str
    extra: dict[str, Any] = field(default_factory=dict)


RUNS = (
    Run("galv_bare", {}, "bare, t+ 0.40"),
    Run("galv_tp060", {**GALV, **T_PLUS[0.6]}, "t+ 0.60 (same conductivity)"),
    Run("galv_tp080", {**GALV, **T_PLUS[0.8]}, "t+ 0.80 (same conductivity)"),
    Run("galv_fixed", {**GALV, "electrolyte.fixed_charge": "-0.1 mol/L"}, "fixed charge -0.1 M"),
    Run(
        "galv_klzn",
        {**GALV, "electrolyte.preset": "KL_Zn_solid", "electrolyte.concentration": "1 mol/L"},
        "KL-Zn solid electrolyte",
        extra={"electrolyte.D_cation": None, "electrolyte.D_anion": None},
    ),
    Run("galv_coated", {**GALV, **COATING}, "2 um ionomer coating"),
    Run("pot_bare", POT, "bare Zn"),
    Run(
        "pot_coated",
        {**POT, **COATING, "control.duration": "20 s"},
        "2 um coating",
    ),
)
BY_NAME = {r.name: r for r in RUNS}
#: set by --from-snapshots: the morphology columns recomputed from the snapshots
FROM_SNAPSHOTS = False
MORPHOLOGY = ("tip_rise", "front_advance", "tip_lead")


@functools.cache
def snapshot_series(run_dir: Path) -> dict[str, np.ndarray]:
    """Time (s), tip rise, front advance, tip lead (um) of every snapshot of a run."""
    from results_adaptive import snapshot_morphology

    return snapshot_morphology(run_dir)


def with_snapshot_morphology(m: dict[str, np.ndarray], run_dir: Path) -> dict[str, np.ndarray]:
    """``m`` with the morphology columns from the snapshots if FROM_SNAPSHOTS (in place).

    Each metrics row takes the snapshot at its time; a row without one gets NaN.
    """
    if FROM_SNAPSHOTS:
        s = snapshot_series(Path(run_dir).resolve())
        t = np.asarray(m["t"], float)
        near = np.abs(s["t"][None, :] - t[:, None]).argmin(axis=1)
        same = np.isclose(s["t"][near], t, rtol=1e-9, atol=1e-9)
        for key in MORPHOLOGY:
            m[key] = np.where(same, s[key][near], np.nan)
    return m


def load_run(run_dir: Path, label: str | None = None):
    """zndeposit.viz.run_data.load_run, with the snapshot morphology if FROM_SNAPSHOTS."""
    from zndeposit.viz.run_data import load_run as load

    rd = load(run_dir, label)
    with_snapshot_morphology(rd.metrics, run_dir)
    return rd


def read_metrics(path: Path) -> dict[str, np.ndarray]:
    """A run's metrics.csv, with the snapshot morphology if FROM_SNAPSHOTS."""
    from zndeposit.io.metrics_csv import read_metrics as read

    return with_snapshot_morphology(read(path), path.parent)


def load(run: Run):
    """The base case with the run's overrides (None drops a key)."""
    import tomllib

    from zndeposit.case.load import load_case

    data = tomllib.loads(CASE.read_text())
    for key, value in {**run.overrides, **run.extra}.items():
        *path, last = key.split(".")
        node = data
        for part in path:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return load_case_from(data, load_case)


def load_case_from(data: dict[str, Any], load_case):
    """Write the modified case next to the base (same relative paths) and load it."""
    import tomli_w

    path = CASE.parent / ".study_case.toml"
    path.write_text(tomli_w.dumps(data))
    try:
        return load_case(path)
    finally:
        path.unlink()


def run_one(run: Run, out: Path) -> dict[str, Any]:
    """Run one case into ``out/<name>``; returns status, stop message and timings."""
    from zndeposit.errors import SolverError
    from zndeposit.solver.driver import run_case

    loaded = load(run)
    for w in loaded.warnings:
        print(f"  {w}", flush=True)
    status, message = "finished", ""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    try:
        run_case(
            loaded, out / run.name, cache_dir=out / "mesh-cache", overwrite=True, progress=False
        )
    except SolverError as exc:  # the last good state is on disk
        status, message = "stopped", str(exc)
        print(f"  stopped: {exc}", flush=True)
    gc.collect()
    return {
        "status": status,
        "message": message,
        "wall_s": time.perf_counter() - wall0,
        "cpu_s": time.process_time() - cpu0,
    }


# --------------------------------------------------------------------------- analysis
def velocities(t: np.ndarray, y: np.ndarray, window: float) -> tuple[np.ndarray, np.ndarray]:
    """Centred slope of y(t) over ``window`` s (least squares), at the outputs that allow it."""
    mids, slopes = [], []
    for k, tk in enumerate(t):
        sel = np.abs(t - tk) <= window / 2
        if t[k] - window / 2 < t[0] or t[k] + window / 2 > t[-1] or sel.sum() < 3:
            continue
        mids.append(tk)
        slopes.append(np.polyfit(t[sel], y[sel], 1)[0])
    return np.asarray(mids), np.asarray(slopes)


def at(t: np.ndarray, y: np.ndarray, when: float) -> float:
    """The value of y at time ``when`` (linear interpolation; NaN outside the run)."""
    if when < t[0] or when > t[-1]:
        return float("nan")
    return float(np.interp(when, t, y))


def summarise(name: str, out: Path, info: dict[str, Any]) -> dict[str, Any]:
    """The numbers of one run for the tables of docs/results.md."""
    rd = load_run(out / name)
    m, d = rd.metrics, rd.derived
    t = m["t"]
    row: dict[str, Any] = {
        "name": name,
        "label": BY_NAME[name].label if name in BY_NAME else name,
        "status": rd.status,
        "message": info.get("message") or rd.manifest.get("error") or "",
        "i_lim_mA_cm2": d.limiting_current / 10.0,
        "t_plus": float(m["t_plus_bulk"][-1]) if "t_plus_bulk" in m else float("nan"),
        "sand_s": d.sand_time,
        "t_end_s": float(t[-1]),
        "capacity_mAh_cm2": float(m["charge"][-1]),
        "i_end_mA_cm2": float(m["i"][-1]),
        "E_end_mV": 1e3 * float(m["E"][-1]),
        "eta_end_mV": 1e3 * float(m["eta"][-1]),
        "c_int_min_end_M": float(m["c_interface_min"][-1]),
        "c_int_min_M": float(np.min(m["c_interface_min"])),
        "tip_rise_um": float(m["tip_rise"][-1]),
        "front_advance_um": float(m["front_advance"][-1]),
        "tip_lead_um": float(m["tip_lead"][-1]),
        "focusing_end": float(m["current_focusing"][-1]),
        "focusing_max": float(np.nanmax(m["current_focusing"])),
        "steps": int(m["steps_accepted"][-1]),
        "rejected": int(m["steps_rejected"][-1]),
        "charge_balance_max": float(np.nanmax(m["charge_balance_error"][1:])),
        "wall_s": info.get("wall_s", rd.manifest.get("wall_time_s")),
    }
    ts = d.sand_time
    if ts:
        row["t_end_over_sand"] = float(t[-1]) / ts
        for key in ("tip_rise", "front_advance", "tip_lead", "current_focusing", "E"):
            row[f"{key}_at_sand"] = at(t, m[key], ts)
    return row


def tip_and_front(name: str, out: Path, window: float) -> dict[str, np.ndarray]:
    """Tip and flat-front velocities (um/s) of a run and their ratio."""
    m = read_metrics(out / name / "metrics.csv")
    t = m["t"]
    tm, v_tip = velocities(t, m["height_max"], window)
    _, v_front = velocities(t, m["front_advance"], window)
    te, he = edge_front(name, out)
    _, v_edge = velocities(te, he, window)
    return {
        "t": tm,
        "v_tip": v_tip,
        "v_front": v_front,
        "v_edge": v_edge,
        "ratio": v_tip / v_front,
        "ratio_edge": v_tip / v_edge,
    }


def edge_front(name: str, out: Path, margin: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Time (s) and mean height (um) of the xi = 0.5 contour within ``margin`` of the strip edges.

    The periodic strip's edges are the points farthest from the nucleus: the
    flat front least shielded by the tip (read from the VTU snapshots).
    """
    from zndeposit.viz.extract import interface_line

    rd = load_run(out / name)
    times, heights = [], []
    for entry in rd.index.entries:
        pts = interface_line(rd.snapshot(index=entry.index).mesh).points
        x0, x1 = pts[:, 0].min(), pts[:, 0].max()
        edge = (pts[:, 0] < x0 + margin) | (pts[:, 0] > x1 - margin)
        times.append(entry.t)
        heights.append(float(pts[edge, 1].mean()))
    return np.asarray(times), np.asarray(heights)


def classify(row: dict[str, Any]) -> str:
    """Morphology class of a sweep member.

    dendritic: the run stopped on interface depletion (the cell cannot carry
    the current: past Sand's time), or the tip outgrew the flat surface by at
    least half the flat advance (tip_lead >= 0.5 front_advance);
    transition: 0.1 <= tip_lead / front_advance < 0.5;
    compact: tip_lead < 0.1 front_advance.
    """
    if "depleted" in str(row.get("error") or ""):
        return "dendritic"
    lead, adv = row.get("tip_lead [um]"), row.get("front_advance [um]")
    if lead is None or adv is None or not np.isfinite(adv) or adv <= 0:
        return "unknown"
    ratio = lead / adv
    return "dendritic" if ratio >= 0.5 else "transition" if ratio >= 0.1 else "compact"


# --------------------------------------------------------------------------- figures
def save(fig, name: str) -> None:
    """PNG (300 dpi) into docs/figures."""
    import matplotlib.pyplot as plt

    FIGURES.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURES / f"{name}.png", dpi=300)
    plt.close(fig)
    print(f"  wrote docs/figures/{name}.png")


def standard_figures(out: Path, names: list[str], tag: str) -> None:
    """The registry-labelled metric plots of zndeposit.viz for a group of runs."""
    from zndeposit.viz.plots import focusing_plot, morphology_plot, potential_plot

    have = [n for n in names if (out / n / "metrics.csv").exists()]
    runs = [load_run(out / n, BY_NAME[n].label) for n in have]
    if not runs:
        return
    save(potential_plot(runs), f"transport_{tag}_potential")
    # the x labels of the four panels overlap at the default 7 in
    save(morphology_plot(runs, width=10.0), f"transport_{tag}_morphology")
    save(focusing_plot(runs), f"transport_{tag}_focusing")


def limiting_velocity(run_dir: Path) -> float:
    """Velocity (um/s) of a flat front plating at the flat cell's limiting current.

    Dense Zn: thickness_mean / charge of the run (um per mAh/cm^2) x i_lim.
    """
    rd = load_run(run_dir)
    m = rd.metrics
    um_per_capacity = float(m["thickness_mean"][-1] / m["charge"][-1])
    return um_per_capacity * rd.derived.limiting_current / 10.0 / 3600.0


def tip_figure(out: Path, name: str, flat: str | None, window: float) -> None:
    """Tip rise, front advance and their velocities against time; the ratio against 2."""
    import matplotlib.pyplot as plt

    m = read_metrics(out / name / "metrics.csv")
    v = tip_and_front(name, out, window)
    v_lim = limiting_velocity(out / name)
    fig, (a, b, c, d) = plt.subplots(1, 4, figsize=(9.0, 2.5), layout="constrained")
    a.plot(m["t"], m["tip_rise"], label="tip rise")
    a.plot(m["t"], m["front_advance"], label="front advance")
    a.plot(m["t"], m["tip_lead"], label="tip lead")
    if flat and (out / flat / "metrics.csv").exists():
        f = read_metrics(out / flat / "metrics.csv")
        a.plot(f["t"], f["front_advance"], ":", color="0.4", label="flat cell (no nucleus)")
    a.set_xlabel("Time (s)")
    a.set_ylabel("Height (µm)")
    a.legend(fontsize=6)
    b.plot(v["t"], 1e3 * v["v_tip"], label="tip")
    b.plot(v["t"], 1e3 * v["v_front"], label="flat front (front_advance)")
    b.plot(v["t"], 1e3 * v["v_edge"], label="flat front at the strip edges")
    b.axhline(1e3 * v_lim, color="0.5", linestyle=":", linewidth=0.8, label="at i_lim, flat cell")
    b.set_xlabel("Time (s)")
    b.set_ylabel("Velocity (nm/s)")
    b.legend(fontsize=6)
    c.plot(v["t"], v["ratio"], label="tip / flat front")
    c.plot(v["t"], v["ratio_edge"], label="tip / strip edges")
    c.plot(v["t"], v["v_tip"] / v_lim, label="tip / flat cell at i_lim")
    c.legend(fontsize=6)
    c.axhline(2.0, color="0.5", linestyle="--", linewidth=0.8)
    c.set_xlabel("Time (s)")
    c.set_ylabel("Tip / flat-front velocity (-)")
    d.plot(m["t"][1:], m["i"][1:], label="simulated")
    i_lim = load_run(out / name).derived.limiting_current / 10.0  # A/m^2 -> mA/cm^2
    d.axhline(i_lim, color="0.5", linestyle=":", linewidth=0.8, label="i_lim, flat cell")
    d.set_xlabel("Time (s)")
    d.set_ylabel("Current density (mA/cm²)")
    d.legend(fontsize=6)
    for ax, letter in zip((a, b, c, d), "abcd", strict=True):
        ax.set_title(letter, loc="left", fontweight="bold", fontsize=8)
    save(fig, f"transport_{name}_tip")


def galvanostatic_window_figure(out: Path, name: str) -> None:
    """Around Sand's time: E, interface Zn2+, focusing and tip lead against t / t_s."""
    import matplotlib.pyplot as plt

    rd = load_run(out / name)
    m, ts = rd.metrics, rd.derived.sand_time
    x = m["t"] / ts
    fig, axes = plt.subplots(1, 4, figsize=(7.2, 2.2), layout="constrained")
    axes[0].plot(x, 1e3 * m["E"])
    axes[0].set_ylabel("Electrode potential E (mV)")
    axes[1].semilogy(x, m["c_interface_min"])
    axes[1].set_ylabel("Min. interfacial Zn$^{2+}$ (mol/L)")
    axes[2].semilogy(x, m["current_focusing"])
    axes[2].set_ylabel("Current focusing (-)")
    axes[3].plot(x, 1e3 * m["tip_lead"])
    axes[3].set_ylabel("Tip lead (nm)")
    for ax, letter in zip(axes, "abcd", strict=True):
        ax.axvline(1.0, color="0.5", linestyle="--", linewidth=0.8)
        ax.set_xlabel("t / Sand's time (-)")
        ax.set_title(letter, loc="left", fontweight="bold", fontsize=8)
    save(fig, f"transport_{name}_sand")


def equal_current_figure(out: Path, names: list[str]) -> None:
    """The 100 mA/cm^2 runs: E, interfacial Zn2+, tip lead and tip rise against time."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(9.0, 2.9), layout="constrained")
    for name in names:
        rd = load_run(out / name, BY_NAME[name].label)
        m = rd.metrics
        stopped = rd.status != "finished"
        (line,) = axes[0].plot(m["t"], 1e3 * m["E"], label=rd.label)
        style = {"color": line.get_color()}
        axes[1].semilogy(m["t"], m["c_interface_min"], **style)
        axes[2].plot(m["t"], 1e3 * m["tip_lead"], **style)
        axes[3].plot(m["t"], m["tip_rise"], **style)
        axes[3].plot(m["t"], m["front_advance"], linestyle=":", **style)
        if stopped:
            for ax, y in zip(
                axes,
                (1e3 * m["E"], m["c_interface_min"], 1e3 * m["tip_lead"], m["tip_rise"]),
                strict=True,
            ):
                ax.plot(m["t"][-1], y[-1], marker="x", markersize=6, **style)
    axes[0].set_ylabel("Electrode potential E (mV)")
    axes[0].set_ylim(bottom=-800)
    axes[1].set_ylabel("Min. interfacial Zn²⁺ (mol/L)")
    axes[2].set_ylabel("Tip lead (nm)")
    axes[3].set_ylabel("Tip rise, front advance (dotted) (µm)")
    for ax, letter in zip(axes, "abcd", strict=True):
        ax.set_xlabel("Time (s)")
        ax.set_title(letter, loc="left", fontweight="bold", fontsize=8)
    fig.legend(loc="outside lower center", ncol=3, fontsize=7, frameon=False)
    save(fig, "transport_equal_current")


def sweep_map(sweep_dir: Path) -> list[dict[str, Any]]:
    """Classify the sweep members; draw the class map (t+ against current density)."""
    import matplotlib.pyplot as plt
    import pandas as pd

    table = pd.read_csv(sweep_dir / "summary.csv")
    rows = []
    for _, r in table.iterrows():
        row = r.to_dict()
        member = sweep_dir / "members" / str(row["hash"])
        if FROM_SNAPSHOTS and (member / "metrics.csv").exists():
            m = read_metrics(member / "metrics.csv")  # the final values, as summary.csv
            row.update({f"{k} [um]": float(m[k][-1]) for k in MORPHOLOGY})
        row["class"] = classify(row)
        row["t_plus"] = row.get("t_plus_bulk [-]")
        rows.append(row)
    colours = {"compact": "#009E73", "transition": "#E69F00", "dendritic": "#D55E00"}
    fig, ax = plt.subplots(figsize=(3.4, 2.8), layout="constrained")
    i_key = next(k for k in table.columns if k.startswith("control.current_density"))
    for row in rows:
        i, tp = row[i_key], row["t_plus"]
        ax.scatter(i, tp, s=260, color=colours.get(row["class"], "0.7"), edgecolor="k")
        lead = row.get("tip_lead [um]")
        adv = row.get("front_advance [um]")
        text = "stop" if "depleted" in str(row.get("error") or "") else f"{lead / adv:.2f}"
        ax.annotate(text, (i, tp), ha="center", va="center", fontsize=6)
        d_plus = row.get("electrolyte.D_cation [m^2/s]")
        if d_plus:  # i_lim scales with D_Zn2+ (67.83 mA/cm^2 at the preset's 0.703e-9 m^2/s)
            ax.annotate(
                f"{i / (I_LIM_BARE * float(d_plus) / D_PLUS_BARE):.2f} i_lim",
                (i, tp),
                xytext=(0, -13),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=6,
            )
    for name, colour in colours.items():
        ax.scatter([], [], s=60, color=colour, edgecolor="k", label=name)
    ax.set_xlabel("Current density (mA/cm²)")
    ax.set_ylabel("Zn²⁺ transference number t+ (-)")
    ax.legend(fontsize=6, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    ax.margins(0.25)
    save(fig, "transport_morphology_map")
    return rows


# --------------------------------------------------------------------------- main
def finished_or_stopped(run_dir: Path) -> bool:
    """The run has ended (finished, or failed with its outputs up to the stop)."""
    path = run_dir / "manifest.json"
    if not path.exists():
        return False
    return json.loads(path.read_text()).get("status") in ("finished", "failed")


def main(argv: list[str] | None = None) -> int:
    """Run the study (or part of it); then tables and figures from the run directories."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "runs" / "transport")
    p.add_argument("--only", nargs="+", choices=sorted(BY_NAME), help="run only these")
    p.add_argument("--plot-only", action="store_true", help="no runs: tables and figures")
    p.add_argument("--sweep", type=Path, help="a finished sweep of transport_limited_map.toml")
    p.add_argument(
        "--from-snapshots",
        action="store_true",
        help="tip rise, front advance and tip lead recomputed from the VTU snapshots",
    )
    args = p.parse_args(argv)
    global FROM_SNAPSHOTS
    FROM_SNAPSHOTS = args.from_snapshots
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    info_path = out / "runs.json"
    infos = json.loads(info_path.read_text()) if info_path.exists() else {}
    if not args.plot_only:
        for run in RUNS if not args.only else [BY_NAME[n] for n in args.only]:
            print(f"{run.name}: {run.label}", flush=True)
            infos[run.name] = run_one(run, out)
            info_path.write_text(json.dumps(infos, indent=1))
    done = [r.name for r in RUNS if finished_or_stopped(out / r.name)]
    summary = {n: summarise(n, out, infos.get(n, {})) for n in done}
    for n in ("pot_bare", "pot_coated"):
        if n in done:
            v = tip_and_front(n, out, window=8.0)
            summary[n]["velocities"] = {k: np.round(val, 6).tolist() for k, val in v.items()}
            summary[n]["v_lim_um_s"] = limiting_velocity(out / n)
    if "pot_bare" in done:
        tip_figure(out, "pot_bare", None, window=8.0)
        pots = [n for n in ("pot_bare", "pot_coated") if n in done]
        standard_figures(out, pots, "pot")
    if "galv_bare" in done:
        galvanostatic_window_figure(out, "galv_bare")
    galv = [n for n in done if n.startswith("galv_")]
    if galv:
        equal_current_figure(out, galv)
    if args.sweep:
        summary["sweep"] = sweep_map(args.sweep)
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    print(f"wrote {out / 'summary.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
