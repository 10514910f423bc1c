"""Per-output metrics as a CSV file with units in the header, safe against crashes.

The time loop computes everything in SI; each :class:`Column` carries the unit
it is *shown* in (lab units such as ``mA/cm^2``, ``um``, ``mol/L``) and the
factor from SI to that unit, so the file reads naturally and the solver never
converts by hand. The header looks like ``t [s],dt [s],E [V],i [mA/cm^2],...``.

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

__all__ = [
    "STANDARD_COLUMNS",
    "Column",
    "MetricsTable",
    "MetricsWriter",
    "read_metrics",
    "standard_columns",
]

#: 1 mAh/cm^2 in C/m^2 (3.6 C per 1e-4 m^2).
_MAH_PER_CM2 = 36000.0
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


def _c(name: str, unit: str, scale: float, description: str, integer: bool = False) -> Column:
    return Column(name, unit, scale, description, integer)


#: The per-output quantities of MODEL.md section 5 (values passed in SI).
#: Use :func:`standard_columns` to add the per-region ``t_plus_<region>`` columns.
STANDARD_COLUMNS: tuple[Column, ...] = (
    _c("t", "s", 1.0, "simulated time"),
    _c("dt", "s", 1.0, "last accepted time step"),
    _c("E", "V", 1.0, "electrode (metal) potential"),
    _c("eta", "V", 1.0, "overpotential E - phi - E_eq, averaged over the interface"),
    _c("i", "mA/cm^2", 0.1, "current density per projected electrode area (SI: A/m^2)"),
    _c("charge", "mAh/cm^2", 1 / _MAH_PER_CM2, "passed charge per area (SI: C/m^2)"),
    _c("zn_deposited", "mAh/cm^2", 1 / _MAH_PER_CM2, "Zn deposited from xi, as charge (C/m^2)"),
    _c("faraday_error", "-", 1.0, "(deposited - passed) / passed charge"),
    _c("charge_balance_error", "-", 1.0, "relative mismatch of current balance"),
    _c("thickness_mean", "um", 1e6, "mean deposit thickness (SI: m)"),
    _c("height_max", "um", 1e6, "highest interface point (xi = 0.5) (SI: m)"),
    _c("height_min", "um", 1e6, "lowest point of the surface profile h(x) (SI: m)"),
    _c("dendrite_height", "um", 1e6, "highest point above the initial surface level (median)"),
    _c("roughness_rms", "um", 1e6, "RMS roughness of the height profile h(x) (SI: m)"),
    _c("length_ratio", "-", 1.0, "interface length / domain width"),
    _c("c_min_interface", "mol/L", 1e-3, "min Zn2+ concentration in 0.1 < xi < 0.9 (mol/m^3)"),
    _c("focusing_factor", "-", 1.0, "max / interface-mean of the local deposition rate"),
    _c("newton_its", "-", 1.0, "Newton iterations of the last step", True),
    _c("linear_its", "-", 1.0, "linear (Krylov) iterations of the last step", True),
    _c("steps_accepted", "-", 1.0, "accepted time steps so far", True),
    _c("steps_rejected", "-", 1.0, "rejected time steps so far", True),
)


def standard_columns(regions: Iterable[str] = ()) -> list[Column]:
    """The canonical columns with one ``t_plus_<region>`` column per region.

    Args:
        regions: region names (e.g. ``["electrolyte", "coating0", "separator"]``);
            their effective Zn2+ transference numbers (-) are inserted after
            ``focusing_factor``.

    Returns:
        A new list of columns.
    """
    cols = list(STANDARD_COLUMNS)
    at = [c.name for c in cols].index("focusing_factor") + 1
    extra = [
        _c(f"t_plus_{r}", "-", 1.0, f"effective Zn2+ transference number in {r}") for r in regions
    ]
    return cols[:at] + extra + cols[at:]


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
