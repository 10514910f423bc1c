"""One run directory read back for figures and reports: case, derived quantities, metrics, fields.

``load_run(RUN_DIR)`` needs no DOLFINx: the resolved case is re-validated
(pydantic), the metrics come from ``metrics.csv`` and the fields from the
VTU snapshots of ``fields/snapshots/``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from zndeposit.io.metrics_csv import MetricsTable, read_metrics
from zndeposit.io.rundir import CASE_FILE, MANIFEST_FILE, METRICS_FILE
from zndeposit.io.snapshots import Snapshot, SnapshotIndex, read_index, read_snapshot

__all__ = ["RunData", "load_run"]


@dataclass
class RunData:
    """What a run directory holds.

    Attributes:
        path: the run directory.
        label: short name for legends and column heads (the folder name by default).
        case: the validated :class:`zndeposit.case.schema.Case` (SI values).
        derived: :class:`zndeposit.case.derived.Derived` of the case.
        metrics: the metrics table (lab units, ``metrics.units``).
        manifest: ``manifest.json`` as a dict ({} if missing).
        case_text: ``case.resolved.toml`` as written.
    """

    path: Path
    label: str
    case: Any
    derived: Any
    metrics: MetricsTable
    manifest: dict[str, Any]
    case_text: str
    _snapshots: dict[int, Snapshot] = field(default_factory=dict, repr=False)

    @cached_property
    def index(self) -> SnapshotIndex:
        """The snapshot index (raises FileNotFoundError with advice if there is none)."""
        return read_index(self.path)

    @property
    def has_snapshots(self) -> bool:
        """The run has at least one readable snapshot."""
        try:
            return bool(self.index.entries)
        except (FileNotFoundError, ValueError):
            return False

    def snapshot(self, time: float | None = None, *, index: int | None = None) -> Snapshot:
        """The snapshot nearest ``time`` (s; None: last), or number ``index``; cached."""
        entry = self.index.entries[index] if index is not None else self.index.nearest(time)
        if entry.index not in self._snapshots:
            self._snapshots[entry.index] = read_snapshot(self.path, index=entry.index)
        return self._snapshots[entry.index]

    def snapshot_at_capacity(self, capacity: float) -> Snapshot:
        """The snapshot whose passed charge is closest to ``capacity`` (mAh/cm^2)."""
        entry = min(self.index.entries, key=lambda e: abs(e.capacity - capacity))
        return self.snapshot(index=entry.index)

    @property
    def status(self) -> str:
        """``finished``, ``failed``, ``interrupted``, ``running`` or ``unknown``.

        A manifest saying ``running`` whose process is gone (heartbeat) reads
        ``interrupted (killed while running: ...)``.
        """
        from zndeposit.io.manifest import liveness

        status = str(self.manifest.get("status", "unknown"))
        state, why = liveness(self.manifest)
        return f"interrupted (killed while running: {why})" if state == "dead" else status

    @property
    def title(self) -> str:
        """The case title."""
        return str(self.case.title)

    @property
    def sand_time(self) -> float | None:
        """Sand's time at the applied current, s (None when potentiostatic or infinite)."""
        t = self.derived.sand_time
        return float(t) if t is not None and np.isfinite(t) else None

    def column(self, name: str) -> np.ndarray:
        """A metrics column, or NaNs if the run has no such column."""
        if name in self.metrics:
            return self.metrics[name]
        return np.full(len(self.metrics["t"]), np.nan)


def load_run(run_dir: str | os.PathLike[str], label: str | None = None) -> RunData:
    """Read a run directory written by ``zndeposit run``.

    Args:
        run_dir: the run directory.
        label: name in legends (default: the directory name).

    Raises:
        FileNotFoundError: not a run directory (no ``case.resolved.toml`` or ``metrics.csv``).
    """
    from zndeposit.case.derived import derive
    from zndeposit.case.load import load_case

    path = Path(run_dir)
    missing = [n for n in (CASE_FILE, METRICS_FILE) if not (path / n).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{path} is not a zndeposit run directory (missing {', '.join(missing)}); "
            "give the folder passed to `zndeposit run -o`"
        )
    loaded = load_case(path / CASE_FILE)
    manifest_path = path / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    return RunData(
        path=path,
        label=label or path.resolve().name,
        case=loaded.case,
        derived=derive(loaded.case),
        metrics=read_metrics(path / METRICS_FILE),
        manifest=manifest,
        case_text=(path / CASE_FILE).read_text(encoding="utf-8"),
    )
