"""Fixtures of the rendering tests: the shared small run and its rendered figures."""

from __future__ import annotations

import pytest
from zn_viz_run import shared_run


@pytest.fixture(scope="session")
def viz_run(tmp_path_factory, case_runner):
    """Run directory of the shared test case (zn_viz_run.CASE)."""
    return shared_run(tmp_path_factory.getbasetemp(), case_runner)


@pytest.fixture(scope="session")
def rendered(viz_run, tmp_path_factory):
    """``zndeposit render RUN --time 0.25 --time 0.5``: (output folder, the files it printed)."""
    from zndeposit.viz.render import render_run

    out = tmp_path_factory.mktemp("figures")
    return out, render_run(viz_run, out, times=[0.25, 0.5])


@pytest.fixture(scope="session")
def last_snapshot(viz_run):
    """The last snapshot of the shared run."""
    from zndeposit.io.snapshots import read_snapshot

    return read_snapshot(viz_run)
