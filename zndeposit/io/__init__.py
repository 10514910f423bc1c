"""Run outputs: metrics CSV, field files (VTX/XDMF), manifest and the run directory.

Everything here is written so that a crash, Ctrl-C or SIGKILL leaves what was
computed so far readable. DOLFINx is imported only when a ``FieldWriter`` is
created, so ``import zndeposit.io`` stays light.
"""

from __future__ import annotations

from zndeposit.io.fields import Bp5Index, FieldWriter, bp5_index, mark_bp5_closed
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
    "Bp5Index",
    "Column",
    "FieldWriter",
    "Manifest",
    "MetricsTable",
    "MetricsWriter",
    "RunDirectory",
    "Timer",
    "atomic_write_text",
    "bp5_index",
    "library_versions",
    "mark_bp5_closed",
    "read_metrics",
    "standard_columns",
]
