"""Performance benchmark of ``zndeposit run`` on the standard 2D dendrite case.

Runs ``benchmarks/dendrite.toml`` at three mesh sizes, each ``zndeposit run``
in a fresh process (so that its peak memory is its own), then the largest
size under ``mpiexec -n 2``. Reads every run's ``manifest.json`` and prints
DOFs, steps, Newton and Krylov iterations per step, the time-loop split
(assembly, linear solve, I/O, Python/other), peak memory, time per step
against DOFs, the parallel speed-up and the target checks of
``docs/performance.md``; the same is written to ``benchmarks/results/``.

Peak memory is the ``ru_maxrss`` that ``os.wait4`` returns for the child: the
largest resident set of the process and of its waited-for descendants, so
under ``mpiexec`` it is the largest rank, not the sum.

Usage::

    .venv/bin/python benchmarks/run_benchmark.py           # S, M, L, then L on 2 ranks
    .venv/bin/python benchmarks/run_benchmark.py --quick   # S, M for 1 s, serial (script check)
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CASE = HERE / "dendrite.toml"
BIN = Path(sys.executable).parent
#: size label -> mesh.elements_across_interface (about 23k, 86k, 330k unknowns)
SIZES = {"S": 4, "M": 8, "L": 16}
#: --quick: simulated time (2 steps of 0.5 s) and sizes
QUICK_DURATION, QUICK_SIZES = "1 s", ("S", "M")
#: targets: share of the time loop in assembly + linear solve, Newton per step, speed-up
TARGET_SHARE, TARGET_NEWTON, TARGET_SPEEDUP = 0.80, 5.0, 1.6
COLUMNS = (
    "run|cells|DOFs|steps acc/rej|Newton/step|Krylov/step|loop s|s/step|asm %|solve %|I/O %|"
    "other %|setup s|process s|peak RSS MiB"
).split("|")


@dataclass
class Run:
    """One finished run: label, MPI ranks, process wall time (s), peak RSS (MiB), manifest."""

    label: str
    ranks: int
    wall: float
    peak_mib: float
    manifest: dict[str, Any]

    @property
    def steps(self) -> int:
        """Accepted time steps."""
        return int(self.manifest["solver"]["steps_accepted"])

    @property
    def dofs(self) -> int:
        """Unknowns of the mixed P1 space: 3 fields (xi, c, psi) per mesh node."""
        return 3 * int(self.manifest["mesh"]["nodes"])

    @property
    def loop(self) -> float:
        """Wall time of the time loop, s (rank 0)."""
        return float(self.manifest["timings_s"]["time_loop"])

    @property
    def split(self) -> dict[str, float]:
        """Fractions of the time loop: assembly, linear solve, I/O (outputs), other."""
        t = self.manifest["timings_s"]
        asm, lin = t["solver"]["assembly"], t["solver"]["linear_solve"]
        io = t.get("output", 0.0)
        parts = {"assembly": asm, "solve": lin, "io": io, "other": self.loop - asm - lin - io}
        return {k: v / self.loop for k, v in parts.items()}

    def per_step(self, key: str) -> float:
        """``solver[key]`` per accepted step."""
        return self.manifest["solver"][key] / max(self.steps, 1)

    def row(self) -> list[str]:
        """The table row (see :data:`COLUMNS`)."""
        s, m = self.split, self.manifest
        name = self.label if self.ranks == 1 else f"{self.label} x{self.ranks}"
        steps = f"{self.steps}/{m['solver']['steps_rejected']}"
        its = [f"{self.per_step(k):.2f}" for k in ("newton_iterations", "linear_iterations")]
        loop = [f"{self.loop:.1f}", f"{self.loop / max(self.steps, 1):.2f}"]
        pct = [f"{100 * v:.1f}" for v in s.values()]
        run = [f"{m['timings_s']['setup']:.1f}", f"{self.wall:.1f}", f"{self.peak_mib:.0f}"]
        return [name, str(m["mesh"]["cells"]), str(self.dofs), steps, *its, *loop, *pct, *run]

    def as_dict(self) -> dict[str, Any]:
        """Figures for the JSON results (times in s, memory in MiB)."""
        return {
            **dict(zip(COLUMNS, self.row(), strict=True)),
            "split": self.split,
            "timings_s": self.manifest["timings_s"],
            "solver": self.manifest["solver"],
        }


def run_child(cmd: list[str], log: Path) -> tuple[float, float]:
    """Run ``cmd`` with output to ``log``; returns (wall time s, peak RSS MiB).

    Raises:
        RuntimeError: non-zero exit (with the end of the log).
    """
    t0 = time.perf_counter()
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-15:])
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{tail}")
    kib = usage.ru_maxrss / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS
    return wall, kib / 1024


def zndeposit(command: str, label: str, out: Path, work: Path, quick: bool) -> list[str]:
    """``zndeposit mesh|run`` of one size into ``out`` (mesh cache in ``work``)."""
    exe = BIN / "zndeposit"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "zndeposit"]
    cmd += [command, str(CASE), "-o", str(out), "--cache", str(work / "cache")]
    cmd += ["--no-preview"] if command == "mesh" else ["--no-progress", "--overwrite"]
    sets = [f"mesh.elements_across_interface={SIZES[label]}"]
    sets += [f"control.duration={QUICK_DURATION}"] if quick else []
    return cmd + [arg for s in sets for arg in ("--set", s)]


def run_size(label: str, ranks: int, quick: bool, work: Path) -> Run:
    """``zndeposit run`` of one size on ``ranks`` processes (mesh already cached)."""
    out = work / f"run-{label}-np{ranks}"
    cmd = zndeposit("run", label, out, work, quick)
    if ranks > 1:
        launcher = BIN / "mpiexec" if (BIN / "mpiexec").exists() else shutil.which("mpiexec")
        if launcher is None:
            raise RuntimeError("no mpiexec found (venv or PATH)")
        cmd = [str(launcher), "-n", str(ranks), *cmd]
    print(f"  run {label} on {ranks} rank(s) ...", flush=True)
    wall, peak = run_child(cmd, work / f"run-{label}-np{ranks}.log")
    manifest = json.loads((out / "manifest.json").read_text())
    if manifest.get("status") != "finished":
        raise RuntimeError(f"{out}: status {manifest.get('status')}")
    return Run(label, ranks, wall, peak, manifest)


def table(runs: list[Run]) -> list[str]:
    """Markdown table of the runs."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    return lines + ["| " + " | ".join(r.row()) + " |" for r in runs]


