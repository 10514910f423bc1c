"""A 2 x 2 sweep on a real local Dask cluster (2 worker processes, 1 thread each).

One member is run by hand first (``zndeposit run`` of the base case with
``--set``): the sweep must recognise it and run only the other three.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from zndeposit.io.metrics_csv import read_metrics
from zndeposit.sweep.engine import EngineOptions, prepare, run_sweep
from zndeposit.sweep.members import MEMBER_STATUS, read_json
from zndeposit.sweep.report import collect
from zndeposit.sweep.spec import load_sweep

pytestmark = pytest.mark.fem

CURRENT, TPLUS = "control.current_density", "electrolyte.transference_number"


@pytest.fixture(scope="module")
def swept(tmp_path_factory, sweep_texts):
    """Run the 2 x 2 sweep once (member 0 by hand), collect it; returns what the tests need."""
    root = tmp_path_factory.mktemp("grid")
    (root / "base.toml").write_text(sweep_texts[0])
    (root / "sweep.toml").write_text(sweep_texts[1])
    spec = load_sweep(root / "sweep.toml")
    out = root / "out"
    plan = prepare(spec, out)
    first = plan.members[0]
    by_hand = [
        sys.executable,
        "-m",
        "zndeposit",
        "run",
        str(root / "base.toml"),
        "--set",
        f"{CURRENT}='{first.given[CURRENT]}'",
        "--set",
        f"{TPLUS}={first.given[TPLUS]}",
        "-o",
        str(plan.member_dir(first)),
        "--cache",
        str(root / "cache"),
        "--no-progress",
    ]
    subprocess.run(by_hand, check=True, capture_output=True, timeout=300)
    lines: list[str] = []
    outcome = run_sweep(plan, EngineOptions.from_spec(spec, workers=2), report=lines.append)
    collected = collect(out)
    return {"plan": plan, "outcome": outcome, "collected": collected, "log": lines, "spec": spec}


def test_hand_run_is_recognised_and_the_rest_runs_on_two_workers(swept):
    outcome, plan = swept["outcome"], swept["plan"]
    assert outcome.skipped == 1 and outcome.ran == 3
    assert outcome.counts == {"finished": 4}
    assert outcome.cluster.startswith("local Dask cluster, 2 worker(s)")
    status = [read_json(plan.member_dir(m) / MEMBER_STATUS) for m in plan.members]
    assert status[0]["attempts"] == 0  # never run by the sweep
    assert [s["attempts"] for s in status[1:]] == [1, 1, 1]
    assert {s["status"] for s in status} == {"finished"}
    assert sum("finished" in line for line in swept["log"]) == 3


def test_each_member_ran_its_own_values(swept):
    plan = swept["plan"]
    depletion = {}
    for m in plan.members:
        metrics = read_metrics(plan.member_dir(m) / "metrics.csv")
        current = m.values[CURRENT]
        assert metrics["i"][-1] == pytest.approx(current, rel=1e-9)
        assert metrics["t_plus_bulk"][-1] == pytest.approx(m.values[TPLUS], rel=1e-6)
        assert metrics["charge"][-1] == pytest.approx(current * 0.5 / 3600, rel=1e-9)  # mAh/cm^2
        depletion[(current, m.values[TPLUS])] = 2.0 - metrics["c_min_interface"].min()
    # physics of the sweep: the salt flux to the surface scales with (1 - t+) i (measured after
    # 0.5 s: t+ 0.3 vs 0.5 depletes 1.65x more, 10 vs 5 mA/cm^2 1.37x more)
    for current in (5.0, 10.0):
        assert depletion[(current, 0.3)] > 1.2 * depletion[(current, 0.5)] > 0
    for tp in (0.3, 0.5):
        assert depletion[(10.0, tp)] > 1.2 * depletion[(5.0, tp)]


def test_summary_table_matches_the_members_metrics(swept):
    plan, out = swept["plan"], swept["plan"].directory
    csv = pd.read_csv(out / "summary.csv")
    parquet = pd.read_parquet(out / "summary.parquet")
    assert len(csv) == len(parquet) == 4
    assert list(csv.columns) == list(parquet.columns)
    assert list(csv["status"]) == ["finished"] * 4
    assert list(csv[f"{CURRENT} [mA/cm^2]"]) == [5.0, 5.0, 10.0, 10.0]
    assert list(csv[f"{TPLUS} [-]"]) == [0.3, 0.5, 0.3, 0.5]
    for m, (_, row) in zip(plan.members, csv.iterrows(), strict=True):
        assert row["hash"] == m.hash and row["run_dir"] == f"members/{m.hash}"
        metrics = read_metrics(plan.member_dir(m) / "metrics.csv")
        for name, values in metrics.items():
            column = f"{name} [{metrics.units[name]}]"
            assert row[column] == values[-1] or (np.isnan(values[-1]) and np.isnan(row[column]))
            assert parquet.loc[m.index, column] == pytest.approx(row[column], nan_ok=True)
        assert row["c_min_interface_min [mol/L]"] == metrics["c_min_interface"].min()
        assert row["focusing_factor_max [-]"] == np.nanmax(metrics["focusing_factor"])
        assert row["outputs [-]"] == len(metrics["t"]) == 3


def test_rerun_skips_every_finished_member(swept):
    plan, spec = swept["plan"], swept["spec"]
    mtimes = {
        m.hash: (plan.member_dir(m) / "manifest.json").stat().st_mtime_ns for m in plan.members
    }
    again = run_sweep(
        prepare(spec, plan.directory), EngineOptions.from_spec(spec), report=lambda _: None
    )
    assert again.ran == 0 and again.skipped == 4 and again.cluster.startswith("none")
    assert mtimes == {
        m.hash: (plan.member_dir(m) / "manifest.json").stat().st_mtime_ns for m in plan.members
    }


def test_figures_morphology_map_and_report(swept):
    from matplotlib.image import imread

    collected, plan = swept["collected"], swept["plan"]
    names = sorted(p.name for p in collected.figures)
    assert names == [
        f"metrics_vs_{CURRENT.replace('.', '_')}.png",
        f"metrics_vs_{TPLUS.replace('.', '_')}.png",
    ]
    assert [p.name for p in collected.morphology] == ["morphology.png"]
    for png in [*collected.figures, *collected.morphology]:
        assert png.with_suffix(".pdf").stat().st_size > 5000
        image = imread(png)
        assert image.shape[0] > 300 and image[..., :3].std() > 0.05  # drawn, not blank
    # the morphology map holds metal (cividis yellow) and electrolyte (dark blue) in every cell
    image = imread(collected.morphology[0])[..., :3]
    yellow = (image[..., 0] > 0.8) & (image[..., 1] > 0.8) & (image[..., 2] < 0.4)
    blue = (image[..., 0] < 0.15) & (image[..., 2] > 0.25)
    assert yellow.mean() > 0.05 and blue.mean() > 0.05
    html = collected.report.read_text()
    assert html.count("data:image/png;base64,") == 3
    assert "finished: 4" in html
    for m in plan.members:
        assert f'href="members/{m.hash}/"' in html
    # the summary files are embedded as downloads, byte for byte
    for name in ("summary.csv", "summary.parquet"):
        found = re.search(rf'href="data:[^;"]*;base64,([^"]+)" download="{name}"', html)
        assert found, name
        assert base64.b64decode(found[1]) == (plan.directory / name).read_bytes()
    assert "Problems" not in html and "Every member finished." in html
    assert "control.current_density [mA/cm^2]" in html  # the table names units
