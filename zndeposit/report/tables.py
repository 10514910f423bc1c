"""The table sections of a run report: at a glance, case, derived quantities, metrics, checks, run.

Each function takes one or several :class:`~zndeposit.viz.run_data.RunData`
and returns a :class:`~zndeposit.report.html.Section`; with several runs the
runs are columns side by side.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from typing import Any

import numpy as np

from zndeposit.case.load import flatten
from zndeposit.metrics.registry import lookup, plain_unit
from zndeposit.report.html import Downloads, KeyValues, Link, Pre, Section, Table, Text, data_uri
from zndeposit.units import unit_factor
from zndeposit.viz.panel import time_text
from zndeposit.viz.run_data import RunData

__all__ = [
    "FARADAY_TOLERANCE",
    "case_section",
    "checks_section",
    "derived_section",
    "glance_section",
    "metrics_section",
    "run_info_section",
]

#: relative Faraday mismatch below which the check passes (the Newton tolerance is ~1e-8)
FARADAY_TOLERANCE = 1e-6
#: case keys shown in the short case table, in order
KEY_PARAMETERS = (
    "domain.width",
    "domain.height",
    "domain.sides",
    "anode.thickness",
    "anode.surface.kind",
    "anode.nuclei",
    "coatings",
    "gap.thickness",
    "separator.kind",
    "separator.thickness",
    "top.kind",
    "electrolyte.preset",
    "electrolyte.concentration",
    "electrolyte.conductivity",
    "electrolyte.transference_number",
    "electrolyte.temperature",
    "kinetics.exchange_current_density",
    "kinetics.activation_energy",
    "interface.energy",
    "interface.width",
    "interface.anisotropy",
    "interface.formulation",
    "interface.profile_flux",
    "control.mode",
    "control.current_density",
    "control.potential",
    "control.capacity",
    "control.duration",
    "chemistry.ph",
    "chemistry.hydrogen.exchange_current_density",
    "chemistry.hydrogen.water_activity",
    "chemistry.precipitate.kind",
    "mesh.elements_across_interface",
    "output.interval",
    "output.count",
)
#: metrics columns of the per-output table
TABLE_COLUMNS = (
    "t",
    "charge",
    "E",
    "eta",
    "thickness_mean",
    "height_max",
    "dendrite_height",
    "tip_rise",
    "tip_lead",
    "roughness_rms",
    "length_ratio",
    "c_interface_min",
    "current_focusing",
    "faraday_error",
    "newton_its",
    "steps_accepted",
)
#: metrics of the at-a-glance table, final values (label, unit and factor from the registry)
GLANCE_METRICS = (
    "charge",
    "E",
    "eta",
    "dendrite_height",
    "tip_rise",
    "front_advance",
    "tip_lead",
    "roughness_rms",
    "length_ratio",
    "c_interface_min",
    "c_interface_mean",
)


def num(value: float | None, digits: int = 4) -> str:
    """A number for a table: ``digits`` significant digits, ``–`` for NaN/None."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "\u2013"
    v = float(value)
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e6):
        return f"{v:.{max(digits - 1, 1)}e}"
    return f"{v:.{digits}g}"


def _nanmax(run: RunData, name: str) -> float | None:
    col = run.column(name)
    return float(np.nanmax(col)) if np.isfinite(col).any() else None


def _last(run: RunData, name: str) -> float:
    col = run.column(name)
    return float(col[-1]) if len(col) else float("nan")


def _shown(run: RunData, name: str) -> np.ndarray:
    """A metrics column in its display unit (registry), converted from the file's unit."""
    col = run.column(name)
    unit = run.metrics.units.get(name) if name in run.metrics else None
    return col * unit_factor(unit, lookup(name).display_unit) if unit else col


def _final(name: str) -> tuple[str, Any]:
    """A glance row: the registry label with its display unit, and the last value."""

    def value(run: RunData) -> str:
        col = _shown(run, name)
        return num(float(col[-1]) if len(col) else None)

    return (lookup(name).plain_label, value)


