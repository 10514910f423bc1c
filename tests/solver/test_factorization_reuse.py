"""Reusing one LU factorisation over several Newton iterations changes nothing but the cost."""

import dataclasses

import numpy as np
import pytest
from test_model_stepper import STEPPING, flat_model, strip_mesh

from zndeposit.errors import SolverError
from zndeposit.solver.model import DepositionModel
from zndeposit.solver.options import NewtonOptions
from zndeposit.solver.stepper import Stepper

pytestmark = pytest.mark.fem


def _run(reuse: int) -> tuple[Stepper, DepositionModel]:
    """The stepper test's flat front, 0.3 s, with ``factorization_reuse = reuse``."""
    mesh = strip_mesh()
    reference = flat_model(mesh)
    model = DepositionModel(mesh, dataclasses.replace(reference.settings,
                            factorization_reuse=reuse))  # fmt: skip
    model.set_state(reference.get_state())
    stepper = Stepper(model, STEPPING)
    stepper.run()
    return stepper, model


def test_reused_factorisation_gives_the_same_run():
    """E and the deposit agree to 1e-9 relative with reuse 1 and 5, the fields to 1e-7;
    with reuse GMRES runs (more linear than Newton iterations), the Newton iterations
    are the same, and no solve needed a fresh factorisation."""
    exact, m1 = _run(1)
    reused, m5 = _run(5)
    a, b = exact.stats.history[-1], reused.stats.history[-1]
    assert b.potential == pytest.approx(a.potential, rel=1e-9)
    assert m5.deposited() == pytest.approx(m1.deposited(), rel=1e-9)
    assert np.allclose(m5.w.x.array, m1.w.x.array, rtol=1e-7, atol=1e-9)
    assert b.faraday_mismatch < 1e-8
    assert exact.stats.linear == exact.stats.newton
    assert reused.stats.newton == exact.stats.newton
    assert reused.stats.linear > reused.stats.newton
    assert m5.system.refactorisations == 0


def test_reuse_must_be_positive():
    with pytest.raises(SolverError, match="factorization_reuse"):
        NewtonOptions(factorization_reuse=0)
