"""When to adapt the mesh, and the adaptation itself: remesh, rebuild the model, transfer.

An adaptation is due (collective decision) when

- the interface band has reached elements coarser than ``COARSE_RATIO`` x h_fine
  (the front is about to leave the refined zone), or
- ``interval`` steps have passed since the last one (the concentration and
  potential indicators follow the solution, and zones the front left coarsen).

Each adaptation writes ``<directory>/segment-NNNN.msh`` (kept: checkpoints and
restarts read the mesh of their segment) and returns the new model with the
transferred, conservation-corrected state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from zndeposit.adapt.remesh import Remeshed, remesh, size_rules
from zndeposit.adapt.sizes import XI_HIGH, XI_LOW
from zndeposit.adapt.transfer import TransferReport, transfer_state
from zndeposit.case.schema import Case
from zndeposit.fem import MPI
from zndeposit.geometry.mesh import MeshData
from zndeposit.log import get_logger
from zndeposit.units import unit_factor

#: an interface cell larger than this x h_fine triggers an adaptation
COARSE_RATIO = 1.5
SEGMENT_PATTERN = "segment-{:04d}.msh"


@dataclass(frozen=True)
class AdaptSettings:
    """The ``[mesh]`` adaptation keys, in solver units.

    Attributes:
        interval: steps between adaptations at the latest.
        band_widths: interface widths kept fine around the band 0.02 < xi < 0.98.
        concentration_error: allowed interpolation error of ln(c/c_bulk), i.e. relative.
        potential_error: allowed interpolation error of the potential, in RT/F units.
    """

    interval: int = 25
    band_widths: float = 2.0
    concentration_error: float = 0.01
    potential_error: float = 0.02


@dataclass
class AdaptStatistics:
    """Counters and timings of the adaptations of a run (s, rank 0 view)."""

    count: int = 0
    seconds: float = 0.0
    seconds_sizes: float = 0.0
    seconds_gmsh: float = 0.0
    seconds_load: float = 0.0
    seconds_model: float = 0.0
    seconds_transfer: float = 0.0
    vertices: list[int] = field(default_factory=list)
    deposit_errors: list[float] = field(default_factory=list)
    salt_errors: list[float] = field(default_factory=list)


class MeshAdaptor:
    """Decides and performs the adaptations of one run.

    Args:
        case: the case (geometry, interface width, sizes).
        settings: the adaptation settings.
        directory: where the segment meshes go.
        comm: the mesh communicator.
    """

    def __init__(self, case: Case, settings: AdaptSettings, directory: Path, comm: Any) -> None:
        self.case, self.settings, self.comm = case, settings, comm
        self.directory = Path(directory)
        self.rules = size_rules(
            case, settings.band_widths, settings.concentration_error, settings.potential_error
        )
        self.h_fine = self.rules.h_fine * unit_factor("um", "m")
        self.segment = 0
        self.steps_since = 0
        self.stats = AdaptStatistics()
        self._watched: Any = None

    def _cell_arrays(self, model: Any) -> tuple[np.ndarray, np.ndarray]:
        """(cells x 3 indices of xi in w's array, cell diameters in m) for the model's mesh."""
        if self._watched is not None and self._watched[0] is model:
            return self._watched[1], self._watched[2]
        space, collapsed_to_mixed = model.space.sub(0).collapse()
        mesh = space.mesh
        tdim = mesh.topology.dim
        n = mesh.topology.index_map(tdim).size_local
        xi_index = np.asarray(collapsed_to_mixed).ravel()[space.dofmap.list[:n]]
        diam = mesh.h(tdim, np.arange(n, dtype=np.int32))
        self._watched = (model, xi_index, diam)
        return xi_index, diam

    def coarsest_interface_ratio(self, model: Any) -> float:
        """Largest diameter / h_fine of the cells the band 0.02 < xi < 0.98 crosses (collective)."""
        xi_index, diam = self._cell_arrays(model)
        xi = model.w.x.array[xi_index]
        crossed = (xi.max(axis=1) > XI_LOW) & (xi.min(axis=1) < XI_HIGH)
        local = float(diam[crossed].max()) if np.any(crossed) else 0.0
        return float(self.comm.allreduce(local, op=MPI.MAX)) / self.h_fine

    def due(self, model: Any) -> str | None:
        """Why an adaptation is due after an accepted step (None: not due; collective)."""
        self.steps_since += 1
        ratio = self.coarsest_interface_ratio(model)
        if ratio > COARSE_RATIO:
            return f"interface reached elements {ratio:.2f} x h_fine"
        if self.steps_since >= self.settings.interval:
            return f"{self.steps_since} steps since the last adaptation"
        return None

    def _fields(self, model: Any) -> dict[str, Any]:
        out = {}
        for i, name in enumerate(model.fields):
            f = model.w.sub(i).collapse()
            f.name = name
            out[name] = f
        node = out["xi"].copy()
        node.name = "node"
        node.x.array[:] = model.node_index().astype(float)  # exact below 2^53
        out["node"] = node
        return out

    def _new_mesh(self, model: Any) -> Remeshed:
        self.segment += 1
        if self.comm.rank == 0:
            self.directory.mkdir(parents=True, exist_ok=True)
        self.comm.barrier()
        path = self.directory / SEGMENT_PATTERN.format(self.segment)
        return remesh(self.case, self._fields(model), model.cell_tags, self.rules, path, self.comm)

    def adapt(
        self, model: Any, build: Callable[[MeshData], Any], *, initial: bool = False
    ) -> tuple[Any, Remeshed, TransferReport | None]:
        """Remesh, build the model on the new mesh, carry the state over (collective).

        The new model's ``mesh_file`` is the new segment (checkpoints copy it).

        Args:
            model: the model on the current mesh (accepted state in ``w``).
            build: makes a model on a mesh (with the case's initial state).
            initial: at t = 0 the new model keeps its own (exact) initial state: no transfer.
        """
        t0 = time.perf_counter()
        meshed = self._new_mesh(model)
        t1 = time.perf_counter()
        new = build(meshed.mesh_data)
        new.mesh_file = meshed.path
        t2 = time.perf_counter()
        report = None if initial else transfer_state(model, new, _reservoir_top(model))
        t3 = time.perf_counter()
        st = self.stats
        st.count += 1
        st.seconds += t3 - t0
        st.seconds_sizes += meshed.seconds_sizes
        st.seconds_gmsh += meshed.seconds_gmsh
        st.seconds_load += meshed.seconds_load
        st.seconds_model += t2 - t1
        st.seconds_transfer += t3 - t2
        st.vertices.append(meshed.vertices)
        if report is not None:
            st.deposit_errors.append(report.deposit_error)
            st.salt_errors.append(report.salt_error)
        self.steps_since = 0
        self._watched = None
        return new, meshed, report


def top_height(model: Any) -> float:
    """Largest y of the model's mesh, m (collective)."""
    y = model.mesh.geometry.x[:, 1]
    local = float(y.max()) if y.size else -np.inf
    return float(model.comm.allreduce(local, op=MPI.MAX))


def _reservoir_top(model: Any) -> float | None:
    """Height of the Dirichlet top (reservoir), None with a counter electrode."""
    return None if model.settings.counter_i0 is not None else top_height(model)


def initial_adaptation(adaptor: MeshAdaptor, model: Any, set_initial: Callable[[Any], None]) -> Any:
    """The first adapted mesh, sized from the initial state; its state set exactly (collective).

    Args:
        adaptor: the run's adaptor.
        model: the model on the initial (fixed-band) mesh, initial state set (the
            caller disposes of it, e.g. with ``stepper.replace_model``).
        set_initial: sets the case's initial state on a new model.
    """
    from zndeposit.solver.model import DepositionModel

    def build(mesh_data: MeshData) -> Any:
        new = DepositionModel(mesh_data, model.settings)
        set_initial(new)
        return new

    new, _, _ = adaptor.adapt(model, build, initial=True)
    return new


class AdaptiveStepping:
    """``stepper.after_step`` hook: adapt the mesh when due and continue on the new model.

    Args:
        adaptor: the run's adaptor.
        on_adapt: optional ``callback(stepper, remeshed, report)`` after each adaptation.
    """

    def __init__(self, adaptor: MeshAdaptor, on_adapt: Callable[..., None] | None = None) -> None:
        self.adaptor, self.on_adapt = adaptor, on_adapt
        self.log = get_logger()

    def __call__(self, stepper: Any) -> None:
        """Adapt after an accepted step if due (collective)."""
        from zndeposit.solver.model import DepositionModel

        model = stepper.model
        reason = self.adaptor.due(model)
        if reason is None:
            return
        settings = model.settings
        new, meshed, report = self.adaptor.adapt(model, lambda md: DepositionModel(md, settings))
        stepper.replace_model(new)
        self.log.info(
            f"mesh adapted at t = {stepper.t:.4g} s ({reason}): {meshed.vertices} nodes, "
            f"metal {report.deposit_error:.1e}, salt {report.salt_error:.1e} after correction"
        )
        if self.on_adapt is not None:
            self.on_adapt(stepper, meshed, report)


def adapt_settings(case: Case) -> AdaptSettings:
    """The case's ``[mesh]`` adaptation keys in solver units (potential in RT/F)."""
    from zndeposit.constants import FARADAY, GAS_CONSTANT

    m = case.mesh
    f = FARADAY / (GAS_CONSTANT * case.electrolyte.temperature)
    return AdaptSettings(
        interval=m.adapt_interval,
        band_widths=m.adapt_band,
        concentration_error=m.adapt_concentration_error,
        potential_error=m.adapt_potential_error * f,
    )
