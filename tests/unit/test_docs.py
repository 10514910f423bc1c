"""Documentation that is generated from code stays in sync with it."""

from pathlib import Path

from zndeposit.case.reference import BEGIN, END, reference_markdown

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
