"""Expand a sweep into members: resolved cases, hash-named run directories, status.

Each member is the base case with the fixed overrides and one value of every
swept key. It is validated like any case and named by the hash of its
*resolved* case (every default filled in, lab units), so two spellings of the
same value (``"10 mA/cm^2"``, ``"0.01 A/cm^2"``) give the same member, a grown
sweep reuses the members it already ran, and a run made by hand with
``zndeposit run`` of the same case is recognised. The sweep directory::

    DIR/
      sweep.toml  sweep.json        the sweep file as given, the expanded plan
      members/<hash>/               one run directory per member
        member.toml                 the member case (resolved, lab units)
        member.json                 sweep status: status, error, attempts, host, timings
        stdout.log                  output of the member process
        case.resolved.toml manifest.json metrics.csv run.log fields/   (zndeposit run)
      mesh-cache/                   meshes shared by the members
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from zndeposit.case.load import case_hash, load_case
from zndeposit.case.quantity import spec_of
from zndeposit.case.resolve import resolved_toml, to_lab_dict
from zndeposit.errors import CaseError, CaseIssue
from zndeposit.io.manifest import atomic_write_text, liveness
from zndeposit.sweep.spec import SweepSpec
from zndeposit.units import ureg

MEMBERS_DIR = "members"
MEMBER_CASE = "member.toml"
MEMBER_STATUS = "member.json"
MEMBER_OUTPUT = "stdout.log"
PLAN_FILE = "sweep.json"
SWEEP_COPY = "sweep.toml"
MESH_CACHE = "mesh-cache"
#: statuses after which a member is not run again (failed ones only with retry off)
DONE = ("finished",)


@dataclass
class AxisColumn:
    """A swept key as a table column: name, label and the lab unit of its values.

    ``unit`` is the case field's lab unit (``mA/cm^2``), ``-`` for plain numbers and
    None for values that are not numbers (preset names, booleans, tables).
    """

    key: str
    label: str
    unit: str | None
    scale: str
    dimension: int

    @property
    def column(self) -> str:
        """Summary-table column name, ``key [unit]`` (just the key without a unit)."""
        return f"{self.key} [{self.unit}]" if self.unit is not None else self.key

    @property
    def axis_label(self) -> str:
        """Figure axis label, ``label [unit]``."""
        return f"{self.label} [{self.unit}]" if self.unit not in (None, "-") else self.label


@dataclass
class Member:
    """One member of a sweep.

    Attributes:
        index: position in the grid (first axis slowest).
        position: index along each dimension.
        given: swept key -> value as written into the case.
        overrides: every override applied to the base case (fixed + swept).
        hash: hash of the resolved case (None if the case is invalid).
        values: swept key -> resolved value in the column's unit (numbers) or as is.
        texts: swept key -> resolved value as lab text (``"10 mA/cm^2"``).
        case_text: the resolved case TOML (None if invalid).
        issues: problems of an invalid member (file, key, message).
        warnings: sanity-check warnings of a valid member.
        duplicate_of: index of an earlier member with the same resolved case.
    """

    index: int
    position: tuple[int, ...]
    given: dict[str, Any]
    overrides: dict[str, Any]
    hash: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    case_text: str | None = None
    issues: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicate_of: int | None = None

    @property
    def valid(self) -> bool:
        """The member case validated."""
        return self.hash is not None


@dataclass
class SweepPlan:
    """A sweep expanded into members, bound to its output directory."""

    spec: SweepSpec
    directory: Path
    columns: list[AxisColumn]
    members: list[Member]

    @property
    def runnable(self) -> list[Member]:
        """Valid members, each resolved case once."""
        return [m for m in self.members if m.valid and m.duplicate_of is None]

    def member_dir(self, member: Member) -> Path:
        """``DIR/members/<hash>``."""
        assert member.hash is not None
        return self.directory / MEMBERS_DIR / member.hash


def resolved_hash(data: dict[str, Any]) -> str:
    """Hash of a resolved case given as its lab-unit dictionary (``case.resolved.toml``)."""
    return case_hash(data)


def _field_info(dotted: str) -> Any:
    from zndeposit.case.load import model_at

    loc = tuple(int(p) if p.isdigit() else p for p in dotted.split("."))
    owner = model_at(loc[:-1])
    return None if owner is None else owner.model_fields.get(str(loc[-1]))


def _value_at(model: Any, dotted: str) -> Any:
    node = model
    for part in dotted.split("."):
        node = node[int(part)] if part.isdigit() else getattr(node, part)
    return node


def _columns(spec: SweepSpec) -> list[AxisColumn]:
    cols = []
    for d, dim in enumerate(spec.dimensions):
        for p in dim.params:
            qspec = spec_of(_field_info(p.key))
            numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p.values)
            unit = qspec.lab_unit if qspec is not None else ("-" if numeric else None)
            cols.append(AxisColumn(p.key, p.label, unit, p.scale, d))
    return cols


def _resolve(member: Member, spec: SweepSpec, columns: list[AxisColumn]) -> None:
    """Validate the member case; fill hash, resolved values and case text (or issues)."""
    try:
        loaded = load_case(spec.base, member.overrides)
    except CaseError as exc:
        member.issues = [str(_blame(i, spec)) for i in exc.issues if i.severity == "error"]
        member.values = {c.key: _given_value(member.given.get(c.key), c) for c in columns}
        return
    except (IndexError, KeyError, TypeError, AttributeError) as exc:
        keys = ", ".join(member.given)
        member.issues = [
            str(CaseIssue(str(spec.path), keys, f"cannot apply to {spec.base.name}: {exc!r}"))
        ]
        return
    member.warnings = [str(w) for w in loaded.warnings]
    text = resolved_toml(loaded.case)
    # the hash of the case as the member run will see it (member.toml read back)
    member.hash = resolved_hash(tomllib.loads(text))
    member.case_text = text
    lab = to_lab_dict(loaded.case)
    for col in columns:
        value = _value_at(loaded.case, col.key)
        qspec = spec_of(_field_info(col.key))
        if qspec is not None and isinstance(value, (int, float)):
            mag = ureg.Quantity(float(value), qspec.unit).to(qspec.lab_unit).magnitude
            member.values[col.key] = float(mag)
            member.texts[col.key] = qspec.format(float(value))
        else:
            member.values[col.key] = value
            member.texts[col.key] = str(_value_at_dict(lab, col.key, value))


def _blame(issue: CaseIssue, spec: SweepSpec) -> CaseIssue:
    """An issue of a swept or fixed key points at the sweep file (where the value came from)."""
    where = {p.key: p.where for p in spec.params} | {k: f"set.{k}" for k in spec.fixed}
    if issue.key in where:
        key = f"{where[issue.key]} -> {issue.key}"
        return CaseIssue(str(spec.path), key, issue.message, issue.value, issue.severity)
    return issue


def _given_value(value: Any, col: AxisColumn) -> Any:
    """A value as written, in the column's unit where it parses (for invalid members)."""
    qspec = spec_of(_field_info(col.key))
    if qspec is None or not isinstance(value, str):
        return value
    try:
        return float(ureg.Quantity(value).to(qspec.lab_unit).magnitude)
    except Exception:  # pint raises many types; keep the text
        return value


