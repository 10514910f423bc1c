"""``zndeposit run``: one case from file to run directory.

Writes ``case.resolved.toml``, ``manifest.json`` (status, versions, timings,
solver statistics), ``metrics.csv`` (a row per output time, flushed), the
fields as one VTU snapshot per output in ``fields/snapshots/`` with the
ParaView series ``snapshots.pvd`` (``output.snapshots``; one series across
mesh changes and restarts) and ``run.log``. A crash, a solver failure or a
signal leaves everything written so far readable; a solver failure,
SIGINT/SIGTERM (after the current step), too many rejected steps in a row and
the wall budget also write the last good state as a final output. The manifest
carries a heartbeat (pid, host, time) refreshed every 30 s, so a run killed
with SIGKILL is told from a live one.
"""

from __future__ import annotations

import shlex
import signal
import sys
import threading
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from zndeposit.case.load import LoadedCase, case_hash
from zndeposit.case.resolve import resolved_toml
from zndeposit.errors import MeshError, OutputDirError, RunInterrupted, SolverError
from zndeposit.fem import MPI
from zndeposit.geometry.mesh import build_mesh_on_rank0, load_mesh
from zndeposit.io.manifest import Timer
from zndeposit.io.metrics_csv import standard_columns
from zndeposit.io.rundir import RunDirectory
from zndeposit.log import get_logger
from zndeposit.solver.checkpointing import (
    Checkpointer,
    OutputBook,
    find_checkpoint,
    restore,
    restore_observer,
)
from zndeposit.solver.observe import Observer
from zndeposit.solver.simulation import Simulation, StepRecord


def output_times(loaded: LoadedCase, end: float, steps: list[float] | None = None) -> list[float]:
    """Output times (s) after t = 0: every ``output.interval``, or ``output.count`` evenly.

    ``steps``: the end times of a protocol's steps, each an output too (a row per step end).
    """
    out = loaded.case.output
    if out.interval is not None:
        times = list(np.arange(out.interval, end * (1 - 1e-9), out.interval))
    else:
        times = list(np.linspace(0.0, end, out.count + 1)[1:-1])
    if steps:  # an interval output within round-off of a step end is that step end
        ends = [float(t) for t in steps if t < end]
        times = [t for t in times if all(abs(t - e) > 1e-9 * end for e in ends)] + ends
        times.sort()
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


#: consecutive rejected steps after which a run gives up (dt halves each time: 2^-25)
MAX_CONSECUTIVE_REJECTIONS = 25
#: seconds between heartbeats in the manifest, and between rejection messages
HEARTBEAT_S, REJECTION_NOTE_S = 30.0, 10.0


class _Stops:
    """Why a run should stop after its current step: a signal, the wall budget, rejections."""

    def __init__(self, comm: MPI.Comm, max_wall: float | None, max_rejections: int):
        self.comm, self.max_wall, self.max_rejections = comm, max_wall, max_rejections
        self.signal: int | None = None
        self.rejections = 0
        self.reason: str | None = None
        self._t0 = time.monotonic()
        self._last_note = 0.0
        self._old: dict[int, object] = {}

    def __enter__(self) -> _Stops:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._on_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)  # type: ignore[arg-type]

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.signal is not None:  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        self.signal = signum
        name = signal.Signals(signum).name
        get_logger().warning(f"{name}: stopping after the current step (again to stop now)")

    def rejected(self, sim: Simulation, dt: float, reason: str) -> None:
        """Count a rejection; say so (rank 0) from the 3rd in a row, every few seconds."""
        self.rejections += 1
        now = time.monotonic()
        if self.rejections >= 3 and now - self._last_note > REJECTION_NOTE_S:
            self._last_note = now
            get_logger().warning(
                f"t = {sim.t:.4g} s: {self.rejections} steps rejected in a row, "
                f"dt = {dt:.3g} s ({reason})"
            )

    def __call__(self, sim: Simulation) -> bool:
        """``should_stop`` of :meth:`Simulation.run` (collective: every rank stops together)."""
        code = signal.Signals(self.signal).value if self.signal else 0
        if self.max_wall is not None and time.monotonic() - self._t0 > self.max_wall:
            code = max(code, 1000)
        if self.rejections >= self.max_rejections:
            code = max(code, 1001)
        code = self.comm.allreduce(code, op=MPI.MAX)
        if code == 1001:
            self.reason = (
                f"gave up at t = {sim.t:.6g} s after {self.rejections} consecutive rejected "
                f"steps (the run goes nowhere: see the warnings at the start; "
                f"--max-rejections to allow more)"
            )
        elif code == 1000:
            self.reason = f"wall-clock budget --max-wall {self.max_wall:g} s used up"
        elif code:
            self.signal = code
        return code != 0


