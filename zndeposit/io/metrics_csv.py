"""Per-output metrics as a CSV file with units in the header, safe against crashes.

The time loop computes everything in SI; each :class:`Column` carries the unit
it is *shown* in (lab units such as ``mA/cm^2``, ``um``, ``mol/L``) and the
factor from SI to that unit, so the file reads naturally and the solver never
converts by hand. The header looks like ``t [s],dt [s],E [V],i [mA/cm^2],...``.
The standard columns come from the metric registry
(:mod:`zndeposit.metrics.registry`), which owns names, units and factors.

Rank 0 writes; every row is flushed and fsynced, so a crash, Ctrl-C or SIGKILL
leaves all rows written so far on disk (at most a partially written last line,
which :func:`read_metrics` skips). Numbers are written with ``repr`` precision
(shortest round-trip representation), integers as integers.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zndeposit.io.closing import Closing
from zndeposit.metrics.registry import METRICS, Metric, expand

__all__ = [
    "STANDARD_COLUMNS",
    "Column",
    "MetricsTable",
    "MetricsWriter",
    "column",
    "read_metrics",
    "standard_columns",
]

_HEADER_RE = re.compile(r"^\s*(?P<name>[^\[\],]+?)\s*\[(?P<unit>[^\]]*)\]\s*$")


@dataclass(frozen=True)
class Column:
    """One metrics column.

    Attributes:
        name: short identifier (no commas, brackets or surrounding spaces).
        unit: unit shown in the header (``-`` for dimensionless).
        scale: factor converting the SI value given to :meth:`MetricsWriter.write`
            into ``unit`` (e.g. 0.1 for A/m^2 -> mA/cm^2, 1e6 for m -> um).
        description: one line for documentation and reports.
        integer: write the value as an integer (iteration and step counters).
    """

    name: str
    unit: str = "-"
    scale: float = 1.0
    description: str = ""
    integer: bool = False

    def __post_init__(self) -> None:
        bad = not self.name or self.name != self.name.strip()
        if bad or any(ch in self.name for ch in ",[]\n"):
            raise ValueError(f"invalid metrics column name {self.name!r}")
        if any(ch in self.unit for ch in ",[]\n"):
            raise ValueError(f"invalid unit {self.unit!r} for column {self.name!r}")

    @property
    def header(self) -> str:
        """Header cell, ``name [unit]``."""
        return f"{self.name} [{self.unit}]"


def column(metric: Metric) -> Column:
    """The CSV column of a registry metric (unit and SI factor from the registry)."""
    return Column(metric.key, metric.unit, metric.scale, metric.description, metric.integer)


#: The per-output quantities of :data:`zndeposit.metrics.registry.METRICS` (values
#: passed in SI), without the per-region ones: :func:`standard_columns` adds those.
STANDARD_COLUMNS: tuple[Column, ...] = tuple(
    column(m) for m in METRICS if not m.is_pattern and not m.chemistry
)


def standard_columns(regions: Iterable[str] = (), chemistry: bool = False) -> list[Column]:
    """The registry's columns, pattern entries once per region, in registry order.

    Args:
        regions: region names (e.g. ``["electrolyte", "coating0", "separator"]``);
            each gets a ``t_plus_<region>`` column (effective Zn2+ transference number).
        chemistry: include the side-chemistry columns (runs with ``[chemistry]``).

    Returns:
        A new list of columns.
    """
    return [column(m) for m in expand(regions, chemistry)]


def _format(value: Any, column: Column) -> str:
    if value is None:
        return "nan"
    if column.integer:
        fval = float(value)
        return str(int(fval)) if math.isfinite(fval) else repr(fval)
    return repr(float(value) * column.scale)


class MetricsWriter(Closing):
    """Append one row of metrics per output time to a CSV file.

    Args:
        path: the CSV file (created or truncated on rank 0 unless ``append``).
        columns: the columns, in order.
        comm: an MPI communicator (anything with ``.rank``); only rank 0 writes.
            ``None`` means serial.
        append: keep an existing file whose header matches (restart).

    Raises:
        ValueError: duplicate column names, or ``append`` with a different header.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        columns: Sequence[Column],
        comm: Any = None,
        *,
        append: bool = False,
    ):
        self.path = Path(path)
        self.columns = list(columns)
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate metrics column names in {names}")
        self._by_name = {c.name: c for c in self.columns}
        self.rank = 0 if comm is None else int(comm.rank)
        self.rows = 0
        self._fh = None
        if self.rank != 0:
            return
        header = ",".join(c.header for c in self.columns)
        if append and self.path.exists() and self.path.stat().st_size > 0:
            first = self.path.read_text().splitlines()[0]
            if first != header:
                raise ValueError(f"{self.path}: existing header differs, cannot append")
            self._fh = self.path.open("a", encoding="utf-8")
        else:
            self._fh = self.path.open("w", encoding="utf-8")
            self._emit(header)

    def _emit(self, line: str) -> None:
        assert self._fh is not None
        self._fh.write(line + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def write(self, values: Mapping[str, Any]) -> None:
        """Append one row; missing values are written as ``nan``.

        Args:
            values: column name -> value in SI (converted with the column's scale).
                Every rank may call; only rank 0 writes.

        Raises:
            KeyError: a name that is not a column.
        """
        unknown = set(values) - set(self._by_name)
        if unknown:
            raise KeyError(f"unknown metrics columns {sorted(unknown)}")
        self.rows += 1
        if self._fh is None:
            return
        self._emit(",".join(_format(values.get(c.name), c) for c in self.columns))

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class MetricsTable(dict[str, np.ndarray]):
    """Column name -> values (in the units of the file); ``units`` maps name -> unit."""

    units: dict[str, str]


def read_metrics(path: str | os.PathLike[str]) -> MetricsTable:
    """Read a metrics CSV written by :class:`MetricsWriter`.

    A last line without its newline (a row cut by a crash) is ignored.

    Args:
        path: the CSV file.

    Returns:
        A :class:`MetricsTable`: name -> float array in the file's units, with
        ``table.units[name]`` the unit string from the header.

    Raises:
        ValueError: a header cell that is not ``name [unit]``.
    """
    text = Path(path).read_text(encoding="utf-8")
    complete = text.split("\n")[:-1]  # the part after the last newline is a cut row or ""
    if not complete:
        raise ValueError(f"{path}: no header")
    names, units = [], []
    for cell in complete[0].split(","):
        m = _HEADER_RE.match(cell)
        if m is None:
            raise ValueError(f"{path}: header cell {cell!r} is not 'name [unit]'")
        names.append(m["name"])
        units.append(m["unit"])
    rows = [ln.split(",") for ln in complete[1:] if ln.strip()]
    rows = [r for r in rows if len(r) == len(names)]
    data = np.array([[float(v) for v in r] for r in rows], dtype=float).reshape(-1, len(names))
    table = MetricsTable({n: data[:, k].copy() for k, n in enumerate(names)})
    table.units = dict(zip(names, units, strict=True))
    return table
