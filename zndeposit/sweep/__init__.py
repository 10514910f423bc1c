"""Parameter sweeps: expand a sweep file into member cases, run them, collect the results.

The pipeline, one module each::

    schema.py      the sweep file's pydantic models (axes, member, cluster, report settings)
    values.py      concrete axis values: ranges, seeded random samples; batch resources
    spec.py        loading a sweep file: validation against the case schema, dimensions
    members.py     expansion into members (resolved cases, hash-named run directories, status)
    runner.py      one member as a subprocess (``zndeposit run``, serial or MPI), its status file
    clusters.py    where members run: local Dask cluster, a scheduler, SLURM/PBS (dask-jobqueue)
    engine.py      running the members on Dask: skip finished, record each result
    slurm_array.py job-array route: member list + sbatch script, ``sweep collect`` afterwards
    aggregate.py   summary table (CSV, Parquet) and figures of every metric against every axis
    morphology.py  thumbnails of the final deposit over two swept axes
    report.py      the HTML sweep report
    cli.py         the ``zndeposit sweep`` command line

Nothing here imports DOLFINx: members run in their own processes.
"""

from __future__ import annotations
