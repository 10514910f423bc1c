"""Execute a sweep on Dask distributed: skip finished members, run the rest, record each result.

Where the members run (a local cluster, a running scheduler, SLURM/PBS through
dask-jobqueue) is :mod:`zndeposit.sweep.clusters`. Every member runs
:func:`zndeposit.sweep.runner.run_member` (a subprocess), so a solver crash
never takes a worker down, and a worker killed mid-run leaves an
``interrupted`` member that Dask, or the next run of the sweep, runs again.
Finished members are skipped; failed ones are recorded and do not stop the rest.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from zndeposit.sweep.clusters import EngineOptions, connect
from zndeposit.sweep.members import (
    MEMBER_STATUS,
    MESH_CACHE,
    Member,
    SweepPlan,
    expand,
    member_state,
    needs_run,
    read_json,
    sweep_lock,
    write_plan,
    write_status,
)
from zndeposit.sweep.runner import MemberTask, run_member
from zndeposit.sweep.spec import SweepSpec

Report = Callable[[str], None]


@dataclass
class SweepOutcome:
    """How a sweep run ended: status counts, the members run now, wall time (s)."""

    directory: Path
    counts: dict[str, int]
    ran: int
    skipped: int
    wall_time_s: float
    cluster: str


def prepare(spec: SweepSpec, directory: str | os.PathLike[str]) -> SweepPlan:
    """Expand the sweep and write its plan and member cases into ``directory``."""
    plan = expand(spec, directory)
    write_plan(plan)
    return plan


def member_task(plan: SweepPlan, member: Member, options: EngineOptions) -> MemberTask:
    """The runner task of a member."""
    assert member.hash is not None
    return MemberTask(
        member_dir=str(plan.member_dir(member).resolve()),
        hash=member.hash,
        cache_dir=str((plan.directory / MESH_CACHE).resolve()),
        mpi=options.mpi,
        launcher=options.launcher,
        mpiexec=options.mpiexec,
        python=options.python if options.cluster != "local" else None,
        timeout_s=options.timeout_s,
        threads=options.threads,
    )


def _describe(member: Member) -> str:
    return ", ".join(f"{k} = {v}" for k, v in member.texts.items())


def run_sweep(plan: SweepPlan, options: EngineOptions, report: Report = print) -> SweepOutcome:
    """Run every member that is not finished yet; returns the outcome (also on Ctrl-C).

    Members run by :func:`~zndeposit.sweep.runner.run_member` on the cluster's
    workers; each result is recorded in the member's ``member.json`` as it
    arrives. Invalid members are never run; failed ones are rerun only with
    ``retry_failed``.

    Raises:
        RuntimeError: another sweep holds the directory.
        KeyboardInterrupt: after stopping the cluster (member states are on disk).
    """
    from distributed import as_completed

    t0 = time.perf_counter()
    with sweep_lock(plan.directory):
        todo, skipped = [], 0
        for m in plan.runnable:
            state = member_state(plan, m)
            if needs_run(state, options.retry_failed):
                todo.append(m)
                continue
            skipped += 1
            d = plan.member_dir(m)
            recorded = read_json(d / MEMBER_STATUS).get("status")
            if state.status == "finished" and recorded != "finished":
                write_status(d, status="finished", error=None, note="finished run found in place")
        invalid = [m for m in plan.members if not m.valid]
        for m in invalid:
            report(f"invalid  member {m.index}: {'; '.join(m.issues)}")
        report(
            f"sweep {plan.spec.name}: {len(plan.members)} member(s), {len(todo)} to run, "
            f"{skipped} done or kept, {len(invalid)} invalid -> {plan.directory}"
        )
        cluster_desc = "none (nothing to run)"
        if todo:
            client, cluster, cluster_desc, resources = connect(options, plan.directory, len(todo))
            report(f"running on {cluster_desc}")
            futures = {}
            try:
                for m in todo:
                    task = member_task(plan, m, options)
                    fut = client.submit(
                        run_member,
                        task,
                        key=f"zndeposit-member-{m.hash}",
                        pure=False,
                        resources=resources or None,
                    )
                    futures[fut] = m
                for done, fut in enumerate(as_completed(futures), start=1):
                    m = futures[fut]
                    try:
                        result = fut.result()
                    except Exception as exc:  # KilledWorker, CancelledError, lost connection
                        error = f"{type(exc).__name__}: {exc}"
                        write_status(plan.member_dir(m), status="failed", error=error)
                        result = {"status": "failed", "error": error, "wall_time_s": None}
                    wall = result.get("wall_time_s")
                    took = f" ({wall:.1f} s)" if isinstance(wall, (int, float)) else ""
                    line = f"[{done}/{len(todo)}] {result['status']:<11s} {m.hash}  {_describe(m)}"
                    report(line + took)
                    if result.get("error"):
                        report(f"    {str(result['error']).splitlines()[0][:300]}")
            except KeyboardInterrupt:
                report("interrupted: stopping the cluster (members end as 'interrupted')")
                client.cancel(list(futures))
                raise
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
    counts = Counter(member_state(plan, m).status for m in plan.members)
    return SweepOutcome(
        plan.directory, dict(counts), len(todo), skipped, time.perf_counter() - t0, cluster_desc
    )
