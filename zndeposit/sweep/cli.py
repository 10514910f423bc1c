"""``zndeposit sweep``: run, list (``--dry-run``), write a job array, collect, run one member.

::

    zndeposit sweep SWEEP.toml [-o DIR] [--dry-run | --slurm-array] [options]
    zndeposit sweep collect DIR
    zndeposit sweep member DIR/members/<hash>      (what a job-array task runs)

This module only builds the parser and dispatches; nothing heavy is imported
before a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from zndeposit.errors import ZnDepositError

USAGE = """\
zndeposit sweep SWEEP.toml [-o DIR] [--dry-run | --slurm-array] [options]
       zndeposit sweep collect DIR [--no-figures]
       zndeposit sweep member MEMBER_DIR [--mpi N] [--launcher L] [--timeout T]"""

DESCRIPTION = """\
Run every member of a sweep file (a base case and its swept keys) on Dask
distributed -- a local cluster by default, a running scheduler
(--scheduler), or SLURM/PBS batch jobs (--cluster) -- skipping members that
are already finished, then write the summary table, the figures and
DIR/report.html. --dry-run lists the members; --slurm-array writes a job
array instead of running; 'collect DIR' gathers the results afterwards.
See docs/sweeps.md."""


def add_sweep_parser(sub: Any, with_set: Any = None) -> argparse.ArgumentParser:
    """Add the ``sweep`` subcommand to the ``zndeposit`` subparsers."""
    p = sub.add_parser(
        "sweep",
        help="run a parameter sweep (local, Dask scheduler, SLURM/PBS, job array)",
        usage=USAGE,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", metavar="SWEEP.toml|collect|member", help="a sweep file, or a verb")
    p.add_argument("path", nargs="?", metavar="DIR", help="sweep directory (collect, member)")
    p.add_argument("-o", "--output", help="sweep directory (default: sweeps/<sweep name>)")
    p.add_argument("--dry-run", action="store_true", help="list the members, run nothing")
    p.add_argument("--slurm-array", action="store_true", help="write a SLURM job array")
    p.add_argument("--no-figures", action="store_true", help="table and report without figures")
    g = p.add_argument_group("where members run (override the sweep file's [cluster])")
    g.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler")
    g.add_argument("--cluster", choices=["local", "slurm", "pbs"], help="cluster kind")
    g.add_argument("--workers", type=int, help="local worker processes, or batch jobs")
    g.add_argument("--cores", type=int, help="cores per batch job")
    g.add_argument("--memory", help='memory per batch job, e.g. "16 GB"')
    g.add_argument("--walltime", help='wall time per batch job, e.g. "04:00:00"')
    g.add_argument("--queue", help="partition / queue")
    g.add_argument("--account", help="account / project")
    g.add_argument("--python", help="Python with zndeposit on the compute nodes")
    m = p.add_argument_group("how each member runs (override the sweep file's [member])")
    m.add_argument("--mpi", type=int, help="MPI ranks per member")
    m.add_argument("--launcher", choices=["auto", "mpiexec", "srun"], help="MPI launcher")
    m.add_argument("--timeout", help='wall-time limit per member, e.g. "2 h"')
    m.add_argument("--threads", type=int, help="OMP/BLAS threads per rank")
    m.add_argument("--no-retry-failed", action="store_true", help="keep failed members as they are")
    if with_set is not None:
        with_set(p)
    p.set_defaults(func=sweep_command)
    return p


def sweep_command(args: argparse.Namespace) -> int:
    """Dispatch ``zndeposit sweep ...``."""
    verb = args.target
    if verb in ("collect", "member") and args.path and not Path(verb).is_file():
        return _collect(args) if verb == "collect" else _member(args)
    if args.path:
        raise SystemExit(f"zndeposit sweep: unexpected argument {args.path!r} after {verb!r}")
    return _sweep(args)


def _timeout_s(text: str | None) -> float | None:
    if text is None:
        return None
    from zndeposit.units import parse_quantity

    try:
        return parse_quantity(text, "s")
    except ValueError as exc:
        raise SystemExit(f"--timeout: {exc}") from None


#: command-line options named like the EngineOptions fields they set
DIRECT_OPTIONS = ("cluster", "scheduler", "workers", "cores", "memory", "walltime", "queue",
                  "account", "python", "mpi", "launcher", "threads")  # fmt: skip


def _options(spec: Any, args: argparse.Namespace) -> Any:
    from zndeposit.sweep.clusters import EngineOptions

    return EngineOptions.from_spec(
        spec,
        **{k: getattr(args, k) for k in DIRECT_OPTIONS},
        timeout_s=_timeout_s(args.timeout),
        retry_failed=False if args.no_retry_failed else None,
    )


def _sweep(args: argparse.Namespace) -> int:
    from zndeposit.cli import parse_overrides
    from zndeposit.sweep.engine import prepare, run_sweep
    from zndeposit.sweep.members import expand
    from zndeposit.sweep.spec import load_sweep

    spec = load_sweep(args.target, parse_overrides(getattr(args, "set", None)))
    directory = Path(args.output) if args.output else Path("sweeps") / spec.name
    if not args.output and Path("sweeps").resolve() not in directory.resolve().parents:
        raise ZnDepositError(f"the sweep name {spec.name!r} leaves sweeps/: give -o")
    try:
        options = _options(spec, args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(dry_run_text(expand(spec, directory), options), end="")
        return 0
    plan = prepare(spec, directory)
    if args.slurm_array:
        from zndeposit.sweep.slurm_array import write_job_array

        job = write_job_array(plan, options)
        if job.tasks == 0:
            print(f"every member of {directory} is finished; nothing to submit")
        else:
            print(f"{job.tasks} member(s) listed in {job.member_list}")
            print(f"submit with:  sbatch {job.script}")
            print(f"then collect: zndeposit sweep collect {directory}")
        return 0
    try:
        outcome = run_sweep(plan, options)
    except KeyboardInterrupt:
        _collect_quietly(directory)
        raise
    except (RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    collected = _report(directory, figures=not args.no_figures)
    print(
        f"sweep {spec.name} took {outcome.wall_time_s:.1f} s ({outcome.ran} run, "
        f"{outcome.skipped} skipped)"
    )
    return 0 if _all_finished(collected.counts) else 1


def _all_finished(counts: dict[str, int]) -> bool:
    return set(counts) <= {"finished"}


def _report(directory: Path, figures: bool) -> Any:
    from zndeposit.sweep.report import collect

    collected = collect(directory, figures=figures)
    counts = ", ".join(f"{k} {v}" for k, v in collected.counts.items())
    print(f"members: {counts}")
    print(f"summary: {collected.files[0]} (+ .parquet); report: {collected.report}")
    for path in [*collected.figures, *collected.morphology]:
        print(f"figure:  {path}")
    return collected


def _collect_quietly(directory: Path) -> None:
    try:
        _report(directory, figures=False)
    except Exception as exc:  # never hide the interrupt behind a collect problem
        print(f"(collecting after the interrupt failed: {exc})", file=sys.stderr)


def _collect(args: argparse.Namespace) -> int:
    directory = Path(args.path)
    try:
        collected = _report(directory, figures=not args.no_figures)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0 if _all_finished(collected.counts) else 1


def _member(args: argparse.Namespace) -> int:
    from zndeposit.sweep.members import MEMBER_STATUS, MESH_CACHE, read_json
    from zndeposit.sweep.runner import MemberTask, run_member

    member_dir = Path(args.path).resolve()
    status = read_json(member_dir / MEMBER_STATUS)
    if not status.get("hash"):
        print(f"error: {member_dir} is not a sweep member (no {MEMBER_STATUS})", file=sys.stderr)
        return 1
    task = MemberTask(
        member_dir=str(member_dir),
        hash=status["hash"],
        cache_dir=str(member_dir.parent.parent / MESH_CACHE),
        mpi=args.mpi or 1,
        launcher=args.launcher or "auto",
        timeout_s=_timeout_s(args.timeout),
        threads=args.threads or 1,
    )
    result = run_member(task)
    print(
        f"member {member_dir.name}: {result['status']}"
        + (f" ({result['error']})" if result.get("error") else "")
    )
    return 0 if result["status"] == "finished" else 1


def dry_run_text(plan: Any, options: Any) -> str:
    """The ``--dry-run`` listing: every member with its hash, status and resolved values."""
    from zndeposit.sweep.members import member_state, needs_run

    spec = plan.spec
    dims = " x ".join(str(len(d)) for d in spec.dimensions)
    lines = [
        f"sweep {spec.name}: {len(plan.members)} member(s) ({dims}) of {spec.base}",
        f"  output: {plan.directory}",
    ]
    for key, value in spec.fixed.items():
        lines.append(f"  fixed:  {key} = {value}")
    headers = ["#", "hash", "status", *[c.column for c in plan.columns]]
    rows = []
    todo = 0
    for m in plan.members:
        state = member_state(plan, m) if plan.directory.exists() else None
        status = state.status if state is not None else ("pending" if m.valid else "invalid")
        if m.duplicate_of is not None:
            status = f"= #{m.duplicate_of}"
        elif state is None or needs_run(state, options.retry_failed):
            todo += 1 if m.valid else 0
        values = [m.texts.get(c.key, str(m.given.get(c.key))) for c in plan.columns]
        rows.append([str(m.index), m.hash or "-", status, *values])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines += ["", ("  " + fmt.format(*headers)).rstrip()]
    lines += [("  " + fmt.format(*r)).rstrip() for r in rows]
    bad = [m for m in plan.members if not m.valid]
    if bad:
        lines += ["", f"{len(bad)} invalid member(s) (never run):"]
        for m in bad:
            lines += [f"  #{m.index}: {issue}" for issue in m.issues]
    warnings: dict[str, list[int]] = {}
    for m in plan.members:
        for w in m.warnings:
            warnings.setdefault(w, []).append(m.index)
    if warnings:
        lines += ["", "warnings:"]
        for w, which in warnings.items():
            members = "all members" if len(which) == len(plan.members) else f"members {which}"
            lines.append(f"  {w} ({members})")
    where = options.scheduler or options.cluster
    ranks = f", {options.mpi} MPI rank(s) each" if options.mpi > 1 else ", serial"
    lines += ["", f"{todo} member(s) to run on {where}{ranks}; nothing was run (--dry-run)"]
    return "\n".join(lines) + "\n"
