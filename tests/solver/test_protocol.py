"""Protocols (``[control] mode = "protocol"``): plate, rest and strip in one run.

The tiny sweep case (2 x 8 um periodic strip, 3 elements across the interface,
fixed mesh) without its nucleus: a flat electrode 2 um thick, plated at
10 mA/cm^2 for 0.5 s, rested 0.5 s and stripped at -10 mA/cm^2 for 0.25 s
(about 60 steps, a few seconds per run).
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zndeposit.case.derived import derive
from zndeposit.case.load import load_case
from zndeposit.case.protocol import metal_charge
from zndeposit.errors import CaseError, RunInterrupted, SolverError
from zndeposit.io.metrics_csv import read_metrics
from zndeposit.io.summary import run_summary
from zndeposit.metrics.registry import lookup

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "sweep" / "tiny_case.toml"

PLATE, REST, STRIP = 0.5, 0.5, 0.25  # s
#: the three steps; every end time is a multiple of dt_max, so dt reaches it between rows
STEPS = f"""
[control]
mode = "protocol"
[[control.steps]]
current_density = "10 mA/cm^2"
duration = "{PLATE} s"
[[control.steps]]
current_density = "0 mA/cm^2"
duration = "{REST} s"
[[control.steps]]
current_density = "-10 mA/cm^2"
duration = "{STRIP} s"
"""


def edit(steps: str, k: int, old: str, new: str) -> str:
    """``steps`` with ``old`` replaced by ``new`` in its step k (0-based) only."""
    parts = steps.split("[[control.steps]]")
    assert old in parts[k + 1], (k, old)
    parts[k + 1] = parts[k + 1].replace(old, new)
    return "[[control.steps]]".join(parts)


def protocol_case(steps: str = STEPS, **replace: str) -> str:
    """The tiny case, flat (no nucleus), with ``steps`` as its [control] section."""
    text = TINY.read_text()
    head, rest = text.split("[[anode.nuclei]]", 1)
    text = head + "[electrolyte]" + rest.split("[electrolyte]", 1)[1]
    start, stop = text.index("[control]"), text.index("[mesh]")
    text = text[:start] + steps.strip() + "\n" + text[stop:]
    text = text.replace('dt_max = "0.25 s"', 'dt_max = "0.05 s"')
    text = text.replace('interval = "0.25 s"', 'interval = "0.1 s"')
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def _write(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "case.toml"
    path.write_text(text)
    return path


def _run(path: Path, out: Path, cache: Path, **kwargs):
    from zndeposit.log import setup_logging
    from zndeposit.solver.driver import run_case

    setup_logging()
    return run_case(load_case(path), out, cache_dir=cache, progress=False, **kwargs)


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mesh_cache")


@pytest.fixture(scope="module")
def plate_rest_strip(tmp_path_factory, cache):
    """(case path, run folder, metrics) of the uninterrupted plate-rest-strip run."""
    d = tmp_path_factory.mktemp("protocol")
    path = _write(d, protocol_case())
    _run(path, d / "run", cache)
    return path, d / "run", read_metrics(d / "run" / "metrics.csv")


# ----------------------------------------------------------------- validation
def _issues(tmp_path: Path, steps: str, **replace: str) -> str:
    with pytest.raises(CaseError) as err:
        load_case(_write(tmp_path, protocol_case(steps, **replace)))
    return str(err.value)


def test_bad_protocols_are_rejected_with_file_key_and_units(tmp_path):
    both = edit(STEPS, 0, "duration", 'capacity = "1 mAh/cm^2"\nduration')
    msg = _issues(tmp_path, both)
    assert "case.toml › control.steps[0]: give exactly one of capacity or duration" in msg
    neither = edit(STEPS, 1, f'duration = "{REST} s"\n', "")
    assert "control.steps[1]: give exactly one of capacity or duration" in _issues(
        tmp_path, neither
    )
    rest_capacity = edit(STEPS, 1, f'duration = "{REST} s"', 'capacity = "0.1 mAh/cm^2"')
    msg = _issues(tmp_path, rest_capacity)
    assert "control.steps[1]: a rest (current_density = 0 mA/cm^2) passes no charge" in msg
    assert "give its duration" in msg
    units = STEPS.replace('"-10 mA/cm^2"', '"-10 mAh/cm^2"')
    msg = _issues(tmp_path, units)
    assert "control.steps[2].current_density = '-10 mAh/cm^2'" in msg and "mA/cm^2" in msg
    empty = '[control]\nmode = "protocol"\n'
    assert "needs at least one [[control.steps]] entry" in _issues(tmp_path, empty)
    mixed = STEPS.replace('mode = "protocol"', 'mode = "protocol"\ncurrent_density = "1 mA/cm^2"')
    assert "current_density do(es) not apply to mode = 'protocol'" in _issues(tmp_path, mixed)
    foreign = '[control]\ncurrent_density = "10 mA/cm^2"\nduration = "1 s"\nrepeat = 2\n'
    assert "repeat apply to mode = 'protocol' only" in _issues(tmp_path, foreign)
    zero = STEPS.replace('mode = "protocol"', 'mode = "protocol"\nrepeat = 0')
    assert "control.repeat = 0" in _issues(tmp_path, zero)
    many = STEPS.replace('mode = "protocol"', 'mode = "protocol"\nrepeat = 4000')
    msg = _issues(tmp_path, many)
    assert "the protocol runs 3 x 4000 = 12000 steps: at most 10000 are accepted" in msg


def test_stripping_more_than_the_metal_is_rejected_with_numbers(tmp_path):
    # 2 um of Zn = 1.17 mAh/cm^2, + 0.5 mAh/cm^2 plated: 1.67 mAh/cm^2 to strip at most
    steps = edit(STEPS, 0, f'duration = "{PLATE} s"', 'capacity = "0.5 mAh/cm^2"')
    steps = steps.replace(f'duration = "{STRIP} s"', 'capacity = "2 mAh/cm^2"')
    msg = _issues(tmp_path, steps)
    assert (
        "control.steps[2] = '2 mAh/cm^2': step 3 (strip -10 mA/cm^2) strips 2 mAh/cm^2 of Zn "
        "but only 1.67 mAh/cm^2 is there (the anode's 2 um = 1.17 mAh/cm^2, + 0.5 mAh/cm^2 "
        "net plated before it)"
    ) in msg
    # repeated: the third cycle strips more than is left
    steps = steps.replace('capacity = "2 mAh/cm^2"', 'capacity = "0.9 mAh/cm^2"')
    steps = steps.replace('mode = "protocol"', 'mode = "protocol"\nrepeat = 3')
    msg = _issues(tmp_path, steps)
    assert "step 9 (strip -10 mA/cm^2, cycle 3) strips 0.9 mAh/cm^2" in msg
    assert "only 0.8704 mAh/cm^2 is there" in msg
    # just enough: accepted, with the steps in order and the repeats expanded
    steps = steps.replace("repeat = 3", "repeat = 2")
    longer = {'interval = "0.1 s"': 'interval = "100 s"'}
    loaded = load_case(_write(tmp_path, protocol_case(steps, **longer)))
    d = derive(loaded.case)
    assert [s.index for s in d.protocol] == [1, 2, 3, 4, 5, 6]
    assert [s.cycle for s in d.protocol] == [1, 1, 1, 2, 2, 2]
    assert d.protocol[-1].end == d.run_time == loaded.case.control.run_time
    assert metal_charge(2e-6) == pytest.approx(1.17 * 36000, rel=2e-3)
    assert not [w for w in loaded.warnings if w.key == "mesh.adapt"]
    # stripping 1.1 mAh/cm^2 (1.9 um) below the start leaves the fixed mesh's fine band
    deeper = steps.replace('capacity = "0.9 mAh/cm^2"', 'capacity = "1.6 mAh/cm^2"')
    deeper = deeper.replace("repeat = 2", "repeat = 1")
    loaded = load_case(_write(tmp_path, protocol_case(deeper, **longer)))
    (warning,) = [w for w in loaded.warnings if w.key == "mesh.adapt"]
    assert "strips the surface down by 1.88 um below where it starts" in warning.message


def test_existing_modes_keep_their_settings(tmp_path):
    from zndeposit.solver.model import ModelSettings
    from zndeposit.solver.stepper import StepperSettings

    loaded = load_case(TINY)
    d = derive(loaded.case)
    assert d.protocol == () and d.applied_current == 100.0 and d.run_time == 0.5
    assert ModelSettings.from_case(loaded.case, d).current_density == 100.0
    assert StepperSettings.from_case(loaded.case, d.run_time).protocol == ()


# ----------------------------------------------------------------------- runs
@pytest.mark.fem
def test_steps_land_exactly_and_the_step_column(plate_rest_strip):
    path, _, m = plate_rest_strip
    ends = [s.end for s in derive(load_case(path).case).protocol]
    assert ends == [PLATE, PLATE + REST, PLATE + REST + STRIP]
    for k, end in enumerate(ends, start=1):
        row = np.flatnonzero(m["t"] == end)  # exactly, not to a tolerance
        assert row.size == 1, (end, m["t"])
        assert m["step"][row[0]] == k  # the row at a step's end shows that step
    assert m["step"][0] == 1
    t = m["t"]
    expected = np.where(t <= ends[0], 1, np.where(t <= ends[1], 2, 3))
    np.testing.assert_array_equal(m["step"], expected)
    # the applied current of each step, zero included
    applied = np.select([expected == 1, expected == 2], [10.0, 0.0], -10.0)
    np.testing.assert_allclose(m["i"][1:], applied[1:], rtol=1e-12, atol=0)


@pytest.mark.fem
def test_faraday_through_plate_rest_strip(plate_rest_strip):
    _, _, m = plate_rest_strip
    c = lookup("charge").from_si(1.0)  # C/m^2 -> mAh/cm^2
    plate, strip = 100.0 * PLATE * c, -100.0 * STRIP * c
    ends = [PLATE, PLATE + REST, PLATE + REST + STRIP]
    rows = [int(np.flatnonzero(m["t"] == e)[0]) for e in ends]
    np.testing.assert_allclose(m["step_charge"][rows], [plate, 0.0, strip], rtol=1e-12, atol=1e-18)
    net = plate + strip
    assert m["charge"][-1] == pytest.approx(net, rel=1e-12)
    # the metal integral: plated, unchanged by the rest, dissolved by the strip
    dep = m["zn_deposited"]
    rel = abs(dep[-1] - net) / net
    print(f"\ndeposit after plate + strip: {dep[-1]:.12g} mAh/cm^2, expected {net:.12g}: {rel:.2e}")
    assert rel < 1e-10
    assert abs(dep[rows[0]] - plate) / plate < 1e-10
    assert abs(dep[rows[1]] - dep[rows[0]]) / plate < 1e-10
    strip_rows = m["step"] == 3
    assert np.all(np.diff(dep[strip_rows]) < 0) and np.all(
        np.diff(m["thickness_mean"][strip_rows]) < 0
    )
    assert np.nanmax(m["faraday_error"][1:]) < 1e-10


@pytest.mark.fem
def test_rest_relaxes_the_potential_with_the_first_diffusion_mode(plate_rest_strip):
    """At zero net current on a flat electrode E is the concentration overpotential
    (RT/nF) ln(c_s/c_bulk) (no ohmic drop, no activation, no curvature), and c_s relaxes
    to the reservoir's c_bulk by diffusion across the electrolyte of length L between a
    no-flux electrode and c = c_bulk at the top: after the faster modes have died the
    deviation decays as the first mode, exp(-lambda t) with lambda = pi^2 D / (4 L^2), D
    the salt (ambipolar) diffusivity. Backward Euler with steps dt multiplies it by
    1/(1 + lambda dt) per step: that discrete closed form is what the rows are compared
    with (dt = dt_max from 0.1 s into the rest on)."""
    path, _, m = plate_rest_strip
    case = load_case(path).case
    d = derive(case)
    length = case.domain.height - case.anode.thickness
    lam = math.pi**2 * d.ambipolar_diffusivity / (4 * length**2)
    dt = case.numerics.dt_max
    rest = m["step"] == 2
    t, e, n = m["t"][rest], m["E"][rest], m["steps_accepted"][rest]
    assert np.all(e < 0) and np.all(np.diff(np.abs(e)) < 0)  # depleted by plating, relaxing
    # the intervals between rows made of steps of dt_max (dt restarts at dt_initial)
    steps = np.diff(n)
    full = steps == np.round(np.diff(t) / dt)
    assert full.sum() >= 3, (np.diff(t), steps)
    ratio = (e[1:] / e[:-1])[full]
    expected = (1 + lam * dt) ** -steps[full]
    print(f"\nrest: E ratio per 0.1 s {ratio}, first-mode closed form {expected}")
    np.testing.assert_allclose(ratio, expected, rtol=0.01)
    # plating at -85 mV; at the end of the rest (2.5 relaxation times 1/lambda) |E| < 1 mV:
    # only the concentration overpotential is left, (RT/nF) ln(c_s/c_bulk) with c_s within
    # 1 % of the bulk after plating 0.5 s at 10 mA/cm^2, times exp(-2.5)
    assert m["E"][np.flatnonzero(m["t"] == PLATE)[0]] < -0.05
    assert abs(e[-1]) < 1e-3


@pytest.mark.fem
def test_run_summary_lists_every_step(plate_rest_strip):
    _, run, _ = plate_rest_strip
    text = run_summary(run / "metrics.csv")
    print("\n" + text)
    assert "protocol steps (end time, charge passed in the step, E at its end)" in text
    assert "step 1   t = 0.5" in text and "+0.001389 mAh/cm^2" in text
    assert "step 2   t = 1 " in text and "step 3   t = 1.25" in text
    assert "-0.0006944 mAh/cm^2" in text


@pytest.mark.fem
def test_faraday_check_is_not_true_by_construction(tmp_path, cache, monkeypatch):
    """faraday_error compares the metal integral with the integrated current: a model whose
    constraint kept plating through the strip (|i| in place of i) while the stepper counts
    the applied -10 mA/cm^2 is off by the whole strip."""
    import zndeposit.solver.model as model_module

    original = model_module.constraint_offset
    monkeypatch.setattr(
        model_module, "constraint_offset", lambda p, dt, i, w: original(p, dt, abs(i), w)
    )
    _run(_write(tmp_path, protocol_case()), tmp_path / "run", cache)
    m = read_metrics(tmp_path / "run" / "metrics.csv")
    strip = m["step"] == 3
    assert np.nanmax(m["faraday_error"][~strip][1:]) < 1e-10  # right until the strip
    # deposit 1.5 x plate, passed 0.5 x plate, throughput 1.5 x plate: error 2/3
    assert m["faraday_error"][-1] == pytest.approx(2 / 3, rel=1e-6)
    assert np.all(np.diff(m["zn_deposited"][strip]) > 0)  # the metal kept growing


@pytest.mark.fem
def test_used_up_metal_stops_the_run_naming_the_step(tmp_path, cache):
    steps = STEPS.replace('"-10 mA/cm^2"', '"-100 mA/cm^2"')
    steps = steps.replace(f'duration = "{STRIP} s"', 'duration = "60 s"')
    text = protocol_case(steps, **{'thickness = "2 um"': 'thickness = "1 um"'})
    text = text.replace('dt_max = "0.05 s"', 'dt_max = "1 s"')
    text = text.replace('interval = "0.1 s"', 'interval = "10 s"')
    path = _write(tmp_path, text)
    with pytest.raises(CaseError, match=r"strips 1.667 mAh/cm\^2 of Zn but only"):
        load_case(path)
    from zndeposit.log import setup_logging
    from zndeposit.solver.driver import run_case

    setup_logging()
    with pytest.raises(SolverError) as err:
        run_case(load_case(path, check=False), tmp_path / "run", cache_dir=cache, progress=False)
    msg = str(err.value)
    print("\n" + msg)
    assert msg.startswith(
        "step 3 (strip -100 mA/cm^2): the metal under the interface is used up at t = "
    )
    m = read_metrics(tmp_path / "run" / "metrics.csv")
    assert m["step"][-1] == 3 and m["zn_deposited"][-1] < -0.4  # most of the 0.59 mAh/cm^2


@pytest.mark.fem
def test_runaway_and_solver_stops_name_the_step(tmp_path, cache):
    """The other two stops: |E| beyond the runaway bound (here lowered to 50 mV, so the
    first plating step at -85 mV trips it), and a step the solver cannot take (Newton
    made to fail from the rest on: dt falls below dt_min, the diagnosis names the step)."""
    import dataclasses

    path = _write(tmp_path, protocol_case())

    def low_bound(sim):
        st = sim.stepper
        st.settings = dataclasses.replace(st.settings, runaway_potential=0.05)

    with pytest.raises(SolverError) as err:
        _run(path, tmp_path / "runaway", cache, setup=low_bound)
    msg = str(err.value)
    print("\n" + msg)
    assert msg.startswith("step 1 (plate 10 mA/cm^2): the electrode potential ran away to E = -8")
    assert "(beyond +-50 mV: 1 V + the ohmic drop" in msg

    def failing_rest(sim):
        solve = sim.model.solve

        def solve_or_fail(dt):
            result = solve(dt)
            return result._replace(converged=False) if sim.t >= PLATE else result

        sim.model.solve = solve_or_fail

    with pytest.raises(SolverError) as err:
        _run(path, tmp_path / "stuck", cache, setup=failing_rest)
    msg = str(err.value)
    print(msg)
    assert msg.startswith("step 2 (rest): the solver could not continue at t = 0.5 s")
    assert "dt fell below dt_min" in msg


@pytest.mark.fem
def test_restart_in_the_middle_of_the_rest(plate_rest_strip, tmp_path, cache):
    """SIGTERM 0.1 s into step 2, then ``zndeposit run --restart``: the same metrics."""
    path, _, ref = plate_rest_strip
    out = tmp_path / "run"

    def stop_in_rest(sim):
        def hook(stepper):
            if stepper.t > PLATE + 0.1 and not fired:
                fired.append(True)
                os.kill(os.getpid(), signal.SIGTERM)

        fired: list[bool] = []
        sim.stepper.after_step.append(hook)

    with pytest.raises(RunInterrupted):
        _run(path, out, cache, setup=stop_in_rest)
    part = read_metrics(out / "metrics.csv")
    assert part["step"][-1] == 2 and part["t"][-1] < PLATE + REST
    r = subprocess.run(
        [sys.executable, "-m", "zndeposit", "run", "--restart", str(out), "--no-progress"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    m = read_metrics(out / "metrics.csv")
    assert np.array_equal(m["t"], ref["t"]) and np.array_equal(m["step"], ref["step"])
    worst = 0.0
    for key in ref:
        x, y = ref[key], m[key]
        assert np.array_equal(np.isnan(x), np.isnan(y)), key
        ok = ~np.isnan(x)
        if key in ("faraday_error", "charge_balance_error"):  # round-off quantities
            assert np.all(np.abs(x[ok] - y[ok]) < 1e-9), key
            continue
        rel = np.abs(x[ok] - y[ok]) / np.maximum(np.abs(x[ok]), 1e-300)
        rel[x[ok] == y[ok]] = 0.0
        worst = max(worst, float(rel.max(initial=0.0)))
        assert rel.max(initial=0.0) < 1e-6, (key, rel.max())
    print(f"\nrestart in step 2: worst relative difference {worst:.3g}")
    assert "protocol steps" in r.stdout and "step 3   t = 1.25" in r.stdout
