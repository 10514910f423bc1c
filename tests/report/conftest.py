"""Fixtures of the report tests: the small run shared with tests/viz and its report."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "viz"))
from zn_viz_run import shared_run


@pytest.fixture(scope="session")
def viz_run(tmp_path_factory, case_runner):
    """Run directory of the shared test case (tests/viz/zn_viz_run.CASE)."""
    return shared_run(tmp_path_factory.getbasetemp(), case_runner)


@pytest.fixture(scope="session")
def report_html(viz_run, tmp_path_factory):
    """``zndeposit report RUN``, written by the command line entry point: the HTML file."""
    from zndeposit.cli import main

    out = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["report", str(viz_run), "-o", str(out)]) == 0
    return out
