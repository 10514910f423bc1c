"""HTML reports: one self-contained file per run or comparison (Jinja2 templates in templates/).

``build_report(run_dirs, out_path)`` writes the report of ``zndeposit report``;
:mod:`zndeposit.report.html` builds pages from sections of blocks for any
other report (e.g. parameter sweeps).
"""

from __future__ import annotations

from zndeposit.report.build import animation_section, build_report, figure_sections, load_runs
from zndeposit.report.html import render_page, write_page

__all__ = [
    "animation_section",
    "build_report",
    "figure_sections",
    "load_runs",
    "render_page",
    "write_page",
]
