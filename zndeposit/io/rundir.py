"""The run directory: one folder per run with a fixed layout.

::

    <run>/
      case.resolved.toml   the case as run, every default filled in (lab units)
      manifest.json        versions, command, case hash, status, timings
      metrics.csv          one row per output time, units in the header
      run.log              the ``zndeposit`` log (rank 0)
      fields/
        snapshots/         the fields: one VTU per output time, snapshots.pvd (open this in
                           ParaView: one time series, also across mesh changes and restarts)
                           and index.json (zndeposit render / report)
      checkpoints/         the full state for ``zndeposit run --restart`` (docs/restart.md)

Every rank may create and use a :class:`RunDirectory`; only rank 0 touches the
file system, and errors on rank 0 are raised on every rank (no deadlock).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zndeposit.errors import OutputDirError
from zndeposit.io.closing import Closing
from zndeposit.io.manifest import Manifest, atomic_write_text
from zndeposit.io.metrics_csv import Column, MetricsWriter
from zndeposit.io.ownership import folder_error, prepare_run_folder, restart_issue, write_marker
from zndeposit.log import LOGGER_NAME

if TYPE_CHECKING:
    from zndeposit.io.snapshots import SnapshotWriter

__all__ = ["RunDirectory"]

CASE_FILE = "case.resolved.toml"
MANIFEST_FILE = "manifest.json"
METRICS_FILE = "metrics.csv"
LOG_FILE = "run.log"
FIELDS_DIR = "fields"


class RunDirectory(Closing):
    """Create (rank 0) and hand out the files of one run.

    zndeposit writes only into a new or empty folder, or into a folder holding
    one of its own runs; the marker file ``.zndeposit-run.json`` lists every
    file it wrote there, and ``overwrite`` deletes exactly those (never a
    file someone else put into the folder).

    Args:
        path: the run folder.
        comm: MPI communicator (``.rank``, ``.size``, ``.bcast``), or None for serial.
        overwrite: remove the files of a previous (ended) run in ``path`` first.
        log: attach a ``run.log`` file handler to the ``zndeposit`` logger (rank 0).
        restart: continue the run in ``path`` (nothing is deleted; refused as
            :func:`~zndeposit.io.ownership.restart_issue` says).

    Raises:
        OutputDirError: ``path`` is a file, below a file, not writable, not empty and
            not a zndeposit run, holds a run and ``overwrite`` is False, or holds a
            run whose process is still alive.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        comm: Any = None,
        *,
        overwrite: bool = False,
        log: bool = True,
        restart: bool = False,
    ):
        self.path = Path(path)
        self.comm = comm
        self.rank = 0 if comm is None else int(comm.rank)
        self._handler: logging.Handler | None = None
        error: str | None = None
        if self.rank == 0:
            try:
                if restart:
                    error = restart_issue(self.path)
                else:
                    prepare_run_folder(self.path, overwrite)
                if error is None:
                    self.fields_dir.mkdir(exist_ok=True)
            except OutputDirError as exc:
                error = str(exc)
            except OSError as exc:
                error = folder_error(self.path, exc)
        if comm is not None:
            error = comm.bcast(error, root=0)
        if error is not None:
            raise OutputDirError(error)
        self.manifest = Manifest(self.manifest_path, comm)
        if log:
            self.attach_log()

    def record_files(self) -> None:
        """Rewrite the marker with every file now under the run's own entries (rank 0)."""
        if self.rank == 0:
            write_marker(self.path)

    # --- paths -----------------------------------------------------------------------------
    @property
    def case_path(self) -> Path:
        """``case.resolved.toml``."""
        return self.path / CASE_FILE

    @property
    def manifest_path(self) -> Path:
        """``manifest.json``."""
        return self.path / MANIFEST_FILE

    @property
    def metrics_path(self) -> Path:
        """``metrics.csv``."""
        return self.path / METRICS_FILE

    @property
    def log_path(self) -> Path:
        """``run.log``."""
        return self.path / LOG_FILE

    @property
    def fields_dir(self) -> Path:
        """``fields/``."""
        return self.path / FIELDS_DIR

    @property
    def snapshots_dir(self) -> Path:
        """``fields/snapshots/``."""
        from zndeposit.io.snapshots import SNAPSHOT_DIR

        return self.fields_dir / SNAPSHOT_DIR

    def truncate_metrics(self, rows: int) -> None:
        """Keep the header and the first ``rows`` complete rows of ``metrics.csv`` (rank 0).

        A restart drops the rows written after its checkpoint (and a partial last line).
        """
        if self.rank != 0 or not self.metrics_path.exists():
            return
        text = self.metrics_path.read_text(encoding="utf-8")
        complete = text.split("\n")[:-1]  # a last line without its newline is partial
        atomic_write_text(self.metrics_path, "\n".join(complete[: 1 + rows]) + "\n")

    # --- content ---------------------------------------------------------------------------
    def write_case(self, text: str) -> None:
        """Write the resolved case TOML (e.g. ``resolved_toml(case)``) atomically."""
        if self.rank == 0:
            atomic_write_text(self.case_path, text)

    def metrics_writer(self, columns: Sequence[Column], *, append: bool = False) -> MetricsWriter:
        """A :class:`MetricsWriter` on ``metrics.csv``."""
        return MetricsWriter(self.metrics_path, columns, self.comm, append=append)

    def snapshot_writer(self, regions: Mapping[int, str] | None = None) -> SnapshotWriter:
        """A :class:`~zndeposit.io.snapshots.SnapshotWriter` on ``fields/snapshots/``."""
        from zndeposit.io.snapshots import SnapshotWriter

        return SnapshotWriter(self.snapshots_dir, self.comm, regions=regions)

    # --- logging ---------------------------------------------------------------------------
    def attach_log(self, level: int = logging.DEBUG) -> None:
        """Copy the ``zndeposit`` log into ``run.log`` (rank 0; every record flushed)."""
        if self.rank != 0 or self._handler is not None:
            return
        handler = logging.FileHandler(self.log_path, mode="a", encoding="utf-8")
        handler.setLevel(level)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger(LOGGER_NAME).addHandler(handler)
        self._handler = handler

    def detach_log(self) -> None:
        """Remove and close the ``run.log`` handler (idempotent)."""
        if self._handler is not None:
            logging.getLogger(LOGGER_NAME).removeHandler(self._handler)
            self._handler.close()
            self._handler = None

    def close(self) -> None:
        """Record the files written and detach the log (the writers are closed by their owners)."""
        self.record_files()
        self.detach_log()
