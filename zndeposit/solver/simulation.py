"""One run of a case: a :class:`DepositionModel` marched by a :class:`Stepper`.

``Simulation(loaded, mesh_data).run()`` evolves the deposit until the
requested capacity or duration, hitting every output time exactly, never
accepting a non-converged step, and checking Faraday's law every step. It is
the case-file front of the two parts (:mod:`zndeposit.solver.model`: spaces,
forms, boundary conditions, Newton; :mod:`zndeposit.solver.stepper`: the time
loop), which can also be driven from Python without a case
(``docs/solver.md``, "Model and stepper"). Attributes of the model (``w``,
``mesh``, ``forms``, ``params``, ...) and of the stepper (``t``, ``stats``,
``passed``, ``end_time``, ...) are read through the facade.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zndeposit.case.derived import derive
from zndeposit.case.load import LoadedCase
from zndeposit.geometry.mesh import MeshData
from zndeposit.solver.diagnose import stop_reason
from zndeposit.solver.model import (
    DEPOSIT_QUADRATURE_DEGREE,
    PSI_STEP,
    U_STEP,
    XI_MAX,
    XI_MIN,
    DepositionModel,
    ModelSettings,
)
from zndeposit.solver.stepper import (
    RunStatistics,
    Stepper,
    StepperSettings,
    StepRecord,
    runaway_potential,
)

__all__ = [
    "DEPOSIT_QUADRATURE_DEGREE",
    "PSI_STEP",
    "U_STEP",
    "XI_MAX",
    "XI_MIN",
    "RunStatistics",
    "Simulation",
    "StepRecord",
]


class Simulation:
    """One run of a case on a mesh.

    Args:
        loaded: the validated case.
        mesh_data: the mesh with cell/facet tags (:func:`zndeposit.geometry.mesh.load_mesh`).
        initial: set the case's initial state (False: the caller sets it, e.g. from a
            checkpoint with ``sim.model.set_state``).
    """

    def __init__(self, loaded: LoadedCase, mesh_data: MeshData, *, initial: bool = True) -> None:
        self.case = case = loaded.case
        self.derived = derive(case)
        model = DepositionModel(mesh_data, ModelSettings.from_case(case, self.derived))
        if initial:
            model.set_initial_state(case, self.derived)
        d = self.derived
        bound = 1.0
        if d.protocol:  # the ohmic drop of the largest step current across the stack
            resistance = sum(r.thickness / r.conductivity for r in d.regions)
            bound = runaway_potential(max(abs(s.current_density) for s in d.protocol), resistance)
        self.stepper = Stepper(
            model,
            StepperSettings.from_case(case, d.run_time, d.protocol, bound),
            diagnose=lambda _stepper, check: stop_reason(self, check),
        )

    @property
    def model(self) -> DepositionModel:
        """The current model (it changes when the stepper's model is replaced)."""
        return self.stepper.model

    def __getattr__(self, name: str) -> Any:
        """Model attributes first (w, mesh, forms, params, potential, ...), then the stepper's."""
        if name in ("stepper", "case", "derived"):  # not set yet: no recursion
            raise AttributeError(name)
        model = self.stepper.model
        if hasattr(model, name):
            return getattr(model, name)
        return getattr(self.stepper, name)

    def step(self, dt: float) -> tuple[bool, Any]:
        """Try one step of length dt (s) (:meth:`Stepper.step`)."""
        return self.stepper.step(dt)

    def run(
        self,
        output_times: list[float] | None = None,
        on_output: Callable[[Simulation], None] | None = None,
        on_step: Callable[[Simulation, StepRecord], None] | None = None,
        on_reject: Callable[[Simulation, float, str], None] | None = None,
        should_stop: Callable[[Simulation], bool] | None = None,
        *,
        initial_output: bool | None = None,
    ) -> RunStatistics:
        """March to the end time (:meth:`Stepper.run`); callbacks receive this Simulation."""

        def wrap(fn: Callable[..., Any] | None) -> Callable[..., Any] | None:
            return None if fn is None else (lambda _s, *a: fn(self, *a))

        return self.stepper.run(
            [] if output_times is None else output_times,
            wrap(on_output), wrap(on_step), wrap(on_reject), wrap(should_stop),
            initial_output=initial_output,
        )  # fmt: skip
