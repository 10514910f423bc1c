"""When a run writes checkpoints, what goes into them, and how a restart reads them back.

The files are :mod:`zndeposit.io.checkpoint`; this module gathers the state
of a :class:`~zndeposit.solver.simulation.Simulation` (model arrays, stepper
counters and step controller, observer memory, output bookkeeping) and puts
it back. A restarted run continues with bit-identical state: the lagged
curvature and the noise field are recomputed from xi and t, everything else
is stored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from zndeposit.errors import OutputDirError
from zndeposit.io.checkpoint import Checkpoint, gather_nodal, latest_checkpoint, write_checkpoint
from zndeposit.log import get_logger

if TYPE_CHECKING:
    from zndeposit.case.schema import Output
    from zndeposit.solver.observe import Observer
    from zndeposit.solver.simulation import Simulation


@dataclass
class OutputBook:
    """Which outputs a run has written: times (s), and how many snapshots."""

    times: list[float] = field(default_factory=list)
    snapshots: int = 0


class Checkpointer:
    """Writes checkpoints on a wall-clock timer, every N steps and at outputs (collective).

    Args:
        run_dir: the run folder.
        comm: the communicator.
        settings: the case's ``[output]`` (``checkpoint_interval``, ``checkpoint_steps``,
            ``checkpoint_at_outputs``).
        mesh_file: the mesh the run's state lives on (the model's ``mesh_file``, when
            set, takes precedence: an adapted mesh brings its own).
        case_hash: hash of the case (recorded).
    """

    def __init__(
        self, run_dir: Path, comm: Any, settings: Output, mesh_file: Path, case_hash: str
    ) -> None:
        self.run_dir, self.comm = Path(run_dir), comm
        interval = settings.checkpoint_interval
        self.interval = None if interval == "none" else float(interval)
        self.steps = int(settings.checkpoint_steps)
        self.at_outputs = bool(settings.checkpoint_at_outputs)
        self.mesh_file, self.case_hash = Path(mesh_file), case_hash
        self._last = time.monotonic()
        self.written = 0
        self.seconds = 0.0

    @property
    def enabled(self) -> bool:
        """Whether any trigger is on."""
        return self.interval is not None or self.steps > 0 or self.at_outputs

    def due_after_step(self, accepted: int) -> bool:
        """Whether the step just accepted calls for a checkpoint (collective)."""
        due = self.steps > 0 and accepted % self.steps == 0
        if self.interval is not None and not due:
            late = self.comm.rank == 0 and time.monotonic() - self._last >= self.interval
            due = bool(self.comm.bcast(late, root=0))
        return due

    def save(self, sim: Simulation, obs: Observer, book: OutputBook) -> None:
        """Write a checkpoint of the state after the last accepted step (collective)."""
        t0 = time.perf_counter()
        model, stepper = sim.model, sim.stepper
        state = model.get_state()
        obs_meta, obs_node, prev_xi = obs.checkpoint_state()
        fields = {k: state[k] for k in model.fields}
        arrays = gather_nodal(self.comm, state["node"], fields)
        growth = gather_nodal(self.comm, obs_node, {"growth_prev_xi": prev_xi})
        error = None
        if self.comm.rank == 0:
            assert arrays is not None and growth is not None
            if not np.array_equal(arrays["node"], growth["node"]):
                error = "checkpoint: the output space and the state differ in their nodes"
            else:
                arrays["growth_prev_xi"] = growth["growth_prev_xi"]
                meta = {
                    "t": stepper.t,
                    "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "case_hash": self.case_hash,
                    "mpi_size": self.comm.size,
                    "potential_V": state["potential"],
                    "psi_e": state["psi_e"],
                    "stepper": stepper.checkpoint_state(),
                    "observer": obs_meta,
                    "noise_draw": model.noise.draw if model.noise is not None else None,
                    "outputs": {"times": list(book.times), "snapshots": book.snapshots},
                }
                try:
                    mesh = model.mesh_file or self.mesh_file
                    write_checkpoint(self.run_dir, arrays, meta, mesh)
                except (OSError, TypeError, ValueError) as exc:
                    error = f"cannot write a checkpoint into {self.run_dir}: {exc}"
        error = self.comm.bcast(error, root=0)
        if error is not None:
            get_logger().warning(error)  # the run goes on; the previous checkpoint stays
        self._last = time.monotonic()
        self.written += 1
        self.seconds += time.perf_counter() - t0


def find_checkpoint(run_dir: Path, comm: Any) -> Checkpoint:
    """The newest intact checkpoint of ``run_dir`` (rank 0 looks; collective).

    Raises:
        OutputDirError: there is none.
    """
    found = latest_checkpoint(run_dir) if comm.rank == 0 else None
    path = comm.bcast(None if found is None else (str(found.path), found.meta), root=0)
    if path is None:
        raise OutputDirError(f"{run_dir} holds no complete checkpoint: it cannot be continued")
    return Checkpoint(Path(path[0]), path[1])


def restore(sim: Simulation, ckpt: Checkpoint) -> OutputBook:
    """Put the state of ``ckpt`` into ``sim``; returns the outputs written by then."""
    arrays = ckpt.arrays()
    meta = ckpt.meta
    sim.model.set_state({**arrays, "potential": meta["potential_V"], "psi_e": meta["psi_e"]})
    sim.stepper.restore_checkpoint_state(meta["stepper"])
    out = meta["outputs"]
    return OutputBook([float(t) for t in out["times"]], int(out["snapshots"]))


def restore_observer(obs: Observer, ckpt: Checkpoint) -> None:
    """Put the observer's memory (initial height, growth reference) of ``ckpt`` back."""
    arrays = ckpt.arrays()
    obs.restore_checkpoint_state(ckpt.meta["observer"], arrays["node"], arrays["growth_prev_xi"])
