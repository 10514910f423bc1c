"""Periodic left/right sides by dof elimination: ``u_full = P u_red``.

DOLFINx has no periodic boundary conditions, so the periodic unknowns are
eliminated algebraically. Every dof on ``x = x_max`` (a *slave*) is paired
with the dof of the same sub-space on ``x = x_min`` (its *master*) at the
same remaining coordinates. The reduced numbering keeps every non-slave dof
(contiguous per rank, in the rank's original order); the prolongation matrix
``P`` (rows: full owned dofs, columns: reduced dofs, one 1.0 per row) copies
a master value onto its slaves. A residual ``F`` and a Jacobian ``J`` on the
full space reduce to ``P^T F`` and ``P^T J P``.

Masters and slaves may be owned by different ranks: the left-side dofs of
every rank (few, a boundary line) are gathered on all ranks for the pairing.
"""

from __future__ import annotations

import numpy as np

from zndeposit.errors import SolverError
from zndeposit.fem import PETSc, dolfinx

__all__ = ["PeriodicMap"]


def _leaves(V: dolfinx.fem.FunctionSpace) -> list[tuple[np.ndarray, np.ndarray]]:
    """Scalar leaf sub-spaces of ``V`` as (local dofs of ``V``, dof coordinates) pairs.

    Local dofs include ghosts and are unrolled (``dof * bs + component``).
    """
    if V.num_sub_spaces == 0:
        if V.dofmap.index_map_bs != 1:
            raise SolverError("PeriodicMap: blocked leaf space without sub-spaces is unsupported")
        x = V.tabulate_dof_coordinates()
        return [(np.arange(x.shape[0], dtype=np.int64), x)]
    out = []
    for i in range(V.num_sub_spaces):
        Vc, cmap = V.sub(i).collapse()
        if isinstance(cmap, list | tuple):  # one array per block component
            cmap = np.stack([np.asarray(a) for a in cmap], axis=1)
        cmap = np.asarray(cmap, dtype=np.int64).reshape(-1)
        for dofs, x in _leaves(Vc):
            out.append((cmap[dofs], x))
    return out


