"""Small sweeps on a very coarse, very short case (each member a few seconds)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

#: the base case of the sweep tests (~2200 unknowns, a few seconds per member)
TINY_CASE = (Path(__file__).parent / "tiny_case.toml").read_text(encoding="utf-8")

GRID_2X2 = """
name = "grid"
title = "current density x transference number"
base = "base.toml"
[[axis]]
key = "control.current_density"
values = ["5 mA/cm^2", "10 mA/cm^2"]
[[axis]]
key = "electrolyte.transference_number"
range = { start = 0.3, stop = 0.5, num = 2 }
"""


@pytest.fixture(scope="session")
def sweep_texts() -> tuple[str, str]:
    """(tiny base case, 2 x 2 sweep of it) as TOML texts."""
    return textwrap.dedent(TINY_CASE), textwrap.dedent(GRID_2X2)


@pytest.fixture
def sweep_files(tmp_path: Path):
    """Write ``base.toml`` (the tiny case) and ``sweep.toml`` into tmp_path; returns the sweep."""

    def _write(sweep: str = GRID_2X2, base: str = TINY_CASE, name: str = "sweep.toml") -> Path:
        (tmp_path / "base.toml").write_text(textwrap.dedent(base))
        path = tmp_path / name
        path.write_text(textwrap.dedent(sweep))
        return path

    return _write


@pytest.fixture(scope="session")
def dask_cluster():
    """A real local Dask cluster: 2 worker processes with 1 thread each (shared by tests)."""
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        memory_limit=0,
    )
    yield cluster
    cluster.close()
