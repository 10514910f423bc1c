"""The time loop: adaptive dt, guards, Faraday bookkeeping, callbacks.

A :class:`Stepper` marches a :class:`~zndeposit.solver.model.DepositionModel`
in time with backward-Euler steps chosen by a
:class:`~zndeposit.solver.stepping.StepController`: it never accepts a
non-converged step, lands on every output time, counts the charge passed
(Faraday's law checked every step) and calls back after outputs, accepted and
rejected steps. It is fed a narrow :class:`StepperSettings` (no case file).

Two hooks for what outlives one mesh or one process:

- :meth:`Stepper.replace_model` swaps in a model on a new mesh (the adaptive
  remesher, every N steps) keeping t, the charge passed, the deposit
  reference, the step controller and the statistics;
- :meth:`Stepper.checkpoint_state` / :meth:`Stepper.restore_checkpoint_state`:
  everything of the loop as plain JSON values (checkpoints, restarts).

A protocol (``StepperSettings.protocol``, ``docs/protocols.md``) is a list of
galvanostatic steps run one after the other: the stepper lands exactly on
every step's end time, sets the model's applied current (a Constant) for the
next step, restarts dt at ``dt_initial`` there and keeps the position in the
protocol (step, charge passed in it, the completed steps) in its checkpoints.
A stripping step that uses up the metal on the current collector, or a
potential beyond :data:`RUNAWAY_POTENTIAL`, stops the run with a message that
names the step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from zndeposit.errors import SolverError
from zndeposit.log import get_logger
from zndeposit.solver.chemistry import ChemistryLedger
from zndeposit.solver.stepping import REJECT_RATIO, StepController
from zndeposit.units import unit_factor

if TYPE_CHECKING:
    from zndeposit.case.protocol import ProtocolSegment
    from zndeposit.case.schema import Case
    from zndeposit.solver.model import DepositionModel
    from zndeposit.solver.system import SolveResult


@dataclass
class StepRecord:
    """One accepted step: time (s), dt (s), Newton/linear iterations, E (V), Faraday mismatch."""

    t: float
    dt: float
    newton: int
    linear: int
    potential: float
    current: float
    deposited: float  # mol/m (per unit depth) of Zn above the initial state
    passed: float  # mol/m of electrons / n passed
    faraday_mismatch: float
    supply: float = float("nan")  # ionic current fed in through the top, A/m^2 (consistent)
    step: int = 1  # protocol step of this time step, 1-based (1 outside protocols)
    step_passed: float = 0.0  # mol/m of electrons / n passed in that protocol step so far


@dataclass
class RunStatistics:
    """Counters of a run (``history``: every accepted step since the start of this process)."""

    accepted: int = 0
    rejected: int = 0
    newton: int = 0
    linear: int = 0
    history: list[StepRecord] = field(default_factory=list)


@dataclass(frozen=True)
class StepperSettings:
    """Time-stepping settings (s unless said otherwise).

    Attributes:
        end_time: simulated time to reach, s.
        dt_initial, dt_min, dt_max: first, smallest and largest step, s.
        dt_growth: dt factor after a step with <= ``target_newton_iterations``.
        dt_cutback: dt factor after a failed step.
        target_newton_iterations: Newton iterations considered easy.
        max_xi_change: bound on max |xi - xi_n| per step (None: no bound).
        output_times: times to land on exactly (outputs), s.
        protocol: the steps of a protocol as run (empty: one constant control); their
            end times are landed on exactly and the last one is ``end_time``.
        runaway_potential: |E| (V) that stops a protocol step (see :data:`RUNAWAY_POTENTIAL`).
    """

    end_time: float
    dt_initial: float = 1e-3
    dt_min: float = 1e-8
    dt_max: float = 10.0
    dt_growth: float = 1.5
    dt_cutback: float = 0.5
    target_newton_iterations: int = 5
    max_xi_change: float | None = 0.05
    output_times: tuple[float, ...] = ()
    protocol: tuple[ProtocolSegment, ...] = ()
    runaway_potential: float = 1.0

    @classmethod
    def from_case(
        cls,
        case: Case,
        end_time: float,
        protocol: tuple[ProtocolSegment, ...] = (),
        runaway_potential: float = 1.0,
    ) -> StepperSettings:
        """The ``numerics`` of a case, run to ``end_time`` (s) through ``protocol``'s steps."""
        num = case.numerics
        return cls(
            end_time=end_time, dt_initial=num.dt_initial, dt_min=num.dt_min, dt_max=num.dt_max,
            dt_growth=num.dt_growth, dt_cutback=num.dt_cutback,
            target_newton_iterations=num.target_newton_iterations,
            max_xi_change=None if num.max_xi_change == "none" else float(num.max_xi_change),
            protocol=tuple(protocol), runaway_potential=runaway_potential,
        )  # fmt: skip


