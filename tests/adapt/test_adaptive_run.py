"""A run that adapts its mesh every few steps against the same run on a fixed mesh."""

from pathlib import Path

import pytest
from test_transfer import CASE as TRANSFER_CASE

pytestmark = pytest.mark.fem

CASE = TRANSFER_CASE.replace('"20 A/m^2"', '"40 A/m^2"').replace('"0.3 s"', '"0.6 s"')


def _run(tmp_path: Path, adapt: bool):
    from zndeposit.adapt.adaptor import (
        AdaptiveStepping,
        AdaptSettings,
        MeshAdaptor,
        initial_adaptation,
    )
    from zndeposit.case.load import load_case
    from zndeposit.fem import MPI
    from zndeposit.geometry.mesh import build_mesh, load_mesh
    from zndeposit.metrics.morphology import band_minimum
    from zndeposit.solver.simulation import Simulation

    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "case.toml"
    path.write_text(CASE)
    loaded = load_case(path)
    sim = Simulation(loaded, load_mesh(build_mesh(loaded, tmp_path / "cache").msh_path))
    adaptor = None
    if adapt:
        adaptor = MeshAdaptor(
            loaded.case, AdaptSettings(interval=3), tmp_path / "m", MPI.COMM_WORLD
        )
        first = initial_adaptation(
            adaptor, sim.model, lambda m: m.set_initial_state(loaded.case, sim.derived)
        )
        sim.stepper.replace_model(first, destroy_old=False)
        sim.stepper.deposit0 = first.deposited()
        sim.stepper.after_step.append(AdaptiveStepping(adaptor))
    sim.run()
    c = sim.model.forms.cation
    xi = sim.w.sub(0).collapse()
    from zndeposit.fem import dolfinx

    cf = dolfinx.fem.Function(xi.function_space)
    cf.interpolate(dolfinx.fem.Expression(c, xi.function_space.element.interpolation_points))
    return sim, adaptor, band_minimum(cf, xi, 0.02, 0.5)


def test_adaptive_run_matches_the_fixed_mesh_and_keeps_faraday(tmp_path: Path) -> None:
    """Adapting every 3 steps: E within 0.5 %, interfacial c within 1 % of the fixed mesh.

    Every adaptation restores metal and salt to 1e-12, and Faraday's law holds at the
    end to 1e-10 (the deposit reference carries over the mesh changes).
    """
    fixed, _, c_fixed = _run(tmp_path / "fixed", False)
    sim, adaptor, c_adapt = _run(tmp_path / "adapt", True)
    print(
        f"\nadaptations {adaptor.stats.count}, unknowns {sim.model.unknowns} vs {fixed.model.unknowns}, E {sim.potential:.6f} vs {fixed.potential:.6f} V, c {c_adapt:.5g} vs {c_fixed:.5g}, metal {max(adaptor.stats.deposit_errors):.1e}, salt {max(adaptor.stats.salt_errors):.1e}, faraday {sim.stats.history[-1].faraday_mismatch:.1e}, steps {sim.stats.accepted} vs {fixed.stats.accepted}"
    )
    assert adaptor.stats.count >= 4
    assert max(adaptor.stats.deposit_errors) < 1e-12
    assert max(adaptor.stats.salt_errors) < 1e-12
    assert sim.stats.history[-1].faraday_mismatch < 1e-10
    assert sim.model.unknowns < 0.7 * fixed.model.unknowns
    assert abs(sim.potential / fixed.potential - 1) < 5e-3
    assert abs(c_adapt / c_fixed - 1) < 1e-2
