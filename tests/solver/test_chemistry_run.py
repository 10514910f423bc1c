"""Runs with side chemistry through ``zndeposit run``: columns, balances, rest and restart.

The tiny sweep case (2 x 8 um strip, one nucleus) with ``[chemistry]`` and a
hydrogen evolution 10^4 x the preset, so that the interface turns alkaline and
ZHS forms within the 0.5 s of plating; adaptive mesh on (the transfer must
restore the proton excess and the ZHS too).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from zndeposit.io.checkpoint import CHECKPOINT_DIR
from zndeposit.io.metrics_csv import read_metrics

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "sweep" / "tiny_case.toml"
CHEMISTRY = """
[chemistry]
preset = "ZnSO4_side_reactions"
ph = 4.0
[chemistry.hydrogen]
exchange_current_density = "1e-6 A/cm^2"
water_exchange_current_density = "1e-7 A/cm^2"
[chemistry.precipitate]
kind = "zhs"
rate = "100 mol/(m^3*s)"
"""
BALANCES = ("zinc_balance_error", "sulfate_balance_error", "proton_balance_error")


def _case(tmp: Path, *, control: str | None = None, adapt: bool = True, extra: str = "") -> Path:
    text = TINY.read_text().replace("adapt = false", f"adapt = {str(adapt).lower()}")
    if control is not None:
        start = text.index("[control]")
        text = text[:start] + control + text[text.index("[mesh]") :]
    path = tmp / "case.toml"
    path.write_text(text + CHEMISTRY + extra)
    return path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "zndeposit", "run", *args, "--no-progress"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def plated(tmp_path_factory) -> Path:
    """0.5 s at 10 mA/cm^2 with strong hydrogen evolution, adaptive mesh."""
    tmp = tmp_path_factory.mktemp("chem")
    r = _run(str(_case(tmp)), "-o", str(tmp / "run"), "--cache", str(tmp / "cache"))
    assert r.returncode == 0, r.stderr
    return tmp / "run"


@pytest.mark.fem
def test_partial_charges_and_exact_balances(plated):
    """Zn plated + H2 charge = charge passed, and Zn, SO4, H balances to round-off (1e-9)."""
    m = read_metrics(plated / "metrics.csv")
    for key in (*BALANCES, "faraday_error"):
        assert np.nanmax(m[key]) < 1e-9, (key, np.nanmax(m[key]))
    charge, zn, h2 = m["charge"][-1], m["zn_deposited"][-1], m["h2_charge"][-1]
    assert h2 > 0.05 * charge  # the hydrogen evolution is not negligible here
    assert abs(zn + h2 - charge) < 1e-9 * charge
    assert m["coulombic_efficiency"][-1] == pytest.approx(zn / charge, rel=1e-9)
    # the interface turned alkaline and ZHS formed there
    assert m["ph_interface_max"][-1] > 5.0
    assert m["zhs_thickness"][-1] > 0.0 and 0.0 < m["zhs_coverage"][-1] < 1.0
    assert np.all(np.isnan(m["corrosion_current"][1:]))  # a current was applied throughout
    manifest = json.loads((plated / "manifest.json").read_text())
    assert manifest["adaptation"]["count"] >= 1  # at least one transfer was checked


@pytest.mark.fem
def test_binary_run_has_no_chemistry_columns(tmp_path):
    """Without [chemistry] the metrics file has the columns of before, none of the new ones."""
    from zndeposit.metrics.registry import METRICS, expand

    keys = [m.key for m in expand(["bulk"])]
    assert not any(m.chemistry for m in METRICS if m.key in keys)
    assert "her_current" in [m.key for m in expand(["bulk"], chemistry=True)]


@pytest.mark.fem
def test_rest_after_plating_corrodes_at_the_mixed_potential(tmp_path):
    """Plate, then rest at zero current: Zn dissolves at the rate H2 evolves (corrosion)."""
    control = (
        '[control]\nmode = "protocol"\n'
        '[[control.steps]]\ncurrent_density = "10 mA/cm^2"\nduration = "0.25 s"\n'
        '[[control.steps]]\ncurrent_density = "0 mA/cm^2"\nduration = "0.1 s"\n'
    )
    path = _case(tmp_path, control=control)
    r = _run(str(path), "-o", str(tmp_path / "run"), "--cache", str(tmp_path / "cache"))
    assert r.returncode == 0, r.stderr
    m = read_metrics(tmp_path / "run" / "metrics.csv")
    rest = m["step"] == 2
    assert rest.any()
    # at rest the corrosion current is the HER current and the metal is lost at that rate
    assert np.all(m["corrosion_current"][rest] > 0)
    np.testing.assert_allclose(m["corrosion_current"][rest], m["her_current"][rest])
    end = np.flatnonzero(m["step"] == 1)[-1]  # the row at the end of plating
    lost = m["zn_deposited"][end] - m["zn_deposited"][-1]  # mAh/cm^2
    assert lost > 0  # the metal corroded at rest
    # net charge 0 at rest: the charge the metal lost is the charge H2 took
    assert m["h2_charge"][-1] - m["h2_charge"][end] == pytest.approx(lost, rel=1e-8)
    for key in BALANCES:
        assert np.nanmax(m[key]) < 1e-9, key


@pytest.mark.slow  # ~70 s; passed in the fast suite at 2261cff (binary restarts stay fast)
@pytest.mark.fem
def test_restart_after_sigkill_with_chemistry(plated, tmp_path):
    """Killed after its 3rd checkpoint and restarted: the same metrics (1e-6; adapted mesh)."""
    path = _case(tmp_path, extra="")
    text = path.read_text().replace("[output]", "[output]\ncheckpoint_steps = 3", 1)
    path.write_text(text)
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "zndeposit", "run", str(path), "-o", str(out), "--no-progress",
           "--cache", str(tmp_path / "cache")]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    target = out / CHECKPOINT_DIR / "ckpt_000003" / "meta.json"
    deadline = time.monotonic() + 300
    while not target.exists():
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    r = _run("--restart", str(out))
    assert r.returncode == 0, r.stderr
    a, b = read_metrics(plated / "metrics.csv"), read_metrics(out / "metrics.csv")
    assert np.array_equal(a["t"], b["t"])
    for key in ("E", "her_current", "h2_charge", "ph_interface_mean", "zhs_thickness"):
        np.testing.assert_allclose(b[key], a[key], rtol=1e-6, atol=1e-14, err_msg=key)