def _heartbeat(manifest: Any, stop: threading.Event) -> threading.Thread:
    """Refresh the manifest's heartbeat every :data:`HEARTBEAT_S` (rank 0) until ``stop``."""

    def beat() -> None:
        while not stop.wait(HEARTBEAT_S):
            try:
                manifest.beat()
            except OSError:
                pass

    thread = threading.Thread(target=beat, name="zndeposit-heartbeat", daemon=True)
    thread.start()
    return thread


def run_case(
    loaded: LoadedCase,
    out_dir: Path,
    *,
    cache_dir: Path = Path("meshes/cache"),
    overwrite: bool = False,
    progress: bool = True,
    comm: MPI.Comm | None = None,
    max_wall: float | None = None,
    max_rejections: int = MAX_CONSECUTIVE_REJECTIONS,
    restart: bool = False,
    setup: Callable[[Simulation], None] | None = None,
) -> Path:
    """Run a case into ``out_dir``; returns the metrics CSV path.

    SIGINT and SIGTERM end the run after the current step with every output
    flushed and a checkpoint written (status ``interrupted``); ``max_wall`` (s)
    and ``max_rejections`` (consecutive rejected steps) end it with status
    ``failed``. ``restart`` continues the run in ``out_dir`` from its newest
    checkpoint (``loaded``: its ``case.resolved.toml``; :func:`restart_run`).
    ``setup(sim)`` is called once the simulation is built (e.g. to add
    ``sim.stepper.after_step`` hooks); when a hook replaces the stepper's model
    (a new mesh), the observer is rebuilt on it and the fields continue in a new
    segment ``fields/mesh_NN/``.

    Raises:
        SolverError: dt fell below dt_min, too many rejections in a row, or the wall
            budget ran out (after saving the last good state).
        RunInterrupted: SIGINT/SIGTERM (after saving the last good state).
        OutputDirError: ``out_dir`` cannot be used (or not be continued).
    """
    comm = comm or MPI.COMM_WORLD
    log = get_logger()
    timer = Timer()
    if not restart:
        _check_cache(Path(cache_dir))
    rd = RunDirectory(out_dir, comm, overwrite=overwrite, restart=restart)
    ckpt = find_checkpoint(rd.path, comm) if restart else None
    resolved = resolved_toml(loaded.case)
    resolved_hash = case_hash(tomllib.loads(resolved))  # what sweeps compare, too
    if ckpt is None:
        rd.write_case(resolved)
        rd.manifest.start(
            case_path=str(loaded.path), case_hash=case_hash(loaded.data), command=sys.argv
        )
    else:
        rd.manifest.resume({"command": sys.argv, "checkpoint": ckpt.path.name, "t": ckpt.meta["t"]})
    beating = threading.Event()
    if comm.rank == 0:
        _heartbeat(rd.manifest, beating)
    stops = _Stops(comm, max_wall, max_rejections)
    with stops, rd.manifest.guard():
        with timer("mesh"):
            if ckpt is None:
                info = build_mesh_on_rank0(loaded, comm, cache_dir)
                msh_path, mesh_stats = Path(info.msh_path), info.stats
            else:
                msh_path, mesh_stats = ckpt.mesh_path, {}
            mesh_data = load_mesh(msh_path, comm)
        with timer("setup"):
            sim = Simulation(loaded, mesh_data, initial=ckpt is None)
            sim.model.mesh_file = msh_path
            book = OutputBook() if ckpt is None else restore(sim, ckpt)
            obs = Observer(sim)
            if ckpt is not None:
                restore_observer(obs, ckpt)
                if ckpt.meta.get("case_hash") not in (None, resolved_hash):
                    log.warning(
                        f"{rd.case_path} changed since {ckpt.path.name} was written: continuing "
                        "with the edited case (not the run that was checkpointed)"
                    )
                log.info(
                    f"continuing {rd.path} from {ckpt.path.name} at t = {sim.t:.6g} s "
                    f"({len(book.times)} output(s) kept)"
                )
        dofs = sim.space.dofmap.index_map.size_global * sim.space.dofmap.index_map_bs
        if ckpt is None:
            rd.manifest.update(mesh={**mesh_stats, "dofs": dofs, "mpi_size": comm.size})
        log.info(f"{loaded.case.title}: {dofs} unknowns on {comm.size} rank(s)")
        times = output_times(loaded, sim.end_time, [s.end for s in sim.derived.protocol])
        columns = standard_columns(obs.regions, sim.model.chemistry is not None)
        bar = _progress(comm, sim.end_time, progress)
        snapshots = rd.snapshot_writer(obs.region_names) if loaded.case.output.snapshots else None
        if ckpt is not None:
            rd.truncate_metrics(len(book.times))
            if snapshots is not None:
                snapshots.resume(book.snapshots)
        ckpts = Checkpointer(rd.path, comm, loaded.case.output, msh_path, resolved_hash)
        live = _Live(obs)
        with rd.metrics_writer(columns, append=ckpt is not None) as metrics:
            last_row: dict[str, float] = {}
            deferred: list[bool] = []  # a step checkpoint waits for the output of its step

            def checkpoint(s: Simulation) -> None:
                deferred.clear()
                with timer("checkpoint"):
                    ckpts.save(s, live.obs, book)

            def output_due(t: float) -> bool:
                """An output time reached at t but not written yet (the stepper writes it next)."""
                done = book.times[-1] if book.times else -1.0
                return any(done < o <= t * (1 + 1e-12) for o in times)

            def on_output(s: Simulation, regular: bool = True) -> None:
                with timer("output"):
                    last_row.update(live.obs.metrics())
                    metrics.write(last_row)
                    if snapshots is not None:
                        live.obs.write_snapshot(snapshots, last_row)
                        book.snapshots = len(snapshots.entries)
                    book.times.append(s.t)
                    rd.manifest.update(progress={"t": s.t, "outputs": len(book.times)})
                    rd.record_files()
                at_output = ckpts.at_outputs or bool(deferred)
                if regular and at_output and s.t < s.end_time * (1 - 1e-12):
                    checkpoint(s)

            def on_step(s: Simulation, r: StepRecord) -> None:
                stops.rejections = 0
                if ckpts.due_after_step(s.stats.accepted):
                    if output_due(s.t):  # after that output, or its row would be lost
                        deferred.append(True)
                    else:
                        checkpoint(s)
                if bar is not None:
                    bar.update(task, completed=s.t, t=s.t, info=_progress_info(s, r, last_row))

            def on_reject(s: Simulation, dt: float, reason: str) -> None:
                stops.rejected(s, dt, reason)
                if bar is not None:
                    note = f"rejected x{stops.rejections}: dt {dt:.2g} s ({reason[:40]})"
                    bar.update(task, completed=s.t, t=s.t, info=note)

            def on_replace(stepper: Any, old_model: Any) -> None:
                """A new model (mesh): the observer rebuilt with its memory (a VTU has its mesh)."""
                with timer("replace_model"):
                    new = Observer(sim)
                    new.carry_over(live.obs)
                    live.obs = new

            sim.stepper.on_replace.append(on_replace)
            if setup is not None:
                setup(sim)
            adaptor = None
            if loaded.case.mesh.adapt:
                from zndeposit.adapt.run import enable_adaptivity

                adaptor = enable_adaptivity(sim, loaded.case, rd.path)
            task = bar.add_task("run", total=sim.end_time, t=sim.t, info="") if bar else None
            if bar is not None:
                bar.start()
            t0 = time.perf_counter()
            try:
                sim.run(
                    times, on_output=on_output, on_step=on_step,
                    on_reject=on_reject, should_stop=stops, initial_output=ckpt is None,
                )  # fmt: skip
                if stops.signal or stops.reason:
                    if ckpts.enabled:
                        checkpoint(sim)  # before the extra output: a restart drops that row
                    if not book.times or book.times[-1] < sim.t:
                        on_output(sim, regular=False)  # the state at the last accepted step
                    _raise_stop(stops, sim, loaded, out_dir, len(book.times), ckpts.enabled)
            except SolverError:
                if not book.times or book.times[-1] < sim.t:
                    on_output(sim, regular=False)  # the last good state
                raise
            finally:
                beating.set()
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
                    checkpoints={"written": ckpts.written, "seconds": ckpts.seconds},
                )  # fmt: skip
                if adaptor is not None:
                    from zndeposit.adapt.run import adaptation_summary

                    rd.manifest.update(adaptation=adaptation_summary(adaptor))
    beating.set()
    rd.close()
    return rd.metrics_path


