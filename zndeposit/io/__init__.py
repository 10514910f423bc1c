"""Run outputs: metrics CSV, VTU field snapshots, manifest and the run directory.

Everything here is written so that a crash, Ctrl-C or SIGKILL leaves what was
computed so far readable. DOLFINx is not imported here (the snapshot writer
gathers DOLFINx functions it is given), so ``import zndeposit.io`` stays light.
"""

from __future__ import annotations

from zndeposit.io.manifest import Manifest, Timer, atomic_write_text, library_versions
from zndeposit.io.metrics_csv import (
    STANDARD_COLUMNS,
    Column,
    MetricsTable,
    MetricsWriter,
    read_metrics,
    standard_columns,
)
from zndeposit.io.rundir import RunDirectory

__all__ = [
    "STANDARD_COLUMNS",
    "Column",
    "Manifest",
    "MetricsTable",
    "MetricsWriter",
    "RunDirectory",
    "Timer",
    "atomic_write_text",
    "library_versions",
    "read_metrics",
    "standard_columns",
]
