import pytest

from zndeposit.solver.stepping import StepController


def test_grows_after_easy_steps_up_to_dt_max():
    s = StepController(dt=1.0, dt_min=1e-3, dt_max=3.0, growth=1.5)
    steps = []
    for _ in range(5):
        steps.append(s.propose(0.0))
        s.accepted(2)
    assert steps == pytest.approx([1.0, 1.5, 2.25, 3.0, 3.0])


def test_hard_steps_keep_or_shrink_dt():
    s = StepController(dt=1.0, dt_min=1e-3, dt_max=10.0, target_iterations=4, cutback=0.5)
    s.accepted(6)
    assert s.dt == pytest.approx(1.0)
    s.accepted(9)
    assert s.dt == pytest.approx(0.75)


def test_cut_and_give_up_below_dt_min():
    s = StepController(dt=1.0, dt_min=0.2, dt_max=10.0, cutback=0.5)
    assert s.rejected(1.0) and s.dt == pytest.approx(0.5)
    assert s.rejected(0.5) and s.dt == pytest.approx(0.25)
    assert not s.rejected(0.25)


def test_lands_exactly_on_milestones_and_resumes():
    s = StepController(dt=0.4, dt_min=1e-6, dt_max=0.4, milestones=[1.0, 2.0])
    t, times = 0.0, []
    while t < 2.0 - 1e-12:
        dt = s.propose(t)
        t += dt
        s.accepted(1)
        times.append(round(t, 12))
    assert 1.0 in times and times[-1] == 2.0
    assert max(b - a for a, b in zip([0.0, *times], times, strict=False)) <= 0.4 + 1e-12


def test_change_bound_limits_the_next_step():
    """A step that changed xi by twice the bound: the next dt aims at 0.8 x the bound."""
    s = StepController(dt=1.0, dt_min=1e-3, dt_max=10.0, growth=1.5, max_change=0.05)
    s.accepted(2, 1.0, change=0.1)  # growth would give 1.5 s
    assert s.dt == pytest.approx(1.0 * 0.8 * 0.05 / 0.1)
    s.accepted(2, s.dt, change=0.001)  # small change: the iteration rule decides again
    assert s.dt == pytest.approx(0.4 * 1.5)


def test_too_large_change_redoes_the_step_shorter():
    s = StepController(dt=2.0, dt_min=1e-3, dt_max=10.0, max_change=0.05)
    assert not s.too_large(0.09) and s.too_large(0.11)
    assert s.rejected(2.0, change=0.2) and s.dt == pytest.approx(2.0 * 0.8 * 0.05 / 0.2)
    assert not StepController(dt=1.0, dt_min=1e-3, dt_max=10.0).too_large(1.0)
