"""Write a validated case back in lab units (the resolved case file)."""

from __future__ import annotations

from typing import Any

import tomli_w
from pydantic import BaseModel

from zndeposit.case.quantity import spec_of


def to_lab_dict(model: BaseModel) -> dict[str, Any]:
    """Every field of ``model`` (defaults and presets applied) with quantities as lab strings.

    Unset optional values (None) are left out, so the result loads again with
    :func:`zndeposit.case.load.load_case` to the same case.
    """
    out: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if value is None:
            continue
        spec = spec_of(info)
        if isinstance(value, BaseModel):
            out[name] = to_lab_dict(value)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            out[name] = [to_lab_dict(v) for v in value]
        elif spec is not None and isinstance(value, float):
            out[name] = spec.format(value)
        else:
            out[name] = value
    return out


def resolved_toml(model: BaseModel) -> str:
    """The resolved case as TOML text in lab units."""
    return tomli_w.dumps(to_lab_dict(model))
