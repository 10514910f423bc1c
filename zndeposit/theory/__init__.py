"""Closed-form and semi-analytic results the solver is verified against (pure numpy)."""

from __future__ import annotations

from zndeposit.theory.stability import (
    PlanarState,
    StabilityParameters,
    counter_electrode_state,
    growth_rate,
    potentiostatic_current,
    reservoir_state,
)

__all__ = [
    "PlanarState",
    "StabilityParameters",
    "counter_electrode_state",
    "growth_rate",
    "potentiostatic_current",
    "reservoir_state",
]
