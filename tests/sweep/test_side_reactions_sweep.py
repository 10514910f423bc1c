"""cases/sweeps/side_reactions.toml: it expands to valid chemistry members, and the sweep
figures pick up the chemistry metrics columns, also in sweeps where some members lack them."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from zndeposit.metrics.registry import lookup
from zndeposit.sweep.aggregate import plot_metrics
from zndeposit.sweep.members import expand
from zndeposit.sweep.spec import load_sweep

SWEEP = Path(__file__).resolve().parents[2] / "cases" / "sweeps" / "side_reactions.toml"


def test_side_reactions_sweep_is_ph_x_her_i0_x_water_activity(tmp_path):
    plan = expand(load_sweep(SWEEP), tmp_path / "side")
    assert len(plan.members) == 12 and all(m.valid for m in plan.members)
    assert len({m.hash for m in plan.members}) == 12
    seen = {
        (
            m.values["chemistry.ph"],
            m.values["chemistry.hydrogen.exchange_current_density"],
            m.values["chemistry.hydrogen.water_activity"],
        )
        for m in plan.members
    }
    expected = {(ph, i0, a) for ph in (3.5, 4.0) for i0 in (1e-11, 1e-10, 1e-9) for a in (1.0, 0.5)}
    assert {(p, float(f"{i:.3g}"), w) for p, i, w in seen} == expected  # i0 in A/cm^2
    for name in load_sweep(SWEEP).report.metrics:
        assert lookup(name).label, name  # every plotted metric is a registry metric


def _plan(metrics: list[str]) -> dict:
    column = {
        "key": "control.current_density",
        "label": "current density",
        "unit": "mA/cm^2",
        "scale": "linear",
        "dimension": 0,
    }
    return {
        "columns": [column],
        "dimensions": [{"kind": "values", "keys": [column["key"]], "size": 3}],
        "report": {"metrics": metrics},
    }


def _summary(chemistry: list[bool]):
    """A summary table as collect builds it: chemistry columns only in chemistry members."""
    import pandas as pd

    rows = []
    for k, chem in enumerate(chemistry):
        row = {
            "member": k,
            "status": "finished",
            "control.current_density [mA/cm^2]": 5.0 * (k + 1),
            "E [V]": -0.05 * (k + 1),
        }
        if chem:
            row |= {"her_current [mA/cm^2]": 0.1 * (k + 1), "ph_interface_max [-]": 4.0 + k}
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("chemistry", [[True, True, True], [False, True, True], [False] * 3])
def test_sweep_figures_with_chemistry_binary_and_mixed_members(tmp_path, chemistry):
    df = _summary(chemistry)
    metrics = ["her_current", "ph_interface_max", "E"]
    paths = plot_metrics(df, _plan(metrics), tmp_path)
    assert len(paths) == 1 and paths[0].is_file()
    if any(chemistry):
        her = df["her_current [mA/cm^2]"].to_numpy()
        assert np.isnan(her).sum() == chemistry.count(False)
        assert math.isfinite(float(np.nanmax(her)))
    else:
        assert "her_current [mA/cm^2]" not in df
