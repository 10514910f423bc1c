"""Fast end-to-end checks of the coupled solver against closed-form results (MODEL.md 6.3, 6.4)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zndeposit.case.load import load_case
from zndeposit.constants import FARADAY, ZN_MOLAR_VOLUME

pytestmark = pytest.mark.fem

PLANAR = """
title = "planar front, 10 mA/cm^2"
[domain]
width = "1 um"
height = "10 um"
sides = "periodic"
[anode]
thickness = "3 um"
[electrolyte]
preset = "ZnSO4_2M"
[kinetics]
exchange_current_density = "2 mA/cm^2"
[interface]
energy = "0.5 J/m^2"
width = "0.5 um"
anisotropy = 0.0
[control]
mode = "galvanostatic"
current_density = "10 mA/cm^2"
duration = "12 s"
[numerics]
dt_initial = "0.01 s"
dt_max = "0.5 s"
[output]
interval = "2 s"
"""


@pytest.fixture(scope="module")
def planar_run(tmp_path_factory, case_runner):
    tmp = tmp_path_factory.mktemp("planar")
    loaded, metrics = case_runner(tmp, PLANAR)
    return loaded, tmp / "run", metrics


def test_faraday_law_holds_to_round_off(planar_run):
    _, _, m = planar_run
    # deposited Zn from xi vs passed charge, every output (tolerance: Newton tolerance level)
    assert np.all(np.abs(m["faraday_error"][1:]) < 1e-7)
    assert m["zn_deposited"][-1] == pytest.approx(10.0 * 12.0 / 3600.0, rel=1e-7)  # mAh/cm^2


def test_planar_front_velocity(planar_run):
    _, _, m = planar_run
    v_expected = 100.0 * ZN_MOLAR_VOLUME / (2 * FARADAY)  # i V_m / (n F), m/s
    t, h = m["t"], m["height_max"] * 1e-6
    late = t >= 4.0  # after the start-up of the concentration field
    v = np.polyfit(t[late], h[late], 1)[0]
    assert v == pytest.approx(v_expected, rel=0.03)  # 3 %: front (xi = 0.5) on a coarse mesh
    assert m["thickness_mean"][-1] * 1e-6 == pytest.approx(v_expected * 12.0, rel=1e-6)


def test_planar_front_stays_planar_and_concentration_physical(planar_run):
    _, _, m = planar_run
    assert np.all(m["roughness_rms"] < 1e-3)  # um
    assert np.all(m["length_ratio"] < 1.001)
    assert np.all(m["c_min_interface"] > 0.0)
    assert np.all(m["c_min_interface"] <= 2.0 + 1e-9)


def test_run_directory_is_complete(planar_run):
    from zndeposit.io.snapshots import read_index

    loaded, run, m = planar_run
    assert len(m["t"]) == 7  # t = 0 and every 2 s
    assert m.units["E"] == "V" and m.units["charge"] == "mAh/cm^2"
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "finished"
    assert manifest["solver"]["steps_accepted"] > 0
    again = load_case(run / "case.resolved.toml")
    assert again.case == loaded.case
    assert len(read_index(run).entries) == 7  # the fields: one VTU snapshot per output
    assert (run / "fields" / "snapshots" / "snapshots.pvd").is_file()


def test_run_cli_reports_bad_case_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(PLANAR.replace('"10 mA/cm^2"', '"10 mA"'))
    exe = Path(sys.executable).parent / "zndeposit"
    out = subprocess.run([exe, "run", bad, "-o", tmp_path / "r"], capture_output=True, text=True)
    assert out.returncode == 1
    assert "control.current_density" in out.stderr and "Traceback" not in out.stderr
