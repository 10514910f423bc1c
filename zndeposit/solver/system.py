"""Monolithic Newton solve of a field residual bordered by global scalar equations.

Unknowns: a (mixed) Function ``w`` and ``k`` global scalars ``g_j``, each in a
DG0 Function with one value in every cell (UFL cannot differentiate with
respect to a ``Constant``). Equations: ``F(w, g) = 0`` (rank-1 UFL form) and
``G_j = assemble(residual_j) - offset_j = 0`` (rank-0 forms). With the periodic
reduction ``w = P w_red`` (:mod:`.periodic`) Newton solves, for ``[w_red; g]``::

    [ P^T J P    P^T dF/dg ] [dw]     [ P^T F ]
    [ dG/dw P    dG/dg     ] [dg] = - [   G   ]

``P^T J P`` comes from ``MatPtAP`` (symbolic product reused); the borders and
the ``k x k`` block come from ``ufl.derivative`` forms (the derivative along a
DG0 "one" is the partial derivative by the scalar). All is copied into one AIJ
matrix preallocated once. The ``g`` rows are owned by the last rank, so that
the reduced numbering needs no shift.

Dirichlet conditions act on reduced dofs: a reduced dof is constrained when
any of its full dofs (master or slave) is, with the average of their values.
The state is set to the boundary values before Newton, their residual rows
are ``w - w_bc`` and their Jacobian rows identity rows, so every (damped)
update keeps the boundary values exact.
"""

from __future__ import annotations

import contextlib
import importlib
import time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
import ufl
from ufl.algorithms import expand_derivatives

from zndeposit.errors import SolverError
from zndeposit.fem import MPI, PETSc, dolfinx
from zndeposit.solver.options import NewtonOptions
from zndeposit.solver.periodic import PeriodicMap

_fem_petsc = importlib.import_module("dolfinx.fem.petsc")  # after zndeposit.fem (import order)

__all__ = ["BorderedNonlinearSystem", "GlobalEquation", "NewtonOptions", "SolveResult"]

_REASONS = {v: k for k, v in vars(PETSc.SNES.ConvergedReason).items() if not k.startswith("_")}