def _si(value: float | None, si_unit: str, unit: str) -> float | None:
    """A derived quantity (SI) in a lab unit (None stays None)."""
    return None if value is None else value * unit_factor(si_unit, unit)


def _heads(runs: Sequence[RunData]) -> list[str]:
    return [r.label for r in runs]


def glance_section(runs: Sequence[RunData]) -> Section:
    """Final values of every run: status, charge, potentials, morphology, checks."""
    rows: list[tuple[str, Any]] = [
        ("status", lambda r: r.status),
        (
            "outputs (fields)",
            lambda r: f"{len(r.metrics['t'])} ({len(r.index.entries) if r.has_snapshots else 0})",
        ),
        ("simulated time", lambda r: time_text(_last(r, "t"))),
        *(_final(name) for name in GLANCE_METRICS),
        (
            f"{lookup('current_focusing').label}, final / max ({plain_unit('-')})",
            lambda r: (
                f"{num(_last(r, 'current_focusing'))} / {num(_nanmax(r, 'current_focusing'))}"
            ),
        ),
        ("Sand's time", lambda r: time_text(r.sand_time) if r.sand_time else "\u2013"),
        ("Faraday check, max |mismatch|", lambda r: num(_faraday(r), 2)),
    ]
    table = Table(["quantity", *_heads(runs)], [[k, *(f(r) for r in runs)] for k, f in rows])
    return Section("glance", "At a glance", [table], intro="Values at the last output of each run.")


