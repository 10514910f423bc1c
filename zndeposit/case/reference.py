"""Generate the case-file key reference (Markdown) from the schema itself."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from zndeposit.case.load import _unwrap
from zndeposit.case.quantity import spec_of
from zndeposit.case.schema import Case

BEGIN = "<!-- BEGIN GENERATED REFERENCE (zndeposit schema --markdown) -->"
END = "<!-- END GENERATED REFERENCE -->"


def _type_text(info: Any) -> str:
    spec = spec_of(info)
    if spec is not None:
        return f"quantity [{spec.lab_unit}]" if spec.lab_unit else "number"
    tp = info.annotation
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        members = [_annotation_text(a) for a in typing.get_args(tp) if a is not type(None)]
        return " or ".join(members)
    return _annotation_text(tp)


def _annotation_text(tp: Any) -> str:
    """Readable type of one annotation (a union member or a whole field)."""
    if typing.get_origin(tp) is typing.Literal:
        return " \\| ".join(f'`"{a}"`' for a in typing.get_args(tp))
    if typing.get_origin(tp) is list:
        inner = typing.get_args(tp)[0]
        if typing.get_origin(inner) is typing.Literal:
            return "list of " + ", ".join(f'`"{a}"`' for a in typing.get_args(inner))
        return "list"
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return getattr(tp, "__name__", str(tp))


def _default_text(info: Any) -> str:
    if info.is_required():
        return "**required**"
    if info.default_factory is not None:
        value = info.default_factory()
        return "—" if isinstance(value, BaseModel) or value == [] else f"`{value}`"
    value = info.default
    return "—" if value is None or value is PydanticUndefined else f"`{value}`"


def _rows(model: type[BaseModel], prefix: str, out: list[str], sections: list) -> None:
    for name, info in model.model_fields.items():
        sub = _unwrap(info.annotation)
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            is_list = typing.get_origin(info.annotation) is list
            sections.append((f"{prefix}{name}", sub, is_list))
            continue
        out.append(
            f"| `{name}` | {_type_text(info)} | {_default_text(info)} | {info.description or ''} |"
        )


def reference_markdown() -> str:
    """Markdown tables of every section and key of a case file."""
    lines: list[str] = [BEGIN, ""]
    sections: list = [("", Case, False)]
    while sections:
        path, model, is_list = sections.pop(0)
        title = f"[[{path}]]" if is_list else (f"[{path}]" if path else "top level")
        doc = (model.__doc__ or "").strip().splitlines()[0]
        rows: list[str] = []
        _rows(model, f"{path}." if path else "", rows, sections)
        if not rows:
            continue
        lines += [f"### `{title}`", "", doc, "", "| key | type | default | meaning |"]
        lines += ["|---|---|---|---|", *rows, ""]
    lines.append(END)
    return "\n".join(lines) + "\n"
