"""Load a TOML case file: presets merged, schema validated, every problem reported.

``load_case(path)`` returns a :class:`LoadedCase` or raises
:class:`~zndeposit.errors.CaseError` listing every issue at once, each with
the file, the key path, the value given and what was expected.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from zndeposit.case.limits import Cost, bound_issues, cost_issues, estimate_cost
from zndeposit.case.presets import DEFAULT_PRESETS, UnknownPresetError, get_preset, presets
from zndeposit.case.run_settings import DEPRECATED_OUTPUT_KEYS
from zndeposit.case.schema import Case
from zndeposit.errors import CaseError, CaseIssue

Loc = tuple[str | int, ...]


@dataclass
class LoadedCase:
    """A validated case with where its values came from.

    Attributes:
        case: the validated case (SI values).
        path: the case file.
        data: the merged raw data (presets applied, strings with units).
        provenance: key path -> (preset file, preset name) for preset values.
        warnings: non-fatal issues (e.g. current above the limiting current).
        cost: estimated cells, unknowns, outputs and memory (None unless checked).
    """

    case: Case
    path: Path
    data: dict[str, Any]
    provenance: dict[Loc, tuple[Path, str]] = field(default_factory=dict)
    warnings: list[CaseIssue] = field(default_factory=list)
    cost: Cost | None = None

    def source_of(self, loc: Loc) -> str | None:
        """Source text of a preset value at ``loc``, or None if the case set it."""
        if loc not in self.provenance:
            return None
        _file, name = self.provenance[loc]
        sources = presets(str(loc[0]))[name].sources
        dotted = ".".join(p for p in loc[1:] if isinstance(p, str))  # "hydrogen.alpha"
        return sources.get(dotted) or sources.get(str(loc[-1]))


def key_path(loc: Loc) -> str:
    """Format a location tuple as ``coatings[0].porosity``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"control": {"capacity": x}, "a.b": y}`` -> ``{"control.capacity": x, "a.b": y}``."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(flatten(value, dotted))
        else:
            out[dotted] = value
    return out


