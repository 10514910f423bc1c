"""Switch adaptation on in a run: first mesh from the initial state, hooks, checkpoints."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from zndeposit.adapt.adaptor import (
    AdaptiveStepping,
    MeshAdaptor,
    adapt_settings,
    initial_adaptation,
)
from zndeposit.case.schema import Case

#: where the segment meshes of a run go, inside the run folder
MESH_DIR = "mesh"


def enable_adaptivity(sim: Any, case: Case, run_dir: Path) -> MeshAdaptor:
    """Make ``sim`` (a :class:`~zndeposit.solver.simulation.Simulation`) adapt its mesh.

    At t = 0 the first adapted mesh replaces the case's mesh (its initial state
    set exactly, the deposit reference taken on it); on a restart (t > 0) the
    checkpoint's mesh is already an adapted one and the adaptor's counters come
    back from the checkpoint. Collective.
    """
    stepper = sim.stepper
    adaptor = MeshAdaptor(case, adapt_settings(case), Path(run_dir) / MESH_DIR, sim.model.comm)

    def counters() -> dict[str, int]:
        return {"segment": adaptor.segment, "steps_since": adaptor.steps_since}

    def put(values: dict[str, int]) -> None:
        adaptor.segment = int(values["segment"])
        adaptor.steps_since = int(values["steps_since"])

    stepper.add_checkpoint_hook("adaptivity", counters, put)
    if stepper.t == 0.0:
        first = initial_adaptation(
            adaptor, sim.model, lambda m: m.set_initial_state(case, sim.derived)
        )
        stepper.replace_model(first)
        stepper.reset_references()
    stepper.after_step.append(AdaptiveStepping(adaptor))
    return adaptor


def adaptation_summary(adaptor: MeshAdaptor) -> dict[str, Any]:
    """What the manifest records of a run's adaptations (times in s)."""
    st = asdict(adaptor.stats)
    vertices = st.pop("vertices")
    dep, salt = st.pop("deposit_errors"), st.pop("salt_errors")
    return {
        **st,
        "nodes_first": vertices[0] if vertices else None,
        "nodes_last": vertices[-1] if vertices else None,
        "nodes_max": max(vertices) if vertices else None,
        "deposit_error_max": max(dep) if dep else None,
        "salt_error_max": max(salt) if salt else None,
    }