class PeriodicMap:
    """Pairing of periodic dofs of a function space and the prolongation ``P``.

    Attributes:
        P: ``PETSc.Mat`` (MPIAIJ) of shape (full owned, reduced owned), or
            ``None`` without periodicity (the reduction is then the identity).
        n_full: number of full dofs owned by this rank (unrolled).
        n_reduced: number of reduced dofs owned by this rank.
        N_reduced: global number of reduced dofs.
        reduced_start: first reduced global index owned by this rank.
        reduced_index: reduced global index of every owned full dof (int64).
        num_slaves: global number of eliminated (slave) dofs.
        num_remote_pairs: global number of slaves whose master lives on
            another rank (diagnostic, used by the MPI test).
    """

    def __init__(
        self,
        V: dolfinx.fem.FunctionSpace,
        period: tuple[float, float] | None,
        tol: float = 1e-8,
        axis: int = 0,
    ) -> None:
        """Pair the dofs on ``x[axis] = period[1]`` with those on ``x[axis] = period[0]``.

        Args:
            V: function space (scalar, blocked or mixed) of the unknown.
            period: ``(x_min, x_max)`` in m, or ``None`` for no periodicity.
            tol: absolute tolerance (m) for "on the side" and "same position".
            axis: coordinate direction of the period (0 = x).

        Raises:
            SolverError: a dof on ``x_max`` has no partner on ``x_min``.
        """
        self.V = V
        self.comm = V.mesh.comm
        imap = V.dofmap.index_map
        bs = V.dofmap.index_map_bs
        self.n_full = imap.size_local * bs
        self.full_start = imap.local_range[0] * bs
        self.period = period
        self.P: PETSc.Mat | None = None
        self.num_slaves = 0
        self.num_remote_pairs = 0
        if period is None:
            self.n_reduced = self.n_full
            self.N_reduced = imap.size_global * bs
            self.reduced_start = self.full_start
            self.reduced_index = self.full_start + np.arange(self.n_full, dtype=np.int64)
            self._counts = None
            return
        self._build(period, tol, axis)

    # ------------------------------------------------------------------ setup
    def _build(self, period: tuple[float, float], tol: float, axis: int) -> None:
        comm = self.comm
        x_min, x_max = float(period[0]), float(period[1])
        if not x_max > x_min + tol:
            raise SolverError(f"PeriodicMap: period ({x_min}, {x_max}) is empty")
        n = self.n_full
        leaves = []
        is_slave = np.zeros(n, dtype=bool)
        for dofs, x in _leaves(self.V):
            owned = dofs < n
            dofs, x = dofs[owned], x[owned]
            slave = np.abs(x[:, axis] - x_max) < tol
            master = np.abs(x[:, axis] - x_min) < tol
            is_slave[dofs[slave]] = True
            leaves.append((dofs[slave], x[slave], dofs[master], x[master]))

        n_red = int(n - is_slave.sum())
        start = comm.exscan(n_red) or 0
        self.n_reduced, self.reduced_start = n_red, start
        self.N_reduced = comm.allreduce(n_red)
        red = np.full(n, -1, dtype=np.int64)
        red[~is_slave] = start + np.arange(n_red, dtype=np.int64)

        other = [d for d in range(3) if d != axis]
        errors: list[str] = []
        remote = 0
        for k, (s_dofs, s_x, m_dofs, m_x) in enumerate(leaves):
            # Gather every rank's masters of this leaf: (other coordinates, reduced index, rank).
            gathered = comm.allgather((m_x[:, other], red[m_dofs], comm.rank))
            all_x = np.concatenate([g[0] for g in gathered]).reshape(-1, len(other))
            all_r = np.concatenate([g[1] for g in gathered])
            all_rank = np.concatenate([np.full(len(g[1]), g[2]) for g in gathered])
            sx = s_x[:, other]
            for c0 in range(0, len(sx), 256):
                chunk = sx[c0 : c0 + 256]
                if len(all_x) == 0:
                    d2 = np.full((len(chunk), 1), np.inf)
                else:
                    d2 = ((chunk[:, None, :] - all_x[None, :, :]) ** 2).sum(axis=2)
                best = np.argmin(d2, axis=1)
                ok = d2[np.arange(len(chunk)), best] < tol**2
                for j in np.flatnonzero(~ok)[:5]:
                    errors.append(
                        f"sub-space {k}: dof at y = {chunk[j, 0]:.9g} on x = {x_max:.9g} "
                        f"has no partner on x = {x_min:.9g} (non-matching periodic mesh?)"
                    )
                if ok.all():
                    red[s_dofs[c0 : c0 + 256]] = all_r[best]
                    remote += int((all_rank[best] != comm.rank).sum())
        all_errors = [e for errs in comm.allgather(errors) for e in errs]
        if all_errors:
            raise SolverError("PeriodicMap: " + "; ".join(all_errors[:5]))
        self.reduced_index = red
        self.num_slaves = comm.allreduce(int(is_slave.sum()))
        self.num_remote_pairs = comm.allreduce(remote)

        indptr = np.arange(n + 1, dtype=PETSc.IntType)
        P = PETSc.Mat().createAIJ(
            ((n, None), (n_red, self.N_reduced)),
            csr=(indptr, red.astype(PETSc.IntType), np.ones(n)),
            comm=comm,
        )
        P.assemble()
        self.P = P
        ones = P.createVecLeft()
        ones.set(1.0)
        self._counts = P.createVecRight()
        P.multTranspose(ones, self._counts)  # 1 + number of slaves per reduced dof
        ones.destroy()

    # ------------------------------------------------------------- operations
    def create_reduced_vector(self) -> PETSc.Vec:
        """A new (zero) PETSc vector in the reduced layout."""
        v = PETSc.Vec().createMPI((self.n_reduced, self.N_reduced), comm=self.comm)
        v.set(0.0)
        return v

    def reduce_vector(self, full: PETSc.Vec, out: PETSc.Vec) -> None:
        """Residual reduction ``out = P^T full`` (sums slave rows into master rows)."""
        if self.P is None:
            full.copy(out)
        else:
            self.P.multTranspose(full, out)

    def restrict(self, full: PETSc.Vec, out: PETSc.Vec) -> None:
        """Values of a full vector in the reduced numbering (master/slave average)."""
        self.reduce_vector(full, out)
        if self._counts is not None:
            out.pointwiseDivide(out, self._counts)

    def prolong(self, reduced: PETSc.Vec, full: PETSc.Vec) -> None:
        """Owned full values from reduced ones: ``full = P reduced`` (no ghost update)."""
        if self.P is None:
            reduced.copy(full)
        else:
            self.P.mult(reduced, full)

    def reduce_matrix(self, A: PETSc.Mat, out: PETSc.Mat | None = None) -> PETSc.Mat:
        """Galerkin reduction ``P^T A P`` (reuses ``out``'s sparsity when given); ``A`` if no P."""
        if self.P is None:
            return A
        return A.ptap(self.P, result=out)

    def destroy(self) -> None:
        """Free the PETSc objects (collective)."""
        for obj in (self.P, self._counts):
            if obj is not None:
                obj.destroy()
        self.P = None
        self._counts = None
