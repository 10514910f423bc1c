"""The example cases in ``cases/`` run as written, to their full capacity or duration.

Each case is run by ``zndeposit run CASE -o OUT/NAME`` in its own process
(serial, or ``--ranks 2`` under ``mpiexec``), one after the other, with no
override. A case whose run directory already holds a finished run is not run
again (delete the folder to re-run it). From each run's ``manifest.json`` and
``metrics.csv`` the table gives: the wall time of the whole run (what a user
waits for), the time loop, steps and Newton iterations, the mesh (nodes of the
first and largest adapted mesh), the share of the run spent adapting, and the
independent checks of the run (Faraday's law, charge balance, metal and salt
restored at every adaptation). The target of docs/performance.md is < 15 min
per case on 2 cores with Faraday's law exact.

The same runs are the "as written" study of docs/results.md
(``scripts/results_examples.py`` reads them).

Usage::

    .venv/bin/python benchmarks/example_cases.py                 # all cases, out: runs/examples
    .venv/bin/python benchmarks/example_cases.py --only bare_zn_2M_ZnSO4 hydrogel_PAM
    .venv/bin/python benchmarks/example_cases.py --table-only    # table from existing runs
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CASES = ROOT / "cases"
#: the checks of Faraday's law a run reports, and the bound of "exact" here
FARADAY_EXACT = 1e-8
TARGET_MIN = 15.0


def example_cases() -> list[Path]:
    """The example case files (top level of ``cases/``; sweeps and studies excluded)."""
    return sorted(CASES.glob("*.toml"))


def zndeposit_command(ranks: int) -> list[str]:
    """The ``zndeposit`` entry point of this interpreter, under ``mpiexec`` for ranks > 1."""
    cmd = [sys.executable, "-m", "zndeposit"]
    if ranks > 1:
        mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or "mpiexec"
        cmd = [mpiexec, "-n", str(ranks), *cmd]
    return cmd


def is_finished(run_dir: Path) -> bool:
    """True when ``run_dir`` holds a run whose manifest says finished."""
    manifest = run_dir / "manifest.json"
    if not manifest.is_file():
        return False
    return json.loads(manifest.read_text()).get("status") == "finished"


def run_case(case: Path, run_dir: Path, ranks: int) -> float:
    """Run one case as written (continuing it from its checkpoint if it was killed); wall s."""
    cmd = [*zndeposit_command(ranks), "run", str(case), "-o", str(run_dir), "--no-progress"]
    if (run_dir / "checkpoints").is_dir() and not is_finished(run_dir):
        cmd = [*zndeposit_command(ranks), "run", "--restart", str(run_dir), "--no-progress"]
    start = time.perf_counter()
    cpu0 = _children_cpu()
    log = run_dir.parent / f"{run_dir.name}.log"
    with log.open("a") as out:
        subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False, cwd=ROOT)
    wall = time.perf_counter() - start
    cpu_file = run_dir.parent / f"{run_dir.name}.cpu.json"
    cpu_file.write_text(json.dumps({"cpu_s": _children_cpu() - cpu0, "wall_s": wall}))
    return wall


def _children_cpu() -> float:
    """User + system CPU seconds of the waited-for child processes so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def last_row(metrics_csv: Path) -> dict[str, float]:
    """The last row of a run's metrics.csv, keyed by metric name (units dropped)."""
    lines = metrics_csv.read_text().strip().splitlines()
    names = [h.split(" [")[0] for h in lines[0].split(",")]
    return {n: float(v) for n, v in zip(names, lines[-1].split(","), strict=True)}


def column_max(metrics_csv: Path, name: str) -> float:
    """Largest absolute value of one metrics.csv column over the run."""
    lines = metrics_csv.read_text().strip().splitlines()
    names = [h.split(" [")[0] for h in lines[0].split(",")]
    j = names.index(name)
    return max(abs(float(line.split(",")[j])) for line in lines[1:] or lines)


