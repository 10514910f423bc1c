"""``zndeposit run``: one case from file to run directory.

Writes ``case.resolved.toml``, ``manifest.json`` (status, versions, timings,
solver statistics), ``metrics.csv`` (a row per output time, flushed), field
files (VTX ``.bp``, readable after every output), one VTU snapshot per
output in ``fields/snapshots/`` (for rendering; ``output.snapshots``) and
``run.log``. A crash,
a solver failure or Ctrl-C leaves everything written so far readable; a
solver failure also writes the last good state as a final output.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from zndeposit.case.load import LoadedCase, case_hash
from zndeposit.case.resolve import resolved_toml
from zndeposit.errors import SolverError
from zndeposit.fem import MPI
from zndeposit.geometry.mesh import build_mesh_on_rank0, load_mesh
from zndeposit.io.manifest import Timer
from zndeposit.io.metrics_csv import standard_columns
from zndeposit.io.rundir import RunDirectory
from zndeposit.log import get_logger
from zndeposit.solver.observe import Observer
from zndeposit.solver.simulation import Simulation, StepRecord


def output_times(loaded: LoadedCase, end: float) -> list[float]:
    """Output times (s) after t = 0: every ``output.interval``, or ``output.count`` evenly."""
    out = loaded.case.output
    if out.interval is not None:
        times = list(np.arange(out.interval, end * (1 - 1e-9), out.interval))
    else:
        times = list(np.linspace(0.0, end, out.count + 1)[1:-1])
    return [float(t) for t in times] + [end]


def _progress(comm: MPI.Comm, end: float, enabled: bool):
    """A rich progress bar on rank 0 (None elsewhere or when disabled)."""
    if comm.rank != 0 or not enabled:
        return None
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("[bold]t = {task.fields[t]:.4g} s"),
        BarColumn(bar_width=10),
        TextColumn("{task.percentage:>5.1f} %"),
        TimeRemainingColumn(compact=True),
        TextColumn("{task.fields[info]}"),
        transient=False,
    )


def _progress_info(sim: Simulation, record: StepRecord, last_output: dict[str, float]) -> str:
    """Progress-bar text: capacity passed, E, dendrite height (last output), dt (registry units)."""
    from zndeposit.metrics.registry import lookup

    charge, e, height = lookup("charge"), lookup("E"), lookup("dendrite_height")
    passed = sim.passed * sim.params.n * sim.params.faraday / sim.width  # C/m^2
    h = last_output.get(height.key, float("nan"))
    return (
        f"{charge.text(charge.si_to_display(passed), '.3g')} "
        f"E {e.text(e.si_to_display(record.potential), '.0f')} "
        f"{height.label.lower()} {height.text(height.si_to_display(h), '.3g')} "
        f"dt {record.dt:.2g} s"
    )


def run_case(
    loaded: LoadedCase,
    out_dir: Path,
    *,
    cache_dir: Path = Path("meshes/cache"),
    overwrite: bool = False,
    progress: bool = True,
    comm: MPI.Comm | None = None,
) -> Path:
    """Run a case into ``out_dir``; returns the metrics CSV path.

    Raises:
        SolverError: the time step fell below dt_min (after saving the last good state).
    """
    comm = comm or MPI.COMM_WORLD
    log = get_logger()
    timer = Timer()
    rd = RunDirectory(out_dir, comm, overwrite=overwrite)
    rd.write_case(resolved_toml(loaded.case))
    rd.manifest.start(
        case_path=str(loaded.path), case_hash=case_hash(loaded.data), command=sys.argv
    )
    with rd.manifest.guard():
        with timer("mesh"):
            info = build_mesh_on_rank0(loaded, comm, cache_dir)
            mesh_data = load_mesh(info.msh_path, comm)
        with timer("setup"):
            sim = Simulation(loaded, mesh_data)
            obs = Observer(sim)
        dofs = sim.space.dofmap.index_map.size_global * sim.space.dofmap.index_map_bs
        rd.manifest.update(mesh={**info.stats, "dofs": dofs, "mpi_size": comm.size})
        log.info(f"{loaded.case.title}: {dofs} unknowns on {comm.size} rank(s)")
        times = output_times(loaded, sim.end_time)
        columns = standard_columns(obs.regions)
        fields = {k: v for k, v in obs.fields.items() if k in loaded.case.output.fields}
        bar = _progress(comm, sim.end_time, progress)
        snapshots = rd.snapshot_writer(obs.region_names) if loaded.case.output.snapshots else None
        with (
            rd.metrics_writer(columns) as metrics,
            rd.field_writer(fields, tuple(loaded.case.output.formats)) as writer,
        ):
            written: list[float] = []
            last_row: dict[str, float] = {}

            def on_output(s: Simulation) -> None:
                with timer("output"):
                    last_row.update(obs.metrics())
                    metrics.write(last_row)
                    writer.write(s.t)
                    if snapshots is not None:
                        obs.write_snapshot(snapshots, last_row)
                    written.append(s.t)
                    rd.manifest.update(progress={"t": s.t, "outputs": len(written)})

            def on_step(s: Simulation, r: StepRecord) -> None:
                if bar is not None:
                    bar.update(task, completed=s.t, t=s.t, info=_progress_info(s, r, last_row))

            task = bar.add_task("run", total=sim.end_time, t=0.0, info="") if bar else None
            if bar is not None:
                bar.start()
            t0 = time.perf_counter()
            try:
                sim.run(times, on_output=on_output, on_step=on_step)
            except SolverError:
                if not written or written[-1] < sim.t:
                    on_output(sim)  # the last good state
                raise
            finally:
                if bar is not None:
                    bar.stop()
                rd.manifest.update(
                    timings_s={**timer.totals(), "time_loop": time.perf_counter() - t0,
                               "solver": sim.system.timings},
                    solver={
                        "steps_accepted": sim.stats.accepted,
                        "steps_rejected": sim.stats.rejected,
                        "newton_iterations": sim.stats.newton,
                        "linear_iterations": sim.stats.linear,
                        "newton_per_step": sim.stats.newton / max(sim.stats.accepted, 1),
                    },
                )  # fmt: skip
    rd.close()
    return rd.metrics_path