def _value_at_dict(data: dict[str, Any], dotted: str, default: Any) -> Any:
    node: Any = data
    try:
        for part in dotted.split("."):
            node = node[int(part)] if part.isdigit() else node[part]
    except (KeyError, IndexError, TypeError):
        return default
    return node


def expand(spec: SweepSpec, directory: str | os.PathLike[str]) -> SweepPlan:
    """Every member of the grid, validated and hashed (no files written)."""
    columns = _columns(spec)
    members: list[Member] = []
    seen: dict[str, int] = {}
    ranges = [range(len(d)) for d in spec.dimensions]
    for index, position in enumerate(itertools.product(*ranges)):
        given = {
            p.key: p.values[k]
            for k, dim in zip(position, spec.dimensions, strict=True)
            for p in dim.params
        }
        m = Member(index, tuple(position), given, {**spec.fixed, **given})
        _resolve(m, spec, columns)
        if m.hash is not None:
            if m.hash in seen:
                m.duplicate_of = seen[m.hash]
            else:
                seen[m.hash] = index
        members.append(m)
    return SweepPlan(spec, Path(directory), columns, members)


# --- member status --------------------------------------------------------------------------------
def _now() -> str:
    return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")


def read_json(path: Path) -> dict[str, Any]:
    """A JSON file, or {} if it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_status(member_dir: Path, **entries: Any) -> dict[str, Any]:
    """Merge ``entries`` into ``member.json`` (atomically) and return the new content."""
    path = member_dir / MEMBER_STATUS
    data = read_json(path)
    data.update(entries, updated=_now())
    atomic_write_text(path, json.dumps(data, indent=2, default=str) + "\n")
    return data


@dataclass
class MemberState:
    """What a member directory says: status and error, from the run's manifest first.

    ``status``: ``pending`` (never run), ``running``, ``finished``, ``failed``,
    ``interrupted`` (Ctrl-C, killed, timed out), or ``stale`` (a finished run of
    another case sits in the directory).
    """

    status: str
    error: str | None = None
    wall_time_s: float | None = None
    run_dir: Path | None = None


def run_state(
    run_dir: Path, expected_hash: str | None = None, *, check_lock: bool = True
) -> MemberState:
    """Status of a run directory from its ``manifest.json``, ``member.json`` and lock.

    A run is *finished* only if its manifest says so, its ``metrics.csv`` exists
    and (when ``expected_hash`` is given) its resolved case has that hash -- which
    also holds for a run made by hand with ``zndeposit run``. A run whose files
    say ``running`` while no process holds the member lock was killed.
    """
    manifest = read_json(run_dir / "manifest.json")
    member = read_json(run_dir / MEMBER_STATUS)
    wall = manifest.get("wall_time_s", member.get("wall_time_s"))
    if manifest.get("status") == "finished":
        if not (run_dir / "metrics.csv").is_file():
            return MemberState("failed", "manifest says finished but metrics.csv is missing")
        if expected_hash is not None:
            try:
                with (run_dir / "case.resolved.toml").open("rb") as fh:
                    found = resolved_hash(tomllib.load(fh))
            except (OSError, tomllib.TOMLDecodeError):
                found = None
            if found != expected_hash:
                return MemberState("stale", f"the run in {run_dir} is of another case ({found})")
        return MemberState("finished", None, wall, run_dir)
    alive, why_dead = liveness(manifest) if manifest else ("ended", "")
    if check_lock and (_locked(run_dir) or alive == "live"):
        return MemberState("running", None, wall, run_dir)
    own = member.get("status")
    if own in ("failed", "interrupted"):  # the runner's verdict (timeouts, signals, exit codes)
        return MemberState(own, member.get("error"), wall, run_dir)
    if own == "running" and check_lock:
        # the runner started the member but recorded no verdict: it died (worker or job
        # killed), and whatever the run wrote after that is the end of an interrupted attempt
        ended = manifest.get("error") or manifest.get("status") or "no manifest"
        why = f"killed while running (the run's last word: {str(ended).splitlines()[0][:200]})"
        return MemberState("interrupted", why, wall, run_dir)
    if manifest:
        if manifest.get("status") in ("failed", "interrupted"):
            return MemberState(manifest["status"], manifest.get("error"), wall, run_dir)
        return MemberState("interrupted", f"killed while running ({why_dead})", wall, run_dir)
    if own == "running":
        return MemberState("interrupted", "killed before the run started", wall, run_dir)
    return MemberState("pending", None, None, run_dir)


LOCK_FILE = ".member.lock"


def _locked(member_dir: Path) -> bool:
    """True if a live process holds the member lock (see :mod:`zndeposit.sweep.runner`)."""
    import fcntl

    path = member_dir / LOCK_FILE
    if not path.exists():
        return False
    try:
        with path.open("a") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    except OSError:
        return False
    return False


def member_state(plan: SweepPlan, member: Member) -> MemberState:
    """Status of one member (``invalid`` members have no directory)."""
    if not member.valid:
        return MemberState("invalid", "; ".join(member.issues))
    if member.duplicate_of is not None:
        return member_state(plan, plan.members[member.duplicate_of])
    return run_state(plan.member_dir(member), member.hash)


def needs_run(state: MemberState, retry_failed: bool) -> bool:
    """Whether a member in ``state`` is (re)run."""
    if state.status in ("finished", "invalid", "running"):
        return False
    return retry_failed or state.status != "failed"


# --- writing the plan ----------------------------------------------------------------------------
def plan_record(plan: SweepPlan) -> dict[str, Any]:
    """The JSON-serialisable plan written to ``sweep.json``."""
    spec = plan.spec
    return {
        "format": "zndeposit-sweep",
        "version": 1,
        "name": spec.name,
        "title": spec.title,
        "description": spec.description,
        "sweep_file": str(spec.path.resolve()),
        "base": str(spec.base),
        "fixed": spec.fixed,
        "columns": [asdict(c) for c in plan.columns],
        "dimensions": [
            {"kind": d.kind, "keys": [p.key for p in d.params], "size": len(d)}
            for d in spec.dimensions
        ],
        "member": spec.member.model_dump(),
        "cluster": spec.cluster.model_dump(),
        "report": spec.report.model_dump(),
        "written": _now(),
        "members": [
            {
                "index": m.index,
                "position": list(m.position),
                "hash": m.hash,
                "given": m.given,
                "values": m.values,
                "texts": m.texts,
                "issues": m.issues,
                "warnings": m.warnings,
                "duplicate_of": m.duplicate_of,
            }
            for m in plan.members
        ],
    }


def write_plan(plan: SweepPlan) -> None:
    """Write ``sweep.json``, ``sweep.toml`` and every member's ``member.toml`` / ``member.json``.

    Existing member directories keep their runs and status; only the sweep
    bookkeeping (index, swept values) is refreshed.
    """
    plan.directory.mkdir(parents=True, exist_ok=True)
    atomic_write_text(plan.directory / SWEEP_COPY, plan.spec.text)
    atomic_write_text(
        plan.directory / PLAN_FILE, json.dumps(plan_record(plan), indent=1, default=str) + "\n"
    )
    for m in plan.runnable:
        d = plan.member_dir(m)
        d.mkdir(parents=True, exist_ok=True)
        header = "".join(
            f"# {k} = {m.texts.get(k, v)}\n" for k, v in m.given.items()
        )  # comments do not change the hash
        text = f"# member {m.index} of sweep {plan.spec.name!r}\n{header}{m.case_text}"
        case_file = d / MEMBER_CASE
        if not case_file.exists() or case_file.read_text(encoding="utf-8") != text:
            atomic_write_text(case_file, text)
        old = read_json(d / MEMBER_STATUS)
        entries: dict[str, Any] = {
            "sweep": plan.spec.name,
            "index": m.index,
            "hash": m.hash,
            "given": m.given,
            "resolved": m.texts,
        }
        if not old:
            entries |= {"status": "pending", "attempts": 0, "error": None}
        write_status(d, **entries)


def load_plan(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """Read ``DIR/sweep.json``.

    Raises:
        FileNotFoundError: ``DIR`` holds no sweep.
    """
    path = Path(directory) / PLAN_FILE
    data = read_json(path)
    if data.get("format") != "zndeposit-sweep":
        raise FileNotFoundError(f"{directory}: no sweep here ({path} is missing or not a plan)")
    return data


@contextlib.contextmanager
def sweep_lock(directory: Path):
    """Hold ``DIR/.sweep.lock`` so that two sweeps never drive one directory at once.

    Raises:
        RuntimeError: another live process holds the lock.
    """
    import fcntl

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ".sweep.lock"
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            owner = fh.read().strip() or "another process"
            raise RuntimeError(f"{directory} is being swept by {owner}; wait for it") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} on {os.uname().nodename} since {_now()}\n")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