def figures(run_dir: Path) -> dict[str, Any]:
    """The benchmark figures of one finished run."""
    m = json.loads((run_dir / "manifest.json").read_text())
    adapt = m.get("adaptation") or {}
    csv = run_dir / "metrics.csv"
    end = last_row(csv)
    loop = m["timings_s"]["time_loop"]
    cpu_file = run_dir.parent / f"{run_dir.name}.cpu.json"
    cpu = json.loads(cpu_file.read_text())["cpu_s"] / 60.0 if cpu_file.is_file() else None
    return {
        "status": m["status"],
        "cpu_min": cpu,
        "ranks": m.get("mpi_size", 1),
        "wall_min": m["wall_time_s"] / 60.0,
        "loop_min": loop / 60.0,
        "steps": m["solver"]["steps_accepted"],
        "rejected": m["solver"]["steps_rejected"],
        "newton_per_step": m["solver"]["newton_per_step"],
        "nodes_first": adapt.get("nodes_first", m["mesh"]["nodes"]),
        "nodes_max": adapt.get("nodes_max", m["mesh"]["nodes"]),
        "adaptations": adapt.get("count", 0),
        "adapt_share": adapt.get("seconds", 0.0) / loop if loop else 0.0,
        "restored": max(adapt.get("deposit_error_max", 0.0), adapt.get("salt_error_max", 0.0)),
        "t_end_s": end["t"],
        "charge_mAh_cm2": end["charge"],
        "faraday_max": column_max(csv, "faraday_error"),
        "charge_balance_max": column_max(csv, "charge_balance_error"),
        "tip_rise_um": end["tip_rise"],
        "front_advance_um": end["front_advance"],
    }


def table(rows: dict[str, dict[str, Any]]) -> str:
    """Markdown table of the figures, with the target checks."""
    head = (
        "| case | ranks | wall (min) | CPU (min) | time loop (min) | steps acc/rej | Newton/step "
        "| nodes first/max | adaptations (share) | t end (s) | charge (mAh/cm²) "
        "| Faraday max | charge balance max "
        "| metal/salt restored | < 15 min |\n" + "|---" * 15 + "|\n"
    )
    body = ""
    for name, r in rows.items():
        if r.get("status") != "finished":
            body += f"| {name} |" + " |" * 13 + f" {r.get('status', 'not run')} |\n"
            continue
        ok = r["wall_min"] < TARGET_MIN and r["faraday_max"] < FARADAY_EXACT
        cpu = "–" if r.get("cpu_min") is None else f"{r['cpu_min']:.1f}"
        body += (
            f"| {name} | {r['ranks']} | {r['wall_min']:.1f} | {cpu} | {r['loop_min']:.1f} "
            f"| {r['steps']}/{r['rejected']} | {r['newton_per_step']:.2f} "
            f"| {r['nodes_first']:,}/{r['nodes_max']:,} "
            f"| {r['adaptations']} ({100 * r['adapt_share']:.1f} %) | {r['t_end_s']:.4g} "
            f"| {r['charge_mAh_cm2']:.4g} | {r['faraday_max']:.1e} "
            f"| {r['charge_balance_max']:.1e} | {r['restored']:.1e} "
            f"| {'met' if ok else 'MISSED'} |\n"
        )
    return head + body


def main(argv: list[str] | None = None) -> int:
    """Run the example cases (those not finished yet) and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "examples", help="runs folder")
    ap.add_argument("--only", nargs="*", help="case names (file stems) to run")
    ap.add_argument("--ranks", type=int, default=1, help="MPI ranks per run")
    ap.add_argument("--table-only", action="store_true", help="no runs: table from the folder")
    args = ap.parse_args(argv)
    cases = [c for c in example_cases() if not args.only or c.stem in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, Any]] = {}
    for case in cases:
        run_dir = args.out / case.stem
        if not args.table_only and not is_finished(run_dir):
            print(f"== {case.name}: running ({dt.datetime.now():%H:%M})", flush=True)
            wall = run_case(case, run_dir, args.ranks)
            print(f"   {wall / 60:.1f} min", flush=True)
        manifest = run_dir / "manifest.json"
        if manifest.is_file():
            status = json.loads(manifest.read_text()).get("status")
            rows[case.stem] = figures(run_dir) if status == "finished" else {"status": status}
    text = table(rows)
    print(text)
    stamp = dt.datetime.now().strftime("%Y-%m-%d_%H%M")
    results = HERE / "results"
    (results / f"{stamp}-examples.md").write_text(
        f"# example cases as written ({os.uname().nodename}, {args.ranks} rank(s))\n\n{text}"
    )
    (results / f"{stamp}-examples.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
