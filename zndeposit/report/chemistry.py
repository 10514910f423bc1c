"""The side-chemistry parts of a run report (runs with ``[chemistry]`` only).

:func:`add_chemistry` extends the sections of :mod:`zndeposit.report.tables`
in place: final values of the chemistry metrics in "At a glance", the
``[derived.chemistry]`` block of ``zndeposit show`` in "Derived quantities",
one table per chemistry run of every output in "Metrics", and the Zn, SO4 and
proton balances in "Checks". A report without chemistry runs is left exactly
as it was; in a comparison, runs without chemistry show ``–``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from zndeposit.metrics.registry import lookup, plain_unit
from zndeposit.report.html import Pre, Section, Table, Text
from zndeposit.report.tables import num
from zndeposit.units import unit_factor
from zndeposit.viz.chemistry_plots import chemistry_runs
from zndeposit.viz.run_data import RunData

__all__ = ["BALANCE_TOLERANCE", "CHEMISTRY_COLUMNS", "GLANCE_CHEMISTRY", "add_chemistry"]

#: chemistry metrics of the at-a-glance table, final values
GLANCE_CHEMISTRY = (
    "her_current",
    "h2_charge",
    "h2_volume",
    "coulombic_efficiency",
    "corrosion_current",
    "ph_interface_min",
    "ph_interface_mean",
    "ph_interface_max",
    "zhs_thickness",
    "zhs_coverage",
)
#: columns of the per-output chemistry table
CHEMISTRY_COLUMNS = (
    "t",
    "charge",
    *GLANCE_CHEMISTRY,
    "zinc_balance_error",
    "sulfate_balance_error",
    "proton_balance_error",
)
#: species balances checked, with what they conserve
BALANCES = (
    ("zinc_balance_error", "Zn (metal + Zn²⁺ + ZHS)"),
    ("sulfate_balance_error", "SO₄²⁻ (dissolved + ZHS)"),
    ("proton_balance_error", "proton excess"),
)
#: largest relative balance error that passes (the Newton tolerance is ~1e-8)
BALANCE_TOLERANCE = 1e-6


def _shown(run: RunData, name: str) -> np.ndarray:
    """A metrics column in its registry display unit (NaN where the run lacks it)."""
    col = run.column(name)
    unit = run.metrics.units.get(name) if name in run.metrics else None
    return col * unit_factor(unit, lookup(name).display_unit) if unit else col


def _final(run: RunData, name: str) -> str:
    col = _shown(run, name)
    return num(float(col[-1]) if len(col) else None)


def _section(sections: Sequence[Section], section_id: str) -> Section | None:
    return next((s for s in sections if s.id == section_id), None)


def glance_rows(runs: Sequence[RunData]) -> list[list[str]]:
    """Rows (quantity with unit, one value per run) of the chemistry metrics at the end."""
    return [[lookup(n).plain_label, *(_final(r, n) for r in runs)] for n in GLANCE_CHEMISTRY]


def metrics_table(run: RunData, many: bool) -> Table:
    """Every output of one chemistry run: the chemistry columns in lab units."""
    cols = [c for c in CHEMISTRY_COLUMNS if c in run.metrics]
    heads = [f"{c} ({plain_unit(lookup(c).display_unit)})" for c in cols]
    shown = {c: _shown(run, c) for c in cols}
    rows = [[num(float(shown[c][k])) for c in cols] for k in range(len(run.metrics["t"]))]
    who = f" of {run.label}" if many else ""
    return Table(
        heads,
        rows,
        caption=f"Side chemistry{who}: {len(rows)} outputs",
        collapsed=len(rows) > 30,
    )


def balance_checks(run: RunData, who: str) -> list[Text]:
    """One line per species balance: the largest relative error over the run."""
    out = []
    for name, what in BALANCES:
        err = np.abs(run.column(name))
        if not np.isfinite(err).any():
            continue
        worst = float(np.nanmax(err))
        ok = worst < BALANCE_TOLERANCE
        out.append(
            Text(
                f"{who}{what} balance {'holds' if ok else 'is violated'}: at most "
                f"{worst:.2e} relative error (tolerance {BALANCE_TOLERANCE:g}).",
                "ok" if ok else "warn",
            )
        )
    return out


def add_chemistry(sections: list[Section], runs: Sequence[RunData]) -> None:
    """Add the chemistry tables and checks to the report's sections (nothing without chemistry)."""
    chem = chemistry_runs(runs)
    if not chem:
        return
    many = len(runs) > 1
    glance = _section(sections, "glance")
    if glance is not None:
        glance.blocks.append(
            Table(
                ["quantity", *(r.label for r in runs)],
                glance_rows(runs),
                caption="Side chemistry at the last output (docs/chemistry.md)",
            )
        )
    derived = _section(sections, "derived")
    if derived is not None:
        derived.blocks += _derived_blocks(chem, many)
    metrics = _section(sections, "metrics")
    if metrics is not None:
        at = max(len(metrics.blocks) - 1, 0)  # before the CSV downloads
        metrics.blocks[at:at] = [metrics_table(r, many) for r in chem]
    checks = _section(sections, "checks")
    if checks is not None:
        for r in chem:
            checks.blocks += balance_checks(r, f"{r.label}: " if many else "")


def _derived_blocks(runs: Sequence[RunData], many: bool) -> list[Any]:
    from zndeposit.case.chemistry import chemistry_lines

    blocks: list[Any] = []
    for r in runs:
        try:
            lines = chemistry_lines(r.case, r.derived)
        except Exception as exc:  # an old run whose case no longer resolves: say so, go on
            blocks.append(Text(f"{r.label}: no derived chemistry ({exc}).", "warn"))
            continue
        if lines:
            who = f" of {r.label}" if many else ""
            blocks.append(Pre("\n".join(lines).strip(), summary=f"Derived chemistry{who}"))
    return blocks