def _show(value: Any) -> str:
    if isinstance(value, list):
        if not value:
            return "none"
        if all(isinstance(v, dict) for v in value):
            return "; ".join(", ".join(f"{k} = {_show(x)}" for k, x in v.items()) for v in value)
        return ", ".join(_show(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _case_values(run: RunData) -> dict[str, Any]:
    return flatten(tomllib.loads(run.case_text))


def case_section(runs: Sequence[RunData]) -> Section:
    """The case in lab units: key parameters, keys that differ between runs, the full files."""
    flat = [_case_values(r) for r in runs]
    dash = "\u2013"
    rows = []
    for key in KEY_PARAMETERS:
        if any(key in f for f in flat):
            rows.append([key, *(_show(f.get(key, dash)) for f in flat)])
    blocks: list[Any] = [
        KeyValues([("title", r.title) for r in runs])
        if len(runs) == 1
        else Table(
            ["run", "title", "directory"],
            [[r.label, r.title, str(r.path)] for r in runs],
            numeric=False,
        ),
        Table(["key", *_heads(runs)], rows, caption="Key parameters (lab units)", numeric=False),
    ]
    if len(runs) > 1:
        keys = sorted({k for f in flat for k in f} - {"title", "description"})
        diff = [
            [k, *(_show(f.get(k, dash)) for f in flat)]
            for k in keys
            if not k.endswith("description") and len({_show(f.get(k, dash)) for f in flat}) > 1
        ]
        blocks.append(
            Table(
                ["key", *_heads(runs)],
                diff or [["(none)", *[""] * len(runs)]],
                caption="Keys that differ between the runs",
                numeric=False,
            )
        )
    for r in runs:
        blocks.append(
            Pre(r.case_text, summary=f"case.resolved.toml of {r.label} (every default filled in)")
        )
    return Section("case", "Case", blocks, intro="The case as run, every value in lab units.")


def derived_section(runs: Sequence[RunData]) -> Section:
    """Derived quantities (conductivity, t+, limiting current, Sand's time, phase field ...)."""

    def applied(r: RunData) -> str:
        d = r.derived
        if d.applied_current is None:
            return "\u2013 (potentiostatic)"
        ratio = d.applied_current / d.limiting_current
        return f"{num(_si(d.applied_current, 'A/m^2', 'mA/cm^2'))} ({ratio:.3g} × limiting)"

    rows: list[tuple[str, Any]] = [
        ("bulk conductivity (mS/cm)", lambda r: num(_si(r.derived.conductivity, "S/m", "mS/cm"))),
        ("t_Zn²⁺, bulk (–)", lambda r: num(r.derived.transference_number)),
        ("ambipolar diffusivity (m²/s)", lambda r: num(r.derived.ambipolar_diffusivity)),
        (
            "limiting current density (mA/cm²)",
            lambda r: num(_si(r.derived.limiting_current, "A/m^2", "mA/cm^2")),
        ),
        ("applied current density (mA/cm²)", applied),
        (
            "Sand's time at the applied current",
            lambda r: time_text(r.sand_time) if r.sand_time else "\u2013",
        ),
        ("run time (requested)", lambda r: time_text(r.derived.run_time)),
        (
            "dense Zn thickness plated (µm)",
            lambda r: num(_si(r.derived.deposit_thickness or None, "m", "um")),
        ),
        ("phase-field length l (µm)", lambda r: num(_si(r.derived.phase_field.length, "m", "um"))),
        (
            "element size in the growth band (µm)",
            lambda r: num(_si(r.derived.band_element_size, "m", "um")),
        ),
    ]
    blocks: list[Any] = [
        Table(["quantity", *_heads(runs)], [[k, *(f(r) for r in runs)] for k, f in rows])
    ]
    um, mol_l = unit_factor("m", "um"), unit_factor("mol/m^3", "mol/L")
    ms_cm = unit_factor("S/m", "mS/cm")
    for r in runs:
        reg = [
            [
                g.name,
                f"{g.y_bottom * um:.4g}–{g.y_top * um:.4g}",
                num(g.porosity, 3),
                num(g.tortuosity, 3),
                num(g.fixed_charge * mol_l),
                num(g.c_cation * mol_l),
                num(g.c_anion * mol_l),
                num(g.conductivity * ms_cm),
                num(g.transference_number, 3),
            ]
            for g in r.derived.regions
        ]
        blocks.append(
            Table(
                [
                    "region",
                    "y (µm)",
                    "porosity",
                    "tortuosity",
                    "fixed charge (mol/L)",
                    "c₊ (mol/L)",
                    "c₋ (mol/L)",
                    "σ (mS/cm)",
                    "t₊",
                ],
                reg,
                caption=f"Regions of {r.label} (Donnan equilibrium with the bulk)",
            )
        )
    return Section(
        "derived",
        "Derived quantities",
        blocks,
        intro="Computed from the case before the run (zndeposit show).",
    )


def _faraday(run: RunData) -> float:
    err = np.abs(run.column("faraday_error")[1:])
    return float(np.nanmax(err)) if np.isfinite(err).any() else float("nan")


def metrics_section(runs: Sequence[RunData]) -> Section:
    """Every output of every run (selected columns, lab units) and the CSV files."""
    blocks: list[Any] = []
    for r in runs:
        cols = [c for c in TABLE_COLUMNS if c in r.metrics]
        heads = [f"{c} ({plain_unit(lookup(c).display_unit)})" for c in cols]
        shown = {c: _shown(r, c) for c in cols}
        rows = [[num(float(shown[c][k])) for c in cols] for k in range(len(r.metrics["t"]))]
        caption = (
            f"Metrics of {r.label}: {len(rows)} outputs"
            if len(runs) > 1
            else f"{len(rows)} outputs"
        )
        blocks.append(Table(heads, rows, caption=caption, collapsed=len(rows) > 30))
    csv_links = [
        Link(
            f"metrics.csv ({r.label})",
            data_uri((r.path / "metrics.csv").read_bytes(), "text/csv"),
            f"{r.label}_metrics.csv",
        )
        for r in runs
    ]
    blocks.append(Downloads(csv_links, caption="Full tables (every column):"))
    return Section(
        "metrics",
        "Metrics",
        blocks,
        intro="One row per output time, units in the column heads; docs/metrics.md "
        "defines every metric.",
    )


def checks_section(runs: Sequence[RunData]) -> Section:
    """Faraday's law, current balance, Sand's time, run status, per run."""
    blocks: list[Any] = []
    for r in runs:
        who = f"{r.label}: " if len(runs) > 1 else ""
        far = _faraday(r)
        if math.isfinite(far):
            ok = far < FARADAY_TOLERANCE
            blocks.append(
                Text(
                    f"{who}Faraday's law {'holds' if ok else 'is violated'}: deposited Zn from ξ "
                    f"matches the passed charge to {far:.2e} at worst "
                    f"(tolerance {FARADAY_TOLERANCE:g}).",
                    "ok" if ok else "warn",
                )
            )
        bal = r.column("charge_balance_error")
        if np.isfinite(bal).any():
            blocks.append(
                Text(
                    f"{who}Current balance |i_top − i| / i: at most {np.nanmax(bal):.2e}, "
                    f"{bal[-1]:.2e} at the end (the top current lags while the diffusion "
                    "layer builds up)."
                )
            )
        t_end = _last(r, "t")
        if r.sand_time:
            late = t_end >= r.sand_time
            blocks.append(
                Text(
                    f"{who}The run ended at {t_end / r.sand_time:.1%} of Sand's time "
                    f"({time_text(r.sand_time)})"
                    + (": past it, expect depletion at the interface." if late else "."),
                    "warn" if late else "",
                )
            )
        status = r.status
        error = r.manifest.get("error")
        blocks.append(
            Text(
                f"{who}Run status: {status}" + (f" ({error})" if error else "") + ".",
                "ok" if status == "finished" else "warn",
            )
        )
    return Section("checks", "Checks", blocks)


def run_info_section(runs: Sequence[RunData]) -> Section:
    """Manifest: status, times, command, machine, MPI, mesh, solver counts, timings, versions."""

    def get(r: RunData, *keys: str) -> Any:
        v: Any = r.manifest
        for k in keys:
            v = v.get(k) if isinstance(v, dict) else None
        return v

    rows: list[tuple[str, Any]] = [
        ("status", lambda r: r.status),
        ("started", lambda r: get(r, "start_time")),
        ("ended", lambda r: get(r, "end_time")),
        (
            "wall time",
            lambda r: time_text(get(r, "wall_time_s")) if get(r, "wall_time_s") else None,
        ),
        ("command", lambda r: " ".join(get(r, "command") or [])),
        ("host", lambda r: get(r, "hostname")),
        ("MPI ranks", lambda r: get(r, "mpi_size")),
        ("mesh cells / nodes", lambda r: f"{get(r, 'mesh', 'cells')} / {get(r, 'mesh', 'nodes')}"),
        ("unknowns", lambda r: get(r, "mesh", "dofs")),
        (
            "steps accepted / rejected",
            lambda r: (
                f"{get(r, 'solver', 'steps_accepted')} / {get(r, 'solver', 'steps_rejected')}"
            ),
        ),
        ("Newton iterations per step", lambda r: num(get(r, "solver", "newton_per_step"), 3)),
        ("time loop (s)", lambda r: num(get(r, "timings_s", "time_loop"), 3)),
        (
            "assembly / linear solve (s)",
            lambda r: " / ".join(
                num(get(r, "timings_s", "solver", k), 3) for k in ("assembly", "linear_solve")
            ),
        ),
        ("case file", lambda r: get(r, "case", "path")),
        ("case hash", lambda r: get(r, "case", "hash")),
    ]
    for lib in ("zndeposit", "zndeposit_git", "dolfinx", "petsc", "python", "mpi_library"):
        rows.append((lib, lambda r, lib=lib: get(r, "versions", lib)))
    table = Table(
        ["", *_heads(runs)], [[k, *(_cell(f(r)) for r in runs)] for k, f in rows], numeric=False
    )
    return Section("run", "Run information", [table], intro="From manifest.json of each run.")


def _cell(value: Any) -> str:
    return "\u2013" if value is None or value == "" else str(value)
