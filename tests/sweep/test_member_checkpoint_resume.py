"""A sweep member killed midway continues from its checkpoint when the sweep runs again.

What a SLURM array task does (``zndeposit sweep member DIR``) is killed with
SIGKILL after a few checkpoints; running the member again continues the run
(``zndeposit run --restart``) instead of starting over, and it ends with the
metrics of an uninterrupted run of the same member.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from zndeposit.io.metrics_csv import read_metrics
from zndeposit.sweep.engine import prepare
from zndeposit.sweep.members import MEMBER_OUTPUT, MEMBER_STATUS, read_json, run_state
from zndeposit.sweep.runner import MemberTask, resumable, run_member
from zndeposit.sweep.spec import load_sweep

pytestmark = pytest.mark.fem

ONE = """
name = "one"
base = "base.toml"
[[axis]]
key = "control.current_density"
values = ["10 mA/cm^2", "12 mA/cm^2"]
"""
#: the tiny case made longer (~48 steps) with a checkpoint every 5 steps
LONGER = {
    "control.duration": "2 s",
    "numerics.dt_max": "0.05 s",
    "output.checkpoint_steps": 5,
}


def _gone(pid: int, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
            if open(f"/proc/{pid}/stat").read().split(") ")[-1].startswith("Z"):
                return
        except (ProcessLookupError, FileNotFoundError):
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} did not end")


def test_killed_member_resumes_from_its_checkpoint(sweep_files, tmp_path):
    path = sweep_files(ONE)
    plan = prepare(load_sweep(path, LONGER), tmp_path / "out")
    member, other = plan.members
    d, d_ref = plan.member_dir(member), plan.member_dir(other)
    cache = str(plan.directory / "mesh-cache")
    # an uninterrupted run of the same member case, for comparison
    ref = tmp_path / "reference"
    r = subprocess.run(
        [sys.executable, "-m", "zndeposit", "run", str(d / "member.toml"), "-o", str(ref),
         "--cache", cache, "--no-progress"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    # a job-array task, killed (with its run) after the 4th checkpoint
    proc = subprocess.Popen(
        [sys.executable, "-m", "zndeposit", "sweep", "member", str(d)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    target = d / "checkpoints" / "ckpt_000004" / "meta.json"
    end = time.monotonic() + 180
    while not target.exists():
        assert proc.poll() is None and time.monotonic() < end, "no checkpoint appeared"
        time.sleep(0.02)
    run_pid = json.loads((d / "manifest.json").read_text())["heartbeat"]["pid"]
    # the run leads its own session: kill its whole process group (as a scheduler
    # does), or a helper process it started may hold the member lock a while longer
    os.killpg(run_pid, signal.SIGKILL)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    _gone(run_pid)
    end = time.monotonic() + 30  # the lock is released once every holder has exited
    while run_state(d, member.hash).status == "running" and time.monotonic() < end:
        time.sleep(0.1)
    assert run_state(d, member.hash).status == "interrupted"
    kept = len(read_metrics(d / "metrics.csv")["t"])
    assert 0 < kept < len(read_metrics(ref / "metrics.csv")["t"])
    assert resumable(d, member.hash) and not resumable(d, other.hash)
    assert not resumable(d_ref, other.hash)  # never run: nothing to continue

    task = MemberTask(member_dir=str(d), hash=member.hash, cache_dir=cache)
    result = run_member(task)
    assert result["status"] == "finished" and result["resumed"], result
    assert read_json(d / MEMBER_STATUS)["resumed"] is True
    assert "continued from its checkpoint" in (d / MEMBER_OUTPUT).read_text()
    assert "--restart" in read_json(d / MEMBER_STATUS)["command"]
    a, b = read_metrics(ref / "metrics.csv"), read_metrics(d / "metrics.csv")
    assert np.array_equal(a["t"], b["t"])
    for key in ("E", "charge", "zn_deposited", "dendrite_height", "c_interface_min"):
        assert np.allclose(a[key], b[key], rtol=1e-6, atol=0), key
    # run again: finished, skipped
    assert run_member(task)["skipped"]
