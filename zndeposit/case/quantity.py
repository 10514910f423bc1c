"""Pydantic field types for physical quantities written with units.

A field declared as ``Length(gt=0)`` accepts ``"5 um"``, checks its
dimension and range, and stores the SI float (m). The annotation keeps a
:class:`QuantitySpec` so the resolved case can be written back in lab units.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from zndeposit.errors import UnitError
from zndeposit.units import format_quantity, parse_quantity


@dataclass(frozen=True)
class QuantitySpec:
    """Unit metadata of a quantity field.

    Attributes:
        unit: SI unit the value is stored in (pint syntax).
        lab_unit: unit used in messages, examples and the resolved case file.
    """

    unit: str
    lab_unit: str

    def format(self, si_value: float) -> str:
        """Return ``si_value`` as a lab-unit string, e.g. ``"10 mA/cm^2"``."""
        return format_quantity(si_value, self.unit, self.lab_unit, digits=6)


def _bound_text(spec: QuantitySpec, op: str, bound: float) -> str:
    return f"{op} {spec.format(bound)}" if spec.unit else f"{op} {bound:g}"


def _make_validator(spec: QuantitySpec, bounds: dict[str, float | None]):
    def validate(value: Any) -> float:
        try:
            si = parse_quantity(value, spec.unit, spec.lab_unit)
        except UnitError as exc:
            raise ValueError(str(exc)) from None
        checks = {
            "gt": (lambda b: si > b, ">"),
            "ge": (lambda b: si >= b, ">="),
            "lt": (lambda b: si < b, "<"),
            "le": (lambda b: si <= b, "<="),
        }
        failed = [
            _bound_text(spec, sym, b)
            for key, (ok, sym) in checks.items()
            if (b := bounds.get(key)) is not None and not ok(b)
        ]
        if failed:
            raise ValueError(f"expected a value {' and '.join(failed)}")
        return si

    return validate


def quantity(
    unit: str,
    lab_unit: str,
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
) -> Any:
    """Build an annotated float type for a quantity with units.

    Args:
        unit: SI unit of the stored value.
        lab_unit: unit shown to users (examples, messages, resolved case).
        gt: exclusive lower bound in SI units.
        ge: inclusive lower bound in SI units.
        lt: exclusive upper bound in SI units.
        le: inclusive upper bound in SI units.
    """
    spec = QuantitySpec(unit, lab_unit)
    bounds = {"gt": gt, "ge": ge, "lt": lt, "le": le}
    extra = {"unit": lab_unit, "si_unit": unit}
    return Annotated[
        float,
        BeforeValidator(_make_validator(spec, bounds)),
        Field(json_schema_extra=extra),
        spec,
    ]


def Length(**bounds: float) -> Any:
    """Length in m, written e.g. ``"5 um"``."""
    return quantity("m", "um", **bounds)


def Time(**bounds: float) -> Any:
    """Time in s, written e.g. ``"10 s"`` or ``"2 h"``."""
    return quantity("s", "s", **bounds)


def Concentration(**bounds: float) -> Any:
    """Concentration in mol/m^3, written e.g. ``"2 mol/L"``."""
    return quantity("mol/m^3", "mol/L", **bounds)


def Diffusivity(**bounds: float) -> Any:
    """Diffusivity in m^2/s."""
    return quantity("m^2/s", "m^2/s", **bounds)


def CurrentDensity(**bounds: float) -> Any:
    """Current density in A/m^2, written e.g. ``"10 mA/cm^2"``."""
    return quantity("A/m^2", "mA/cm^2", **bounds)


def spec_of(field_info: Any) -> QuantitySpec | None:
    """Return the :class:`QuantitySpec` of a pydantic field (also inside ``X | None``)."""
    for item in getattr(field_info, "metadata", []):
        if isinstance(item, QuantitySpec):
            return item
    for arg in typing.get_args(getattr(field_info, "annotation", None)):
        for item in getattr(arg, "__metadata__", ()):
            if isinstance(item, QuantitySpec):
                return item
    return None
