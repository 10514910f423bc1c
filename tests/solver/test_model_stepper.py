"""Model and stepper driven from Python: a mesh made in code, settings by hand, no case file.

Also the two hooks the adaptive remesher and the checkpoints use: the full state
as plain arrays (get/set, keyed by input node index) and ``Stepper.replace_model``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from zndeposit.case.derived import Region
from zndeposit.fem import MPI, dolfinx
from zndeposit.geometry import tags
from zndeposit.geometry.mesh import MeshData
from zndeposit.physics.parameters import ModelParameters
from zndeposit.solver.model import DepositionModel, ModelSettings
from zndeposit.solver.stepper import Stepper, StepperSettings

WIDTH, HEIGHT, ANODE = 2e-6, 6e-6, 2e-6  # m
L = 1.14e-7  # profile length l, m
CURRENT = 100.0  # A/m^2 (10 mA/cm^2)

BULK = Region(
    name="bulk", y_bottom=ANODE, y_top=HEIGHT, porosity=1.0, tortuosity=1.0,
    effective_factor=1.0, fixed_charge=0.0, D_cation=6.18e-11, D_anion=9.27e-11,
    c_cation=2000.0, c_anion=2000.0, conductivity=4.64, transference_number=0.4,
    ambipolar_diffusivity=7.41e-11, kinetic_factor=1.0,
)  # fmt: skip
PARAMS = ModelParameters(
    c_bulk=2000.0, z_plus=2, z_minus=-2, n=2, f=38.92, temperature=298.15, rho_m=109170.0,
    molar_volume=9.16e-6, gamma=0.5, length=L, barrier=1.318e7, gradient=3.413e-7,
    mobility=1e-6, kinetic=1.39e-3, i0=20.0, alpha_a=0.74, alpha_c=0.25, c_ref=2000.0,
    anisotropy=0.0, kinetic_anisotropy=0.0, fold=6, angle=0.0, formulation="sharp",
    metal_share=1e-3, regions=(BULK,),
)  # fmt: skip


def strip_mesh(nx: int = 12, ny: int = 36) -> MeshData:
    """A periodic-ready structured strip with the tags the model expects."""
    mesh = dolfinx.mesh.create_rectangle(
        MPI.COMM_WORLD, [[0.0, 0.0], [WIDTH, HEIGHT]], [nx, ny], dolfinx.mesh.CellType.triangle
    )
    tdim = mesh.topology.dim
    n_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
    cells = np.arange(n_cells, dtype=np.int32)
    mid = dolfinx.mesh.compute_midpoints(mesh, tdim, cells)
    region = np.where(mid[:, 1] < ANODE, tags.region_tag(tags.ANODE), tags.region_tag(tags.BULK))
    cell_tags = dolfinx.mesh.meshtags(mesh, tdim, cells, region.astype(np.int32))
    mesh.topology.create_connectivity(tdim - 1, tdim)
    sides = {
        tags.BOTTOM: lambda x: np.isclose(x[1], 0.0),
        tags.TOP: lambda x: np.isclose(x[1], HEIGHT),
        tags.LEFT: lambda x: np.isclose(x[0], 0.0),
        tags.RIGHT: lambda x: np.isclose(x[0], WIDTH),
    }
    facets, values = [], []
    for name, where in sides.items():
        f = dolfinx.mesh.locate_entities_boundary(mesh, tdim - 1, where)
        facets.append(f)
        values.append(np.full(f.size, tags.FACET_TAGS[name], dtype=np.int32))
    facets_all, order = np.unique(np.concatenate(facets), return_index=True)
    facet_tags = dolfinx.mesh.meshtags(
        mesh, tdim - 1, facets_all.astype(np.int32), np.concatenate(values)[order]
    )
    return MeshData(mesh, cell_tags, facet_tags, {})


def flat_model(mesh_data: MeshData) -> DepositionModel:
    """A galvanostatic model on a flat front at y = ANODE (equilibrium profile, bulk salt)."""
    settings = ModelSettings(
        params=PARAMS, width=WIDTH, galvanostatic=True, current_density=CURRENT,
        periodic=True, element_size=WIDTH / 12,
    )  # fmt: skip
    model = DepositionModel(mesh_data, settings)
    model.set_state_from(
        xi=lambda x: 0.5 * (1 - np.tanh((x[1] - ANODE) / (2 * L))),
        u=lambda x: np.zeros(x.shape[1]),
        psi=lambda x: -PARAMS.f * CURRENT * (HEIGHT - x[1]) / BULK.conductivity,
        potential=-0.05,
    )
    return model


STEPPING = StepperSettings(
    end_time=0.3, dt_initial=0.02, dt_max=0.1, max_xi_change=None, output_times=(0.1, 0.2)
)


def test_model_and_stepper_without_a_case_file():
    model = flat_model(strip_mesh())
    stepper = Stepper(model, STEPPING)
    outputs = []
    stepper.run(on_output=lambda s: outputs.append(s.t))
    assert outputs == pytest.approx([0.0, 0.1, 0.2], abs=1e-12)  # end: not an output
    last = stepper.stats.history[-1]
    assert stepper.t == pytest.approx(0.3, abs=1e-12)
    # Faraday: the deposit equals the charge passed, I W t / (n F)
    assert last.passed == pytest.approx(CURRENT * WIDTH * 0.3 / (2 * 96485.33212), rel=1e-12)
    assert last.faraday_mismatch < 1e-8
    assert -0.3 < last.potential < 0.0


def test_state_round_trip_by_input_node_index():
    mesh_data = strip_mesh()
    a = flat_model(mesh_data)
    state = a.get_state()
    assert set(state) >= {"node", "xi", "u", "psi", "potential", "psi_e"}
    assert state["node"].dtype == np.int64 and state["xi"].shape == state["node"].shape
    b = DepositionModel(mesh_data, a.settings)  # zero state
    shuffled = np.random.default_rng(1).permutation(state["node"].size)
    b.set_state({k: (v[shuffled] if isinstance(v, np.ndarray) else v) for k, v in state.items()})
    assert np.array_equal(b.w.x.array, a.w.x.array)
    assert np.array_equal(b.w_n.x.array, a.w.x.array)
    assert np.array_equal(b.curvature_projector.curvature.x.array,
                          a.curvature_projector.curvature.x.array)  # fmt: skip
    assert b.potential == a.potential
    missing = {k: (v[1:] if isinstance(v, np.ndarray) else v) for k, v in state.items()}
    with pytest.raises(Exception, match="does not cover every node"):
        b.set_state(missing)


def test_replace_model_mid_run_changes_nothing():
    """A model rebuilt from the arrays mid-run continues exactly as the original."""
    reference = Stepper(flat_model(strip_mesh()), STEPPING)
    reference.run()
    stepper = Stepper(flat_model(strip_mesh()), STEPPING)
    swaps = []

    def on_step(s: Stepper, record: object) -> None:
        if s.stats.accepted == 3:
            new = DepositionModel(strip_mesh(), s.model.settings)
            new.set_state(s.model.get_state())
            s.replace_model(new)
            swaps.append(s.t)

    seen = []
    stepper.on_replace.append(lambda s, old: seen.append(old))
    stepper.run(on_step=on_step)
    assert len(swaps) == 1 and len(seen) == 1
    a, b = reference.stats.history[-1], stepper.stats.history[-1]
    assert stepper.stats.accepted == reference.stats.accepted
    assert b.potential == pytest.approx(a.potential, rel=1e-10)
    assert b.deposited == pytest.approx(a.deposited, rel=1e-10)
    assert math.isclose(stepper.controller.dt, reference.controller.dt, rel_tol=1e-12)


def test_checkpoint_state_round_trip():
    stepper = Stepper(flat_model(strip_mesh()), STEPPING)
    stepper.run()
    data = stepper.checkpoint_state()
    other = Stepper(flat_model(strip_mesh()), STEPPING)
    other.restore_checkpoint_state(data)
    assert other.checkpoint_state() == data


def test_checkpoint_hooks_carry_outside_state():
    stepper = Stepper(flat_model(strip_mesh()), STEPPING)
    counter = {"steps_since_adapt": 3}
    stepper.add_checkpoint_hook("adapt", lambda: dict(counter), counter.update)
    data = stepper.checkpoint_state()
    assert data["extras"] == {"adapt": {"steps_since_adapt": 3}}
    restored: dict = {}
    other = Stepper(flat_model(strip_mesh()), STEPPING)
    other.restore_checkpoint_state(data)  # before the hook exists (a restart's order)
    other.add_checkpoint_hook("adapt", lambda: dict(restored), restored.update)
    assert restored == {"steps_since_adapt": 3}
