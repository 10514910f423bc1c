"""A killed sweep resumes; failed and invalid members are recorded while the others finish.

Both use real Dask clusters: the killed sweep is a ``zndeposit sweep`` process
with its own local cluster (killed with SIGKILL, workers included); the reruns
go through ``--scheduler`` to the shared 2-worker test cluster.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from zndeposit.cli import main
from zndeposit.sweep.engine import EngineOptions, prepare, run_sweep
from zndeposit.sweep.members import MEMBER_STATUS, _locked, expand, read_json, run_state
from zndeposit.sweep.spec import load_sweep

pytestmark = pytest.mark.fem

#: the members run 2 s (9 outputs), long enough to be killed midway also on a busy machine
LONGER = ["--set", "control.duration='2 s'"]


def _wait(condition, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_killed_sweep_resumes_and_skips_finished_members(sweep_files, tmp_path, dask_cluster):
    path = sweep_files()
    out = tmp_path / "out"
    plan = expand(load_sweep(path, {"control.duration": "2 s"}), out)
    dirs = [plan.member_dir(m) for m in plan.members]
    log = (tmp_path / "sweep.log").open("w")
    cmd = [
        sys.executable,
        "-m",
        "zndeposit",
        "sweep",
        str(path),
        "-o",
        str(out),
        "--workers",
        "2",
        "--no-figures",
        *LONGER,
    ]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def states():
        return [run_state(d, m.hash).status for d, m in zip(dirs, plan.members, strict=True)]

    def one_done_one_midway():
        s = states()
        midway = [
            d
            for d, st in zip(dirs, s, strict=True)
            if st == "running"
            and read_json(d / "manifest.json").get("progress", {}).get("outputs", 0) >= 2
        ]
        return s.count("finished") >= 1 and midway

    try:
        _wait(one_done_one_midway, 240, "a finished member and one midway")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep, its scheduler, nannies and workers
        proc.wait(timeout=30)
        log.close()
    # the members' own processes got SIGINT when their worker died; let them write and exit
    # (a member's run ends its current step on SIGTERM; its heartbeat says running until then)
    _wait(
        lambda: not any(_locked(d) for d in dirs) and "running" not in states(),
        60,
        "the killed members to exit",
    )
    before = states()
    finished = [d for d, s in zip(dirs, before, strict=True) if s == "finished"]
    assert finished and "interrupted" in before, before
    assert set(before) <= {"finished", "interrupted", "pending"}
    killed = [d for d, s in zip(dirs, before, strict=True) if s == "interrupted"]
    assert all("killed while running" in run_state(d).error for d in killed)
    stamps = {d: (d / "manifest.json").stat().st_mtime_ns for d in finished}

    spec = load_sweep(path, {"control.duration": "2 s"})
    lines: list[str] = []
    options = EngineOptions.from_spec(spec, scheduler=dask_cluster.scheduler_address)
    outcome = run_sweep(prepare(spec, out), options, report=lines.append)
    assert outcome.counts == {"finished": 4}
    assert outcome.skipped == len(finished) and outcome.ran == 4 - len(finished)
    assert outcome.cluster.startswith(f"Dask scheduler {dask_cluster.scheduler_address}")
    assert stamps == {d: (d / "manifest.json").stat().st_mtime_ns for d in finished}
    for d in killed:
        assert read_json(d / MEMBER_STATUS)["attempts"] == 2
        assert "=== attempt 2" in (d / "stdout.log").read_text()
    for d in finished:
        assert read_json(d / MEMBER_STATUS)["attempts"] == 1


FAILING = """
name = "failing"
base = "base.toml"
[[axis]]
zip = [{ key = "numerics.newton_max_iterations", values = [25, 1, 0] }, { key = "numerics.dt_min", values = ["10 ns", "1 ms", "1 ms"] }]
"""


def test_failed_and_invalid_members_are_recorded_and_the_others_finish(
    sweep_files, tmp_path, dask_cluster, capsys
):
    # member 1 passes the schema but cannot converge (1 Newton iteration, no time-step cut
    # allowed); member 2 is invalid (newton_max_iterations >= 1)
    path = sweep_files(FAILING)
    out = tmp_path / "out"
    args = ["-o", str(out), "--scheduler", dask_cluster.scheduler_address, "--no-figures"]
    rc = main(["sweep", str(path), *args])
    assert rc == 1  # not every member finished
    text = capsys.readouterr().out
    assert "members: finished 1, failed 1, invalid 1" in text
    table = pd.read_csv(out / "summary.csv")
    assert list(table["status"]) == ["finished", "failed", "invalid"]
    assert pd.isna(table.loc[0, "error"])
    error = table.loc[1, "error"]
    assert error.startswith("SolverError: the solver could not continue at t = 0 s")
    assert "rejected by: Newton: DIVERGED_MAX_IT after 1 iterations" in error
    assert "dt fell below dt_min" in error
    assert "axis[0].zip[0] -> numerics.newton_max_iterations = 0" in table.loc[2, "error"]
    assert pd.isna(table.loc[2, "hash"]) and table.loc[2, "numerics.newton_max_iterations [-]"] == 0
    plan = expand(load_sweep(path), out)
    failed = read_json(plan.member_dir(plan.members[1]) / MEMBER_STATUS)
    assert failed["status"] == "failed" and failed["returncode"] == 1
    assert failed["error"].startswith("SolverError")
    assert table.loc[0, "t [s]"] == 0.5  # the good member ran to its end
    html = (out / "report.html").read_text()
    assert "Problems" in html and "SolverError: the solver could not continue" in html
    # without retries a rerun leaves the failure alone
    lines: list[str] = []
    spec = load_sweep(path)
    options = EngineOptions.from_spec(
        spec, scheduler=dask_cluster.scheduler_address, retry_failed=False
    )
    outcome = run_sweep(prepare(spec, out), options, report=lines.append)
    assert outcome.ran == 0 and outcome.counts == {"finished": 1, "failed": 1, "invalid": 1}
