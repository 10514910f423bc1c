"""The `[control]` section of a case file: constant control, or a protocol of steps (SI)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from zndeposit.case.quantity import CurrentDensity, Time, quantity
from zndeposit.case.section import Section

#: most steps a protocol runs (the list times ``repeat``): each step end is an output
MAX_PROTOCOL_STEPS = 10_000


class ProtocolStep(Section):
    """One step of a protocol (mode = "protocol"): a `[[control.steps]]` table, run in order."""

    current_density: CurrentDensity() = Field(
        description='current density of the step: > 0 plates, < 0 strips, "0 mA/cm^2" rests'
    )
    capacity: quantity("C/m^2", "mAh/cm^2", gt=0) | None = Field(
        None, description='charge to plate or strip in the step (a magnitude), e.g. "0.5 mAh/cm^2"'
    )
    duration: Time(gt=0) | None = Field(None, description='length of the step, e.g. "30 min"')

    @model_validator(mode="after")
    def _one_length(self) -> ProtocolStep:
        if (self.capacity is None) == (self.duration is None):
            raise ValueError(
                "give exactly one of capacity or duration for each step "
                '(e.g. capacity = "0.5 mAh/cm^2" or duration = "30 min")'
            )
        if self.capacity is not None and self.current_density == 0.0:
            raise ValueError(
                "a rest (current_density = 0 mA/cm^2) passes no charge: give its duration "
                '(e.g. duration = "1 h"), not a capacity'
            )
        return self

    @property
    def run_time(self) -> float:
        """Length of the step, s (capacity / |current| when given as a capacity)."""
        if self.duration is not None:
            return self.duration
        assert self.capacity is not None
        return self.capacity / abs(self.current_density)


class Control(Section):
    """Galvanostatic, potentiostatic or a protocol of galvanostatic steps (plate, rest, strip)."""

    mode: Literal["galvanostatic", "potentiostatic", "protocol", "open_circuit"] = Field(
        "galvanostatic",
        description="constant current, constant electrode potential, a protocol: the "
        "galvanostatic [[control.steps]] one after the other (docs/protocols.md), or "
        "open_circuit: a rest at zero net current for duration (Zn corrodes while hydrogen "
        "evolves; needs [chemistry], docs/chemistry.md)",
    )
    current_density: CurrentDensity(gt=0) | None = Field(
        None, description="plating current density (galvanostatic)"
    )
    potential: quantity("V", "mV") | None = Field(
        None, description="electrode potential vs the reservoir (potentiostatic; < 0 plates)"
    )
    capacity: quantity("C/m^2", "mAh/cm^2", gt=0) | None = Field(
        None, description='areal capacity to plate, e.g. "1 mAh/cm^2"'
    )
    duration: Time(gt=0) | None = Field(None, description='e.g. "10 min"')
    steps: list[ProtocolStep] | None = Field(
        None, description="protocol: the galvanostatic steps, in order ([[control.steps]])"
    )
    repeat: int | None = Field(
        None, ge=1, description="protocol: how many times the list of steps is run (default 1)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Control:
        problems = []
        if self.mode == "galvanostatic":
            if self.current_density is None:
                problems.append("galvanostatic control needs current_density")
            if self.potential is not None:
                problems.append("potential applies to mode = 'potentiostatic' only")
            if (self.capacity is None) == (self.duration is None):
                problems.append("give exactly one of capacity or duration")
        elif self.mode == "potentiostatic":
            if self.potential is None:
                problems.append("potentiostatic control needs potential")
            if self.current_density is not None or self.capacity is not None:
                problems.append("current_density/capacity apply to galvanostatic control only")
            if self.duration is None:
                problems.append("potentiostatic control needs duration")
        elif self.mode == "open_circuit":
            given = [
                k
                for k in ("current_density", "capacity", "potential")
                if getattr(self, k) is not None
            ]
            if given:
                problems.append(
                    f"{', '.join(given)} do(es) not apply to mode = 'open_circuit' (zero net "
                    'current): give only duration, e.g. duration = "1 h"'
                )
            if self.duration is None:
                problems.append('open_circuit control needs duration, e.g. duration = "1 h"')
        else:
            if not self.steps:
                problems.append(
                    "mode = 'protocol' needs at least one [[control.steps]] entry "
                    "(current_density with capacity or duration)"
                )
            elif len(self.steps) * (self.repeat or 1) > MAX_PROTOCOL_STEPS:
                problems.append(
                    f"the protocol runs {len(self.steps)} x {self.repeat or 1} = "
                    f"{len(self.steps) * (self.repeat or 1)} steps: at most "
                    f"{MAX_PROTOCOL_STEPS} are accepted (every step end is an output)"
                )
            given = [
                k
                for k in ("current_density", "potential", "capacity", "duration")
                if getattr(self, k) is not None
            ]
            if given:
                problems.append(
                    f"{', '.join(given)} do(es) not apply to mode = 'protocol': give "
                    "current_density and capacity or duration in each [[control.steps]] entry"
                )
        if self.mode != "protocol":
            foreign = [k for k in ("steps", "repeat") if getattr(self, k) is not None]
            if foreign:
                problems.append(f"{', '.join(foreign)} apply to mode = 'protocol' only")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def protocol(self) -> list[ProtocolStep]:
        """The steps of a protocol as run: the list ``repeat`` times (empty for other modes)."""
        if self.mode != "protocol" or not self.steps:
            return []
        return list(self.steps) * (self.repeat or 1)

    @property
    def held_current_density(self) -> float | None:
        """Net current density held first, A/m^2 (0: open circuit; None: potentiostatic)."""
        if self.mode == "protocol":
            return self.protocol[0].current_density if self.protocol else None
        return 0.0 if self.mode == "open_circuit" else self.current_density

    @property
    def run_time(self) -> float:
        """Duration of the run, s (capacity / current when given as a capacity)."""
        if self.mode == "protocol":
            end = 0.0
            for step in self.protocol:  # the same sum as the step end times of the run
                end += step.run_time
            return end
        if self.duration is not None:
            return self.duration
        assert self.capacity is not None and self.current_density is not None
        return self.capacity / self.current_density
