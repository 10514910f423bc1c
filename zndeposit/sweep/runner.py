"""Run one sweep member: ``zndeposit run member.toml`` in a subprocess, serial or under MPI.

The same function runs a member on a Dask worker and in a SLURM job-array task
(``zndeposit sweep member DIR``). It

* takes the member lock (``.member.lock``, ``flock``) and hands it to the
  subprocess, so a second attempt waits until every process of the first
  one has gone -- also when the Dask worker that started it was killed;
* skips a member that is already finished (also when run by hand), and
  continues a member killed midway from its last checkpoint
  (``zndeposit run --restart``) when its case is unchanged;
* starts ``python -m zndeposit run`` directly, with ``mpiexec -n N`` or, inside a
  SLURM allocation, ``srun -n N``; the subprocess gets SIGTERM if its parent
  dies (Linux), so a killed worker leaves an ``interrupted`` run, not an orphan;
* enforces the member's wall-time limit (SIGINT to the process group, SIGKILL
  after a grace period);
* records the outcome in ``member.json``: status, error, exit code, timings.

It never raises for a failed member: the outcome is returned as a dict.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from zndeposit.sweep.members import (
    LOCK_FILE,
    MEMBER_CASE,
    MEMBER_OUTPUT,
    MEMBER_STATUS,
    _now,
    read_json,
    resolved_hash,
    run_state,
    write_status,
)

#: seconds between SIGINT and SIGKILL when a member is stopped
GRACE_S = 20.0


@dataclass(frozen=True)
class MemberTask:
    """Everything a worker needs to run one member (picklable).

    Attributes:
        member_dir: ``DIR/members/<hash>`` (holds ``member.toml``).
        hash: the member's resolved-case hash (checked against a finished run).
        cache_dir: the shared mesh cache.
        mpi: MPI ranks (1: serial, no launcher).
        launcher: ``auto``, ``mpiexec`` or ``srun``.
        mpiexec: mpiexec command (default: next to the Python, else on PATH).
        python: Python interpreter with zndeposit (default: the worker's own).
        timeout_s: wall-time limit, s (None: none).
        threads: OMP/BLAS threads per rank.
        lock_wait_s: how long to wait for a previous attempt to let go of the lock, s.
    """

    member_dir: str
    hash: str
    cache_dir: str
    mpi: int = 1
    launcher: str = "auto"
    mpiexec: str | None = None
    python: str | None = None
    timeout_s: float | None = None
    threads: int = 1
    lock_wait_s: float = 120.0


def choose_launcher(launcher: str, ranks: int, env: dict[str, str] | None = None) -> str:
    """``srun`` inside a SLURM allocation with enough tasks (for ``auto``), else ``mpiexec``."""
    if launcher != "auto":
        return launcher
    env = dict(os.environ if env is None else env)
    tasks = env.get("SLURM_NTASKS") or env.get("SLURM_NPROCS") or "0"
    inside = "SLURM_JOB_ID" in env and tasks.isdigit() and int(tasks) >= ranks
    return "srun" if inside and shutil.which("srun") else "mpiexec"


def find_mpiexec(python: str, configured: str | None = None) -> str:
    """The mpiexec to use: configured, next to ``python`` (venv with the MPICH wheel), or on PATH.

    Raises:
        FileNotFoundError: none found.
    """
    if configured:
        return configured
    beside = Path(python).parent / "mpiexec"
    if beside.exists():
        return str(beside)
    found = shutil.which("mpiexec")
    if found is None:
        raise FileNotFoundError("no mpiexec found: set member.mpiexec in the sweep file")
    return found


def resumable(member_dir: Path, expected_hash: str) -> bool:
    """True when the member folder holds an unfinished run of this very case with a checkpoint.

    Such a member (killed, timed out, its job out of wall time) continues with
    ``zndeposit run --restart`` instead of starting over.
    """
    from zndeposit.io.ownership import restart_issue

    if restart_issue(member_dir) is not None:
        return False
    try:
        with (member_dir / "case.resolved.toml").open("rb") as fh:
            return resolved_hash(tomllib.load(fh)) == expected_hash
    except (OSError, tomllib.TOMLDecodeError):
        return False


def member_command(task: MemberTask, resume: bool = False) -> list[str]:
    """The command line that runs the member (``resume``: continue from its checkpoint)."""
    python = task.python or sys.executable
    d = Path(task.member_dir)
    if resume:
        run = [python, "-m", "zndeposit", "run", "--restart", str(d), "--no-progress"]
    else:
        run = [
            python,
            "-m",
            "zndeposit",
            "run",
            str(d / MEMBER_CASE),
            "-o",
            str(d),
            "--cache",
            task.cache_dir,
            "--no-progress",
            "--overwrite",
        ]
    if task.mpi == 1:
        return run
    if choose_launcher(task.launcher, task.mpi) == "srun":
        return ["srun", "-n", str(task.mpi), "--kill-on-bad-exit=1", *run]
    return [find_mpiexec(python, task.mpiexec), "-n", str(task.mpi), *run]


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` giving the child SIGTERM when its parent dies (Linux), else None.

    SIGTERM, not SIGINT: a SIGINT that lands inside a PETSc callback is turned
    into a solver error, and the run could go on as an orphan. The run then
    ends with its manifest saying ``running``, which :func:`run_state` reads as
    ``interrupted`` once the member lock is free.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl, set_handler = libc.prctl, libc.signal
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig, sig_dfl = 1, 0
    sigint, sigterm = int(signal.SIGINT), int(signal.SIGTERM)

    def preexec() -> None:
        for sig in (sigint, sigterm):  # a worker may ignore them; the run must not
            set_handler(sig, sig_dfl)
        prctl(pr_set_pdeathsig, sigterm, 0, 0, 0)

    return preexec


def _stop(proc: subprocess.Popen) -> None:
    """SIGINT to the member's process group (clean ``interrupted`` manifest), then SIGKILL."""
    for sig, wait in ((signal.SIGINT, GRACE_S), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def member_lock(member_dir: Path, wait_s: float) -> Iterator[int | None]:
    """Hold the member lock; yields its file descriptor, or None if it stayed taken."""
    member_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(member_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    yield None
                    return
                time.sleep(0.5)
            except OSError:  # file systems without locks: go on unprotected
                break
        yield fd
    finally:
        os.close(fd)


def _tail(path: Path, lines: int = 12) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def _verdict(d: Path, task: MemberTask, rc: int | None, timed_out: bool) -> tuple[str, str | None]:
    """Status and error of an attempt from the run's own files and the exit code."""
    state = run_state(d, task.hash, check_lock=False)
    if state.status == "finished" and rc == 0:
        return "finished", None
    if timed_out:
        return "failed", f"timed out after {task.timeout_s:.0f} s (member.timeout)"
    if rc is not None and rc < 0:
        name = signal.Signals(-rc).name if -rc in signal.Signals._value2member_map_ else -rc
        why = f"killed by signal {name}"
        return "interrupted", f"{why}; {state.error}" if state.error else why
    if state.status in ("failed", "interrupted") and state.error:
        if "killed" not in state.error:
            return state.status, state.error
    tail = _tail(d / MEMBER_OUTPUT)
    return "failed", f"exit code {rc}" + (f": {tail}" if tail else "")


def run_member(task: MemberTask) -> dict[str, Any]:
    """Run one member to its end and record the outcome (never raises for a failed run).

    Returns:
        ``{"hash", "status", "error", "wall_time_s", "attempts", "skipped", "host"}``.
    """
    d = Path(task.member_dir)
    host = socket.gethostname()
    result: dict[str, Any] = {"hash": task.hash, "host": host, "skipped": False}
    start = time.perf_counter()
    with member_lock(d, task.lock_wait_s) as fd:
        if fd is None:
            msg = f"another process still holds {d / LOCK_FILE} after {task.lock_wait_s:.0f} s"
            return {**result, "status": "failed", "error": msg, "wall_time_s": 0.0}
        state = run_state(d, task.hash, check_lock=False)
        if state.status == "finished":
            write_status(d, status="finished", error=None)
            return {
                **result,
                "status": "finished",
                "error": None,
                "skipped": True,
                "wall_time_s": state.wall_time_s,
                "attempts": _attempts(d),
            }
        attempts = _attempts(d) + 1
        resume = resumable(d, task.hash)
        try:
            cmd = member_command(task, resume)
        except FileNotFoundError as exc:
            write_status(d, status="failed", error=str(exc), attempts=attempts)
            return {**result, "status": "failed", "error": str(exc), "wall_time_s": 0.0}
        write_status(
            d,
            status="running",
            error=None,
            attempts=attempts,
            host=host,
            pid=os.getpid(),
            started=_now(),
            ended=None,
            command=cmd,
            resumed=resume,
        )
        env = {
            **os.environ,
            "OMP_NUM_THREADS": str(task.threads),
            "OPENBLAS_NUM_THREADS": str(task.threads),
            "MKL_NUM_THREADS": str(task.threads),
        }
        rc: int | None = None
        timed_out = False
        with (d / MEMBER_OUTPUT).open("ab") as out:
            how = " (continued from its checkpoint)" if resume else ""
            out.write(
                f"\n=== attempt {attempts}{how} on {host} at {_now()}: {' '.join(cmd)}\n".encode()
            )
            out.flush()
            proc = subprocess.Popen(
                cmd,
                cwd=d,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent(),
                pass_fds=(fd,),
            )
            try:
                rc = proc.wait(timeout=task.timeout_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                _stop(proc)
                rc = proc.returncode
            except BaseException:
                _stop(proc)
                raise
        status, error = _verdict(d, task, rc, timed_out)
        wall = time.perf_counter() - start
        write_status(d, status=status, error=error, returncode=rc, ended=_now(), wall_time_s=wall)
    return {
        **result,
        "status": status,
        "error": error,
        "wall_time_s": wall,
        "attempts": attempts,
        "resumed": resume,
    }


def _attempts(d: Path) -> int:
    return int(read_json(d / MEMBER_STATUS).get("attempts", 0) or 0)


def task_dict(task: MemberTask) -> dict[str, Any]:
    """The task as a plain dict (for logs and job-array files)."""
    return asdict(task)
