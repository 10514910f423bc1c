"""Monolithic Newton solve of a field residual bordered by global scalar equations.

Unknowns: a (mixed) Function ``w`` and ``k`` global scalars ``g_j``, each held
in a DG0 Function with the same value in every cell (UFL cannot differentiate
with respect to a ``Constant``). Equations::

    F(w, g) = 0      UFL residual form (rank 1) on the space of w
    G_j(w, g) = 0    G_j = assemble(residual_j) - offset_j   (rank-0 forms)

With the periodic reduction ``w = P w_red`` (see :mod:`.periodic`) the Newton
system, in the unknown vector ``[w_red; g_1..g_k]``, is::

    [ P^T J P      P^T dF/dg ] [dw]     [ P^T F ]
    [ dG/dw P      dG/dg     ] [dg] = - [   G   ]

``P^T J P`` comes from ``MatPtAP`` (sparsity reused); the border vectors and
the ``k x k`` block are assembled from ``ufl.derivative`` forms (derivative of
a DG0 global in the direction of a DG0 "one" = the partial derivative) and
copied, with ``P^T J P``, into one preallocated AIJ matrix. The ``g`` rows
are owned by the last rank (so the reduced numbering needs no shift).

Dirichlet conditions act on the reduced unknowns: a reduced dof is
constrained when any of its full dofs (master or slave) is; its value is the
average of their boundary values. The state is set to the boundary values
before Newton, the residual rows are ``w - w_bc`` and the Jacobian rows are
identity rows, so every update keeps the boundary values exact.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import ufl
from ufl.algorithms import expand_derivatives

from zndeposit.errors import SolverError
from zndeposit.fem import MPI, PETSc, dolfinx
from zndeposit.solver.periodic import PeriodicMap

_fem_petsc = importlib.import_module("dolfinx.fem.petsc")  # after zndeposit.fem (import order)

__all__ = ["BorderedNonlinearSystem", "GlobalEquation", "SolveResult"]

LINE_SEARCHES = ("bt", "basic", "l2", "cp")
_REASONS = {v: k for k, v in vars(PETSc.SNES.ConvergedReason).items() if not k.startswith("_")}


@dataclass
class GlobalEquation:
    """One global scalar unknown and its scalar equation ``assemble(residual) - offset = 0``.

    Attributes:
        unknown: DG0 Function holding the scalar (same value in every cell).
        residual: rank-0 UFL form in ``w`` and the globals.
        offset: constant subtracted from the assembled residual (a float or a
            ``dolfinx.fem.Constant`` read at every evaluation), e.g.
            ``I_applied * width``.
        name: label used in messages.
    """

    unknown: dolfinx.fem.Function
    residual: ufl.Form
    offset: float | dolfinx.fem.Constant = 0.0
    name: str = "g"

    def offset_value(self) -> float:
        """The current offset as a float."""
        off = self.offset
        return float(off.value) if isinstance(off, dolfinx.fem.Constant) else float(off)


class SolveResult(NamedTuple):
    """Outcome of one nonlinear solve (never raised: the time loop decides)."""

    converged: bool
    reason: str
    newton_iterations: int
    linear_iterations: int
    residual_norm: float


def _compile(form: ufl.Form | None, **kw: Any) -> dolfinx.fem.Form | None:
    """Compile a form, or return None when it is identically zero."""
    if form is None or expand_derivatives(form).empty():
        return None
    return dolfinx.fem.form(form, **kw)


def _scalar(form: dolfinx.fem.Form | None, comm: Any) -> float:
    """Globally assembled value of a rank-0 form (0 for None)."""
    local = 0.0 if form is None else dolfinx.fem.assemble_scalar(form)
    return float(comm.allreduce(local))


class BorderedNonlinearSystem:
    """Newton (PETSc SNES) for ``F(w, g) = 0, G(w, g) = 0`` with periodic reduction.

    Timings (s), accumulated over all solves, are in :attr:`timings`:
    ``assembly`` (residual and Jacobian callbacks, including the reduction),
    ``linear_solve`` (the rest of SNES: factorisation, Krylov, line-search
    vector work), ``other`` (work in :meth:`solve` around SNES), ``total``
    (wall time of :meth:`solve`, the sum of the three) and ``setup`` (form
    compilation and sparsity, in the constructor).
    """

    def __init__(
        self,
        F: ufl.Form,
        w: dolfinx.fem.Function,
        globals_: Sequence[GlobalEquation] = (),
        bcs: Sequence[dolfinx.fem.DirichletBC] = (),
        periodic: PeriodicMap | None = None,
        *,
        linear_solver: str = "direct",
        line_search: str = "bt",
        damping: float = 1.0,
        rtol: float = 1e-9,
        atol: float = 1e-10,
        stol: float = 1e-14,
        max_iterations: int = 25,
        iterative_pc: str = "gamg",
        linear_rtol: float = 1e-10,
        petsc_options: dict[str, Any] | None = None,
        prefix: str | None = None,
        form_compiler_options: dict | None = None,
        jit_options: dict | None = None,
    ) -> None:
        """Compile the forms, build the sparsity and configure SNES.

        Args:
            F: residual form (rank 1) with test function on ``w``'s space.
            w: the field unknown (state and initial guess).
            globals_: global unknowns with their equations.
            bcs: Dirichlet conditions on ``w``'s space or its sub-spaces; their
                values are re-read at every :meth:`solve`.
            periodic: periodic dof pairing for ``w``'s space (None: no periodicity).
            linear_solver: ``"direct"`` (MUMPS LU, else SuperLU_DIST) or
                ``"iterative"`` (GMRES, see :meth:`_linear_options`).
            line_search: SNES line search, one of ``bt``, ``basic``, ``l2``, ``cp``.
            damping: line-search damping (step length of ``basic``, initial
                step of the others).
            rtol: relative residual tolerance.
            atol: absolute residual tolerance (units of the residual).
            stol: relative step tolerance.
            max_iterations: maximum Newton iterations.
            iterative_pc: preconditioner of the field block for ``iterative``:
                ``gamg`` or ``asm`` (ASM(1) with ILU(0) blocks).
            linear_rtol: relative tolerance of the iterative linear solve.
            petsc_options: extra options (without prefix) that override the above.
            prefix: PETSc options prefix (default: unique per instance).
            form_compiler_options: passed to ``dolfinx.fem.form``.
            jit_options: passed to ``dolfinx.fem.form``.
        """
        if line_search not in LINE_SEARCHES:
            raise SolverError(f"line_search must be one of {LINE_SEARCHES}, got {line_search!r}")
        if linear_solver not in ("direct", "iterative"):
            raise SolverError(f"linear_solver must be direct or iterative, not {linear_solver!r}")
        t0 = time.perf_counter()
        V = w.function_space
        self.w, self.bcs, self.globals = w, list(bcs), list(globals_)
        self.comm = V.mesh.comm
        self.pmap = periodic if periodic is not None else PeriodicMap(V, None)
        if self.pmap.n_full != V.dofmap.index_map.size_local * V.dofmap.index_map_bs:
            raise SolverError("PeriodicMap was built for a different function space")
        self.timings = dict.fromkeys(("assembly", "linear_solve", "other", "total", "setup"), 0.0)
        self._callback_error: BaseException | None = None
        kw = {"form_compiler_options": form_compiler_options, "jit_options": jit_options}

        # Forms: F, J = dF/dw, and for each global j: dF/dg_j, G_j, dG_j/dw, dG_j/dg_l.
        self._F = dolfinx.fem.form(F, **kw)
        self._J = dolfinx.fem.form(ufl.derivative(F, w, ufl.TrialFunction(V)), **kw)
        v = ufl.TestFunction(V)
        self._ones = []
        for ge in self.globals:
            one = dolfinx.fem.Function(ge.unknown.function_space)
            one.x.array[:] = 1.0
            self._ones.append(one)
        gs = [ge.unknown for ge in self.globals]
        self._dFdg = [
            _compile(ufl.derivative(F, g, o), **kw) for g, o in zip(gs, self._ones, strict=True)
        ]
        self._G = [_compile(ge.residual, **kw) for ge in self.globals]
        self._dGdw = [_compile(ufl.derivative(ge.residual, w, v), **kw) for ge in self.globals]
        self._dGdg = [
            [
                _compile(ufl.derivative(ge.residual, g, o), **kw)
                for g, o in zip(gs, self._ones, strict=True)
            ]
            for ge in self.globals
        ]

        # Work objects (full and reduced layouts).
        self._w_vec = dolfinx.la.petsc.create_vector_wrap(w.x)
        self._Fvec = _fem_petsc.create_vector(V)
        self._red = self.pmap.create_reduced_vector()
        self._red2 = self.pmap.create_reduced_vector()
        self._Jmat = _fem_petsc.create_matrix(self._J)
        self._Ared: PETSc.Mat | None = None
        self._border = np.zeros((self.pmap.n_reduced, len(self.globals)))  # dF/dg, reduced
        self._border_row = np.zeros((len(self.globals), self.pmap.n_reduced))  # dG/dw, reduced
        self._assemble_reduced_jacobian()
        self._K = self._create_bordered_matrix()
        self._x = self._K.createVecRight()
        self._r = self._K.createVecLeft()
        self._bc_rows = np.zeros(0, dtype=np.int64)
        self._bc_values = np.zeros(0)

        self.prefix = prefix or f"zndeposit_bns_{id(self)}_"
        self.snes = self._create_snes(
            linear_solver, line_search, damping, rtol, atol, stol, max_iterations,
            iterative_pc, linear_rtol, petsc_options or {},
        )  # fmt: skip
        self.timings["setup"] += time.perf_counter() - t0

    # ----------------------------------------------------------------- set-up
    @property
    def _owner(self) -> bool:
        """Whether this rank owns the global-unknown rows (the last rank)."""
        return self.comm.rank == self.comm.size - 1

    @property
    def _k(self) -> int:
        return len(self.globals)

    def _create_bordered_matrix(self) -> PETSc.Mat:
        """The preallocated system matrix (``P^T J P`` itself when there are no globals)."""
        A, pm, k = self._Ared, self.pmap, self._k
        if k == 0:
            A.setOption(PETSc.Mat.Option.KEEP_NONZERO_PATTERN, True)
            return A
        n, N, r0 = pm.n_reduced, pm.N_reduced, pm.reduced_start
        indptr, cols, _ = A.getValuesCSR()
        in_diag = (cols >= r0) & (cols < r0 + n)
        rows = np.repeat(np.arange(n), np.diff(indptr))
        d_nnz = np.bincount(rows[in_diag], minlength=n).astype(PETSc.IntType)
        o_nnz = np.bincount(rows[~in_diag], minlength=n).astype(PETSc.IntType)
        extra = k if self._owner else 0
        if self._owner:
            d_nnz = np.concatenate([d_nnz + k, np.full(k, n + k, dtype=PETSc.IntType)])
            o_nnz = np.concatenate([o_nnz, np.full(k, N - n, dtype=PETSc.IntType)])
        else:
            o_nnz = o_nnz + k
        K = PETSc.Mat().createAIJ(
            ((n + extra, N + k), (n + extra, N + k)), nnz=(d_nnz, o_nnz), comm=self.comm
        )
        K.setOption(PETSc.Mat.Option.NEW_NONZERO_ALLOCATION_ERR, True)
        K.setOption(PETSc.Mat.Option.KEEP_NONZERO_PATTERN, True)
        self._fill_bordered(K)
        return K

    def _create_snes(
        self, linear_solver: str, line_search: str, damping: float, rtol: float, atol: float,
        stol: float, max_it: int, iterative_pc: str, linear_rtol: float, extra: dict[str, Any],
    ) -> PETSc.SNES:  # fmt: skip
        opts = {
            "snes_type": "newtonls",
            "snes_linesearch_type": line_search,
            "snes_linesearch_damping": damping,
            "snes_rtol": rtol,
            "snes_atol": atol,
            "snes_stol": stol,
            "snes_max_it": max_it,
            "snes_error_if_not_converged": False,
            "ksp_error_if_not_converged": False,
        }
        opts.update(self._linear_options(linear_solver, iterative_pc, linear_rtol))
        opts.update(extra)
        snes = PETSc.SNES().create(self.comm)
        snes.setOptionsPrefix(self.prefix)
        db = PETSc.Options()
        for key, val in opts.items():
            db[self.prefix + key] = val
        snes.setFunction(self._residual_cb, self._r)
        snes.setJacobian(self._jacobian_cb, self._K, self._K)
        snes.setFromOptions()
        pc = snes.getKSP().getPC()
        if linear_solver == "iterative" and self._k > 0 and pc.getType() == "fieldsplit":
            pm = self.pmap
            is_w = PETSc.IS().createStride(pm.n_reduced, pm.reduced_start, 1, comm=self.comm)
            kk = self._k if self._owner else 0
            is_g = PETSc.IS().createStride(kk, pm.N_reduced, 1, comm=self.comm)
            pc.setFieldSplitIS(("w", is_w), ("g", is_g))
        self._option_keys = [self.prefix + key for key in opts]  # read again at PC set-up
        return snes

    def _linear_options(self, kind: str, iterative_pc: str, linear_rtol: float) -> dict[str, Any]:
        """PETSc options of the linear solver.

        ``direct``: LU with MUMPS (threshold pivoting copes with the zero
        ``dG/dg`` block of a pure constraint), else SuperLU_DIST (MC64 static
        pivoting), else PETSc's serial LU.

        ``iterative``: GMRES(100). Without globals the preconditioner is the
        field preconditioner itself; with globals it is a Schur-complement
        fieldsplit (full factorisation) on the blocks [w_red | g]: the field
        block gets one application of GAMG (or ASM(1)/ILU(0)), the ``k x k``
        Schur block is preconditioned by ``dG/dg - dG/dw diag(A)^-1 dF/dg``
        (``selfp``) solved by redundant LU.
        """
        if kind == "direct":
            if PETSc.Sys.hasExternalPackage("mumps"):
                return {
                    "ksp_type": "preonly",
                    "pc_type": "lu",
                    "pc_factor_mat_solver_type": "mumps",
                    "mat_mumps_icntl_14": 100,  # workspace margin for pivoting
                }
            if PETSc.Sys.hasExternalPackage("superlu_dist"):
                return {"ksp_type": "preonly", "pc_type": "lu",
                        "pc_factor_mat_solver_type": "superlu_dist"}  # fmt: skip
            if self.comm.size > 1:
                raise SolverError("no parallel direct solver (MUMPS or SuperLU_DIST) in PETSc")
            return {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_ordering_type": "nd"}
        if iterative_pc == "gamg":
            field = {"pc_type": "gamg"}
        elif iterative_pc == "asm":
            field = {"pc_type": "asm", "pc_asm_overlap": 1, "sub_pc_type": "ilu"}
        else:
            raise SolverError(f"iterative_pc must be 'gamg' or 'asm', not {iterative_pc!r}")
        opts: dict[str, Any] = {
            "ksp_type": "gmres",
            "ksp_gmres_restart": 100,
            "ksp_rtol": linear_rtol,
            "ksp_atol": 1e-14,
            "ksp_max_it": 1000,
        }
        if self._k == 0:
            return opts | field
        opts |= {
            "pc_type": "fieldsplit",
            "pc_fieldsplit_type": "schur",
            "pc_fieldsplit_schur_fact_type": "full",
            "pc_fieldsplit_schur_precondition": "selfp",
            "fieldsplit_w_ksp_type": "preonly",
            "fieldsplit_g_ksp_type": "preonly",
            "fieldsplit_g_pc_type": "redundant",
        }
        return opts | {f"fieldsplit_w_{key}": val for key, val in field.items()}

    # -------------------------------------------------------------- assembly
    def _assemble_reduced_jacobian(self) -> None:
        """``P^T J P`` and the border blocks at the current state."""
        J = self._Jmat
        J.zeroEntries()
        _fem_petsc.assemble_matrix(J, self._J)
        J.assemble()
        self._Ared = self.pmap.reduce_matrix(J, self._Ared)
        for j in range(self._k):
            self._border[:, j] = self._reduced_vector(self._dFdg[j])
            self._border_row[j, :] = self._reduced_vector(self._dGdw[j])
        self._corner = np.array([[_scalar(f, self.comm) for f in row] for row in self._dGdg])

    def _reduced_vector(self, form: dolfinx.fem.Form | None) -> np.ndarray:
        """Owned part of ``P^T assemble(form)`` (zeros for None)."""
        if form is None:
            return np.zeros(self.pmap.n_reduced)
        b = self._Fvec
        with b.localForm() as loc:
            loc.set(0.0)
        _fem_petsc.assemble_vector(b, form)
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        self.pmap.reduce_vector(b, self._red2)
        return self._red2.array_r.copy()

    def _fill_bordered(self, K: PETSc.Mat) -> None:
        """Copy ``P^T J P`` and the border blocks into ``K``."""
        pm, k = self.pmap, self._k
        K.zeroEntries()
        indptr, cols, vals = self._Ared.getValuesCSR()
        if self._owner:  # K has k more local rows (empty here, set below)
            indptr = np.concatenate([indptr, np.full(k, indptr[-1], dtype=indptr.dtype)])
        K.setValuesCSR(indptr, cols, vals)  # rows are offset by K's ownership start
        rows = np.arange(pm.reduced_start, pm.reduced_start + pm.n_reduced, dtype=PETSc.IntType)
        grows = np.arange(pm.N_reduced, pm.N_reduced + k, dtype=PETSc.IntType)
        K.setValues(rows, grows, self._border)
        K.setValues(grows, rows, self._border_row)  # off-process rows are communicated
        if self._owner:
            K.setValues(grows, grows, self._corner)
        K.assemble()

    def _update_state(self, x: PETSc.Vec) -> None:
        """Copy the SNES vector into ``w`` (with ghosts) and the DG0 globals."""
        n = self.pmap.n_reduced
        xa = x.array_r
        self._red.array[:] = xa[:n]
        self.pmap.prolong(self._red, self._w_vec)
        self.w.x.scatter_forward()
        if self._k:
            values = self.comm.bcast(xa[n:].copy() if self._owner else None, self.comm.size - 1)
            for ge, val in zip(self.globals, values, strict=True):
                ge.unknown.x.array[:] = val

    def _read_state(self) -> None:
        """Initial guess from ``w`` and the globals, boundary values imposed."""
        n = self.pmap.n_reduced
        self.pmap.restrict(self._w_vec, self._red)
        x = self._x.array
        x[:n] = self._red.array_r
        x[self._bc_rows - self.pmap.reduced_start] = self._bc_values
        if self._owner:
            for j, ge in enumerate(self.globals):
                x[n + j] = float(np.mean(ge.unknown.x.array))
        del x
        self._update_state(self._x)

    def _update_bcs(self) -> None:
        """Reduced boundary rows and values (average over master and slaves)."""
        size = len(self.w.x.array)
        mask, vals = np.zeros(size), np.zeros(size)
        for bc in self.bcs:
            dofs, n_owned = bc.dof_indices()
            mask[dofs[:n_owned]] = 1.0
            bc.set(vals)
        n = self.pmap.n_full
        full = self._Fvec
        full.array[:] = mask[:n]
        self.pmap.reduce_vector(full, self._red)
        count = self._red.array_r.copy()
        full.array[:] = (vals * mask)[:n]
        self.pmap.reduce_vector(full, self._red)
        local = np.flatnonzero(count > 0)
        self._bc_rows = (local + self.pmap.reduced_start).astype(PETSc.IntType)
        self._bc_values = self._red.array_r[local] / count[local]

    # ------------------------------------------------------------- callbacks
    def _residual_cb(self, snes: PETSc.SNES, x: PETSc.Vec, r: PETSc.Vec) -> None:
        t0 = time.perf_counter()
        try:
            self._update_state(x)
            n = self.pmap.n_reduced
            res = self._reduced_vector(self._F)
            loc = self._bc_rows - self.pmap.reduced_start
            res[loc] = x.array_r[loc] - self._bc_values
            g = [
                _scalar(f, self.comm) - ge.offset_value()
                for f, ge in zip(self._G, self.globals, strict=True)
            ]
            ra = r.array
            ra[:n] = res
            if self._owner:
                ra[n:] = g
            del ra
        except Exception as exc:
            self._callback_error = exc
            raise
        finally:
            self.timings["assembly"] += time.perf_counter() - t0

    def _jacobian_cb(self, snes: PETSc.SNES, x: PETSc.Vec, A: PETSc.Mat, B: PETSc.Mat) -> None:
        t0 = time.perf_counter()
        try:
            self._update_state(x)
            self._assemble_reduced_jacobian()
            if self._k:
                self._fill_bordered(self._K)
            self._K.zeroRows(self._bc_rows, diag=1.0)
        except Exception as exc:
            self._callback_error = exc
            raise
        finally:
            self.timings["assembly"] += time.perf_counter() - t0

    # ---------------------------------------------------------------- public
    def solve(self) -> SolveResult:
        """Newton from the current ``w`` and globals; on return they hold the last iterate.

        Returns:
            The result; ``converged=False`` when SNES diverged (the caller
            restores its saved state and cuts the step).

        Raises:
            SolverError: PETSc or the form evaluation failed (not a mere
                non-convergence).
        """
        t0 = time.perf_counter()
        self._callback_error = None
        asm0 = self.timings["assembly"]
        try:
            self._update_bcs()
            self._read_state()
            t1 = time.perf_counter()
            self.snes.solve(None, self._x)
            t_snes = time.perf_counter() - t1
            self._update_state(self._x)
            reason = self.snes.getConvergedReason()
            result = SolveResult(
                converged=reason > 0,
                reason=_REASONS.get(reason, str(reason)),
                newton_iterations=self.snes.getIterationNumber(),
                linear_iterations=self.snes.getLinearSolveIterations(),
                residual_norm=float(self.snes.getFunctionNorm()),
            )
        except Exception as exc:
            cause = self._callback_error or exc
            raise SolverError(
                f"nonlinear solve failed: {type(cause).__name__}: {cause}".strip()
            ) from cause
        total = time.perf_counter() - t0
        self.timings["linear_solve"] += max(t_snes - (self.timings["assembly"] - asm0), 0.0)
        self.timings["other"] += total - t_snes
        self.timings["total"] += total
        return result

    def save_state(self) -> list[np.ndarray]:
        """Copies of the local arrays (with ghosts) of ``w`` and of every global."""
        return [self.w.x.array.copy()] + [ge.unknown.x.array.copy() for ge in self.globals]

    def restore_state(self, state: Sequence[np.ndarray]) -> None:
        """Put back arrays from :meth:`save_state` (ghosts included)."""
        funcs = [self.w] + [ge.unknown for ge in self.globals]
        for f, arr in zip(funcs, state, strict=True):
            f.x.array[:] = arr

    @property
    def global_values(self) -> list[float]:
        """Current values of the global unknowns."""
        values = [np.max(ge.unknown.x.array, initial=-np.inf) for ge in self.globals]
        return [float(self.comm.allreduce(v, op=MPI.MAX)) for v in values]

    def destroy(self) -> None:
        """Free the PETSc objects (collective)."""
        for obj in (self.snes, self._K, self._Ared, self._Jmat, self._x, self._r,
                    self._Fvec, self._red, self._red2, self._w_vec):  # fmt: skip
            if obj is not None:
                obj.destroy()
        db = PETSc.Options()
        for key in self._option_keys:
            db.delValue(key)
        self._option_keys = []
