"""The job-array route: member cases + one SLURM array script, results gathered afterwards.

For sites that forbid long-lived processes (a Dask scheduler) on login nodes::

    zndeposit sweep SWEEP.toml -o DIR --slurm-array   # writes DIR/members/*, DIR/slurm/
    sbatch DIR/slurm/array.sbatch                     # one member per array index
    zndeposit sweep collect DIR                       # table, figures, report

Each array task runs ``zndeposit sweep member DIR/members/<hash>``: the same
runner as the Dask route (member lock, skip if finished, MPI through ``srun``,
``member.json``), so both routes -- and runs made by hand -- mix freely.
Only members that are not finished are listed, so writing the array again
after a partial run resubmits just the rest.
"""

from __future__ import annotations

import datetime as dt
import math
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from zndeposit.io.manifest import atomic_write_text
from zndeposit.sweep.clusters import EngineOptions, memory_bytes, walltime_hms
from zndeposit.sweep.members import SweepPlan, member_state, needs_run

SLURM_DIR = "slurm"
SCRIPT = "array.sbatch"
MEMBER_LIST = "members.txt"


@dataclass
class JobArray:
    """The files of a job array and the number of tasks (0: nothing left to run)."""

    script: Path
    member_list: Path
    tasks: int


def slurm_memory(memory: str) -> str:
    """``"16 GB"`` -> ``"15259M"`` (MiB, what ``--mem`` expects).

    Raises:
        ValueError: not a memory size.
    """
    return f"{math.ceil(memory_bytes(memory) / 2**20)}M"


def array_script(plan: SweepPlan, options: EngineOptions, tasks: int) -> str:
    """The text of the sbatch script for ``tasks`` members listed in ``members.txt``."""
    directory = plan.directory.resolve()
    python = options.python or sys.executable
    limit = f"%{plan.spec.cluster.array_parallel}" if plan.spec.cluster.array_parallel else ""
    lines = [
        "#!/bin/bash",
        f"#SBATCH --job-name=zn-{plan.spec.name}"[:60],
        f"#SBATCH --array=0-{tasks - 1}{limit}",
        f"#SBATCH --ntasks={options.mpi}",
        f"#SBATCH --cpus-per-task={options.threads}",
        f"#SBATCH --output={directory / SLURM_DIR / 'logs'}/%A_%a.out",
    ]
    if options.walltime:
        lines.append(f"#SBATCH --time={walltime_hms(options.walltime)}")
    if options.memory:
        lines.append(f"#SBATCH --mem={slurm_memory(options.memory)}")
    if options.queue:
        lines.append(f"#SBATCH --partition={options.queue}")
    if options.account:
        lines.append(f"#SBATCH --account={options.account}")
    lines += [f"#SBATCH {d}" for d in options.directives]
    member_cmd = [
        shlex.quote(python),
        "-m",
        "zndeposit",
        "sweep",
        "member",
        '"$SWEEP_DIR/$MEMBER"',
        "--mpi",
        str(options.mpi),
        "--launcher",
        "srun" if options.mpi > 1 else "auto",
        "--threads",
        str(options.threads),
    ]
    if options.timeout_s:
        member_cmd += ["--timeout", f"'{options.timeout_s:g} s'"]
    written = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    lines += [
        "",
        f"# zndeposit sweep {plan.spec.name!r}: {tasks} member(s), one per array index",
        f"# written {written} from {plan.spec.path}",
        f"#   submit:  sbatch {directory / SLURM_DIR / SCRIPT}",
        f"#   collect: zndeposit sweep collect {directory}",
        "#   a member stopped by the time limit (SIGTERM, or SIGKILL after it) continues from",
        "#   its last checkpoint when the array is written again and resubmitted",
        "set -euo pipefail",
        *options.prologue,
        f"SWEEP_DIR={shlex.quote(str(directory))}",
        f'MEMBER=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$SWEEP_DIR/{SLURM_DIR}/{MEMBER_LIST}")',
        'if [ -z "$MEMBER" ]; then echo "no member for index $SLURM_ARRAY_TASK_ID" >&2; exit 1; fi',
        " ".join(member_cmd),
        "",
    ]
    return "\n".join(lines)


def write_job_array(plan: SweepPlan, options: EngineOptions) -> JobArray:
    """Write ``DIR/slurm/members.txt`` (members not finished) and ``DIR/slurm/array.sbatch``.

    Call after :func:`zndeposit.sweep.engine.prepare` (which writes the member cases).
    """
    out = plan.directory / SLURM_DIR
    (out / "logs").mkdir(parents=True, exist_ok=True)
    todo = [m for m in plan.runnable if needs_run(member_state(plan, m), options.retry_failed)]
    rel = [str(plan.member_dir(m).relative_to(plan.directory)) for m in todo]
    member_list = out / MEMBER_LIST
    atomic_write_text(member_list, "".join(f"{r}\n" for r in rel))
    script = out / SCRIPT
    if todo:
        atomic_write_text(script, array_script(plan, options, len(todo)))
        script.chmod(0o755)
    elif script.exists():
        script.unlink()
    return JobArray(script, member_list, len(todo))
