"""The sweep file: a base case, its swept axes, and how and where the members run.

A sweep file is TOML in lab units (``docs/sweeps.md`` has the full reference)::

    name = "current_transference"
    base = "../quickstart_nucleus.toml"   # relative to this file
    [set]                                 # fixed overrides of every member
    "control.capacity" = "0.01 mAh/cm^2"
    [[axis]]                              # axes combine as a full grid (product)
    key = "control.current_density"
    values = ["5 mA/cm^2", "10 mA/cm^2", "20 mA/cm^2"]
    [[axis]]
    key = "electrolyte.transference_number"
    range = { start = 0.2, stop = 0.6, num = 3 }   # or scale = "log", or step = 0.1
    [[axis]]                              # a zipped group: its keys advance together
    zip = [{ key = "coatings.0.thickness", values = ["0.5 um", "1 um"] },
           { key = "coatings.0.fixed_charge", values = ["-0.1 mol/L", "-0.2 mol/L"] }]
    [[axis]]                              # seeded random samples (one grid dimension)
    samples = 8
    seed = 1
    random = [{ key = "kinetics.exchange_current_density",
                log_uniform = ["0.1 mA/cm^2", "10 mA/cm^2"] }]

Each ``[[axis]]`` entry is one dimension of the grid. The schema is in
:mod:`zndeposit.sweep.schema`, the value generators in :mod:`zndeposit.sweep.values`;
:func:`load_sweep`
validates the file and every key against the case schema and returns a
:class:`SweepSpec` whose dimensions hold the concrete value lists; problems
raise :class:`~zndeposit.errors.CaseError` naming the sweep file and the key.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from zndeposit.case.load import flatten, key_path, model_at, read_toml
from zndeposit.errors import CaseError, CaseIssue, UnitError
from zndeposit.sweep.schema import (
    AxisSpec,
    ClusterSettings,
    MemberSettings,
    ParamSpec,
    RangeSpec,
    ReportSettings,
    SweepFile,
)
from zndeposit.sweep.values import memory_bytes, random_values, range_values, walltime_hms
from zndeposit.units import parse_quantity

__all__ = [
    "Dimension",
    "Param",
    "RangeSpec",
    "SweepSpec",
    "is_sweep_file",
    "load_sweep",
    "range_values",
]


# --- concrete values -----------------------------------------------------------------------------
@dataclass
class Param:
    """One swept key with its concrete values (as written into the member cases).

    Attributes:
        key: dotted case key.
        label: name on figures.
        values: one value per position along the dimension (strings with units or numbers).
        scale: ``linear`` or ``log`` (how figures space this axis).
        where: location in the sweep file, e.g. ``axis[1].zip[0]``.
    """

    key: str
    label: str
    values: list[Any]
    scale: str
    where: str


@dataclass
class Dimension:
    """One grid dimension: its keys advance together (one key, a zip group or random samples)."""

    kind: Literal["values", "range", "zip", "random"]
    params: list[Param]

    def __len__(self) -> int:
        return len(self.params[0].values)


@dataclass
class SweepSpec:
    """A validated sweep: base case, fixed overrides, dimensions and settings."""

    path: Path
    name: str
    title: str
    description: str
    base: Path
    fixed: dict[str, Any]
    dimensions: list[Dimension]
    member: MemberSettings
    cluster: ClusterSettings
    report: ReportSettings
    text: str = ""
    cli_overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def params(self) -> list[Param]:
        """Every swept key, dimension by dimension."""
        return [p for d in self.dimensions for p in d.params]

    @property
    def size(self) -> int:
        """Number of members (product of the dimension lengths)."""
        return math.prod(len(d) for d in self.dimensions)

    @property
    def timeout_s(self) -> float | None:
        """Member wall-time limit, s (None: no limit)."""
        if self.member.timeout is None:
            return None
        return parse_quantity(self.member.timeout, "s")


# --- loading -------------------------------------------------------------------------------------
#: the model that owns the keys of each sweep-file table (list indices left out)
_OWNERS: dict[tuple[str, ...], type[BaseModel]] = {
    (): SweepFile,
    ("axis",): AxisSpec,
    ("axis", "range"): RangeSpec,
    ("axis", "zip"): ParamSpec,
    ("axis", "random"): ParamSpec,
    ("axis", "zip", "range"): RangeSpec,
    ("axis", "random", "range"): RangeSpec,
    ("member",): MemberSettings,
    ("cluster",): ClusterSettings,
    ("report",): ReportSettings,
}


def _owner(loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The sweep-file model that owns the keys at ``loc`` (for "did you mean" hints)."""
    return _OWNERS.get(tuple(p for p in loc if isinstance(p, str)))