def summary(serial: list[Run], parallel: Run | None) -> tuple[list[str], dict[str, Any]]:
    """Scaling, speed-up and target lines, and the same figures as a dict."""
    lines, figs = [], {}
    for a, b in itertools.pairwise(serial):
        p = math.log(b.loop / b.steps / (a.loop / a.steps)) / math.log(b.dofs / a.dofs)
        figs[f"exponent_{a.label}_{b.label}"] = p
        lines.append(f"time per step ~ DOFs^p from {a.label} to {b.label}: p = {p:.2f}")
    share = {r.label: r.split["assembly"] + r.split["solve"] for r in serial}
    newton = {r.label: r.per_step("newton_iterations") for r in serial}
    checks: dict[str, tuple[bool | None, str]] = {
        f"assembly + linear solve >= {TARGET_SHARE:.0%} of the time loop": (
            min(share.values()) >= TARGET_SHARE,
            ", ".join(f"{k} {v:.1%}" for k, v in share.items()),
        ),
        f"Newton iterations per step <= {TARGET_NEWTON:g}": (
            max(newton.values()) <= TARGET_NEWTON,
            ", ".join(f"{k} {v:.2f}" for k, v in newton.items()),
        ),
    }
    speed_name = f"mpiexec -n 2 speed-up of the time loop >= {TARGET_SPEEDUP:g}"
    if parallel is not None:
        base = next(r for r in serial if r.label == parallel.label)
        loop, whole = base.loop / parallel.loop, base.wall / parallel.wall
        figs.update(speedup_time_loop=loop, speedup_process=whole)
        lines.append(
            f"speed-up on {base.label} with {parallel.ranks} ranks: time loop "
            f"{loop:.2f}, whole process {whole:.2f}"
        )
        checks[speed_name] = (loop >= TARGET_SPEEDUP, f"{base.label} {loop:.2f}")
    else:
        checks[speed_name] = (None, "no parallel run")
    status = {True: "PASS", False: "FAIL", None: "SKIP"}
    lines += [f"{status[ok]}  {name}: {detail}" for name, (ok, detail) in checks.items()]
    figs["checks"] = {name: {"status": status[ok], "detail": d} for name, (ok, d) in checks.items()}
    return lines, figs


