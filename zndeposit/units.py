"""Unit parsing: the one pint registry. Lab strings in, SI floats out.

pint objects never leave this module: everything inside zndeposit is an SI
float (m, s, mol, A, V, K, J, S).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import pint

from zndeposit.errors import UnitError

ureg = pint.UnitRegistry()

#: longest quantity string accepted ("0.703e-9 m^2/s" has 14 characters)
MAX_QUANTITY_CHARS = 80
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?"
_EXPONENT = r"(?:\^|\*\*)\(?[+-]?\d{1,2}(?:\.\d{1,3})?\)?"
_NAME = r"\(*\s*[^\W\d]+(?:_\w+)?\s*\)*"
_FACTOR = rf"{_NAME}(?:{_EXPONENT})?\)*"
_UNIT = rf"(?:1\s*/\s*)?{_FACTOR}(?:\s*[*/·]?\s*{_FACTOR})*"
#: what pint is shown: a plain number, then unit names joined by * / with small exponents
#: (pint evaluates arithmetic: "9**9**9 um" would never finish, a 100 kB string takes GBs)
QUANTITY_GRAMMAR = re.compile(rf"\s*{_NUMBER}\s*(?:{_UNIT})?\s*")
UNIT_GRAMMAR = re.compile(rf"\s*{_UNIT}\s*")


def check_text(text: str, grammar: re.Pattern[str] = QUANTITY_GRAMMAR) -> None:
    """Refuse a quantity (or unit) string pint should not evaluate: too long or not plain.

    Raises:
        UnitError: longer than :data:`MAX_QUANTITY_CHARS` or not "number unit" form.
    """
    if len(text) > MAX_QUANTITY_CHARS:
        raise UnitError(
            f"a quantity string of {len(text)} characters: at most {MAX_QUANTITY_CHARS} are "
            f'read (a number and a unit, e.g. "10 mA/cm^2"; starts {text[:30]!r})'
        )
    if not grammar.fullmatch(text):
        raise UnitError(
            f'cannot read {text!r} as a number with a unit (e.g. "10 mA/cm^2", '
            '"1e-6 m^3/(J*s)"; no arithmetic)'
        )


@lru_cache(maxsize=1024)
def _parse(text: str) -> pint.Quantity:
    return ureg.Quantity(text)


def parse_quantity(value: object, unit: str, lab_unit: str | None = None) -> float:
    """Parse ``value`` (e.g. ``"10 mA/cm^2"``) and return its magnitude in ``unit``.

    Args:
        value: a string with a number and a unit.
        unit: the target unit (pint syntax), e.g. ``"A/m^2"``.
        lab_unit: the unit shown in messages (defaults to ``unit``), e.g. ``"mA/cm^2"``.

    Returns:
        The magnitude in ``unit`` as a float.

    Raises:
        UnitError: the string does not parse, carries no unit although ``unit``
            has a dimension, or has a dimension other than ``unit``'s.
    """
    target = ureg.Unit(unit)
    shown = lab_unit or unit
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise UnitError(f"expected a quantity string with units of {unit}, got {value!r}")
    if isinstance(value, (int, float)):
        if target.dimensionless:
            return float(value)
        raise UnitError(f'a bare number needs a unit: expected a string like "{value} {shown}"')
    check_text(value)
    try:
        q = _parse(value.strip())
    except Exception as exc:  # pint raises several unrelated types
        raise UnitError(f"cannot parse {value!r} as a quantity ({exc})") from None
    if not isinstance(q, pint.Quantity):  # e.g. "3" parses to a plain number
        q = ureg.Quantity(float(q), "")
    if q.dimensionless and not target.dimensionless:
        raise UnitError(f"{value!r} has no unit: expected units of {shown}")
    if q.dimensionality != target.dimensionality:
        raise UnitError(
            f"{value!r} has dimension {q.dimensionality}, expected units of {shown} "
            f"({target.dimensionality})"
        )
    mag = float(q.to(target).magnitude)
    if not math.isfinite(mag):
        raise UnitError(f"{value!r} is not a finite number")
    return mag


def format_quantity(si_value: float, si_unit: str, lab_unit: str, digits: int = 4) -> str:
    """Format an SI value in a lab unit, e.g. ``(100.0, "A/m^2", "mA/cm^2") -> "10 mA/cm^2"``."""
    if lab_unit == si_unit == "":
        return f"{si_value:.{digits}g}"
    mag = ureg.Quantity(si_value, si_unit).to(lab_unit).magnitude
    return f"{mag:.{digits}g} {lab_unit}"


def _pint_unit(unit: str) -> str:
    """A unit string for pint: ``"-"`` (dimensionless, as in headers) is ``""``."""
    return "" if unit.strip() == "-" else unit


@lru_cache(maxsize=256)
def unit_factor(from_unit: str, to_unit: str) -> float:
    """Factor converting a value in ``from_unit`` into ``to_unit`` (value_to = factor * value_from).

    Conversions between SI and lab units are exact decimal numbers, so pint's
    chained floating-point products are rounded to 12 significant digits (of
    the factor or its inverse, whichever is >= 1): 1e-3, 0.1 and 1/36000 come
    out as the same floats a literal would give.

    Args:
        from_unit: unit of the given value (pint syntax; ``"-"`` or ``""`` dimensionless).
        to_unit: unit wanted.

    Raises:
        UnitError: the units do not parse or have different dimensions.

    Example:
        ``unit_factor("C/m^2", "mAh/cm^2") == 1 / 36000``.
    """
    try:
        q = ureg.Quantity(1.0, _pint_unit(from_unit)).to(_pint_unit(to_unit))
    except Exception as exc:  # pint raises several unrelated types
        raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r} ({exc})") from None
    factor = float(q.magnitude)
    if factor == 0.0 or not math.isfinite(factor):
        raise UnitError(f"no finite factor from {from_unit!r} to {to_unit!r}")
    if abs(factor) >= 1.0:
        return float(f"{factor:.12g}")
    return 1.0 / float(f"{1.0 / factor:.12g}")
