"""Documentation that is generated from code stays in sync with it."""

from pathlib import Path

from zndeposit.case.reference import BEGIN, END, reference_markdown
from zndeposit.metrics.registry import DOCS_BEGIN, DOCS_END, METRICS, docs_table

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_case_file_reference_is_current():
    text = (DOCS / "case-files.md").read_text()
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:stop] + "\n" == reference_markdown(), (
        "docs/case-files.md is stale: regenerate its reference with `zndeposit schema --markdown`"
    )


def test_reference_lists_every_section():
    md = reference_markdown()
    for section in [
        "[domain]",
        "[anode.surface]",
        "[[anode.nuclei]]",
        "[[coatings]]",
        "[gap]",
        "[separator]",
        "[top]",
        "[electrolyte]",
        "[kinetics]",
        "[interface]",
        "[control]",
        "[mesh]",
        "[numerics]",
        "[output]",
    ]:
        assert f"### `{section}`" in md


def test_metrics_page_is_current():
    text = (DOCS / "metrics.md").read_text()
    start, stop = text.index(DOCS_BEGIN), text.index(DOCS_END) + len(DOCS_END) + 1
    assert text[start:stop] == docs_table(), (
        "docs/metrics.md is stale: regenerate it with "
        "`python -m zndeposit.metrics.registry docs/metrics.md`"
    )
    for m in METRICS:  # every metric, patterns written with <region>
        assert f"`{m.key.replace('{region}', '<region>')}`" in text


def test_readme_links_the_metrics_page():
    readme = (DOCS.parent / "README.md").read_text()
    assert "docs/metrics.md" in readme