def _validation_issues(exc: ValidationError, file: str) -> list[CaseIssue]:
    issues = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p[:1].isupper()))
        loc = tuple(p for p in loc if p not in ("str", "int", "float"))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            owner = _owner(loc[:-1])
            known = list(owner.model_fields) if owner else []
            hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
            msg = "unknown key" + (f"; did you mean {hint[0]!r}?" if hint else "")
            msg += f" (allowed: {', '.join(known)})" if known else ""
        value = err.get("input")
        value = None if isinstance(value, (dict, list)) or err["type"] == "missing" else value
        issues.append(CaseIssue(file, key_path(loc), msg, value))
    return issues


def case_key_issue(dotted: str, file: str, where: str) -> CaseIssue | None:
    """An issue if ``dotted`` is not a key of the case schema (with a "did you mean")."""
    loc = tuple(int(p) if p.isdigit() else p for p in dotted.split("."))
    if not dotted or any(p == "" for p in loc) or isinstance(loc[-1], int):
        return CaseIssue(file, where, "expected a dotted case key like 'control.current_density'")
    owner = model_at(loc[:-1])
    if owner is not None and loc[-1] in owner.model_fields:
        return None
    if owner is None:
        return CaseIssue(file, where, f"{dotted!r} is not a key of the case schema", dotted)
    hint = difflib.get_close_matches(str(loc[-1]), list(owner.model_fields), n=1)
    prefix = dotted.rsplit(".", 1)[0] + "." if "." in dotted else ""
    tip = f"; did you mean {prefix + hint[0]!r}?" if hint else ""
    return CaseIssue(file, where, f"{dotted!r} is not a key of the case schema{tip}", dotted)


def _label(p: ParamSpec) -> str:
    return p.label or p.key.rsplit(".", 1)[-1].replace("_", " ")


def _dimension(axis: AxisSpec, i: int, file: str, issues: list[CaseIssue]) -> Dimension | None:
    """Concrete values of one ``[[axis]]`` entry (issues appended on failure)."""
    kind = "zip" if axis.zip else "random" if (axis.random or axis.samples) else "values"
    kind = "range" if kind == "values" and axis.range is not None else kind
    params = axis.params()
    sub = "zip" if axis.zip else "random" if axis.random else None
    out: list[Param] = []
    if kind == "random":
        bad = [k for k, p in enumerate(params) if p.range is not None or len(p.sources) != 1]
        for k in bad:
            issues.append(
                CaseIssue(
                    file,
                    f"axis[{i}].{sub}[{k}]" if sub else f"axis[{i}]",
                    "a random key needs exactly one of uniform, log_uniform or values",
                )
            )
        if bad:
            return None
        assert axis.samples is not None
        try:
            columns = random_values(params, axis.samples, axis.seed, axis.method)
        except ValueError as exc:
            issues.append(CaseIssue(file, f"axis[{i}]", str(exc)))
            return None
        for k, (p, vals) in enumerate(zip(params, columns, strict=True)):
            scale = "log" if p.log_uniform is not None else "linear"
            where = f"axis[{i}].{sub}[{k}]" if sub else f"axis[{i}]"
            out.append(Param(p.key, _label(p), vals, scale, where))
        return Dimension("random", out)
    for k, p in enumerate(params):
        where = f"axis[{i}].zip[{k}]" if sub else f"axis[{i}]"
        if len(p.sources) != 1 or p.uniform is not None or p.log_uniform is not None:
            issues.append(CaseIssue(file, where, "give exactly one of values or range"))
            continue
        try:
            vals = p.values if p.values is not None else range_values(p.range)  # type: ignore[arg-type]
        except ValueError as exc:
            issues.append(CaseIssue(file, f"{where}.range", str(exc)))
            continue
        scale = "log" if p.range is not None and p.range.scale == "log" else "linear"
        out.append(Param(p.key, _label(p), list(vals), scale, where))
    if len(out) != len(params):
        return None
    lengths = {len(p.values) for p in out}
    if len(lengths) > 1:
        sizes = ", ".join(f"{p.key}: {len(p.values)}" for p in out)
        issues.append(
            CaseIssue(file, f"axis[{i}].zip", f"zipped keys need equal lengths ({sizes})")
        )
        return None
    return Dimension(kind, out)  # type: ignore[arg-type]


