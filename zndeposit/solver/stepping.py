"""Adaptive time-step control.

Grow after easy steps, cut and retry after failures, keep the phase-field
change per step below a bound (the time-integration accuracy of the front),
land exactly on output times (milestones).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: the next dt aims at SAFETY * max_change
SAFETY = 0.8
#: a step whose change exceeds REJECT_RATIO * max_change is redone with a smaller dt
REJECT_RATIO = 2.0


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
        max_change: bound on max |xi - xi_n| per step (None: no bound). A front moving
            by delta changes xi by up to delta / (4 l), so 0.05 keeps delta < 0.2 l.
    """

    dt: float
    dt_min: float
    dt_max: float
    growth: float = 1.5
    cutback: float = 0.5
    target_iterations: int = 5
    milestones: list[float] = field(default_factory=list)
    max_change: float | None = None
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

    def accepted(self, iterations: int, tried: float | None = None, change: float = 0.0) -> None:
        """Update dt after a converged step.

        Args:
            iterations: Newton iterations the step took.
            tried: length of the step, s (may be shorter than dt before a milestone).
            change: max |xi - xi_n| of the step (with ``max_change``).
        """
        base = self._saved_dt if self._saved_dt is not None else self.dt
        factor = self.growth if iterations <= self.target_iterations else 1.0
        if iterations > 2 * self.target_iterations:
            factor = max(self.cutback, 0.5 * (1 + self.cutback))
        dt = base * factor
        if self.max_change is not None and tried is not None and change > 0.0:
            dt = min(dt, tried * self._ratio(change))
        self.dt = min(self.dt_max, max(self.dt_min, dt))
        self._saved_dt = None

    def too_large(self, change: float) -> bool:
        """True when a step's max |xi - xi_n| asks for it to be redone with a smaller dt."""
        return self.max_change is not None and change > REJECT_RATIO * self.max_change

    def rejected(self, tried: float, change: float | None = None) -> bool:
        """Cut dt after a failed step of length ``tried``; False when dt would drop below dt_min.

        With ``change`` (a converged step that changed xi too much), dt is cut to
        the length expected to meet ``max_change``; otherwise by ``cutback``.
        """
        self._saved_dt = None
        new = tried * self.cutback
        if change is not None and self.max_change is not None:
            new = tried * self._ratio(change)
        if new < self.dt_min * (1 - 1e-12):
            return False
        self.dt = new
        return True

    def _ratio(self, change: float) -> float:
        """Step-length factor expected to bring ``change`` to SAFETY * max_change."""
        assert self.max_change is not None
        return SAFETY * self.max_change / max(change, 1e-300)
