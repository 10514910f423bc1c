"""``zndeposit report``: one self-contained HTML file with every section, embedded media, links."""

from __future__ import annotations

import base64
import binascii
import shutil
from html.parser import HTMLParser

import pytest

from zndeposit.report.build import SECTION_IDS, build_report

pytestmark = pytest.mark.fem


class Page(HTMLParser):
    """The ids, links, media sources and text of an HTML page."""

    def __init__(self, text: str):
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.media: list[tuple[str, str]] = []  # (tag.attribute, URI)
        self.external: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        for key in ("src", "poster"):
            if key in a:
                self.media.append((f"{tag}.{key}", a[key]))
        if tag in ("link", "script", "iframe") or (tag == "a" and "://" in a.get("href", "")):
            self.external.append(f"{tag} {a}")

    def handle_data(self, data):
        self.text.append(data)

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def decode(uri: str) -> tuple[str, bytes]:
    """MIME type and content of a ``data:...;base64,`` URI (raises if it is not one)."""
    assert uri.startswith("data:"), uri[:60]
    head, _, payload = uri.partition(",")
    assert head.endswith(";base64"), head
    try:
        return head[5:-7], base64.b64decode(payload, validate=True)
    except binascii.Error as exc:  # pragma: no cover - the assertion message is the point
        raise AssertionError(f"{head}: bad base64 ({exc})") from None


MAGIC = {
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/gif": b"GIF8",
    "application/pdf": b"%PDF-",
}


def check_embedded(page: Page) -> dict[str, int]:
    """Every media source and download decodes and is the file its MIME type says."""
    kinds: dict[str, int] = {}
    for what, uri in page.media + [(f"a {h[:30]}", h) for h in page.hrefs if not h.startswith("#")]:
        mime, data = decode(uri)
        assert len(data) > 100, what
        if mime in MAGIC:
            assert data.startswith(MAGIC[mime]), f"{what}: not a {mime}"
        if mime == "video/mp4":
            assert data[4:8] == b"ftyp", f"{what}: not an MP4"
        kinds[mime] = kinds.get(mime, 0) + 1
    return kinds


@pytest.fixture(scope="module")
def page(report_html) -> Page:
    return Page(report_html.read_text(encoding="utf-8"))


def test_every_section_is_there_and_every_link_resolves(page):
    assert list(SECTION_IDS) == [i for i in page.ids if i in SECTION_IDS]
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    anchors = [h[1:] for h in page.hrefs if h.startswith("#")]
    assert set(SECTION_IDS) <= set(anchors), "the contents list misses a section"
    for anchor in anchors:
        assert anchor in page.ids, f"link to #{anchor} goes nowhere"
    assert not page.external, page.external


def test_every_image_video_and_download_is_embedded(page):
    kinds = check_embedded(page)
    assert kinds.get("image/png", 0) >= 11  # 6 snapshot + 5 series figures (+ the poster)
    assert kinds.get("application/pdf", 0) >= 11  # a PDF of every figure
    assert kinds.get("video/mp4", 0) >= 2 and kinds.get("image/gif") == 1
    assert kinds.get("text/csv") == 1
    assert "video" in page.tags


def test_the_report_holds_the_case_results_and_checks(page):
    text = page.plain
    for needle in (
        "40 mA/cm^2",  # the case in lab units
        "nafion_ionomer",
        "limiting current density (mA/cm²)",  # derived quantities
        "Sand's time",
        "Faraday's law holds",
        "Run status: finished",
        "3 outputs",  # the metrics table
        "MPI ranks",
        "dolfinx",
    ):
        assert needle in text, needle
    figures = {i for i in page.ids if i.startswith("fig-")}
    for name in ("deposit_t0.5s", "fields_t0.5s", "reaction_rate_t0.5s", "morphology", "focusing"):
        assert f"fig-{name}" in figures, name


def test_several_runs_are_compared_side_by_side(viz_run, tmp_path):
    other = tmp_path / "coated_copy"
    shutil.copytree(viz_run, other)
    out = build_report([viz_run, other], tmp_path / "comparison.html", movie=False, vector=None)
    page = Page(out.read_text(encoding="utf-8"))
    check_embedded(page)
    assert "fig-comparison_fields" in page.ids and "fig-comparison_deposit" in page.ids
    assert "animation" not in page.ids
    text = page.plain
    assert "Keys that differ between the runs" in text and "coated_copy" in text
    assert "Comparison of 2 runs" in text


def test_comparison_panels_share_colour_limits_and_scale(viz_run):
    """Runs side by side: one colour scale per field row, the same um per inch everywhere."""
    from zndeposit.viz import figures, style
    from zndeposit.viz.run_data import load_run

    run = load_run(viz_run)
    snaps = [run.snapshot(index=0), run.snapshot()]  # different fields: limits must be merged
    with style.journal_style():
        fig, rows = figures.comparison_figure(snaps, ["t = 0", "t = 0.5 s"], dpi=80)
    assert len(rows) == 4
    for row in rows:
        assert len({(r.norm.vmin, r.norm.vmax) for r in row}) == 1
    panels = [a for a in fig.axes if a.images]
    sizes = {(round(a.get_position().width, 6), round(a.get_position().height, 6)) for a in panels}
    assert len(sizes) == 1
    windows = {(r.window.width, r.window.height) for row in rows for r in row}
    assert len(windows) == 1