def load_sweep(path: str | Path, overrides: dict[str, Any] | None = None) -> SweepSpec:
    """Read and validate a sweep file.

    Args:
        path: the sweep TOML file.
        overrides: extra fixed case overrides (dotted key -> value, e.g. from ``--set``).

    Raises:
        CaseError: every problem found, each naming the sweep file and the key.
    """
    path = Path(path)
    raw = read_toml(path)
    file = str(path)
    try:
        model = SweepFile.model_validate(raw)
    except ValidationError as exc:
        raise CaseError(_validation_issues(exc, file)) from None
    issues: list[CaseIssue] = []
    fixed = {**flatten(model.set), **(overrides or {})}
    for key in fixed:
        issue = case_key_issue(key, file, f"set.{key}")
        if issue is not None:
            issues.append(issue)
    dims = [d for i, a in enumerate(model.axis) if (d := _dimension(a, i, file, issues))]
    seen: dict[str, str] = {}
    for d in dims:
        for p in d.params:
            issue = case_key_issue(p.key, file, f"{p.where}.key")
            if issue is not None:
                issues.append(issue)
            if p.key in seen:
                issues.append(CaseIssue(file, f"{p.where}.key", f"{p.key!r} is swept twice"))
            if p.key in fixed:
                issues.append(
                    CaseIssue(file, f"{p.where}.key", f"{p.key!r} is both swept and in [set]")
                )
            seen[p.key] = p.where
    base = (path.parent / model.base).resolve()
    if not base.is_file():
        issues.append(CaseIssue(file, "base", f"base case {str(base)!r} not found", model.base))
    keys = set(seen)
    for k, key in enumerate(model.report.morphology or []):
        if key not in keys:
            msg = f"{key!r} is not a swept key (swept: {', '.join(sorted(keys))})"
            issues.append(CaseIssue(file, f"report.morphology[{k}]", msg, key))
    if model.member.timeout is not None:
        try:
            parse_quantity(model.member.timeout, "s")
        except UnitError as exc:
            issues.append(CaseIssue(file, "member.timeout", str(exc), model.member.timeout))
    for key, check in (("memory", memory_bytes), ("walltime", walltime_hms)):
        value = getattr(model.cluster, key)
        if value is not None:
            try:
                check(value)
            except ValueError as exc:
                issues.append(CaseIssue(file, f"cluster.{key}", str(exc), value))
    if issues:
        raise CaseError(issues)
    return SweepSpec(
        path=path,
        name=model.name or path.stem,
        title=model.title or f"Sweep {model.name or path.stem}",
        description=model.description,
        base=base,
        fixed=fixed,
        dimensions=dims,
        member=model.member,
        cluster=model.cluster,
        report=model.report,
        text=path.read_text(encoding="utf-8"),
        cli_overrides=dict(overrides or {}),
    )


def is_sweep_file(path: str | Path) -> bool:
    """True if a TOML file looks like a sweep file (a ``base`` and ``[[axis]]`` entries)."""
    try:
        with Path(path).open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return "base" in data and "axis" in data
