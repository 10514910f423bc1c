"""Concrete values of the sweep axes: ranges (linear, log, by step) and seeded random samples.

Values keep the unit of the first bound as lab text (``"5 mA/cm^2"``, 6
significant digits) so that they read back exactly in the member cases; plain
numbers stay numbers (integers where every bound is an integer).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from zndeposit.errors import UnitError
from zndeposit.sweep.schema import NumberOrQuantity, ParamSpec, RangeSpec
from zndeposit.units import UNIT_GRAMMAR, check_text, parse_quantity, ureg

_NUMBER_UNIT = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")


def _split(value: NumberOrQuantity) -> tuple[float, str]:
    """``"5 mA/cm^2"`` -> (5.0, "mA/cm^2"); ``0.2`` -> (0.2, "")."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number or a quantity, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value), ""
    m = _NUMBER_UNIT.match(value)
    if m is None:
        raise ValueError(f'cannot read {value!r} as a number with a unit (e.g. "5 mA/cm^2")')
    unit = m[2]
    if unit:
        try:
            check_text(unit, UNIT_GRAMMAR)
            ureg.Unit(unit)
        except Exception:
            raise ValueError(f"{value!r}: unknown unit {unit!r}") from None
    return float(m[1]), unit


def _in_unit(value: NumberOrQuantity, unit: str) -> float:
    """Magnitude of ``value`` in ``unit`` ("" = dimensionless)."""
    mag, own = _split(value)
    if own == unit:
        return mag
    try:
        return parse_quantity(value if own else mag, unit or "dimensionless")
    except UnitError as exc:
        raise ValueError(str(exc)) from None


def _format(values: np.ndarray, unit: str, integers: bool = False) -> list[Any]:
    """Numbers as strings ``"x unit"`` (6 significant digits), or plain numbers without a unit."""
    if unit:
        return [f"{v:.6g} {unit}" for v in values]
    if integers:
        return [round(float(v)) for v in values]
    return [float(f"{v:.10g}") for v in values]


def range_values(spec: RangeSpec) -> list[Any]:
    """The values of a ``range``: linear or log spacing, in the unit of ``start``."""
    start, unit = _split(spec.start)
    stop = _in_unit(spec.stop, unit)
    if spec.scale == "log":
        if start <= 0 or stop <= 0:
            raise ValueError("scale = 'log' needs start and stop > 0")
        assert spec.num is not None
        return _format(np.geomspace(start, stop, spec.num), unit)
    if spec.num is not None:
        values = np.linspace(start, stop, spec.num)
    else:
        assert spec.step is not None
        step = _in_unit(spec.step, unit)
        if step == 0 or (stop - start) / step < 0:
            raise ValueError("step must be non-zero and point from start to stop")
        count = math.floor((stop - start) / step * (1 + 1e-9) + 1e-9) + 1
        values = start + step * np.arange(count)
    ints = all(isinstance(v, int) for v in (spec.start, spec.stop, spec.step or 0))
    integral = ints and np.allclose(values, np.round(values))
    return _format(values, unit, integers=bool(integral))


def random_values(params: list[ParamSpec], samples: int, seed: int, method: str) -> list[list]:
    """Seeded random samples of each parameter (uniform, log-uniform or a choice of values).

    ``method = "latin"`` stratifies each parameter into ``samples`` equal bins
    (Latin hypercube); ``"random"`` draws independently.
    """
    rng = np.random.default_rng(seed)
    out = []
    for p in params:
        if method == "latin":
            u = (rng.permutation(samples) + rng.random(samples)) / samples
        else:
            u = rng.random(samples)
        if p.values is not None:
            out.append([p.values[min(int(x * len(p.values)), len(p.values) - 1)] for x in u])
            continue
        bounds = p.uniform if p.uniform is not None else p.log_uniform
        assert bounds is not None
        lo, unit = _split(bounds[0])
        hi = _in_unit(bounds[1], unit)
        if p.log_uniform is not None:
            if lo <= 0 or hi <= 0:
                raise ValueError("log_uniform needs low and high > 0")
            x = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
        else:
            x = lo + u * (hi - lo)
        out.append(_format(x, unit))
    return out


# --- batch resources -------------------------------------------------------------------------
def memory_bytes(memory: str) -> float:
    """``"16 GB"`` -> 1.6e10 (bytes); also ``"16GB"``, ``"16 GiB"``.

    Raises:
        ValueError: not a memory size (the message names the option and an example).
    """
    try:
        return parse_quantity(memory.strip(), "B")
    except UnitError:
        raise ValueError(f'memory {memory!r}: expected a size with a unit, e.g. "16 GB"') from None


def walltime_hms(walltime: str) -> str:
    """``"2 h"`` -> ``"02:00:00"``; ``"HH:MM:SS"`` (and ``"D-HH:MM:SS"``) pass through.

    Hours may exceed 24 (``"48:00:00"``), which both SLURM and PBS accept.

    Raises:
        ValueError: neither a clock time nor a duration with a unit.
    """
    text = walltime.strip()
    if ":" in text:
        parts = text.replace("-", ":").split(":")
        if all(p.isdigit() for p in parts):
            return text
        raise ValueError(f"walltime {walltime!r}: expected HH:MM:SS or a duration like '2 h'")
    try:
        seconds = math.ceil(parse_quantity(text, "s"))
    except UnitError:
        msg = f"walltime {walltime!r}: expected HH:MM:SS or a duration like '2 h'"
        raise ValueError(msg) from None
    if seconds <= 0:
        raise ValueError(f"walltime {walltime!r} must be positive")
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
