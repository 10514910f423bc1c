"""``zndeposit report`` of a run with side chemistry: pH and side-reaction figures and tables.

A binary run's report stays as it was (no chemistry figure, table or check).
"""

from __future__ import annotations

import re

import pytest
from test_report_html import Page
from zn_chem_run import shared_chem_run

from zndeposit.report.build import SECTION_IDS, build_report
from zndeposit.report.chemistry import GLANCE_CHEMISTRY
from zndeposit.viz.run_data import load_run

pytestmark = pytest.mark.fem

CHEMISTRY_FIGURES = ("interface_ph", "side_reactions", "chemistry_t0.5s", "ph_t0.5s", "zhs_t0.5s")


@pytest.fixture(scope="module")
def chem_page(tmp_path_factory, case_runner):
    """The report of zn_chem_run.CASE (no animation), parsed."""
    run = shared_chem_run(tmp_path_factory.getbasetemp(), case_runner)
    out = build_report([run], tmp_path_factory.mktemp("chem_report") / "r.html", movie=False)
    return out.read_text(), run


def test_chemistry_report_has_the_ph_and_side_reaction_figures(chem_page):
    html, _ = chem_page
    page = Page(html)
    text = page.plain
    for sid in SECTION_IDS:
        if sid != "animation":
            assert sid in page.ids, sid
    markup = re.sub(r"data:[^\"']+", "", html)  # names are in ids and file names
    for name in CHEMISTRY_FIGURES:
        assert f"{name}.png" in markup or f"{name}.pdf" in markup or name in page.ids, name
    assert "Interfacial pH against time" in text
    assert "plating efficiency" in text


def test_chemistry_report_tables_hold_the_chemistry_metrics(chem_page):
    from zndeposit.metrics.registry import lookup

    html, run = chem_page
    text = Page(html).plain
    assert "Side chemistry at the last output" in text
    for name in GLANCE_CHEMISTRY:
        assert lookup(name).plain_label in text, name
    assert "Side chemistry: 3 outputs" in text
    assert "ph_interface_mean (" in text and "zhs_coverage (" in text
    assert "chemistry.ph" in text  # key parameters
    assert "[derived.chemistry]" in text
    assert re.search(r"proton excess balance holds: at most [0-9.e+-]+ relative error", text)
    ph = float(load_run(run).metrics["ph_interface_mean"][-1])
    assert f"{ph:.4g}" in text


def test_binary_report_has_no_chemistry(report_html):
    html = report_html.read_text()
    text = Page(html).plain
    markup = re.sub(r"data:[^\"']+", "", html)
    for absent in ("interface_ph", "side_reactions", "chemistry_t", "ph_t"):
        assert absent not in markup, absent
    for absent in ("Side chemistry", "chemistry.ph", "Interfacial pH", "balance holds"):
        assert absent not in text, absent
