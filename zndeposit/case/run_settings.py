"""Case-file sections on how a case is computed and written: [mesh], [numerics], [output].

Values in SI, as in :mod:`zndeposit.case.schema` (the physical sections), which
assembles them into the case.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from zndeposit.case.quantity import Length, Time, quantity
from zndeposit.case.section import Section


class MeshSettings(Section):
    """Mesh resolution: fine band over the growth zone, coarser away from it."""

    elements_across_interface: float = Field(
        8.0, gt=0, description="elements across the interface width in the growth band"
    )
    growth_band: Length(gt=0) | None = Field(
        None, description="height above the highest initial surface point kept fine (default: auto)"
    )
    max_size: Length(gt=0) | None = Field(None, description="largest element size (default: auto)")
    fibre_size: Length(gt=0) | None = Field(
        None, description="element size on resolved fibre walls (default: auto)"
    )
    adapt: bool = Field(
        True,
        description=(
            "remesh from the solution as the front moves: fine across the interface band and "
            "where c or phi need it, coarse elsewhere (docs/adaptivity.md)"
        ),
    )
    adapt_interval: int = Field(
        25, ge=1, description="accepted steps between adaptations at the latest"
    )
    adapt_band: float = Field(
        2.0, ge=0.5, description="interface widths kept fine on each side of 0.02 < xi < 0.98"
    )
    adapt_concentration_error: float = Field(
        0.01,
        ge=0,
        lt=1,
        description="interpolation error allowed in ln(c/c_bulk) (relative error of c; 0: none)",
    )
    adapt_potential_error: quantity("V", "mV", ge=0) = Field(
        "0.5 mV", description="interpolation error allowed in the potential (0: none)"
    )


class Numerics(Section):
    """Time stepping and nonlinear/linear solver settings."""

    dt_initial: Time(gt=0) = Field("1 ms", description="first time step")
    dt_min: Time(gt=0) = Field("10 ns", description="smallest time step before giving up")
    dt_max: Time(gt=0) = Field("10 s", description="largest time step")
    dt_growth: float = Field(1.5, gt=1, description="dt factor after an easy step")
    dt_cutback: float = Field(0.5, gt=0, lt=1, description="dt factor after a failed step")
    target_newton_iterations: int = Field(
        5, ge=1, description="Newton iterations aimed at per step"
    )
    max_xi_change: Annotated[float, Field(gt=0, le=1)] | Literal["none"] = Field(
        0.05,
        description=(
            "largest change of the phase field per step (the front moves < 0.2 l per step "
            'at 0.05; larger steps are redone shorter); "none": no bound (fixed-dt studies)'
        ),
    )
    newton_rtol: float = Field(1e-8, gt=0, lt=1, description="relative residual tolerance")
    newton_atol: float = Field(1e-10, gt=0, description="absolute residual tolerance")
    newton_max_iterations: int = Field(25, ge=1, description="Newton iterations before a cut")
    linear_solver: Literal["direct", "iterative"] = Field(
        "direct", description="MUMPS LU, or fieldsplit/GAMG Krylov for large meshes"
    )
    factorization_reuse: int = Field(
        5,
        ge=1,
        le=50,
        description=(
            "direct solver: Newton iterations of a time step that one LU factorisation "
            "serves, GMRES on the fresh Jacobian preconditioned by it (1: factorise at every "
            "iteration; docs/solver.md)"
        ),
    )
    line_search: Literal["bt", "basic", "l2", "cp"] = Field(
        "bt", description="SNES line search (bt survives Butler-Volmer exponentials)"
    )
    quadrature_degree: int = Field(
        4,
        ge=2,
        le=12,
        description=(
            "quadrature degree of the consistent volume integrals (UFL's estimate is 11-23 "
            "for these nonlinear forms and made Jacobian assembly 6x slower for the same "
            "result to 1e-8; docs/performance.md)"
        ),
    )

    @model_validator(mode="after")
    def _dt_order(self) -> Numerics:
        if not self.dt_min <= self.dt_initial <= self.dt_max:
            raise ValueError("need dt_min <= dt_initial <= dt_max")
        return self


#: keys of [output] that are accepted but ignored (with a warning): key -> why
DEPRECATED_OUTPUT_KEYS: dict[str, str] = {
    "formats": (
        "ignored: the fields are written in one format only, VTU snapshots with a ParaView "
        "series (open fields/snapshots/snapshots.pvd); VTX and XDMF are no longer written. "
        "Remove the key"
    ),
    "fields": (
        "ignored: every snapshot holds all fields (xi, c, c_anion, phi, current, "
        "reaction_rate), which zndeposit render and report need. Remove the key"
    ),
}


class Output(Section):
    """What is written and how often (fields: docs/rendering.md, "Output files")."""

    interval: Time(gt=0) | None = Field(None, description="simulated time between outputs")
    count: int = Field(20, ge=1, description="number of outputs when no interval is given")
    snapshots: bool = Field(
        True,
        description="write the fields at every output as a VTU snapshot in fields/snapshots/ "
        "(snapshots.pvd opens them in ParaView; read by zndeposit render and report); "
        "false: no field output at all, only metrics",
    )
    checkpoint_interval: Time(gt=0) | Literal["none"] = Field(
        "10 min",
        description="wall-clock time between checkpoints of the full state (for "
        'zndeposit run --restart; docs/restart.md); "none": no checkpoints on a timer',
    )
    checkpoint_steps: int = Field(
        0, ge=0, description="also checkpoint every this many accepted steps (0: off)"
    )
    checkpoint_at_outputs: bool = Field(
        True, description="also checkpoint at every output time (and on SIGINT/SIGTERM)"
    )
