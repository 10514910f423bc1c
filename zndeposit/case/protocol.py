"""Control protocols as run: the steps of ``mode = "protocol"`` with their times (SI units).

``repeat`` expanded, every step with its start and end time and its signed
current density; read by the derived quantities, the case checks and the
stepper (docs/protocols.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from zndeposit.case.schema import Case
from zndeposit.constants import FARADAY, ZN_ELECTRONS, ZN_MOLAR_VOLUME
from zndeposit.units import format_quantity


@dataclass(frozen=True)
class ProtocolSegment:
    """One step of a protocol as run (``repeat`` expanded), SI units.

    Attributes:
        index: position in the run, 1-based (the metrics column ``step``).
        current_density: applied current density, A/m^2 (> 0 plates, < 0 strips, 0 rests).
        start, end: start and end time of the step, s.
        cycle: which pass through the list of steps, 1-based.
        position: index of the step in ``[[control.steps]]``, 0-based.
    """

    index: int
    current_density: float
    start: float
    end: float
    cycle: int = 1
    position: int = 0

    @property
    def charge(self) -> float:
        """Charge the step passes, C/m^2 (signed: > 0 plates)."""
        return self.current_density * (self.end - self.start)

    @property
    def label(self) -> str:
        """The step in the user's terms, e.g. ``"step 3 (strip -10 mA/cm^2)"``."""
        i = self.current_density
        what = "rest" if i == 0.0 else ("plate" if i > 0 else "strip")
        text = what if i == 0.0 else f"{what} {format_quantity(i, 'A/m^2', 'mA/cm^2')}"
        cycle = f", cycle {self.cycle}" if self.cycle > 1 else ""
        return f"step {self.index} ({text}{cycle})"


def protocol_segments(case: Case) -> tuple[ProtocolSegment, ...]:
    """The steps of a protocol case in the order they run, with their end times (() otherwise).

    End times are running sums of the step lengths (capacity / |i| or the
    duration); the last one is the run time.
    """
    ctl = case.control
    steps = ctl.steps or []
    out: list[ProtocolSegment] = []
    t = 0.0
    for k, step in enumerate(ctl.protocol):
        start, t = t, t + step.run_time
        pos = k % len(steps)
        out.append(
            ProtocolSegment(k + 1, float(step.current_density), start, t, k // len(steps) + 1, pos)
        )
    return tuple(out)


def metal_charge(thickness: float) -> float:
    """Areal charge, C/m^2, of a dense Zn layer ``thickness`` (m) thick."""
    return thickness * ZN_ELECTRONS * FARADAY / ZN_MOLAR_VOLUME
