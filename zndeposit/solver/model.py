"""The discrete model on one mesh: spaces, unknowns, forms, boundary conditions, Newton.

A :class:`DepositionModel` is built from a :class:`~zndeposit.geometry.mesh.MeshData`
and a narrow, frozen :class:`ModelSettings`; it knows nothing of the case file
or of time stepping (that is :class:`zndeposit.solver.stepper.Stepper`). One
model lives on one mesh: an adaptive remesher builds a new model on the new
mesh, moves the state with :meth:`DepositionModel.get_state` /
:meth:`DepositionModel.set_state` (plain nodal arrays) and hands it to
:meth:`Stepper.replace_model <zndeposit.solver.stepper.Stepper.replace_model>`.

Without a case file (a mesh made in code, parameters by hand)::

    settings = ModelSettings(params=params, width=10e-6, galvanostatic=True,
                             current_density=100.0, element_size=0.1e-6)
    model = DepositionModel(mesh_data, settings)
    model.set_state_from(xi=lambda x: ..., u=lambda x: 0 * x[0], psi=..., potential=-0.05)
    stepper = Stepper(model, StepperSettings(end_time=1.0, dt_initial=1e-3))
    stepper.run()

(``tests/solver/test_model_stepper.py`` runs exactly this.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import basix.ufl
import numpy as np
import ufl

from zndeposit.errors import SolverError
from zndeposit.fem import MPI, dolfinx
from zndeposit.geometry import tags
from zndeposit.geometry.mesh import MeshData
from zndeposit.physics.model import (
    Measures,
    ModelState,
    build_forms,
    constraint_offset,
    supply_current_form,
)
from zndeposit.solver.coefficients import region_coefficients
from zndeposit.solver.curvature import CurvatureProjector
from zndeposit.solver.model_settings import ModelSettings, NoiseSettings
from zndeposit.solver.nodes import node_positions, p1_node_index
from zndeposit.solver.noise import KineticNoise
from zndeposit.solver.periodic import PeriodicMap
from zndeposit.solver.system import BorderedNonlinearSystem, GlobalEquation, SolveResult

if TYPE_CHECKING:
    from zndeposit.case.derived import Derived
    from zndeposit.case.schema import Case

#: guards: a converged step is still rejected outside these bounds of xi (c = c_bulk exp(u)
#: is positive by construction and needs no guard)
XI_MIN, XI_MAX = -0.2, 1.2
#: Newton update bounds: u = ln(c/c_bulk) by at most U_STEP (a factor e^3 = 20 in c) and
#: psi, psi_E = F phi/(R T) by at most PSI_STEP (5 RT/F = 128 mV at 25 degC) per iteration
U_STEP, PSI_STEP = 3.0, 5.0
#: q(xi) is a degree-6 polynomial of the P1 xi: integrated exactly
DEPOSIT_QUADRATURE_DEGREE = 6
__all__ = [
    "CHEMISTRY_FIELDS",
    "FIELDS",
    "DepositionModel",
    "ModelSettings",
    "NoiseSettings",
    "node_positions",
    "p1_node_index",
]

#: names of the nodal fields of :meth:`DepositionModel.get_state`, in mixed-space order
FIELDS = ("xi", "u", "psi")
#: with side chemistry: q = (c_H - c_OH) / c_H,bulk and n_p = ZHS per total volume / c_bulk
CHEMISTRY_FIELDS = ("q", "zhs")


class DepositionModel:
    """The phase-field / electrodiffusion model on one mesh (collective construction).

    The state is the mixed P1 Function :attr:`w` = (xi, u = ln(c/c_bulk), psi = F phi/(R T)),
    its previous value :attr:`w_n` and the DG0 global :attr:`psi_e` = F E/(R T); the lagged
    curvature / normal follow :attr:`w_n`. Construction leaves xi = u = psi = 0: set the
    state with :meth:`set_initial_state` (from a case), :meth:`set_state_from` (callables)
    or :meth:`set_state` (nodal arrays of another model or a checkpoint).

    Args:
        mesh_data: mesh with cell and facet tags (:mod:`zndeposit.geometry.tags`).
        settings: what the model needs besides the mesh.
    """

    def __init__(self, mesh_data: MeshData, settings: ModelSettings) -> None:
        self.settings = s = settings
        self.params = p = s.params
        self.mesh_data = mesh_data
        mesh = mesh_data.mesh
        self.mesh, self.comm = mesh, mesh.comm
        self.cell_tags, self.facet_tags = mesh_data.cell_tags, mesh_data.facet_tags
        self.width = s.width
        self.galvanostatic = s.galvanostatic
        p1 = basix.ufl.element("Lagrange", mesh.basix_cell(), 1)
        self.chemistry = s.chemistry
        #: names of the nodal fields, in mixed-space order
        self.fields = FIELDS + (CHEMISTRY_FIELDS if s.chemistry is not None else ())
        elements = [p1] * len(self.fields)
        self.space = dolfinx.fem.functionspace(mesh, basix.ufl.mixed_element(elements))
        self.w = dolfinx.fem.Function(self.space, name="state")
        self.w_n = dolfinx.fem.Function(self.space, name="previous")
        #: dof indices of xi, u, psi (and v, n_p) in the mixed arrays
        self.dofs = [np.asarray(self.space.sub(i).collapse()[1]) for i in range(len(self.fields))]
        dg0 = dolfinx.fem.functionspace(mesh, ("DG", 0))
        self.psi_e = dolfinx.fem.Function(dg0, name="psi_E")
        self.dt = dolfinx.fem.Constant(mesh, 1.0)
        #: applied current density, A/m^2 (galvanostatic): :meth:`set_applied_current`
        self.applied_current = dolfinx.fem.Constant(mesh, float(s.current_density))
        self.coefficients = region_coefficients(mesh, mesh_data.cell_tags, p)
        period, tol = ((0.0, s.width) if s.periodic else None), 1e-3 * s.element_size
        self.curvature_projector = CurvatureProjector(
            mesh, ufl.split(self.w_n)[0], p.length, period=period, tol=tol
        )
        self.noise = None
        if s.noise is not None and s.noise.strength > 0:
            n = s.noise
            self.noise = KineticNoise(
                mesh, n.strength, n.length, n.seed, s.width if period else None, n.interval
            )
        state = ModelState(
            self.w, self.w_n, self.psi_e, self.curvature_projector.curvature, self.dt,
            normal=self.curvature_projector.normal,
            kinetic_noise=self.noise.field if self.noise else None,
        )  # fmt: skip
        ft = mesh_data.facet_tags
        ds = ufl.Measure("ds", domain=mesh, subdomain_data=ft)
        lumped = {"quadrature_rule": "vertex", "quadrature_degree": 1}
        measures = Measures(
            dx=ufl.dx(domain=mesh, degree=s.quadrature_degree),
            dx_lumped=ufl.dx(domain=mesh, metadata=lumped),
            ds_top=ds(tags.FACET_TAGS[tags.TOP]),
            dx_deposit=ufl.dx(domain=mesh, degree=DEPOSIT_QUADRATURE_DEGREE),
        )
        self.forms = build_forms(
            p, state, self.coefficients, measures,
            galvanostatic=s.galvanostatic, counter_i0=s.counter_i0, chem=s.chemistry,
        )  # fmt: skip
        bcs = [] if s.counter_i0 is not None else self._reservoir_bcs(ft)
        self.offset = dolfinx.fem.Constant(mesh, 0.0)
        globals_ = []
        if s.galvanostatic:
            globals_.append(GlobalEquation(self.psi_e, self.forms.constraint, self.offset, "E"))
        periodic = PeriodicMap(self.space, period, tol=tol) if period is not None else None
        self.system = BorderedNonlinearSystem(
            self.forms.residual, self.w, globals_, bcs, periodic,
            linear_solver=s.linear_solver, line_search=s.line_search,
            factorization_reuse=s.factorization_reuse,
            rtol=s.newton_rtol, atol=s.newton_atol, max_iterations=s.newton_max_iterations,
            step_limits=self._step_limits(),
            global_step_limit=PSI_STEP,
        )  # fmt: skip
        self._deposit_form = dolfinx.fem.form(self.forms.deposit * measures.dx_deposit)
        chi, near_top = self._top_indicator(ft)
        self._supply_form = dolfinx.fem.form(
            supply_current_form(
                p, state, self.coefficients, chi,
                ufl.dx(domain=mesh, degree=s.quadrature_degree, subdomain_data=near_top)(1),
                ufl.dx(domain=mesh, subdomain_data=near_top, metadata=lumped)(1),
                s.chemistry,
            )
        )  # fmt: skip
        self.chemistry_measures = None
        if s.chemistry is not None:
            from zndeposit.solver.chemistry import ChemistryMeasures

            self.chemistry_measures = ChemistryMeasures(
                self, state, measures, chi,
                ufl.dx(domain=mesh, degree=s.quadrature_degree, subdomain_data=near_top)(1),
                ufl.dx(domain=mesh, subdomain_data=near_top, metadata=lumped)(1),
            )  # fmt: skip
        self._node_index: np.ndarray | None = None
        self._electrode_current: Any = None
        self._predict = False
        self._collector_dofs: np.ndarray | None = None
        #: the .msh file this mesh was loaded from (checkpoints reference it), if any
        self.mesh_file: Path | None = None
        self.psi_e.x.array[:] = 0.0 if s.galvanostatic else p.f * s.potential

    # ------------------------------------------------------------------ set-up
    def _step_limits(self) -> list[tuple[np.ndarray, float]]:
        """Newton update bounds per field: u (and v) by U_STEP, psi by PSI_STEP."""
        return [(self.dofs[1], U_STEP), (self.dofs[2], PSI_STEP)]

    def _bulk_excess(self) -> float:
        """The scaled proton excess of the bulk (side chemistry)."""
        from zndeposit.physics.chemistry import bulk_excess

        assert self.chemistry is not None
        return bulk_excess(self.chemistry)

    def _reservoir_bcs(self, ft: dolfinx.mesh.MeshTags) -> list[dolfinx.fem.DirichletBC]:
        """C = c_bulk (u = 0), phi = 0 (and the bulk pH) on the top facets (reservoir)."""
        facets = ft.find(tags.FACET_TAGS[tags.TOP])
        bcs = []
        for i in (1, 2, 3) if self.chemistry is not None else (1, 2):
            sub = self.space.sub(i)
            collapsed, _ = sub.collapse()
            dofs = dolfinx.fem.locate_dofs_topological((sub, collapsed), 1, facets)
            g = dolfinx.fem.Function(collapsed)
            g.x.array[:] = 0.0 if i < 3 else self._bulk_excess()
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

    # ------------------------------------------------------------------- state
    def set_initial_state(self, case: Case, derived: Derived) -> None:
        """The initial state of a case: profile, bulk salt, ohmic potential (collective)."""
        from zndeposit.solver.initial import set_initial_state

        psi_e0 = set_initial_state(
            self.w, case, self.params, derived.conductivity, derived.limiting_current
        )
        if self.chemistry is not None:  # the bulk pH, no ZHS
            self.w.x.array[self.dofs[3]] = self._bulk_excess()
            self.w.x.array[self.dofs[4]] = 0.0
            self.w.x.scatter_forward()
        self._accept_state(psi_e0 if self.galvanostatic else None)

    def set_state_from(
        self,
        xi: Callable[[np.ndarray], np.ndarray],
        u: Callable[[np.ndarray], np.ndarray],
        psi: Callable[[np.ndarray], np.ndarray],
        potential: float,
        v: Callable[[np.ndarray], np.ndarray] | None = None,
        zhs: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        """Set xi, u, psi from functions of the coordinates (3 x N array, m) and E (V).

        With side chemistry also v = ln(c_H/c_H,bulk) (set as the proton excess q) and
        the ZHS content n_p / c_bulk (None: the bulk pH and no ZHS).
        """
        fns: list = [xi, u, psi]
        if (chem := self.chemistry) is not None:
            ln_h = v or (lambda x: np.zeros(x.shape[1]))
            h2 = chem.c_proton_bulk**2
            k_w, k_h = chem.kw / h2, chem.hydrolysis_constant * self.params.c_bulk / h2

            def excess(x: np.ndarray) -> np.ndarray:  # q / c_H,bulk = r - (k_w + k_h c/c_b) / r
                r = np.exp(ln_h(x))
                return r - (k_w + k_h * np.exp(u(x))) / r

            fns += [excess, zhs or (lambda x: np.zeros(x.shape[1]))]
        for i, fn in enumerate(fns):
            sub, dofs = self.space.sub(i).collapse()
            x = sub.tabulate_dof_coordinates().T
            self.w.x.array[dofs] = np.asarray(fn(x), dtype=float)
        self.w.x.scatter_forward()
        self._accept_state(self.params.f * potential)

    def accept_transferred_state(self, psi_e: float) -> None:
        """After w was set by a transfer from another mesh: w_n = w, psi_E, lagged fields."""
        self._accept_state(psi_e)

    def _accept_state(self, psi_e: float | None) -> None:
        """w_n = w, psi_E set (galvanostatic: given), lagged curvature recomputed."""
        if not self.galvanostatic or psi_e is None:
            psi_e = self.params.f * self.settings.potential
        self.psi_e.x.array[:] = psi_e
        self.w_n.x.array[:] = self.w.x.array
        self.curvature_projector.update()

    def node_index(self) -> np.ndarray:
        """Input (gmsh) node index of every local P1 dof, ghosts included (int64).

        ``mesh.geometry.input_global_indices`` of the geometry node under each dof of
        the collapsed P1 sub-space: independent of the number of ranks and of the
        partition, so the key of :meth:`get_state` / :meth:`set_state`.
        """
        if self._node_index is None:
            # the collapsed sub-spaces of xi, u and psi share one dof numbering
            self._node_index = p1_node_index(self.space.sub(0).collapse()[0])
        return self._node_index

    def get_state(self) -> dict[str, Any]:
        """The full state as plain arrays (collective for E; local otherwise).

        Returns:
            ``{"node": int64 input node index of every local P1 dof (ghosts included),
            "xi", "u", "psi": float64 nodal values at those dofs (same order; u =
            ln(c/c_bulk), psi = F phi/(R T)), "potential": E in V (float, global),
            "psi_e": F E/(R T) (float, the unknown itself: restores E bit for bit)}``.
            Periodic partner nodes appear as two entries with equal values. The
            lagged curvature and normal are functions of xi and are not part of it.
        """
        state: dict[str, Any] = {"node": self.node_index().copy()}
        for name, dofs in zip(self.fields, self.dofs, strict=True):
            state[name] = self.w.x.array[dofs.ravel()].copy()
        state["potential"] = self.potential
        state["psi_e"] = self.scaled_potential
        return state

    def set_state(self, state: dict[str, Any]) -> None:
        """Put back a state of :meth:`get_state` (any rank count; collective).

        ``state["node"]`` may list any superset of this rank's nodes in any order
        (e.g. every node of the mesh, gathered); w_n = w afterwards and the lagged
        curvature is recomputed.

        Raises:
            SolverError: a local node is missing from ``state``.
        """
        take = node_positions(np.asarray(state["node"]), self.node_index())
        if not bool(self.comm.allreduce(int(take is not None), op=MPI.MIN)):
            raise SolverError("the state does not cover every node of this mesh")
        assert take is not None
        missing = [name for name in self.fields if name not in state]
        if missing:
            raise SolverError(f"the state has no field {', '.join(missing)} (side chemistry)")
        for name, dofs in zip(self.fields, self.dofs, strict=True):
            self.w.x.array[dofs.ravel()] = np.asarray(state[name], dtype=float)[take]
        self.w.x.scatter_forward()
        psi_e = state.get("psi_e")
        self._accept_state(
            float(psi_e) if psi_e is not None else self.params.f * float(state["potential"])
        )

    def save(self) -> list[np.ndarray]:
        """Copies of the local arrays of w and of E (for :meth:`restore`)."""
        return self.system.save_state()

    def restore(self, saved: list[np.ndarray]) -> None:
        """Put back a :meth:`save`."""
        self.system.restore_state(saved)

    @property
    def current_density(self) -> float:
        """Applied current density, A/m^2 (> 0 plates, < 0 strips, 0 rests; galvanostatic)."""
        return float(self.applied_current.value)

    def set_applied_current(self, current: float, *, predict: bool = False) -> None:
        """Hold the next steps to ``current`` (A/m^2) instead (a protocol's step change).

        ``predict``: at the next :meth:`solve`, first move E to where the interfacial
        currents of the present state add up to the new current
        (:meth:`predict_potential`), so Newton starts near the jump of E a change of
        current makes (no double-layer capacitance).
        """
        self.applied_current.value = float(current)
        self._predict = predict  # at the next solve: the outputs of now keep the solved E

    def predict_potential(self) -> None:
        """Set E so that the interfacial currents at the present fields give the applied one.

        See :func:`zndeposit.solver.prediction.predict_potential` (collective).
        """
        from zndeposit.solver.prediction import predict_potential

        predict_potential(self)

    # ---------------------------------------------------------------- measures
    def metal_at_collector(self) -> float:
        """Smallest xi on the current collector (y = 0): < 1/2 where no metal is left (collective).

        Nodes at the bottom of the mesh; ``inf`` on a rank without any.
        """
        if self._collector_dofs is None:
            sub, _ = self.space.sub(0).collapse()
            y = sub.tabulate_dof_coordinates()[:, 1]
            y0 = float(self.comm.allreduce(float(y.min(initial=np.inf)), op=MPI.MIN))
            dofs = self.dofs[0].ravel()
            self._collector_dofs = dofs[y <= y0 + 1e-3 * self.settings.element_size]
        xi = self.w.x.array[self._collector_dofs]
        return float(self.comm.allreduce(float(xi.min(initial=np.inf)), op=MPI.MIN))

    def supply_current(self) -> float:
        """Ionic current fed in through the top boundary, A/m^2 of electrode (collective)."""
        local = dolfinx.fem.assemble_scalar(self._supply_form)
        return float(self.comm.allreduce(local, op=MPI.SUM)) / self.width

    def deposited(self) -> float:
        """Zn in the deposit, mol per m of depth: rho_m * integral(porosity xi) (collective).

        (``chen2015``: porosity q(xi), see :func:`~zndeposit.physics.model.build_forms`.)
        """
        local = dolfinx.fem.assemble_scalar(self._deposit_form)
        return self.params.rho_m * self.comm.allreduce(local, op=MPI.SUM)

    @property
    def potential(self) -> float:
        """Electrode potential E vs the reservoir (or counter electrode), V (collective)."""
        if self.galvanostatic:
            return self.system.global_values[0] / self.params.f
        return float(self.settings.potential)

    @property
    def scaled_potential(self) -> float:
        """F E/(R T): the global unknown itself (galvanostatic), so copies restore E bit for bit."""
        if self.galvanostatic:
            return float(self.system.global_values[0])
        return self.params.f * float(self.settings.potential)

    @property
    def unknowns(self) -> int:
        """Global number of field unknowns (3 per node, 5 with side chemistry)."""
        im = self.space.dofmap.index_map
        return int(im.size_global * self.space.dofmap.index_map_bs)

    def xi_change(self) -> float:
        """Largest |xi - xi_n| over the mesh (collective)."""
        d = self.w.x.array[self.dofs[0]] - self.w_n.x.array[self.dofs[0]]
        local = float(np.max(np.abs(d))) if d.size else 0.0
        return float(self.comm.allreduce(local, op=MPI.MAX))

    # -------------------------------------------------------------------- solve
    def solve(self, dt: float) -> SolveResult:
        """Newton for one backward-Euler step of length dt (s) from w_n; w holds the result.

        Raises:
            SolverError: PETSc or a form evaluation failed (not mere divergence).
        """
        self.dt.value = dt
        if self._predict:  # until a step with the new current converged
            self.predict_potential()
        if self.galvanostatic:
            self.offset.value = constraint_offset(self.params, dt, self.current_density, self.width)
        result = self.system.solve()
        if result.converged:
            self._predict = False
        return result

    def guard_failure(self) -> str | None:
        """Which guard rejects a converged step (None: all pass; collective)."""
        arr = self.w.x.array
        finite = np.all(np.isfinite(arr)) and np.all(np.isfinite(self.psi_e.x.array))
        if not self._agree(bool(finite)):
            return "guard: a non-finite value in the solution"
        xi = arr[self.dofs[0]]
        if not self._agree(bool(np.all((xi > XI_MIN) & (xi < XI_MAX)))):
            return f"guard: xi outside ({XI_MIN:g}, {XI_MAX:g})"
        if self.chemistry_measures is not None:
            return self.chemistry_measures.guard_failure()
        return None

    def _agree(self, ok: bool) -> bool:
        return bool(self.comm.allreduce(int(ok), op=MPI.MIN))

    def advance(self, t: float) -> None:
        """Make the accepted w the previous state at time t (s): w_n, curvature, noise."""
        if self.noise is not None:
            self.noise.update(t)  # acts from the next step on
        self.w_n.x.array[:] = self.w.x.array
        if self.params.formulation == "sharp":
            self.curvature_projector.update()

    def set_time(self, t: float) -> None:
        """Bring time-dependent coefficients (the noise draw) to time t (s)."""
        if self.noise is not None:
            self.noise.update(t)

    def destroy(self) -> None:
        """Free the PETSc objects (collective); the model is unusable afterwards."""
        self.system.destroy()