def set_key(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``data[a][b][i]...`` from a dotted path like ``coatings.0.thickness``.

    Raises:
        CaseError: the path runs through a value that is not a table, or past a list's end.
    """
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in dotted.split(".")]
    node: Any = data
    for i, part in enumerate(parts):
        where = ".".join(map(str, parts[:i]))
        if any(not str(p) for p in parts):
            problem = "empty key part"
        elif isinstance(part, int):
            ok = isinstance(node, list) and part < len(node)
            problem = None if ok else f"no item {part} here ({_items(node)})"
        else:
            problem = None if isinstance(node, dict) else f"{where} is not a table"
        if problem:
            raise CaseError([CaseIssue("--set", dotted, f"cannot set this key: {problem}", value)])
        if i == len(parts) - 1:
            node[part] = value
        elif isinstance(part, int):
            node = node[part]
        else:
            node = node.setdefault(part, {})


def _items(node: Any) -> str:
    return f"{len(node)} item(s)" if isinstance(node, list) else "not a list"


#: largest case or sweep file read, bytes (the largest example is ~3 kB)
MAX_FILE_BYTES = 1_000_000
#: deepest nesting of tables and arrays accepted (cases use 3)
MAX_DEPTH = 16


def _depth(value: Any, limit: int = MAX_DEPTH + 1) -> int:
    """Nesting depth of dicts/lists in ``value`` (stops counting at ``limit``)."""
    if limit <= 0 or not isinstance(value, (dict, list)):
        return 0
    items = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(v, limit - 1) for v in items), default=0)


def _decode(path: Path, raw: bytes) -> str:
    """UTF-8 text of a TOML file, or a :class:`CaseError` saying what the bytes are."""
    file = str(path)
    head = raw[:64]
    bom = raw[:2] in (b"\xff\xfe", b"\xfe\xff")
    utf16 = bom or (len(head) >= 4 and (not any(head[0::2]) or not any(head[1::2])))
    if utf16 or b"\x00" in raw[:4096]:
        what = "a UTF-16 text file" if utf16 else "a binary file"
        raise CaseError(
            [CaseIssue(file, "", f"is {what}, not a UTF-8 TOML file; save it as UTF-8")]
        )
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CaseError(
            [
                CaseIssue(
                    file,
                    "",
                    f"is not UTF-8 text: byte 0x{raw[exc.start]:02x} at line {line} "
                    f"(offset {exc.start}); save the file as UTF-8",
                )
            ]
        ) from None


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file; every way of failing is a :class:`CaseError` naming the file."""
    file = str(path)
    try:
        if path.is_dir():
            raise CaseError([CaseIssue(file, "", "is a directory, not a TOML file")])
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise CaseError([CaseIssue(file, "", "file not found")]) from None
    except OSError as exc:
        raise CaseError([CaseIssue(file, "", f"cannot be read: {exc.strerror or exc}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise CaseError(
            [CaseIssue(file, "", f"is larger than {MAX_FILE_BYTES // 1000} kB: not a case file")]
        )
    text = _decode(path, raw)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseError([CaseIssue(file, "", f"not valid TOML: {exc}")]) from None
    except RecursionError:
        data = None
    if data is None or _depth(data) > MAX_DEPTH:
        raise CaseError(
            [CaseIssue(file, "", f"tables or arrays nested deeper than {MAX_DEPTH} levels")]
        )
    return data


def _merge_preset(
    section: dict[str, Any], category: str, loc: Loc, prov: dict, issues: list, file: str
) -> dict[str, Any]:
    name = section.get("preset")
    if name is None:
        return section
    try:
        preset = get_preset(category, str(name))
    except UnknownPresetError as exc:
        issues.append(CaseIssue(file, key_path((*loc, "preset")), str(exc), name))
        return section
    return _merge_tables(section, preset.tables(), loc, prov, (preset.file, preset.name))


def _merge_tables(
    section: dict[str, Any], values: dict[str, Any], loc: Loc, prov: dict, origin: tuple
) -> dict[str, Any]:
    """Preset ``values`` under the case's ``section``; sub-tables merged key by key.

    A sub-table whose ``kind`` the case sets to another value than the preset's
    takes nothing from the preset (its keys belong to the preset's kind).
    """
    merged = copy.deepcopy(values)
    for key, value in values.items():
        own = section.get(key)
        if key not in section:
            for leaf in _leaves(value, (*loc, key)):
                prov[leaf] = origin
        elif isinstance(value, dict) and isinstance(own, dict):
            if "kind" in own and own["kind"] != value.get("kind"):
                continue
            section = {**section, key: _merge_tables(own, value, (*loc, key), prov, origin)}
    merged.update(section)
    return merged


def _leaves(value: Any, loc: Loc) -> list[Loc]:
    """Key paths of the values in ``value`` (itself unless it is a table)."""
    if not isinstance(value, dict):
        return [loc]
    return [leaf for k, v in value.items() for leaf in _leaves(v, (*loc, k))]


def apply_presets(
    data: dict[str, Any], file: str
) -> tuple[dict[str, Any], dict[Loc, tuple[Path, str]], list[CaseIssue]]:
    """Merge named presets under the case's own values (the case wins)."""
    data = copy.deepcopy(data)
    prov: dict[Loc, tuple[Path, str]] = {}
    issues: list[CaseIssue] = []
    for section, default in DEFAULT_PRESETS.items():
        if section not in data:
            data[section] = {"preset": default}
    for section in ("electrolyte", "kinetics", "interface", "separator", "chemistry"):
        if isinstance(data.get(section), dict):
            data[section] = _merge_preset(data[section], section, (section,), prov, issues, file)
    if isinstance(data.get("coatings"), list):
        data["coatings"] = [
            _merge_preset(c, "coatings", ("coatings", i), prov, issues, file)
            if isinstance(c, dict)
            else c
            for i, c in enumerate(data["coatings"])
        ]
    return data, prov, issues


def model_at(loc: Loc) -> type[BaseModel] | None:
    """The pydantic model class that owns the keys at ``loc`` (None if not a model)."""
    model: Any = Case
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        info = model.model_fields.get(part)
        if info is None:
            return None
        model = _unwrap(info.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    """Strip Optional / list / Annotated to reach a model class."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else tp
    if origin is list:
        return _unwrap(typing.get_args(tp)[0])
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    return tp


def _describe(loc: Loc) -> str:
    owner = model_at(loc[:-1])
    if owner is None or not isinstance(loc[-1], str):
        return ""
    info = owner.model_fields.get(loc[-1])
    if info is None:
        return ""
    unit = (
        (info.json_schema_extra or {}).get("unit")
        if isinstance(info.json_schema_extra, dict)
        else None
    )
    desc = info.description or ""
    return f" ({desc}{'; unit ' + unit if unit else ''})" if desc or unit else ""


def _is_union_tag(part: object) -> bool:
    """Pydantic's names of models and union members in error locations (not case keys)."""
    if not isinstance(part, str):
        return False
    return part[:1].isupper() or not part.isidentifier() or part in ("float", "int", "str")


def _errors_by_key(exc: ValidationError) -> dict[Loc, dict[str, Any]]:
    """Pydantic errors keyed by case key, one per key.

    The members of a union (a number or "none") that all failed give one error
    whose message lists each alternative.
    """
    merged: dict[Loc, dict[str, Any]] = {}
    for err in exc.errors():
        loc: Loc = tuple(p for p in err["loc"] if not _is_union_tag(p))
        msg = err["msg"].removeprefix("Value error, ")
        if loc in merged:
            merged[loc]["msg"] += f"; or: {msg}"
        else:
            merged[loc] = {**err, "msg": msg}
    return merged


def issues_from_validation(
    exc: ValidationError, file: str, prov: dict[Loc, tuple[Path, str]]
) -> list[CaseIssue]:
    """Turn pydantic errors into :class:`CaseIssue` with hints and units."""
    issues: list[CaseIssue] = []
    for loc, err in _errors_by_key(exc).items():
        kind, msg = err["type"], err["msg"]
        value = err.get("input")
        if kind == "extra_forbidden":
            owner = model_at(loc[:-1])
            known = list(owner.model_fields) if owner else []
            hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
            msg = "unknown key" + (f"; did you mean {hint[0]!r}?" if hint else "")
            msg += f" (allowed: {', '.join(known)})" if known else ""
        elif kind == "missing":
            msg = "required key is missing" + _describe(loc)
            value = None
        elif kind not in ("value_error", "assertion_error"):
            msg += _describe(loc)
        if isinstance(value, (dict, list)):
            value = None
        where, key = file, key_path(loc)
        if loc in prov:
            pfile, pname = prov[loc]
            where, key = str(pfile), f"{pname}.{loc[-1]}"
            msg += f" (preset {pname!r} used by [{key_path(loc[:-1])}] in {file})"
        issues.append(CaseIssue(where, key, msg, value))
    return issues


def case_hash(data: dict[str, Any], sections: tuple[str, ...] | None = None) -> str:
    """Stable short hash of (some sections of) the merged case data."""
    part = {k: data[k] for k in sorted(data) if sections is None or k in sections}
    text = json.dumps(part, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_case(
    path: str | Path,
    overrides: dict[str, Any] | None = None,
    *,
    check: bool = True,
    limits: bool = True,
) -> LoadedCase:
    """Load, merge presets, validate and sanity-check a case file.

    Args:
        path: the TOML case file.
        overrides: dotted key -> value applied over the file (e.g. from ``--set``).
        check: also run the physical bounds, sanity checks and the cost estimate
            (:mod:`zndeposit.case.limits`, :mod:`zndeposit.case.checks`).
        limits: values beyond their physical bound and a cost beyond the machine are
            errors (False: warnings, ``--no-limits``).

    Raises:
        CaseError: with every problem found (errors); warnings are returned.
    """
    path = Path(path)
    raw = read_toml(path)
    for dotted, value in (overrides or {}).items():
        set_key(raw, dotted, value)
    data, prov, issues = apply_presets(raw, str(path))
    deprecated = deprecated_issues(data, str(path))
    case = None
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        issues += issues_from_validation(exc, str(path), prov)
    if issues or case is None:
        # a section whose preset is unknown misses its values: say it once
        failed = {i.key.removesuffix(".preset") for i in issues if i.key.endswith(".preset")}
        issues = [
            i
            for i in issues
            if not (i.message.startswith("required key") and i.key.rsplit(".", 1)[0] in failed)
        ]
        raise CaseError(issues)
    loaded = LoadedCase(case, path, data, prov, warnings=list(deprecated))
    if check:
        from zndeposit.case.checks import check_case

        file = str(path)
        found = _limited(bound_issues(case, file), limits)  # before anything sized by them
        if not any(i.severity == "error" for i in found):
            found += check_case(case, file)
        if not any(i.severity == "error" for i in found):
            loaded.cost = estimate_cost(case)
            found += _limited(cost_issues(case, file, loaded.cost), limits)
        if any(i.severity == "error" for i in found):
            raise CaseError(found)
        loaded.warnings = deprecated + found
    return loaded


def deprecated_issues(data: dict[str, Any], file: str) -> list[CaseIssue]:
    """Remove the ignored keys of :data:`DEPRECATED_OUTPUT_KEYS` from ``data``; one warning each.

    Old case files, resolved cases of older runs and sweep members still load.
    """
    output = data.get("output")
    if not isinstance(output, dict):
        return []
    found = []
    for key, why in DEPRECATED_OUTPUT_KEYS.items():
        if key in output:
            value = output.pop(key)
            shown = value if not isinstance(value, (dict, list)) else json.dumps(value)
            found.append(CaseIssue(file, f"output.{key}", why, shown, severity="warning"))
    return found


def _limited(issues: list[CaseIssue], limits: bool) -> list[CaseIssue]:
    """Limit issues as errors, or (``--no-limits``) as warnings saying they were overridden."""
    if limits:
        return issues
    for i in issues:
        i.severity = "warning"
        i.message += " [overridden by --no-limits]"
    return issues
