"""Signals, SIGKILL, rejected steps and the wall budget end a run cleanly (tiny solver runs)."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "sweep" / "tiny_case.toml"
#: the tiny case made long: 20 s of plating in steps of at most 0.05 s, an output every 1 s
LONG = [
    "--set", "control.duration='20 s'",
    "--set", "numerics.dt_max='0.05 s'",
    "--set", "output.interval='1 s'",
]  # fmt: skip


def _start(out: Path, cache: Path, *extra: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "zndeposit", "run", str(TINY), "-o", str(out)]
    cmd += ["--cache", str(cache), "--no-progress", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _manifest(out: Path) -> dict:
    try:
        return json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


def _wait_outputs(proc: subprocess.Popen[str], out: Path, n: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while _manifest(out).get("progress", {}).get("outputs", 0) < n:
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline, "the run wrote no outputs"
        time.sleep(0.2)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_ends_the_run_interrupted_with_intact_outputs(tmp_path, sig, code):
    out = tmp_path / "run"
    proc = _start(out, tmp_path / "cache", *LONG)
    _wait_outputs(proc, out, 3)
    proc.send_signal(sig)
    text, _ = proc.communicate(timeout=120)
    assert proc.returncode == code, text
    assert "Traceback" not in text and "error code" not in text.lower()
    last = text.strip().splitlines()[-1]
    assert (
        last.startswith("interrupted:") and "to run it again from the start: zndeposit run" in last
    )
    m = _manifest(out)
    assert m["status"] == "interrupted" and signal.Signals(sig).name in m["error"]
    with (out / "metrics.csv").open() as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    outputs = m["progress"]["outputs"]
    assert len(rows) - 1 == outputs >= 3  # header + one row per output, the last one included
    index = json.loads((out / "fields" / "snapshots" / "index.json").read_text())
    assert len(index["snapshots"] if isinstance(index, dict) else index) == outputs
    assert float(rows[-1][0]) == pytest.approx(m["progress"]["t"])
    assert float(rows[-1][0]) < 20.0


def test_sigkill_is_told_from_a_live_run(tmp_path):
    from zndeposit.viz.run_data import load_run

    out, cache = tmp_path / "run", tmp_path / "cache"
    proc = _start(out, cache, *LONG)
    _wait_outputs(proc, out, 2)
    second = subprocess.run(
        [sys.executable, "-m", "zndeposit", "run", str(TINY), "-o", str(out), "--overwrite"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 1 and "still running" in second.stderr
    proc.kill()
    proc.communicate(timeout=60)
    assert _manifest(out)["status"] == "running"  # what the killed run left
    third = subprocess.run(
        [sys.executable, "-m", "zndeposit", "run", str(TINY), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert third.returncode == 1 and "dead" in third.stderr and "Traceback" not in third.stderr
    assert load_run(out).status.startswith("interrupted (killed while running: process")


def test_consecutive_rejections_give_up(tmp_path):
    out = tmp_path / "run"
    setting = ["--set", "numerics.newton_max_iterations=1", "--max-rejections", "4"]
    proc = _start(out, tmp_path / "cache", *setting)
    text, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "Traceback" not in text
    assert "4 consecutive rejected steps" in text
    assert "steps rejected in a row" in text  # said while rejecting, without -v
    assert "fewer than 6 elements" in text  # the validate warnings at the start
    assert _manifest(out)["status"] == "failed"


def test_wall_budget(tmp_path):
    out = tmp_path / "run"
    proc = _start(out, tmp_path / "cache", *LONG, "--max-wall", "1 s")
    text, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "Traceback" not in text
    assert "--max-wall 1 s used up" in text
    m = _manifest(out)
    assert m["status"] == "failed" and m["progress"]["t"] < 20.0