def restart_run(run_dir: Path, **kwargs: Any) -> Path:
    """Continue the run in ``run_dir`` from its newest checkpoint (:func:`run_case` kwargs).

    The case is the run's own ``case.resolved.toml``.

    Raises:
        OutputDirError: the run cannot be continued (no run, alive, finished, no
            checkpoint), with the reason.
    """
    from zndeposit.case.load import load_case
    from zndeposit.io.ownership import restart_issue
    from zndeposit.io.rundir import CASE_FILE

    comm = kwargs.get("comm") or MPI.COMM_WORLD
    issue = restart_issue(Path(run_dir)) if comm.rank == 0 else None
    issue = comm.bcast(issue, root=0)
    if issue is not None:
        raise OutputDirError(issue)
    loaded = load_case(Path(run_dir) / CASE_FILE, limits=False)
    return run_case(loaded, Path(run_dir), restart=True, **kwargs)


class _Live:
    """The observer of the current model (it changes with the mesh)."""

    def __init__(self, obs: Observer) -> None:
        self.obs = obs


def _check_cache(cache_dir: Path) -> None:
    """Refuse a mesh cache that cannot be created, before the run folder is touched."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MeshError(
            f"cannot use the mesh cache {cache_dir} (--cache): {exc.strerror or exc}"
        ) from None


def _raise_stop(
    stops: _Stops, sim: Simulation, loaded: LoadedCase, out: Path, n: int, resumable: bool
) -> None:
    """Raise what ended the run early: RunInterrupted (signal) or SolverError (limits)."""
    cont = f"; to continue it: zndeposit run --restart {shlex.quote(str(out))}" if resumable else ""
    if stops.reason:
        raise SolverError(stops.reason + cont)
    assert stops.signal is not None
    name = signal.Signals(stops.signal).name
    argv = sys.argv[1:] if sys.argv[1:2] == ["run"] else ["run", str(loaded.path), "-o", str(out)]
    if "--restart" in argv:
        argv = ["run", str(loaded.path), "-o", str(out)]
    again = "zndeposit " + shlex.join([*argv, *([] if "--overwrite" in argv else ["--overwrite"])])
    raise RunInterrupted(
        f"stopped by {name} at t = {sim.t:.6g} s of {sim.end_time:.6g} s, {n} output(s) "
        f"written to {out} (readable: zndeposit report {out}){cont}; to run it again from "
        f"the start: {again}",
        exit_code=128 + stops.signal,
    )