@dataclass
class GlobalEquation:
    """A global scalar unknown and its equation ``assemble(residual) - offset = 0``.

    Attributes:
        unknown: DG0 Function holding the scalar (same value in every cell).
        residual: rank-0 UFL form in ``w`` and the globals.
        offset: subtracted from the assembled residual; a float or a
            ``dolfinx.fem.Constant`` read at every evaluation (e.g. ``I * width``).
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
    """Outcome of one nonlinear solve (non-convergence is reported, not raised)."""

    converged: bool
    reason: str
    newton_iterations: int
    linear_iterations: int
    residual_norm: float


def _compile(form: ufl.Form, **kw: Any) -> dolfinx.fem.Form | None:
    """Compiled form, or None when it is identically zero."""
    return None if expand_derivatives(form).empty() else dolfinx.fem.form(form, **kw)


def _clear_options(keys: list[str]) -> None:
    """Remove options from the PETSc database (local, not collective)."""
    db = PETSc.Options()
    for key in keys:
        db.delValue(key)


class BorderedNonlinearSystem:
    """Newton (PETSc SNES) for ``F(w, g) = 0, G(w, g) = 0`` with periodic reduction.

    :attr:`timings` (s, accumulated over solves): ``assembly`` (residual and
    Jacobian callbacks incl. the reduction), ``linear_solve`` (the rest of SNES:
    factorisation, Krylov, line-search vector work), ``other`` (around SNES in
    :meth:`solve`), ``total`` (their sum) and ``setup`` (constructor).
    """

    def __init__(
        self,
        F: ufl.Form,
        w: dolfinx.fem.Function,
        globals_: Sequence[GlobalEquation] = (),
        bcs: Sequence[dolfinx.fem.DirichletBC] = (),
        periodic: PeriodicMap | None = None,
        options: NewtonOptions | None = None,
        *,
        form_compiler_options: dict | None = None,
        jit_options: dict | None = None,
        prefix: str | None = None,
        step_limits: Sequence[tuple[np.ndarray, float]] = (),
        global_step_limit: float | None = None,
        **option_overrides: Any,
    ) -> None:
        """Compile the forms, build the sparsity and configure SNES.

        Args:
            F: residual form (rank 1), test function on ``w``'s space.
            w: the field unknown (state and initial guess).
            globals_: global unknowns with their equations.
            bcs: Dirichlet conditions on ``w``'s space or sub-spaces; values are
                re-read at every :meth:`solve`.
            periodic: dof pairing for ``w``'s space (None: not periodic).
            options: solver settings (default :class:`NewtonOptions`).
            form_compiler_options: passed to ``dolfinx.fem.form``.
            jit_options: passed to ``dolfinx.fem.form``.
            prefix: PETSc options prefix (default: unique per instance).
            step_limits: (local dof indices of ``w``, bound) pairs: every Newton update
                is scaled down so that no listed dof changes by more than its bound
                (e.g. a log-concentration by a few units: exp() of an unbounded
                update overshoots by orders of magnitude).
            global_step_limit: the same bound for the global unknowns.
            **option_overrides: :class:`NewtonOptions` fields, e.g. ``line_search="basic"``.
        """
        t0 = time.perf_counter()
        self.options = replace(options or NewtonOptions(), **option_overrides)
        V = w.function_space
        self.w, self.bcs, self.globals = w, list(bcs), list(globals_)
        self.comm = V.mesh.comm
        self.pmap = periodic if periodic is not None else PeriodicMap(V, None)
        if self.pmap.n_full != V.dofmap.index_map.size_local * V.dofmap.index_map_bs:
            raise SolverError("PeriodicMap was built for a different function space")
        self.timings = dict.fromkeys(("assembly", "linear_solve", "other", "total", "setup"), 0.0)
        self._callback_error: BaseException | None = None
        kw = {"form_compiler_options": form_compiler_options, "jit_options": jit_options}

        # F, J = dF/dw; per global j: dF/dg_j, G_j, dG_j/dw and dG_j/dg_l.
        self._F = dolfinx.fem.form(F, **kw)
        self._J = dolfinx.fem.form(ufl.derivative(F, w, ufl.TrialFunction(V)), **kw)
        gs = [ge.unknown for ge in self.globals]
        ones = [dolfinx.fem.Function(g.function_space) for g in gs]
        for one in ones:
            one.x.array[:] = 1.0
        self._ones = ones  # keep alive: referenced by the compiled forms
        dg = list(zip(gs, ones, strict=True))
        v = ufl.TestFunction(V)
        self._dFdg = [_compile(ufl.derivative(F, g, o), **kw) for g, o in dg]
        self._G = [_compile(ge.residual, **kw) for ge in self.globals]
        self._dGdw = [_compile(ufl.derivative(ge.residual, w, v), **kw) for ge in self.globals]
        self._dGdg = [[_compile(ufl.derivative(ge.residual, g, o), **kw) for g, o in dg]
                      for ge in self.globals]  # fmt: skip

        # Work objects (full and reduced layouts) and the preallocated system matrix.
        k, n = len(self.globals), self.pmap.n_reduced
        self._owner = self.comm.rank == self.comm.size - 1  # owns the g rows
        self._w_vec = dolfinx.la.petsc.create_vector_wrap(w.x)
        self._Fvec = _fem_petsc.create_vector(V)
        self._red, self._red2 = (self.pmap.create_reduced_vector() for _ in range(2))
        self._Jmat = _fem_petsc.create_matrix(self._J)
        self._Ared: PETSc.Mat | None = None
        self._border, self._border_row = np.zeros((n, k)), np.zeros((k, n))
        self._assemble_reduced_jacobian()
        self._K = self._create_bordered_matrix()
        self._x, self._r = self._K.createVecRight(), self._K.createVecLeft()
        self._bc_rows, self._bc_values = np.zeros(0, dtype=PETSc.IntType), np.zeros(0)
        self._limits = self._reduced_limits(step_limits)
        self._global_limit = global_step_limit
        self.limited_updates = 0  #: Newton updates scaled down by the step limits
        self.refactorisations = 0  #: solves redone with a fresh LU (reuses_factorization)
        self.prefix = prefix or f"zndeposit_bns_{id(self)}_"
        self.snes = self._create_snes()
        self.timings["setup"] += time.perf_counter() - t0

    # ----------------------------------------------------------------- set-up
    def _create_bordered_matrix(self) -> PETSc.Mat:
        """The preallocated system matrix (``P^T J P`` itself without globals)."""
        A, pm, k = self._Ared, self.pmap, len(self.globals)
        A.setOption(PETSc.Mat.Option.KEEP_NONZERO_PATTERN, True)
        if k == 0:
            return A
        n, N, r0 = pm.n_reduced, pm.N_reduced, pm.reduced_start
        indptr, cols, _ = A.getValuesCSR()
        in_diag = (cols >= r0) & (cols < r0 + n)
        rows = np.repeat(np.arange(n), np.diff(indptr))
        d_nnz = np.bincount(rows[in_diag], minlength=n).astype(PETSc.IntType)
        o_nnz = np.bincount(rows[~in_diag], minlength=n).astype(PETSc.IntType)
        if self._owner:  # the g columns are in the diagonal block; k dense g rows
            d_nnz = np.concatenate([d_nnz + k, np.full(k, n + k, dtype=PETSc.IntType)])
            o_nnz = np.concatenate([o_nnz, np.full(k, N - n, dtype=PETSc.IntType)])
        else:
            o_nnz = o_nnz + k
        m = n + (k if self._owner else 0)
        K = PETSc.Mat().createAIJ(((m, N + k), (m, N + k)), nnz=(d_nnz, o_nnz), comm=self.comm)
        K.setOption(PETSc.Mat.Option.NEW_NONZERO_ALLOCATION_ERR, True)
        K.setOption(PETSc.Mat.Option.KEEP_NONZERO_PATTERN, True)
        self._fill_bordered(K)
        return K

    def _create_snes(self) -> PETSc.SNES:
        opts = self.options.petsc_dict(len(self.globals), self.comm.size)
        db = PETSc.Options()
        for key, val in opts.items():
            db[self.prefix + key] = val
        keys = [self.prefix + key for key in opts]  # kept: read again at PC set-up
        self._options_finalizer = weakref.finalize(self, _clear_options, keys)
        snes = PETSc.SNES().create(self.comm)
        snes.setOptionsPrefix(self.prefix)
        snes.setFunction(self._residual_cb, self._r)
        snes.setJacobian(self._jacobian_cb, self._K, self._K)
        snes.setFromOptions()
        if self._limits or self._global_limit is not None:
            snes.setLineSearchPreCheck(self._limit_step)
        pc = snes.getKSP().getPC()
        if self.globals and pc.getType() == "fieldsplit":
            pm, k = self.pmap, (len(self.globals) if self._owner else 0)
            is_w = PETSc.IS().createStride(pm.n_reduced, pm.reduced_start, 1, comm=self.comm)
            is_g = PETSc.IS().createStride(k, pm.N_reduced, 1, comm=self.comm)
            pc.setFieldSplitIS(("w", is_w), ("g", is_g))
        return snes

    def _reduced_limits(
        self, limits: Sequence[tuple[np.ndarray, float]]
    ) -> list[tuple[np.ndarray, float]]:
        """Step limits on owned reduced rows (a periodic slave maps to its master)."""
        pm, out = self.pmap, []
        for dofs, bound in limits:
            full = np.asarray(dofs)
            full = full[full < pm.n_full]
            red = np.asarray(pm.reduced_index)[full] - pm.reduced_start
            out.append((np.unique(red[(red >= 0) & (red < pm.n_reduced)]), float(bound)))
        return out

    def _limit_step(self, x: PETSc.Vec, y: PETSc.Vec) -> None:
        """SNES line-search pre-check: scale the update ``y`` to the step limits."""
        ya, n = y.array_r, self.pmap.n_reduced
        ratios = [1.0]
        for rows, bound in self._limits:
            local = float(np.max(np.abs(ya[rows]), initial=0.0))
            ratios.append(bound / max(self.comm.allreduce(local, op=MPI.MAX), 1e-300))
        if self._global_limit is not None and self.globals:
            local = float(np.max(np.abs(ya[n:]), initial=0.0)) if self._owner else 0.0
            biggest = self.comm.allreduce(local, op=MPI.MAX)
            ratios.append(self._global_limit / max(biggest, 1e-300))
        factor = min(ratios)
        if factor < 1.0:
            y.scale(factor)
            self.limited_updates += 1

    # -------------------------------------------------------------- assembly
    def _scalar(self, form: dolfinx.fem.Form | None) -> float:
        """Globally assembled value of a rank-0 form (0 for None)."""
        return float(self.comm.allreduce(dolfinx.fem.assemble_scalar(form) if form else 0.0))

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

    def _assemble_reduced_jacobian(self) -> None:
        """``P^T J P`` and the border blocks at the current state."""
        J = self._Jmat
        J.zeroEntries()
        _fem_petsc.assemble_matrix(J, self._J)
        J.assemble()
        self._Ared = self.pmap.reduce_matrix(J, self._Ared)
        for j in range(len(self.globals)):
            self._border[:, j] = self._reduced_vector(self._dFdg[j])
            self._border_row[j, :] = self._reduced_vector(self._dGdw[j])
        self._corner = np.array([[self._scalar(f) for f in row] for row in self._dGdg])

    def _fill_bordered(self, K: PETSc.Mat) -> None:
        """Copy ``P^T J P`` and the border blocks into ``K``."""
        pm, k = self.pmap, len(self.globals)
        K.zeroEntries()
        indptr, cols, vals = self._Ared.getValuesCSR()
        if self._owner:  # K has k more local rows (set below)
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
        n, xa = self.pmap.n_reduced, x.array_r
        self._red.array[:] = xa[:n]
        self.pmap.prolong(self._red, self._w_vec)
        self.w.x.scatter_forward()
        if self.globals:
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
            x[n:] = [np.mean(ge.unknown.x.array) for ge in self.globals]
        del x
        self._update_state(self._x)

    def _update_bcs(self) -> None:
        """Reduced boundary rows and values (average over master and slaves)."""
        mask, vals = np.zeros_like(self.w.x.array), np.zeros_like(self.w.x.array)
        for bc in self.bcs:
            dofs, n_owned = bc.dof_indices()
            mask[dofs[:n_owned]] = 1.0
            bc.set(vals)
        n, full = self.pmap.n_full, self._Fvec
        full.array[:] = mask[:n]
        self.pmap.reduce_vector(full, self._red)
        count = self._red.array_r.copy()
        full.array[:] = (vals * mask)[:n]
        self.pmap.reduce_vector(full, self._red)
        local = np.flatnonzero(count > 0)
        self._bc_rows = (local + self.pmap.reduced_start).astype(PETSc.IntType)
        self._bc_values = self._red.array_r[local] / count[local]

    # ------------------------------------------------------------- callbacks
    @contextlib.contextmanager
    def _callback(self) -> Iterator[None]:
        """Time a SNES callback and keep its exception for the error message."""
        t0 = time.perf_counter()
        try:
            yield
        except Exception as exc:
            self._callback_error = exc
            raise
        finally:
            self.timings["assembly"] += time.perf_counter() - t0

    def _residual_cb(self, snes: PETSc.SNES, x: PETSc.Vec, r: PETSc.Vec) -> None:
        with self._callback():
            self._update_state(x)
            n = self.pmap.n_reduced
            res = self._reduced_vector(self._F)
            loc = self._bc_rows - self.pmap.reduced_start
            res[loc] = x.array_r[loc] - self._bc_values
            g = [
                self._scalar(f) - ge.offset_value()
                for f, ge in zip(self._G, self.globals, strict=True)
            ]
            ra = r.array
            ra[:n] = res
            if self._owner:
                ra[n:] = g
            del ra

    def _jacobian_cb(self, snes: PETSc.SNES, x: PETSc.Vec, A: PETSc.Mat, B: PETSc.Mat) -> None:
        with self._callback():
            self._update_state(x)
            self._assemble_reduced_jacobian()
            if self.globals:
                self._fill_bordered(self._K)
            self._K.zeroRows(self._bc_rows, diag=1.0)

    # ---------------------------------------------------------------- public
    def solve(self) -> SolveResult:
        """Newton from the current ``w`` and globals; on return they hold the last iterate.

        Returns:
            The result; ``converged=False`` when SNES diverged (the caller
            restores its saved state and cuts the time step).

        Raises:
            SolverError: PETSc or a form evaluation failed (not mere divergence).
        """
        t0 = time.perf_counter()
        self._callback_error = None
        asm0 = self.timings["assembly"]
        start = self.save_state() if self.options.reuses_factorization else None
        try:
            self._update_bcs()
            self._read_state()
            t1 = time.perf_counter()
            self.snes.solve(None, self._x)
            if start is not None and self.snes.getConvergedReason() < 0:
                # the reused factorisation may be what failed: once more with a fresh one
                self.refactorisations += 1
                self._reset_snes()
                self.restore_state(start)
                self._read_state()
                self.snes.solve(None, self._x)
            t_snes = time.perf_counter() - t1
            self._update_state(self._x)
            code = self.snes.getConvergedReason()
            reason = _REASONS.get(code, str(code))
            result = SolveResult(
                converged=code > 0,
                reason=reason,
                newton_iterations=self.snes.getIterationNumber(),
                linear_iterations=self.snes.getLinearSolveIterations(),
                residual_norm=float("nan") if "NAN" in reason else self.snes.getFunctionNorm(),
            )
        except Exception as exc:
            cause = self._callback_error or exc
            self._reset_snes()  # after an error SNES leaves its vectors locked
            raise SolverError(f"nonlinear solve failed: {type(cause).__name__}: {cause}") from cause
        if not result.converged:
            # a failed factorisation (MUMPS INFOG(1) < 0) leaves the PC failed: every later
            # solve would stop at iteration 0 with DIVERGED_LINEAR_SOLVE, even at a tiny dt
            self._reset_snes()
        total = time.perf_counter() - t0
        self.timings["linear_solve"] += max(t_snes - (self.timings["assembly"] - asm0), 0.0)
        self.timings["other"] += total - t_snes
        self.timings["total"] += total
        return result

    def _reset_snes(self) -> None:
        for obj in (self.snes, self._x, self._r):
            obj.destroy()
        self._x, self._r = self._K.createVecRight(), self._K.createVecLeft()
        self.snes = self._create_snes()

    def save_state(self) -> list[np.ndarray]:
        """Copies of the local arrays (with ghosts) of ``w`` and of every global."""
        return [f.x.array.copy() for f in [self.w, *(ge.unknown for ge in self.globals)]]

    def restore_state(self, state: Sequence[np.ndarray]) -> None:
        """Put back arrays from :meth:`save_state` (ghosts included)."""
        for f, arr in zip([self.w, *(ge.unknown for ge in self.globals)], state, strict=True):
            f.x.array[:] = arr

    @property
    def global_values(self) -> list[float]:
        """Current values of the global unknowns."""
        local = [np.max(ge.unknown.x.array, initial=-np.inf) for ge in self.globals]
        return [float(self.comm.allreduce(v, op=MPI.MAX)) for v in local]

    def destroy(self) -> None:
        """Free the PETSc objects and options (collective)."""
        for obj in (self.snes, self._K, self._Ared, self._Jmat, self._x, self._r,
                    self._Fvec, self._red, self._red2, self._w_vec):  # fmt: skip
            obj.destroy()
        self._options_finalizer()