def write_results(
    folder: Path, quick: bool, note: str, text: str, runs: list[dict], figs: dict
) -> Path:
    """Write ``<date>_<time>[-quick].md`` (the printed text) and ``.json``; returns the stem."""
    stamp = dt.datetime.now().astimezone()
    path = folder / (stamp.strftime("%Y-%m-%d_%H%M") + ("-quick" if quick else ""))
    folder.mkdir(parents=True, exist_ok=True)
    when = stamp.isoformat(timespec="seconds")
    head = f"# Benchmark {when}{' (quick)' if quick else ''}\n\n{CASE.name} on {platform.node()}"
    cmd = " ".join(sys.argv)
    path.with_suffix(".md").write_text(f"{head}, {note}; command: {cmd}\n\n{text}\n")
    data = {"date": when, "quick": quick, "machine": note, "runs": runs, **figs}
    path.with_suffix(".json").write_text(json.dumps(data, indent=1) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit code (1 when a run failed)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="S and M for 1 s, serial only")
    ap.add_argument("--sizes", help=f"comma-separated labels of {','.join(SIZES)}")
    ap.add_argument("--ranks", type=int, help="parallel run of the largest size (default 2)")
    ap.add_argument("--keep", action="store_true", help="keep the run directories")
    ap.add_argument("--workdir", type=Path, help="where runs go (default: a new temporary dir)")
    ap.add_argument("--results", type=Path, default=HERE / "results", help="results folder")
    args = ap.parse_args(argv)
    labels = args.sizes.split(",") if args.sizes else list(QUICK_SIZES if args.quick else SIZES)
    if unknown := [s for s in labels if s not in SIZES]:
        ap.error(f"unknown size(s) {unknown}; choose from {list(SIZES)}")
    labels = sorted(labels, key=lambda s: SIZES[s])
    ranks = args.ranks if args.ranks is not None else (0 if args.quick else 2)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="zndeposit-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    print(
        f"benchmark {CASE.name}: sizes {labels}, quick={args.quick}, parallel ranks {ranks}; "
        f"{os.cpu_count()} cores, load average {load:.2f}; work dir {work}"
    )
    try:
        for label in labels:  # meshes first (untimed), so every timed run finds them cached
            cmd = zndeposit("mesh", label, work / f"mesh-{label}", work, args.quick)
            print(f"  mesh {label} ...", flush=True)
            run_child(cmd, work / f"mesh-{label}.log")
        serial = [run_size(label, 1, args.quick, work) for label in labels]
        parallel = run_size(labels[-1], ranks, args.quick, work) if ranks > 1 else None
    except RuntimeError as exc:
        print(f"benchmark failed: {exc}\n(run directories kept in {work})", file=sys.stderr)
        return 1
    runs = serial + ([parallel] if parallel else [])
    lines, figs = summary(serial, parallel)
    text = "\n".join([*table(runs), "", *lines])
    print("\n" + text)

    note = f"{os.cpu_count()} cores, load average {load:.2f} before the runs"
    path = write_results(args.results, args.quick, note, text, [r.as_dict() for r in runs], figs)
    print(f"\nwritten: {path}.md and .json")
    if args.keep or args.workdir:
        print(f"run directories kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
