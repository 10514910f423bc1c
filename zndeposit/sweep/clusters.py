"""Where sweep members run: options, and the Dask clusters (local, a scheduler, SLURM/PBS).

* **local** (default): a ``LocalCluster`` of worker processes with one thread
  each, ``cores // mpi`` of them (``--workers`` to choose), nothing to set up;
* ``--scheduler ADDRESS``: a running Dask cluster (``dask scheduler`` +
  ``dask worker``); members request ``cores = mpi`` if the workers declare a
  ``cores`` resource;
* ``--cluster slurm|pbs``: batch jobs through dask-jobqueue, each job one
  worker with ``cores`` cores (declared as the ``cores`` resource, so a job
  runs ``cores // mpi`` members at once), ``memory``, ``walltime``, ``queue``,
  ``account``, extra directives and a prologue from the sweep file or the
  command line. With MPI members a SLURM job asks for ``--ntasks=cores`` (so
  that ``srun -n mpi`` fits) and a PBS job for ``mpiprocs=cores``.

:func:`jobqueue_cluster` builds the dask-jobqueue cluster without submitting
anything, so ``cluster.job_script()`` shows the batch script a sweep would submit.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from zndeposit.sweep.spec import SweepSpec
from zndeposit.sweep.values import memory_bytes, walltime_hms

#: batch jobs started at most when ``workers`` is not given
MAX_JOBS = 8
#: options taken as they are from the sweep file's [cluster] and [member] tables
CLUSTER_KEYS = ("scheduler", "workers", "cores", "memory", "walltime", "queue", "account", "python")
MEMBER_KEYS = ("mpi", "launcher", "mpiexec", "threads", "retry_failed")


@dataclass
class EngineOptions:
    """Where and how members run (the sweep file's ``[member]``/``[cluster]``, CLI on top).

    ``memory`` is text with a unit (``"16 GB"``), ``walltime`` ``"HH:MM:SS"`` or a
    duration with a unit (``"2 h"``), ``timeout_s`` the member limit in s.
    """

    cluster: str = "local"
    scheduler: str | None = None
    workers: int | None = None
    cores: int | None = None
    memory: str | None = None
    walltime: str | None = None
    queue: str | None = None
    account: str | None = None
    directives: list[str] = field(default_factory=list)
    prologue: list[str] = field(default_factory=list)
    python: str | None = None
    mpi: int = 1
    launcher: str = "auto"
    mpiexec: str | None = None
    timeout_s: float | None = None
    threads: int = 1
    retry_failed: bool = True

    @classmethod
    def from_spec(cls, spec: SweepSpec, **cli: Any) -> EngineOptions:
        """Options from the sweep file, with every non-None ``cli`` value taking precedence.

        Raises:
            TypeError: an unknown option name.
            ValueError: an unreadable memory or wall time (naming the option).
        """
        c, m = spec.cluster, spec.member
        opts = cls(
            cluster=c.kind,
            directives=list(c.directives),
            prologue=list(c.prologue),
            timeout_s=spec.timeout_s,
            **{k: getattr(c, k) for k in CLUSTER_KEYS},
            **{k: getattr(m, k) for k in MEMBER_KEYS},
        )
        names = {f.name for f in fields(cls)}
        for key, value in cli.items():
            if key not in names:
                raise TypeError(f"unknown engine option {key!r}")
            if value is not None:
                setattr(opts, key, value)
        if opts.memory is not None:
            memory_bytes(opts.memory)
        if opts.walltime is not None:
            walltime_hms(opts.walltime)
        return opts


def local_cluster(options: EngineOptions, todo: int) -> tuple[Any, str]:
    """A ``LocalCluster`` of single-threaded worker processes and its description."""
    from distributed import LocalCluster

    cores = os.cpu_count() or 1
    workers = options.workers or max(1, cores // options.mpi)
    workers = max(1, min(workers, todo))
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        memory_limit=0,  # the members are subprocesses; the worker itself stays small
        dashboard_address=":0",  # a free port (the dashboard link is printed)
        silence_logs=logging.ERROR,
    )
    try:
        link = cluster.dashboard_link
    except (AttributeError, KeyError):  # no dashboard (bokeh missing)
        link = None
    desc = f"local Dask cluster, {workers} worker(s) x 1 thread"
    return cluster, desc + (f" (dashboard {link})" if link else "")


def _jobqueue_kwargs(options: EngineOptions, directory: Path, cores: int) -> dict[str, Any]:
    """Keyword arguments of SLURMCluster / PBSCluster (see the module docstring)."""
    directives = list(options.directives)
    skip: list[str] = []
    kwargs: dict[str, Any] = dict(
        cores=cores,
        processes=1,
        memory=options.memory,
        walltime=walltime_hms(options.walltime) if options.walltime else None,
        queue=options.queue,
        account=options.account,
        job_script_prologue=list(options.prologue),
        worker_extra_args=["--resources", f"cores={cores}"],
        log_directory=str(directory / "dask-logs"),
        scheduler_options={"dashboard_address": ":0"},
        job_name=f"zn-{directory.name}"[:30],
    )
    if options.python:
        kwargs["python"] = options.python
    if options.cluster == "slurm" and options.mpi > 1:
        # one task per core, so that `srun -n mpi` steps fit into the job
        skip += ["-n 1", "--cpus-per-task"]
        directives = [f"--ntasks={cores}", "--cpus-per-task=1", *directives]
    if options.cluster == "pbs" and options.mpi > 1:
        from dask_jobqueue.pbs import pbs_format_bytes_ceil

        mem = pbs_format_bytes_ceil(memory_bytes(options.memory or "0 B"))
        kwargs["resource_spec"] = f"select=1:ncpus={cores}:mpiprocs={cores}:mem={mem}"
    kwargs["job_extra_directives"] = directives
    kwargs["job_directives_skip"] = skip
    return kwargs


def jobqueue_cluster(options: EngineOptions, directory: Path, todo: int) -> tuple[Any, int]:
    """A dask-jobqueue SLURMCluster or PBSCluster (not scaled: nothing submitted) and its jobs.

    Raises:
        ValueError: a missing or inconsistent resource (memory, cores < mpi, cluster kind).
    """
    cores = options.cores or options.mpi
    if cores < options.mpi:
        raise ValueError(f"cluster.cores = {cores} is less than member.mpi = {options.mpi}")
    if not options.memory:
        raise ValueError("--cluster needs the memory per job: cluster.memory or --memory")
    memory_bytes(options.memory)
    if options.cluster == "slurm":
        from dask_jobqueue import SLURMCluster as Cluster
    elif options.cluster == "pbs":
        from dask_jobqueue import PBSCluster as Cluster
    else:
        raise ValueError(f"batch jobs need cluster kind slurm or pbs, not {options.cluster!r}")
    per_job = cores // options.mpi
    jobs = options.workers or max(1, min(math.ceil(todo / per_job), MAX_JOBS))
    return Cluster(**_jobqueue_kwargs(options, directory, cores)), jobs


def connect(options: EngineOptions, directory: Path, todo: int) -> tuple[Any, Any, str, dict]:
    """Start or join the cluster: ``(client, cluster or None, description, task resources)``."""
    from distributed import Client

    if options.scheduler:
        client = Client(options.scheduler, timeout="30s")
        workers = client.scheduler_info().get("workers", {}).values()
        declare = bool(workers) and all("cores" in w.get("resources", {}) for w in workers)
        desc = f"Dask scheduler {options.scheduler} ({len(workers)} worker(s))"
        return client, None, desc, ({"cores": options.mpi} if declare else {})
    if options.cluster in ("slurm", "pbs"):
        cluster, jobs = jobqueue_cluster(options, directory, todo)
        cluster.scale(jobs=jobs)
        client = Client(cluster)
        cores = options.cores or options.mpi
        desc = f"{options.cluster.upper()} via dask-jobqueue, {jobs} job(s) x {cores} cores"
        return client, cluster, desc, {"cores": options.mpi}
    cluster, desc = local_cluster(options, todo)
    return Client(cluster), cluster, desc, {}
