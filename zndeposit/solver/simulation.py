"""The time loop: mesh -> model -> Newton per step with adaptive dt -> outputs.

``Simulation(loaded, mesh_data).run()`` evolves the deposit until the
requested capacity or duration, hitting every output time exactly, never
accepting a non-converged step, and checking Faraday's law every step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import basix.ufl
import numpy as np
import ufl

from zndeposit.case.derived import derive
from zndeposit.case.load import LoadedCase
from zndeposit.errors import SolverError
from zndeposit.fem import MPI, dolfinx
from zndeposit.geometry import tags
from zndeposit.geometry.mesh import MeshData
from zndeposit.log import get_logger
from zndeposit.physics.model import (
    Measures,
    ModelState,
    build_forms,
    constraint_offset,
    supply_current_form,
)
from zndeposit.physics.parameters import model_parameters
from zndeposit.solver.coefficients import region_coefficients
from zndeposit.solver.curvature import CurvatureProjector
from zndeposit.solver.diagnose import stop_reason
from zndeposit.solver.initial import set_initial_state
from zndeposit.solver.noise import KineticNoise
from zndeposit.solver.periodic import PeriodicMap
from zndeposit.solver.stepping import REJECT_RATIO, StepController
from zndeposit.solver.system import BorderedNonlinearSystem, GlobalEquation

#: guards: a converged step is still rejected outside these bounds of xi (c = c_bulk exp(u)
#: is positive by construction and needs no guard)
XI_MIN, XI_MAX = -0.2, 1.2
#: Newton update bounds: u = ln(c/c_bulk) by at most U_STEP (a factor e^3 = 20 in c) and
#: psi, psi_E = F phi/(R T) by at most PSI_STEP (5 RT/F = 128 mV at 25 degC) per iteration
U_STEP, PSI_STEP = 3.0, 5.0
#: q(xi) is a degree-6 polynomial of the P1 xi: integrated exactly
DEPOSIT_QUADRATURE_DEGREE = 6


@dataclass
class StepRecord:
    """One accepted step: time (s), dt (s), Newton/linear iterations, E (V), Faraday mismatch."""

    t: float
    dt: float
    newton: int
    linear: int
    potential: float
    current: float
    deposited: float  # mol/m (per unit depth) of Zn above the initial state
    passed: float  # mol/m of electrons / n passed
    faraday_mismatch: float
    supply: float = float("nan")  # ionic current fed in through the top, A/m^2 (consistent)


@dataclass
class RunStatistics:
    """Counters of a run."""

    accepted: int = 0
    rejected: int = 0
    newton: int = 0
    linear: int = 0
    history: list[StepRecord] = field(default_factory=list)


class Simulation:
    """One run of a case on a mesh.

    Args:
        loaded: the validated case.
        mesh_data: the mesh with cell/facet tags (:func:`zndeposit.geometry.mesh.load_mesh`).
    """

    def __init__(self, loaded: LoadedCase, mesh_data: MeshData) -> None:
        self.case = case = loaded.case
        self.log = get_logger()
        self.derived = derive(case)
        self.params = p = model_parameters(case, self.derived)
        mesh = mesh_data.mesh
        self.mesh, self.comm = mesh, mesh.comm
        self.cell_tags, self.facet_tags = mesh_data.cell_tags, mesh_data.facet_tags
        p1 = basix.ufl.element("Lagrange", mesh.basix_cell(), 1)
        self.space = dolfinx.fem.functionspace(mesh, basix.ufl.mixed_element([p1, p1, p1]))
        self.w = dolfinx.fem.Function(self.space, name="state")
        self.w_n = dolfinx.fem.Function(self.space, name="previous")
        #: dof indices of xi, c, psi in the mixed arrays
        self.dofs = [np.asarray(self.space.sub(i).collapse()[1]) for i in range(3)]
        dg0 = dolfinx.fem.functionspace(mesh, ("DG", 0))
        self.psi_e = dolfinx.fem.Function(dg0, name="psi_E")
        self.dt = dolfinx.fem.Constant(mesh, 1.0)
        self.coefficients = region_coefficients(mesh, mesh_data.cell_tags, p)
        self.width = case.domain.width
        # lagged curvature from the previous step (sharp formulation)
        period, tol = None, 1e-3 * self.derived.band_element_size
        if case.domain.sides == "periodic":
            period = (0.0, self.width)
        self.curvature_projector = CurvatureProjector(
            mesh, ufl.split(self.w_n)[0], p.length, period=period, tol=tol
        )
        kin = case.kinetics
        self.noise = None
        if kin.noise > 0:
            self.noise = KineticNoise(
                mesh, kin.noise, kin.noise_length or case.interface.width, kin.noise_seed,
                self.width if period else None, kin.noise_interval,
            )  # fmt: skip
        state = ModelState(
            self.w, self.w_n, self.psi_e, self.curvature_projector.curvature, self.dt,
            normal=self.curvature_projector.normal,
            kinetic_noise=self.noise.field if self.noise else None,
        )  # fmt: skip
        ft = mesh_data.facet_tags
        ds = ufl.Measure("ds", domain=mesh, subdomain_data=ft)
        measures = Measures(
            dx=ufl.dx(domain=mesh, degree=case.numerics.quadrature_degree),
            dx_lumped=ufl.dx(
                domain=mesh, metadata={"quadrature_rule": "vertex", "quadrature_degree": 1}
            ),
            ds_top=ds(tags.FACET_TAGS[tags.TOP]),
            dx_deposit=ufl.dx(domain=mesh, degree=DEPOSIT_QUADRATURE_DEGREE),
        )
        ctl = case.control
        self.galvanostatic = ctl.mode == "galvanostatic"
        counter = case.top.kind == "counter_electrode"
        counter_i0 = (case.top.exchange_current_density or p.i0) if counter else None
        self.forms = build_forms(
            p, state, self.coefficients, measures,
            galvanostatic=self.galvanostatic, counter_i0=counter_i0,
        )  # fmt: skip
        bcs = [] if counter else self._reservoir_bcs(ft)
        self.offset = dolfinx.fem.Constant(mesh, 0.0)
        globals_ = []
        if self.galvanostatic:
            globals_.append(GlobalEquation(self.psi_e, self.forms.constraint, self.offset, "E"))
        periodic = None
        if period is not None:
            periodic = PeriodicMap(self.space, period, tol=tol)
        num = case.numerics
        self.system = BorderedNonlinearSystem(
            self.forms.residual, self.w, globals_, bcs, periodic,
            linear_solver=num.linear_solver, line_search=num.line_search,
            rtol=num.newton_rtol, atol=num.newton_atol,
            max_iterations=num.newton_max_iterations,
            step_limits=[(self.dofs[1], U_STEP), (self.dofs[2], PSI_STEP)],
            global_step_limit=PSI_STEP,
        )  # fmt: skip
        self._deposit_form = dolfinx.fem.form(self.forms.deposit * measures.dx_deposit)
        chi, near_top = self._top_indicator(ft)
        self._supply_form = dolfinx.fem.form(
            supply_current_form(
                p, state, self.coefficients, chi,
                ufl.dx(domain=mesh, degree=num.quadrature_degree, subdomain_data=near_top)(1),
                ufl.dx(domain=mesh, subdomain_data=near_top,
                       metadata={"quadrature_rule": "vertex", "quadrature_degree": 1})(1),
            )
        )  # fmt: skip
        psi_e0 = set_initial_state(
            self.w, case, p, self.derived.conductivity, self.derived.limiting_current
        )
        if self.galvanostatic:
            self.psi_e.x.array[:] = psi_e0
        else:
            self.psi_e.x.array[:] = p.f * ctl.potential
        self.w_n.x.array[:] = self.w.x.array
        self.curvature_projector.update()
        self.t = 0.0
        self.end_time = self.derived.run_time
        self.deposit0 = self.deposited()
        self.passed = 0.0
        self.stats = RunStatistics()

    def _reservoir_bcs(self, ft: dolfinx.mesh.MeshTags) -> list[dolfinx.fem.DirichletBC]:
        """C = c_bulk (u = 0), phi = 0 on the top facets (reservoir)."""
        facets = ft.find(tags.FACET_TAGS[tags.TOP])
        bcs = []
        for i, value in ((1, 0.0), (2, 0.0)):
            sub = self.space.sub(i)
            collapsed, _ = sub.collapse()
            dofs = dolfinx.fem.locate_dofs_topological((sub, collapsed), 1, facets)
            g = dolfinx.fem.Function(collapsed)
            g.x.array[:] = value
            bcs.append(dolfinx.fem.dirichletbc(g, dofs, sub))
        return bcs

    def _top_indicator(
        self, ft: dolfinx.mesh.MeshTags
    ) -> tuple[dolfinx.fem.Function, dolfinx.mesh.MeshTags]:
        """P1 function 1 at the top boundary's nodes, 0 elsewhere; tag 1 on the cells it spans."""
        mesh, tdim = self.mesh, self.mesh.topology.dim
        space = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
        chi = dolfinx.fem.Function(space, name="top_indicator")
        facets = ft.find(tags.FACET_TAGS[tags.TOP])
        chi.x.array[dolfinx.fem.locate_dofs_topological(space, tdim - 1, facets)] = 1.0
        # a rank may own a top node without holding a top facet: sum onto the owners
        chi.x.scatter_reverse(dolfinx.la.InsertMode.add)
        chi.x.array[:] = np.minimum(chi.x.array, 1.0)
        chi.x.scatter_forward()
        cell_map = mesh.topology.index_map(tdim)
        cell_dofs = space.dofmap.list[: cell_map.size_local + cell_map.num_ghosts]
        cells = np.flatnonzero(chi.x.array[cell_dofs].max(axis=1) > 0.5).astype(np.int32)
        near_top = dolfinx.mesh.meshtags(mesh, tdim, cells, np.ones_like(cells, dtype=np.int32))
        self._chi, self._near_top = chi, near_top
        return chi, near_top

    def supply_current(self) -> float:
        """Ionic current fed in through the top boundary, A/m^2 of electrode (collective)."""
        local = dolfinx.fem.assemble_scalar(self._supply_form)
        return float(self.comm.allreduce(local, op=MPI.SUM)) / self.width

    # --------------------------------------------------------------- measures
    def deposited(self) -> float:
        """Zn in the deposit, mol per m of depth: rho_m * integral(porosity xi).

        (``chen2015``: porosity q(xi), see :func:`~zndeposit.physics.model.build_forms`.)
        """
        local = dolfinx.fem.assemble_scalar(self._deposit_form)
        return self.params.rho_m * self.comm.allreduce(local, op=MPI.SUM)

    @property
    def potential(self) -> float:
        """Electrode potential E vs the reservoir (or counter electrode), V."""
        return (
            self.system.global_values[0] / self.params.f
            if self.galvanostatic
            else float(self.case.control.potential)
        )

    # ------------------------------------------------------------------- loop
    def step(self, dt: float) -> tuple[bool, Any]:
        """Try one backward-Euler step of length dt (s); on failure the state is restored."""
        self._saved = saved = self.system.save_state()
        self.dt.value = dt
        if self.galvanostatic:
            self.offset.value = constraint_offset(
                self.params, dt, self.case.control.current_density, self.width
            )
        try:
            result = self.system.solve()
        except SolverError:
            self.system.restore_state(saved)
            raise
        ok = result.converged
        if ok and (guard := self._guard_failure()) is not None:
            ok, result = False, result._replace(reason=guard)
        elif not ok:
            result = result._replace(
                reason=f"Newton: {result.reason} after {result.newton_iterations} iterations"
            )
        self.last_change = self.xi_change() if ok else None
        if not ok:
            self.system.restore_state(saved)
        return ok, result

    def xi_change(self) -> float:
        """Largest |xi - xi_n| over the mesh (collective)."""
        d = self.w.x.array[self.dofs[0]] - self.w_n.x.array[self.dofs[0]]
        local = float(np.max(np.abs(d))) if d.size else 0.0
        return float(self.comm.allreduce(local, op=MPI.MAX))

    def _guard_failure(self) -> str | None:
        """Which guard rejects a converged step (None: all pass; collective)."""
        arr = self.w.x.array
        finite = np.all(np.isfinite(arr)) and np.all(np.isfinite(self.psi_e.x.array))
        if not self._agree(bool(finite)):
            return "guard: a non-finite value in the solution"
        xi = arr[self.dofs[0]]
        if not self._agree(bool(np.all((xi > XI_MIN) & (xi < XI_MAX)))):
            return f"guard: xi outside ({XI_MIN:g}, {XI_MAX:g})"
        return None

    def _agree(self, ok: bool) -> bool:
        return bool(self.comm.allreduce(int(ok), op=MPI.MIN))

    def run(
        self,
        output_times: list[float] | None = None,
        on_output: Callable[[Simulation], None] | None = None,
        on_step: Callable[[Simulation, StepRecord], None] | None = None,
        on_reject: Callable[[Simulation, float, str], None] | None = None,
        should_stop: Callable[[Simulation], bool] | None = None,
    ) -> RunStatistics:
        """March to the end time; call ``on_output`` at t = 0 and every output time.

        ``on_reject(sim, dt, reason)`` follows every rejected step; ``should_stop(sim)``
        (collective) is asked before every step and ends the loop at the last accepted one.
        """
        num = self.case.numerics
        outs = sorted(set(output_times or [])) if output_times else []
        max_change = None if num.max_xi_change == "none" else num.max_xi_change
        ctl = StepController(
            dt=num.dt_initial, dt_min=num.dt_min, dt_max=num.dt_max, growth=num.dt_growth,
            cutback=num.dt_cutback, target_iterations=num.target_newton_iterations,
            milestones=[*outs, self.end_time], max_change=max_change,
        )  # fmt: skip
        if on_output:
            on_output(self)
        next_out = [t for t in outs if t > 0]
        while self.t < self.end_time * (1 - 1e-12):
            if should_stop is not None and should_stop(self):
                break
            dt = ctl.propose(self.t)
            ok, result = self.step(dt)
            change = self.last_change
            if ok and change is not None and ctl.too_large(change):
                self.system.restore_state(self._saved)
                ok, result = (
                    False,
                    result._replace(
                        reason=f"step size: xi changed by {change:.3f} > "
                        f"{REJECT_RATIO:g} x numerics.max_xi_change"
                    ),
                )
            else:
                change = None
            if not ok:
                self.stats.rejected += 1
                self.log.debug(f"step rejected at t={self.t:.4g} s, dt={dt:.3g} ({result.reason})")
                if on_reject is not None:
                    on_reject(self, dt, str(result.reason))
                if not ctl.rejected(dt, change):
                    raise SolverError(stop_reason(self, str(result.reason)))
                continue
            self._accept(dt, result)
            ctl.accepted(result.newton_iterations, dt, self.last_change or 0.0)
            record = self.stats.history[-1]
            if on_step:
                on_step(self, record)
            while next_out and next_out[0] <= self.t * (1 + 1e-12):
                next_out.pop(0)
                if on_output:
                    on_output(self)
        return self.stats

    def _accept(self, dt: float, result: Any) -> None:
        supply = self.supply_current()  # before the lagged fields move on
        self.t += dt
        if self.noise is not None:
            self.noise.update(self.t)  # acts from the next step on
        before = self.stats.history[-1].deposited if self.stats.history else 0.0
        self.w_n.x.array[:] = self.w.x.array
        if self.params.formulation == "sharp":
            self.curvature_projector.update()
        dep = self.deposited() - self.deposit0
        n, F = self.params.n, self.params.faraday
        if self.galvanostatic:
            self.passed += self.case.control.current_density * self.width * dt / (n * F)
            current = self.case.control.current_density
        else:
            self.passed = dep  # potentiostatic: the passed charge is what the metal took
            current = (dep - before) * n * F / (dt * self.width)
        mismatch = abs(dep - self.passed) / max(abs(self.passed), 1e-300)
        self.stats.accepted += 1
        self.stats.newton += result.newton_iterations
        self.stats.linear += result.linear_iterations
        self.stats.history.append(
            StepRecord(self.t, dt, result.newton_iterations, result.linear_iterations,
                       self.potential, current, dep, self.passed, mismatch, supply)
        )  # fmt: skip
        if self.galvanostatic and mismatch > 1e-6 and self.passed > 0:
            self.log.warning(f"Faraday mismatch {mismatch:.2e} at t = {self.t:.4g} s")
