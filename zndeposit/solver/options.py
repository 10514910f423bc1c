"""Settings of the Newton (PETSc SNES) and linear solves, and their PETSc options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zndeposit.errors import SolverError
from zndeposit.fem import PETSc

LINE_SEARCHES = ("bt", "basic", "l2", "cp")
#: GMRES on a reused factorisation: relative tolerance and iterations before the
#: solve counts as failed (then refactorised once, :meth:`BorderedNonlinearSystem.solve`)
REUSE_RTOL = 1e-8
REUSE_MAX_ITERATIONS = 30


@dataclass
class NewtonOptions:
    """Settings of the Newton (SNES ``newtonls``) and linear solves.

    ``direct``: LU with MUMPS (threshold pivoting copes with the zero ``dG/dg``
    block of a pure constraint), else SuperLU_DIST, else PETSc's serial LU.
    ``iterative``: GMRES(100) preconditioned, without globals, by the field
    preconditioner; with globals by a Schur-complement fieldsplit (full
    factorisation) on [w_red | g]: one application of the field preconditioner
    on the field block, and the ``k x k`` Schur block approximated by
    ``dG/dg - dG/dw diag(A)^-1 dF/dg`` (``selfp``) with redundant LU.

    Attributes:
        linear_solver: ``direct`` or ``iterative``.
        line_search: ``bt`` (default), ``basic``, ``l2`` or ``cp``.
        damping: line-search damping (step of ``basic``, initial step of others).
        rtol: relative residual tolerance.
        atol: absolute residual tolerance (units of the residual vector).
        stol: relative step tolerance.
        max_iterations: maximum Newton iterations.
        iterative_pc: field preconditioner: ``asm`` (ASM, overlap 1, ILU(0)
            blocks: robust but one-level, slow on big meshes) or ``gamg``
            (scalar elliptic problems only).
        linear_rtol: relative tolerance of the iterative linear solve.
        factorization_reuse: ``direct`` only: Newton iterations of one solve (time
            step) that one LU factorisation serves. 1: factorise at every
            iteration (exact Newton, ``preonly``); n > 1: the Jacobian is still
            assembled at every iteration, and GMRES solves with it,
            preconditioned by the factorisation of the solve's first iteration,
            refreshed every n iterations (PETSc ``snes_lag_preconditioner``).
            The Newton iterates are those of exact Newton to the GMRES
            tolerance; MUMPS factorisation dominates large 2D meshes. Not
            carried across solves, so a restarted run repeats the same
            arithmetic as an uninterrupted one.
        petsc_options: extra options (without prefix), applied last.
    """

    linear_solver: str = "direct"
    line_search: str = "bt"
    damping: float = 1.0
    rtol: float = 1e-9
    atol: float = 1e-10
    stol: float = 1e-14
    max_iterations: int = 25
    iterative_pc: str = "asm"
    linear_rtol: float = 1e-10
    factorization_reuse: int = 1
    petsc_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        choices = {"linear_solver": ("direct", "iterative"), "line_search": LINE_SEARCHES,
                   "iterative_pc": ("asm", "gamg")}  # fmt: skip
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise SolverError(f"{name} must be one of {allowed}, not {getattr(self, name)!r}")
        if self.factorization_reuse < 1:
            raise SolverError(f"factorization_reuse must be >= 1, not {self.factorization_reuse}")

    @property
    def reuses_factorization(self) -> bool:
        """Whether one LU factorisation serves several Newton iterations (direct, reuse > 1)."""
        return self.linear_solver == "direct" and self.factorization_reuse > 1

    def petsc_dict(self, k: int, comm_size: int) -> dict[str, Any]:
        """PETSc options (without prefix) for a system with ``k`` global unknowns."""
        opts: dict[str, Any] = {
            "snes_type": "newtonls", "snes_linesearch_type": self.line_search,
            "snes_linesearch_damping": self.damping, "snes_rtol": self.rtol,
            "snes_atol": self.atol, "snes_stol": self.stol, "snes_max_it": self.max_iterations,
        }  # fmt: skip
        if self.linear_solver == "direct":
            opts |= {"ksp_type": "preonly", "pc_type": "lu"}
            if PETSc.Sys.hasExternalPackage("mumps"):
                opts |= {"pc_factor_mat_solver_type": "mumps", "mat_mumps_icntl_14": 100}
            elif PETSc.Sys.hasExternalPackage("superlu_dist"):
                opts |= {"pc_factor_mat_solver_type": "superlu_dist"}
            elif comm_size > 1:
                raise SolverError("no parallel direct solver (MUMPS or SuperLU_DIST) in PETSc")
            if self.reuses_factorization:
                opts |= {
                    "ksp_type": "gmres", "ksp_gmres_restart": REUSE_MAX_ITERATIONS,
                    "ksp_max_it": REUSE_MAX_ITERATIONS, "ksp_rtol": REUSE_RTOL,
                    "ksp_atol": 1e-14,
                    "snes_lag_preconditioner": self.factorization_reuse,
                }  # fmt: skip
            return opts | self.petsc_options
        field_pc: dict[str, Any] = {"pc_type": self.iterative_pc}
        if self.iterative_pc == "asm":
            field_pc |= {"pc_asm_overlap": 1, "sub_pc_type": "ilu"}
        opts |= {"ksp_type": "gmres", "ksp_gmres_restart": 100, "ksp_max_it": 1000,
                 "ksp_rtol": self.linear_rtol, "ksp_atol": 1e-14}  # fmt: skip
        if k == 0:
            return opts | field_pc | self.petsc_options
        opts |= {
            "pc_type": "fieldsplit", "pc_fieldsplit_type": "schur",
            "pc_fieldsplit_schur_fact_type": "full", "pc_fieldsplit_schur_precondition": "selfp",
            "fieldsplit_w_ksp_type": "preonly", "fieldsplit_g_ksp_type": "preonly",
            "fieldsplit_g_pc_type": "redundant",
        }  # fmt: skip
        opts |= {f"fieldsplit_w_{key}": val for key, val in field_pc.items()}
        return opts | self.petsc_options
