"""Batch routes: dask-jobqueue job scripts (nothing submitted), the SLURM job array, MPI members.

The job scripts come from real ``SLURMCluster`` / ``PBSCluster`` objects
(``cluster.job_script()``); no job is submitted. The job array is run here
the way SLURM would run one index (``SLURM_ARRAY_TASK_ID=0 bash array.sbatch``),
then collected; an MPI member runs under the venv's ``mpiexec -n 2``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from zndeposit.cli import main
from zndeposit.sweep.clusters import EngineOptions, jobqueue_cluster, walltime_hms
from zndeposit.sweep.engine import member_task, prepare
from zndeposit.sweep.members import MEMBER_CASE, MEMBER_STATUS, read_json, run_state
from zndeposit.sweep.runner import choose_launcher, member_command, run_member
from zndeposit.sweep.slurm_array import MEMBER_LIST, SCRIPT, SLURM_DIR, write_job_array
from zndeposit.sweep.spec import load_sweep

RESOURCES = """
[cluster]
cores = 4
memory = "8 GB"
walltime = "2 h"
queue = "compute"
account = "proj-42"
directives = ["--constraint=amd"]
prologue = ["module load mpi/mpich"]
"""


@pytest.fixture
def resourced(sweep_files, sweep_texts):
    """``(**cli) -> (options, spec)`` of the 2 x 2 test sweep with [cluster] resources."""

    def _make(**cli):
        spec = load_sweep(sweep_files(sweep_texts[1] + RESOURCES))
        return EngineOptions.from_spec(spec, **cli), spec

    return _make


def _script(options: EngineOptions, tmp_path: Path) -> str:
    cluster, jobs = jobqueue_cluster(options, tmp_path / "sweep-dir", todo=4)
    try:
        assert jobs == options.mpi  # 4 members, cores // mpi = 4 // mpi at once per job
        return cluster.job_script()
    finally:
        cluster.close()


def test_slurm_job_script_has_the_requested_resources(resourced, tmp_path):
    options, _ = resourced(cluster="slurm", queue="debug")  # the command line wins
    script = _script(options, tmp_path)
    for line in (
        "#SBATCH -p debug",
        "#SBATCH -A proj-42",
        "#SBATCH --cpus-per-task=4",
        "#SBATCH --mem=8G",
        "#SBATCH -t 02:00:00",
        "#SBATCH --constraint=amd",
        "#SBATCH -n 1",
        "module load mpi/mpich",
    ):
        assert line in script.splitlines(), (line, script)
    assert "--resources cores=4" in script and sys.executable in script
    assert str(tmp_path / "sweep-dir" / "dask-logs") in script


def test_slurm_job_script_for_mpi_members_asks_one_task_per_core(resourced, tmp_path):
    options, _ = resourced(cluster="slurm", mpi=2, walltime="36:00:00")
    lines = _script(options, tmp_path).splitlines()
    assert "#SBATCH --ntasks=4" in lines and "#SBATCH --cpus-per-task=1" in lines
    assert "#SBATCH -n 1" not in lines and "#SBATCH --cpus-per-task=4" not in lines
    assert "#SBATCH -t 36:00:00" in lines


def test_pbs_job_script_has_the_requested_resources(resourced, tmp_path):
    options, _ = resourced(cluster="pbs", queue="workq")
    lines = _script(options, tmp_path).splitlines()
    for line in (
        "#PBS -q workq",
        "#PBS -A proj-42",
        "#PBS -l select=1:ncpus=4:mem=7630MB",
        "#PBS -l walltime=02:00:00",
        "#PBS --constraint=amd",
    ):
        assert line in lines, (line, lines)
    options.mpi = 2
    lines = _script(options, tmp_path).splitlines()
    assert "#PBS -l select=1:ncpus=4:mpiprocs=4:mem=7630MB" in lines


def test_bad_resources_are_named(resourced, tmp_path):
    with pytest.raises(ValueError, match="memory '8 parsecs'"):
        resourced(memory="8 parsecs")
    with pytest.raises(ValueError, match="walltime 'soon'"):
        resourced(walltime="soon")
    options, _ = resourced(mpi=8)
    with pytest.raises(ValueError, match=r"cores = 4 is less than member\.mpi = 8"):
        jobqueue_cluster(options, tmp_path, 4)
    options, _ = resourced(cluster="slurm")
    options.memory = None
    with pytest.raises(ValueError, match="needs the memory per job"):
        jobqueue_cluster(options, tmp_path, 4)
    assert walltime_hms("90 min") == "01:30:00" and walltime_hms("1-00:00:00") == "1-00:00:00"


def test_mpi_members_use_the_venv_mpiexec_or_srun_inside_slurm(resourced, tmp_path, monkeypatch):
    options, spec = resourced(mpi=2)
    plan = prepare(spec, tmp_path / "out")
    task = member_task(plan, plan.members[0], options)
    cmd = member_command(task)
    assert cmd[:3] == [str(Path(sys.executable).parent / "mpiexec"), "-n", "2"]
    assert cmd[3:7] == [sys.executable, "-m", "zndeposit", "run"]
    assert cmd[7] == str(plan.member_dir(plan.members[0]) / MEMBER_CASE)
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    inside = {"SLURM_JOB_ID": "7", "SLURM_NTASKS": "4"}
    assert choose_launcher("auto", 2, inside) == "srun"
    assert choose_launcher("auto", 8, inside) == "mpiexec"  # too few tasks for srun -n 8
    assert choose_launcher("auto", 2, {}) == "mpiexec"
    monkeypatch.setenv("SLURM_JOB_ID", "7")
    monkeypatch.setenv("SLURM_NTASKS", "4")
    assert member_command(task)[:4] == ["srun", "-n", "2", "--kill-on-bad-exit=1"]


def _fake_finished(member_dir: Path) -> None:
    """What a finished run leaves (manifest, metrics, resolved case) without running it."""
    (member_dir / "case.resolved.toml").write_text((member_dir / MEMBER_CASE).read_text())
    (member_dir / "metrics.csv").write_text("t [s]\n0.5\n")
    (member_dir / "manifest.json").write_text(json.dumps({"status": "finished"}))


def test_slurm_array_script_lists_only_unfinished_members(resourced, tmp_path):
    options, spec = resourced(mpi=2, threads=2, timeout_s=600.0)
    plan = prepare(spec, tmp_path / "out")
    _fake_finished(plan.member_dir(plan.members[1]))
    job = write_job_array(plan, options)
    assert job.tasks == 3 and job.script == plan.directory / SLURM_DIR / SCRIPT
    listed = job.member_list.read_text().split()
    assert listed == [f"members/{plan.members[i].hash}" for i in (0, 2, 3)]
    lines = job.script.read_text().splitlines()
    for line in (
        "#SBATCH --array=0-2",
        "#SBATCH --ntasks=2",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --time=02:00:00",
        "#SBATCH --mem=7630M",
        "#SBATCH --partition=compute",
        "#SBATCH --account=proj-42",
        "#SBATCH --constraint=amd",
        "module load mpi/mpich",
    ):
        assert line in lines, (line, lines)
    run = [line for line in lines if " sweep member " in line]
    assert run and "--mpi 2 --launcher srun" in run[0] and "--timeout '600 s'" in run[0]
    for m in plan.members:  # everything is finished: no script, an empty list
        _fake_finished(plan.member_dir(m))
    again = write_job_array(plan, options)
    assert again.tasks == 0 and not again.script.exists() and again.member_list.read_text() == ""


@pytest.mark.fem
def test_an_array_task_runs_its_member_and_collect_gathers_it(sweep_files, tmp_path, capsys):
    path = sweep_files()
    out = tmp_path / "out"
    assert main(["sweep", str(path), "-o", str(out), "--slurm-array"]) == 0
    assert f"sbatch {out / SLURM_DIR / SCRIPT}" in capsys.readouterr().out
    plan = prepare(load_sweep(path), out)
    member = out / (out / SLURM_DIR / MEMBER_LIST).read_text().split()[2]
    env = {**os.environ, "SLURM_ARRAY_TASK_ID": "2"}  # what SLURM sets in array task 2
    script = out / SLURM_DIR / SCRIPT
    done = subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"member {member.name}: finished" in done.stdout
    assert run_state(member, member.name).status == "finished"
    assert read_json(member / MEMBER_STATUS)["attempts"] == 1
    assert main(["sweep", "collect", str(out), "--no-figures"]) == 1  # 3 members still pending
    table = pd.read_csv(out / "summary.csv")
    assert list(table["status"]) == ["pending", "pending", "finished", "pending"]
    assert table.loc[2, "hash"] == member.name == plan.members[2].hash
    assert table.loc[2, "t [s]"] == 0.5 and table.loc[2, "mpi_size [-]"] == 1


@pytest.mark.fem
@pytest.mark.mpi
def test_an_mpi_member_runs_on_two_ranks(resourced, tmp_path):
    options, spec = resourced(mpi=2)
    plan = prepare(spec, tmp_path / "out")
    member = plan.members[3]
    result = run_member(member_task(plan, member, options))
    assert result["status"] == "finished", result
    d = plan.member_dir(member)
    manifest = read_json(d / "manifest.json")
    assert manifest["mpi_size"] == 2 and manifest["mesh"]["mpi_size"] == 2
    assert read_json(d / MEMBER_STATUS)["command"][:3] == [
        str(Path(sys.executable).parent / "mpiexec"),
        "-n",
        "2",
    ]
