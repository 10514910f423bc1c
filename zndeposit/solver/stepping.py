"""Adaptive time-step control.

Grow after easy steps, cut and retry after failures, land exactly on output
times (milestones).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class StepController:
    """Chooses dt (s) from Newton's effort.

    Attributes:
        dt: the next step to try, s.
        dt_min, dt_max: bounds, s.
        growth: factor applied after a step that took <= target iterations.
        cutback: factor applied after a failed step.
        target_iterations: Newton iterations considered "easy".
        milestones: times (s) that must be hit exactly (outputs, end time).
    """

    dt: float
    dt_min: float
    dt_max: float
    growth: float = 1.5
    cutback: float = 0.5
    target_iterations: int = 5
    milestones: list[float] = field(default_factory=list)
    _saved_dt: float | None = None

    def __post_init__(self) -> None:
        self.milestones = sorted(self.milestones)
        self.dt = min(max(self.dt, self.dt_min), self.dt_max)

    def propose(self, t: float) -> float:
        """Step to take from time t (s): dt, shortened to land on the next milestone."""
        dt = self.dt
        for m in self.milestones:
            if m > t * (1 + 1e-12) + 1e-15:
                if t + dt >= m - 1e-9 * dt:
                    self._saved_dt = self.dt  # resume the normal step after the milestone
                    return m - t
                break
        self._saved_dt = None
        return dt

    def accepted(self, iterations: int) -> None:
        """Update dt after a converged step that took ``iterations`` Newton iterations."""
        base = self._saved_dt if self._saved_dt is not None else self.dt
        factor = self.growth if iterations <= self.target_iterations else 1.0
        if iterations > 2 * self.target_iterations:
            factor = max(self.cutback, 0.5 * (1 + self.cutback))
        self.dt = min(self.dt_max, max(self.dt_min, base * factor))
        self._saved_dt = None

    def rejected(self, tried: float) -> bool:
        """Cut dt after a failed step of length ``tried``; False when dt would drop below dt_min."""
        self._saved_dt = None
        new = tried * self.cutback
        if new < self.dt_min * (1 - 1e-12):
            return False
        self.dt = new
        return True
