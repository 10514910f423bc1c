"""The run manifest (``manifest.json``): what ran, with what, how long, and how it ended.

The file is rewritten atomically (temporary file, fsync, ``os.replace``) at
every update, so a reader -- or a crash at any moment -- sees either the old
or the new complete JSON, never a torn one. Only rank 0 writes; every rank may
call every method (other ranks keep the data in memory only).

Typical use in the time loop::

    timer = Timer()
    manifest = Manifest(run / "manifest.json", comm)
    manifest.start(case_path=path, case_hash=h)
    with manifest.guard():          # status finished / failed / interrupted
        with timer("assembly"):
            ...
        manifest.update(timings_s=timer.totals(), solver={"newton_its": 42})
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib.metadata as _md
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "Manifest",
    "Status",
    "Timer",
    "atomic_write_text",
    "library_versions",
    "liveness",
]

#: a heartbeat older than this means the run's process is gone (on another host), s
STALE_AFTER_S = 3600.0

Status = Literal["running", "finished", "failed", "interrupted"]

_DISTRIBUTIONS = {
    "zndeposit": "zndeposit",
    "numpy": "numpy",
    "pint": "pint",
    "pydantic": "pydantic",
    "gmsh": "gmsh",
    "pyvista": "pyvista",
    "meshio": "meshio",
    "mpi4py": "mpi4py",
    "petsc4py": "petsc4py",
    "dolfinx_solver_real": "dolfinx-solver-real",
    "fenics_basix": "fenics-basix",
    "fenics_ffcx": "fenics-ffcx",
    "fenics_ufl": "fenics-ufl",
}


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (temp file in the same folder + ``os.replace``)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dirfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).astimezone().isoformat(timespec="seconds")


def _git_revision() -> str | None:
    """``git describe`` of the zndeposit source tree, or None outside a checkout."""
    src = Path(__file__).resolve().parents[2]
    if not (src / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(src), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def library_versions() -> dict[str, str | None]:
    """Versions of Python, the package and the libraries it runs on.

    DOLFINx, PETSc and the MPI library are reported only if the process has
    already imported them (this module never imports DOLFINx itself).
    """
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for key, dist in _DISTRIBUTIONS.items():
        try:
            versions[key] = _md.version(dist)
        except _md.PackageNotFoundError:
            versions[key] = None
    versions["zndeposit_git"] = _git_revision()
    if "dolfinx" in sys.modules:
        versions["dolfinx"] = getattr(sys.modules["dolfinx"], "__version__", None)
    petsc = sys.modules.get("petsc4py.PETSc")
    if petsc is not None:
        versions["petsc"] = ".".join(str(v) for v in petsc.Sys.getVersion())
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is not None:
        lines = mpi.Get_library_version().strip().splitlines()
        versions["mpi_library"] = lines[0].strip() if lines else None
        versions["mpi_standard"] = ".".join(str(v) for v in mpi.Get_version())
    return versions


class Timer:
    """Accumulate wall time per named phase: ``with timer("assembly"): ...``.

    Nested and repeated phases simply add up; times are in seconds.
    """

    def __init__(self) -> None:
        self._total: dict[str, float] = {}
        self._count: dict[str, int] = {}

    @contextlib.contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        """Time the ``with`` block and add it to ``phase``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(phase, time.perf_counter() - start)

    def add(self, phase: str, seconds: float) -> None:
        """Add ``seconds`` (s) to ``phase``."""
        self._total[phase] = self._total.get(phase, 0.0) + seconds
        self._count[phase] = self._count.get(phase, 0) + 1

    def totals(self) -> dict[str, float]:
        """Phase -> accumulated wall time in s."""
        return dict(self._total)

    def counts(self) -> dict[str, int]:
        """Phase -> number of timed blocks."""
        return dict(self._count)


