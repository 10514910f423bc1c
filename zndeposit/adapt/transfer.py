"""Move the solution from one mesh to the next, conserving metal and salt exactly.

Interpolation between non-matching meshes (``Function.interpolate_nonmatching``)
keeps the fields but not their integrals: the deposited Zn and the dissolved
salt change by the interpolation error (of the order of (h/l)^2 of the
interface). Both are then restored by a one-parameter correction each:

- **metal**: xi += alpha * max(xi (1 - xi), 0), a shift confined to the
  interface, with alpha such that the deposit measure (the one Faraday's law
  is checked with) equals its value before the adaptation;
- **salt**: u += delta on every node except those of a Dirichlet (reservoir)
  top boundary, i.e. all concentrations scaled by exp(delta), with delta such
  that the salt stored in the pore liquid, integral(porosity s_d c+) with the
  solver's lumped quadrature, equals its value before.

With side chemistry two more: the proton excess integral(porosity s_d q),
q = c_H - c_OH - c_ZnOH (an unknown itself), by q += delta_q on the same
nodes, and the ZHS by one factor on its content; with hydrolysis the
dissolved Zn is Zn2+ + ZnOH+, restored with q by alternating shifts of u and q. SO4 2- follows
from electroneutrality, so it is restored with Zn2+ and the proton excess.

The scalar equations are solved by secant iterations to round-off
(``RTOL``). The potential is interpolated; the electrode potential E (a
global unknown) is copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import ufl

from zndeposit.fem import MPI, dolfinx
from zndeposit.physics import interface as itf
from zndeposit.physics.transport import cation_concentration

#: relative tolerance of the restored integrals
RTOL = 1e-13
#: secant iterations before giving up
MAX_ITERATIONS = 30


class Transferable(Protocol):
    """What the transfer needs of a model: the mixed state, its dofs and coefficients."""

    w: Any  # mixed Function (xi, u, psi)
    space: Any
    dofs: list[np.ndarray]
    coefficients: Any
    params: Any
    comm: Any

    @property
    def potential(self) -> float:
        """Electrode potential E, V (collective)."""
        ...

    @property
    def scaled_potential(self) -> float:
        """F E/(R T), the unknown itself (no round trip through E)."""
        ...

    def accept_transferred_state(self, psi_e: float) -> None:
        """After w is set: w_n = w, the scaled E set, lagged fields recomputed."""
        ...

    def deposited(self) -> float:
        """Metal in the deposit, mol per m of depth (collective)."""
        ...


@dataclass(frozen=True)
class TransferReport:
    """Integrals before and after a transfer (mol per m of depth).

    Attributes:
        deposit_before, deposit_interpolated, deposit_after: metal measure.
        salt_before, salt_interpolated, salt_after: salt in the pore liquid.
        alpha: the metal correction's amplitude, -.
        delta: the salt correction, ln of the concentration factor.
    """

    deposit_before: float
    deposit_interpolated: float
    deposit_after: float
    salt_before: float
    salt_interpolated: float
    salt_after: float
    alpha: float
    delta: float

    @property
    def deposit_error(self) -> float:
        """|after - before| / before of the metal (what the correction leaves)."""
        return abs(self.deposit_after - self.deposit_before) / abs(self.deposit_before)

    @property
    def salt_error(self) -> float:
        """|after - before| / before of the salt."""
        return abs(self.salt_after - self.salt_before) / abs(self.salt_before)


class SaltMeasure:
    """integral(porosity s_d c+) of a model's state, mol/m, with u shifted by ``shift * weight``."""

    def __init__(self, model: Transferable, top_y: float | None) -> None:
        p, co = model.params, model.coefficients
        mesh = model.space.mesh
        xi, u = ufl.split(model.w)[:2]
        p1 = model.space.sub(1).collapse()[0]
        self.weight = dolfinx.fem.Function(p1)
        self.weight.x.array[:] = 1.0
        if top_y is not None:
            y = p1.tabulate_dof_coordinates()[:, 1]
            self.weight.x.array[y >= top_y * (1 - 1e-9)] = 0.0
        self.shift = dolfinx.fem.Constant(mesh, 0.0)
        s_d = 1 - itf.h(xi) + p.metal_share
        c_plus = cation_concentration(u + self.shift * self.weight, co, p.z_plus)
        lumped = ufl.dx(domain=mesh, metadata={"quadrature_rule": "vertex", "quadrature_degree": 1})
        self.form = dolfinx.fem.form(co.porosity * s_d * c_plus * lumped)
        self.scale, self.comm = p.c_bulk, model.comm

    def __call__(self, shift: float = 0.0) -> float:
        """The salt with u shifted by ``shift`` on the weighted nodes, mol/m (collective)."""
        self.shift.value = shift
        local = dolfinx.fem.assemble_scalar(self.form)
        return self.scale * float(self.comm.allreduce(local, op=MPI.SUM))