#: |E| beyond which a protocol step stops the run, V, on top of the cell's ohmic drop at the
#: largest step current (:func:`runaway_potential`): no Zn electrode of a working cell sits
#: 1 V beyond that from the reservoir, so the step's current cannot be carried any more
RUNAWAY_POTENTIAL = 1.0


def runaway_potential(max_current: float, resistance: float) -> float:
    """|E| (V) that stops a protocol step: RUNAWAY_POTENTIAL + the ohmic drop.

    Args:
        max_current: largest |current density| of the protocol's steps, A/m^2.
        resistance: area-specific ionic resistance of the electrolyte stack, ohm m^2.
    """
    return RUNAWAY_POTENTIAL + max_current * resistance


#: xi on the current collector below which the metal there counts as used up
USED_UP_XI = 0.5


#: controller fields saved in a checkpoint
_CONTROLLER_STATE = ("dt", "_saved_dt")


class Stepper:
    """March a model in time (collective: every rank calls every method).

    Args:
        model: the model, its state set (``t = 0``, or restored afterwards).
        settings: time-stepping settings.
        diagnose: ``diagnose(stepper, check)`` -> the message of a run that cannot go
            on (dt below dt_min); default: the check itself.
    """

    def __init__(
        self,
        model: DepositionModel,
        settings: StepperSettings,
        *,
        diagnose: Callable[[Stepper, str], str] | None = None,
    ) -> None:
        self.model = model
        self.settings = s = settings
        self.log = get_logger()
        self.diagnose = diagnose
        self.t = 0.0
        self.end_time = s.end_time
        self.passed = 0.0
        #: sum of |i| dt: the Faraday check's scale when a protocol strips back towards 0
        self.throughput = 0.0
        self.deposit0 = model.deposited()
        #: side chemistry: hydrogen charge and species supplies (None without)
        self.ledger: ChemistryLedger | None = None
        if model.chemistry_measures is not None:
            self.ledger = ChemistryLedger(model.chemistry_measures.inventories())
        #: protocol position: index into ``settings.protocol``, ``passed`` at its start
        self.segment = 0
        self.segment_start_passed = 0.0
        #: completed protocol steps: {"step", "t_end" (s), "charge" (C/m^2), "potential" (V)}
        self.step_log: list[dict[str, float]] = []
        self.stats = RunStatistics()
        self.last_change: float | None = None
        self.controller = StepController(
            dt=s.dt_initial, dt_min=s.dt_min, dt_max=s.dt_max, growth=s.dt_growth,
            cutback=s.dt_cutback, target_iterations=s.target_newton_iterations,
            milestones=[*s.output_times, s.end_time], max_change=s.max_xi_change,
        )  # fmt: skip
        #: ``callback(stepper, old_model)`` after every :meth:`replace_model`
        self.on_replace: list[Callable[[Stepper, DepositionModel], None]] = []
        #: ``hook(stepper)`` after every accepted step, before ``on_step`` and the outputs
        #: (mesh adaptation: a checkpoint written by those holds the adapted state)
        self.after_step: list[Callable[[Stepper], None]] = []
        self._saved: list | None = None
        self._checkpoint_hooks: dict[str, tuple[Callable[[], Any], Callable[[Any], None]]] = {}
        self._pending_extras: dict[str, Any] = {}

    # ------------------------------------------------------------------ hooks
    def replace_model(self, model: DepositionModel, *, destroy_old: bool = True) -> None:
        """Continue on ``model`` (e.g. a new mesh) whose state the caller has set.

        Keeps t, the charge passed, the deposit reference :attr:`deposit0`, the step
        controller and the statistics; the new model's time-dependent coefficients
        are brought to t. The caller transfers the state (conserving the deposit, so
        Faraday's law stays exact across the swap). Calls :attr:`on_replace`.
        """
        old = self.model
        model.set_time(self.t)
        if model.galvanostatic and old.galvanostatic:  # the protocol step's current
            model.set_applied_current(old.current_density)
        self.model = model
        self._saved = None
        for callback in self.on_replace:
            callback(self, old)
        if destroy_old and old is not model:
            old.destroy()

    def reset_references(self) -> None:
        """Take the model's present state as the t = 0 reference (deposit, chemistry inventories).

        For a model replaced before the first step (the initial mesh adaptation).
        """
        self.deposit0 = self.model.deposited()
        if self.model.chemistry_measures is not None:
            self.ledger = ChemistryLedger(self.model.chemistry_measures.inventories())

    def add_checkpoint_hook(
        self, name: str, get: Callable[[], Any], put: Callable[[Any], None]
    ) -> None:
        """Save ``get()`` (JSON values) under ``name`` in every checkpoint; ``put`` it back.

        For state outside the stepper that a restart needs (e.g. the adaptive
        remesher's counters). A hook added after :meth:`restore_checkpoint_state`
        gets its value at once.
        """
        self._checkpoint_hooks[name] = (get, put)
        if name in self._pending_extras:
            put(self._pending_extras.pop(name))

    def checkpoint_state(self) -> dict[str, Any]:
        """Everything of the loop as JSON values: t, passed, deposit0, controller, counters."""
        st = self.stats
        return {
            "t": self.t,
            "end_time": self.end_time,
            "passed": self.passed,
            "throughput": self.throughput,
            "protocol": {
                "segment": self.segment,
                "start_passed": self.segment_start_passed,
                "log": [dict(e) for e in self.step_log],
            },
            "deposit0": self.deposit0,
            "controller": {k: getattr(self.controller, k) for k in _CONTROLLER_STATE},
            "stats": {
                "accepted": st.accepted,
                "rejected": st.rejected,
                "newton": st.newton,
                "linear": st.linear,
            },
            "last_record": asdict(st.history[-1]) if st.history else None,
            "extras": {name: get() for name, (get, _) in self._checkpoint_hooks.items()},
            "chemistry": self.ledger.to_json() if self.ledger is not None else None,
        }

    def restore_checkpoint_state(self, data: dict[str, Any]) -> None:
        """Put back a :meth:`checkpoint_state` (the model's state is restored separately)."""
        self.t = float(data["t"])
        self.passed = float(data["passed"])
        self.throughput = float(data.get("throughput", self.passed))
        proto = data.get("protocol") or {}
        self.segment = int(proto.get("segment", 0))
        self.segment_start_passed = float(proto.get("start_passed", 0.0))
        self.step_log = [dict(e) for e in proto.get("log", [])]
        self._apply_segment()
        self.deposit0 = float(data["deposit0"])
        if data.get("chemistry") is not None:
            self.ledger = ChemistryLedger.from_json(data["chemistry"])
        for key, value in data["controller"].items():
            if key in _CONTROLLER_STATE:
                setattr(self.controller, key, None if value is None else float(value))
        st = data["stats"]
        self.stats = RunStatistics(
            int(st["accepted"]), int(st["rejected"]), int(st["newton"]), int(st["linear"])
        )
        if data.get("last_record"):
            self.stats.history.append(StepRecord(**data["last_record"]))
        self._pending_extras = dict(data.get("extras") or {})
        for name, (_, put) in self._checkpoint_hooks.items():
            if name in self._pending_extras:
                put(self._pending_extras.pop(name))
        self.model.set_time(self.t)

    # ---------------------------------------------------------------- protocol
    @property
    def protocol_step(self) -> ProtocolSegment | None:
        """The protocol step being run (None outside protocols)."""
        proto = self.settings.protocol
        return proto[min(self.segment, len(proto) - 1)] if proto else None

    def _apply_segment(self, *, predict: bool = False) -> None:
        """Hold the model to the current protocol step's current (``predict``: move E too)."""
        seg = self.protocol_step
        if seg is not None and self.model.galvanostatic:
            self.model.set_applied_current(seg.current_density, predict=predict)

    def _end_of_segment(self) -> None:
        """After an accepted step: log a finished protocol step, switch to the next one."""
        seg = self.protocol_step
        if seg is None or self.t < seg.end * (1 - 1e-12):
            return
        p = self.model.params
        to_charge = p.n * p.faraday / self.model.width  # mol/m -> C/m^2
        charge = (self.passed - self.segment_start_passed) * to_charge
        self.step_log.append(
            {
                "step": seg.index,
                "t_end": self.t,
                "charge": charge,
                "potential": self.model.potential,
            }
        )
        if self.segment + 1 < len(self.settings.protocol):
            self.segment += 1
            self.segment_start_passed = self.passed
            self._apply_segment(predict=True)  # E jumps with the current: start Newton there
            ctl = self.controller
            ctl.dt = min(max(self.settings.dt_initial, ctl.dt_min), ctl.dt_max)  # a new start
            ctl._saved_dt = None
            nxt = self.protocol_step
            assert nxt is not None
            self.log.info(f"t = {self.t:.6g} s: {nxt.label} begins")

    def _check_protocol_state(self) -> None:
        """Stop a protocol step whose metal is used up or whose potential ran away."""
        seg = self.protocol_step
        if seg is None:
            return
        model = self.model
        if seg.current_density < 0 and model.metal_at_collector() < USED_UP_XI:
            passed = (self.passed - self.segment_start_passed) * model.params.n
            charge = -passed * model.params.faraday / model.width
            raise SolverError(
                f"{seg.label}: the metal under the interface is used up at t = {self.t:.6g} s "
                f"(the interface reached the current collector after stripping "
                f"{charge * unit_factor('C/m^2', 'mAh/cm^2'):.4g} mAh/cm^2 in this step): "
                "strip less or start from a thicker anode"
            )
        e, bound = model.potential, self.settings.runaway_potential
        if abs(e) > bound:
            mv = unit_factor("V", "mV")
            raise SolverError(
                f"{seg.label}: the electrode potential ran away to E = {e * mv:.0f} mV at "
                f"t = {self.t:.6g} s (beyond +-{bound * mv:.0f} mV: {RUNAWAY_POTENTIAL:g} V "
                "+ the ohmic drop at the largest step current): the cell cannot carry the "
                "step's current any more (the metal under the interface used up, or the "
                "electrolyte depleted)"
            )

    # ------------------------------------------------------------------- steps
    def step(self, dt: float) -> tuple[bool, SolveResult]:
        """Try one backward-Euler step of length dt (s); on failure the state is restored."""
        model = self.model
        self._saved = saved = model.save()
        try:
            result = model.solve(dt)
        except SolverError:
            model.restore(saved)
            raise
        ok = result.converged
        if ok and (guard := model.guard_failure()) is not None:
            ok, result = False, result._replace(reason=guard)
        elif not ok:
            result = result._replace(
                reason=f"Newton: {result.reason} after {result.newton_iterations} iterations"
            )
        self.last_change = model.xi_change() if ok else None
        if not ok:
            model.restore(saved)
        return ok, result

    def run(
        self,
        output_times: list[float] | None = None,
        on_output: Callable[[Any], None] | None = None,
        on_step: Callable[[Any, StepRecord], None] | None = None,
        on_reject: Callable[[Any, float, str], None] | None = None,
        should_stop: Callable[[Any], bool] | None = None,
        *,
        initial_output: bool | None = None,
    ) -> RunStatistics:
        """March to the end time; call ``on_output`` at t = 0 and every output time.

        ``on_reject(stepper, dt, reason)`` follows every rejected step;
        ``should_stop(stepper)`` (collective) is asked before every step and ends the
        loop at the last accepted one. ``output_times`` (s) replace the settings'
        ones. ``initial_output`` (default: when t = 0) calls ``on_output`` first;
        outputs at or before the current t are skipped (a restart).

        Raises:
            SolverError: dt fell below dt_min (message from ``diagnose``).
        """
        ctl = self.controller
        times = self.settings.output_times if output_times is None else output_times
        outs = sorted(set(times))
        ends = [seg.end for seg in self.settings.protocol[:-1]]
        ctl.milestones = sorted([*outs, *ends, self.end_time])
        self._apply_segment()
        if initial_output is None:
            initial_output = self.t == 0.0
        if on_output and initial_output:
            on_output(self)
        next_out = [t for t in outs if t > 0 and t > self.t * (1 + 1e-12)]
        while self.t < self.end_time * (1 - 1e-12):
            if should_stop is not None and should_stop(self):
                break
            dt = ctl.propose(self.t)
            ok, result = self.step(dt)
            change = self.last_change
            if ok and change is not None and ctl.too_large(change):
                self.model.restore(self._saved)
                reason = (
                    f"step size: xi changed by {change:.3f} > "
                    f"{REJECT_RATIO:g} x numerics.max_xi_change"
                )
                ok, result = False, result._replace(reason=reason)
            else:
                change = None
            if not ok:
                self.stats.rejected += 1
                self.log.debug(f"step rejected at t={self.t:.4g} s, dt={dt:.3g} ({result.reason})")
                if on_reject is not None:
                    on_reject(self, dt, str(result.reason))
                if not ctl.rejected(dt, change):
                    reason = str(result.reason)
                    raise SolverError(self.diagnose(self, reason) if self.diagnose else reason)
                continue
            self._accept(dt, result)
            ctl.accepted(result.newton_iterations, dt, self.last_change or 0.0)
            self._end_of_segment()
            self._check_protocol_state()
            for hook in self.after_step:  # before the callbacks: checkpoints see its result
                hook(self)
            if on_step:
                on_step(self, self.stats.history[-1])
            while next_out and next_out[0] <= self.t * (1 + 1e-12):
                next_out.pop(0)
                if on_output:
                    on_output(self)
        return self.stats

    def _accept(self, dt: float, result: SolveResult) -> None:
        model = self.model
        p = model.params
        supply = model.supply_current()  # before the lagged fields move on
        hydrogen = 0.0  # mol/m of electrons / n taken by hydrogen evolution so far
        if self.ledger is not None and model.chemistry_measures is not None:
            self.ledger.record(model.chemistry_measures, dt, supply * model.width * dt)
            hydrogen = self.ledger.hydrogen / p.n
        self.t += dt
        seg = self.protocol_step
        if seg is not None and abs(self.t - seg.end) <= 1e-12 * seg.end:
            self.t = seg.end  # exactly on the step's end (t + (end - t) may miss it by an ulp)
        model.advance(self.t)
        dep = model.deposited() - self.deposit0
        n, F = p.n, p.faraday
        if model.galvanostatic:
            current = model.current_density
            self.passed += current * model.width * dt / (n * F)
            self.throughput += abs(current) * model.width * dt / (n * F)
        else:  # potentiostatic: the passed charge is what the metal and hydrogen took
            previous = self.passed
            self.passed = dep + hydrogen
            current = (self.passed - previous) * n * F / (dt * model.width)
        # the metal integral against the integrated current; scale: the charge that went
        # through (= passed when plating only; a protocol strips back towards 0)
        scale = max(abs(self.passed), self.throughput)
        mismatch = abs(dep + hydrogen - self.passed) / scale if scale > 0 else 0.0
        self.stats.accepted += 1
        self.stats.newton += result.newton_iterations
        self.stats.linear += result.linear_iterations
        self.stats.history.append(
            StepRecord(self.t, dt, result.newton_iterations, result.linear_iterations,
                       model.potential, current, dep, self.passed, mismatch, supply,
                       seg.index if seg else 1,
                       self.passed - self.segment_start_passed if seg else self.passed)
        )  # fmt: skip
        if model.galvanostatic and mismatch > 1e-6 and self.throughput > 0:
            self.log.warning(f"Faraday mismatch {mismatch:.2e} at t = {self.t:.4g} s")