class Manifest:
    """The ``manifest.json`` of one run, rewritten atomically on every change.

    Args:
        path: the JSON file.
        comm: MPI communicator (anything with ``.rank`` and ``.size``), or None (serial).
    """

    def __init__(self, path: str | os.PathLike[str], comm: Any = None):
        self.path = Path(path)
        self.rank = 0 if comm is None else int(comm.rank)
        self.size = 1 if comm is None else int(comm.size)
        self._t0 = time.perf_counter()
        self.data: dict[str, Any] = {}
        self._lock = threading.RLock()

    def start(
        self,
        *,
        case_path: str | os.PathLike[str] | None = None,
        case_hash: str | None = None,
        command: list[str] | None = None,
        **extra: Any,
    ) -> None:
        """Write the initial manifest with status ``running``.

        Args:
            case_path: the case file.
            case_hash: its hash (:func:`zndeposit.case.load.case_hash`).
            command: the command line (default ``sys.argv``).
            **extra: more top-level entries (JSON-serialisable).
        """
        self._t0 = time.perf_counter()
        self.data = {
            "status": "running",
            "error": None,
            "start_time": _now(),
            "end_time": None,
            "wall_time_s": None,
            "command": list(sys.argv if command is None else command),
            "cwd": os.getcwd(),
            "hostname": socket.gethostname(),
            "platform": platform.platform(),
            "mpi_size": self.size,
            "versions": library_versions(),
            "case": {
                "path": None if case_path is None else str(Path(case_path).resolve()),
                "hash": case_hash,
            },
            "mesh": {},
            "timings_s": {},
            "solver": {},
        }
        self.data.update(extra)
        self.write()

    def resume(self, restart: dict[str, Any]) -> None:
        """Continue the manifest of an earlier process of this run (``--restart``).

        Keeps everything recorded, sets status ``running`` again and appends
        ``restart`` (when, from which checkpoint, ...) to the list ``restarts``.
        """
        self._t0 = time.perf_counter()
        try:
            old = self.read(self.path) if self.rank == 0 else {}
        except (OSError, ValueError):
            old = {}
        self.data = {**old, "status": "running", "error": None, "end_time": None}
        self.data["restarts"] = [*old.get("restarts", []), {"start_time": _now(), **restart}]
        self.data["mpi_size"] = self.size
        self.write()

    def update(self, **entries: Any) -> None:
        """Merge entries (dicts are merged one level deep) and rewrite the file.

        Args:
            **entries: e.g. ``mesh={"cells": 1200}``, ``timings_s=timer.totals()``,
                ``solver={"newton_its": 40, "krylov_its": 900}``, ``progress={"t": 1.0}``.
        """
        with self._lock:
            for key, value in entries.items():
                old = self.data.get(key)
                if isinstance(old, dict) and isinstance(value, Mapping):
                    old.update(value)
                else:
                    self.data[key] = value
            self.data["wall_time_s"] = time.perf_counter() - self._t0
            self.write()

    def finish(self, status: Status = "finished", error: str | None = None) -> None:
        """Record the end of the run.

        Args:
            status: ``finished``, ``failed`` or ``interrupted``.
            error: message for a failed or interrupted run.
        """
        self.data["status"] = status
        self.data["error"] = error
        self.data["end_time"] = _now()
        self.update()

    @contextlib.contextmanager
    def guard(self) -> Iterator[Manifest]:
        """Finish with the right status however the block ends, then re-raise.

        ``KeyboardInterrupt`` and :class:`~zndeposit.errors.RunInterrupted` (SIGINT,
        SIGTERM) give ``interrupted``; any other exception
        ``failed`` with ``"Type: message"``; a normal exit ``finished``.
        """
        from zndeposit.errors import RunInterrupted

        try:
            yield self
        except KeyboardInterrupt:
            self.finish("interrupted", "KeyboardInterrupt")
            raise
        except RunInterrupted as exc:
            self.finish("interrupted", str(exc))
            raise
        except BaseException as exc:
            self.finish("failed", f"{type(exc).__name__}: {exc}")
            raise
        else:
            self.finish("finished")

    def write(self) -> None:
        """Rewrite the file now with a fresh heartbeat (rank 0 only; thread-safe)."""
        if self.rank != 0:
            return
        with self._lock:
            self.data["heartbeat"] = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "updated": _now(),
                "unix_time": time.time(),
            }
            text = json.dumps(self.data, indent=2, sort_keys=False, default=str) + "\n"
            atomic_write_text(self.path, text)

    def beat(self) -> None:
        """Refresh the heartbeat (and the wall time) without changing anything else."""
        if self.data:
            self.update()

    @staticmethod
    def read(path: str | os.PathLike[str]) -> dict[str, Any]:
        """Load a manifest file."""
        return json.loads(Path(path).read_text(encoding="utf-8"))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    try:  # a killed process not yet reaped by its parent (zombie) is dead
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2 :][:1] != "Z"
    except (OSError, ValueError):
        return True


def liveness(data: Mapping[str, Any], now: float | None = None) -> tuple[str, str]:
    """Whether the run of a manifest still runs: ``("live" | "dead" | "ended", why)``.

    A manifest saying ``running`` is *live* if its heartbeat's process exists
    on this host (or, on another host, beat within :data:`STALE_AFTER_S`), and
    *dead* otherwise (killed with SIGKILL, out of memory, machine rebooted).
    """
    if data.get("status") != "running":
        return "ended", str(data.get("status", "no status"))
    beat = data.get("heartbeat") or {}
    pid, host, unix = beat.get("pid"), beat.get("host"), beat.get("unix_time")
    now = time.time() if now is None else now
    if not isinstance(pid, int) or not isinstance(unix, (int, float)):
        return "dead", "no heartbeat (written by an older zndeposit, or killed at once)"
    age = f"last update {beat.get('updated')}, {now - unix:.0f} s ago"
    if host == socket.gethostname():
        if _pid_alive(pid):
            return "live", f"process {pid} on {host} is running ({age})"
        return "dead", f"process {pid} on {host} is gone ({age})"
    if now - unix > STALE_AFTER_S:
        return "dead", f"no heartbeat from {host} for over {STALE_AFTER_S / 60:.0f} min ({age})"
    return "live", f"process {pid} on {host} beat recently ({age})"