def _secant(f: Any, target: float, x1: float) -> float:
    """Root of f(x) = target from x = 0 and x1 (f monotone near 0)."""
    x0, f0 = 0.0, f(0.0) - target
    if abs(f0) <= RTOL * abs(target):
        return 0.0
    f1 = f(x1) - target
    for _ in range(MAX_ITERATIONS):
        if f1 == f0:
            break
        x0, x1, f0 = x1, x1 - f1 * (x1 - x0) / (f1 - f0), f1
        f1 = f(x1) - target
        if abs(f1) <= RTOL * abs(target):
            break
    return x1


def interpolate_state(old: Transferable, new: Transferable) -> None:
    """Xi, u, psi (and v, n_p) of ``old`` onto ``new``'s mesh (collective); no correction."""
    mesh = new.space.mesh
    tdim = mesh.topology.dim
    cmap = mesh.topology.index_map(tdim)
    cells = np.arange(cmap.size_local + cmap.num_ghosts, dtype=np.int32)
    data = None
    for i in range(len(new.dofs)):  # xi, u, psi (and v, n_p)
        src = old.w.sub(i).collapse()
        dest_space, _ = new.space.sub(i).collapse()
        dest = dolfinx.fem.Function(dest_space)
        if data is None:
            data = dolfinx.fem.create_interpolation_data(
                dest_space, src.function_space, cells, padding=1e-8
            )
        dest.interpolate_nonmatching(src, cells, data)
        new.w.x.array[new.dofs[i]] = dest.x.array
    new.w.x.scatter_forward()


def transfer_state(old: Transferable, new: Transferable, top_y: float | None) -> TransferReport:
    """Interpolate ``old``'s state onto ``new`` and restore metal and salt (collective).

    Args:
        old: the model on the current mesh (its w is the accepted state).
        new: the model on the adapted mesh (its state is overwritten; w_n = w after).
        top_y: height of a Dirichlet (reservoir) top boundary, m, whose nodes keep
            their concentration; None with a counter electrode.
    """
    dep_before = old.deposited()
    salt_before = SaltMeasure(old, top_y)()
    interpolate_state(old, new)
    xi_dofs = new.dofs[0]
    xi0 = new.w.x.array[xi_dofs].copy()
    bump = np.maximum(xi0 * (1 - xi0), 0.0)

    def deposit(alpha: float) -> float:
        new.w.x.array[xi_dofs] = xi0 + alpha * bump
        return new.deposited()

    dep_interp = deposit(0.0)
    alpha = _secant(deposit, dep_before, 1e-3)
    dep_after = deposit(alpha)
    salt = SaltMeasure(new, top_y)
    salt_interp = salt(0.0)
    delta = _secant(salt, salt_before, 1e-3)
    salt_after = salt(delta)
    salt.shift.value = 0.0
    u = new.dofs[1]
    new.w.x.array[u] += delta * salt.weight.x.array
    new.w.x.scatter_forward()
    if getattr(new, "chemistry", None) is not None:
        _restore_chemistry(old, new, salt.weight.x.array)
    # w_n = w, E copied, lagged curvature/normal recomputed on the new mesh
    new.accept_transferred_state(old.scaled_potential)
    return TransferReport(
        dep_before, dep_interp, dep_after, salt_before, salt_interp, salt_after, alpha, delta
    )


def _restore_chemistry(old: Any, new: Any, weight: np.ndarray) -> None:
    """Restore the proton excess (shift of q on the weighted nodes) and the ZHS (a factor).

    With hydrolysis the dissolved Zn (Zn2+ + ZnOH+, not the free Zn2+ the salt
    correction restored) and q depend on both u and q: a few alternating
    shifts (Gauss-Seidel; ZnOH+ is a small share of the Zn) restore both.
    """
    before = old.chemistry_measures.inventories()
    measures = new.chemistry_measures
    hydrolysis = bool(new.chemistry.hydrolysis)
    scale_q = max(abs(before["excess"]), abs(before["zinc"]) * 1e-12)

    def restore(dofs: np.ndarray, name: str, scale: float) -> float:
        base = new.w.x.array[dofs].copy()

        def total(shift: float) -> float:
            new.w.x.array[dofs] = base + shift * weight
            return measures.inventories()[name] / scale

        total(_secant(total, before[name] / scale, 1e-3))
        return abs(measures.inventories()[name] - before[name]) / scale

    for _ in range(MAX_ITERATIONS if hydrolysis else 1):
        error_zn = restore(new.dofs[1], "zinc", abs(before["zinc"])) if hydrolysis else 0.0
        error_q = restore(new.dofs[3], "excess", scale_q)
        if hydrolysis:  # the q shift moved the ZnOH+ again
            error_zn = abs(measures.inventories()["zinc"] / before["zinc"] - 1.0)
        if max(error_zn, error_q) <= 10 * RTOL:
            break
    zhs = new.dofs[4]
    after = measures.inventories()["zhs"]
    if after != 0.0:
        new.w.x.array[zhs] *= before["zhs"] / after
    new.w.x.scatter_forward()
