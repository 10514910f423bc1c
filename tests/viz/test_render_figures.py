"""``zndeposit render``: every figure and animation is written, with units, stamps and outlines."""

from __future__ import annotations

import re

import numpy as np
import pytest
from zn_viz_run import ANODE_TOP, COATING_TOP, TIMES

from zndeposit.viz import style
from zndeposit.viz.animate import animation_frames
from zndeposit.viz.extract import region_outlines
from zndeposit.viz.panel import data_range
from zndeposit.viz.render import series_figures, snapshot_figures
from zndeposit.viz.run_data import load_run

pytestmark = pytest.mark.fem

SERIES = ("electrode_potential", "morphology", "interface_concentration", "focusing", "sequence")
PER_TIME = ("deposit", "fields", "concentration", "potential", "current", "reaction_rate")
#: a label ends in "(unit)" with one of the units the style typesets
UNIT = re.compile(r"\((?P<unit>[^()]+)\)$")
UNITS = {style.unit_text(u) for u in ("-", "s", "V", "mV", "um", "mA/cm^2", "mAh/cm^2", "mol/L")}


def test_every_figure_is_written_as_300_dpi_png_and_pdf(rendered):
    from PIL import Image

    out, written = rendered
    stems = [*SERIES, *(f"{k}_t{t:g}s" for k in PER_TIME for t in (0.25, 0.5))]
    for stem in stems:
        png, pdf = out / f"{stem}.png", out / f"{stem}.pdf"
        assert png in written and pdf in written, stem
        with Image.open(png) as im:
            assert im.info["dpi"] == pytest.approx((300, 300), abs=0.5), stem
            assert min(im.size) > 300, stem
        assert pdf.read_bytes()[:5] == b"%PDF-", stem
    assert not list(out.glob(".*tmp*")), "temporary files left behind"
    # the deposit of t = 0 was not asked for
    assert not (out / "deposit_t0s.png").exists()


def test_animation_has_a_frame_per_output(rendered):
    import imageio.v3 as iio
    import imageio_ffmpeg

    out, written = rendered
    assert out / "growth.mp4" in written and out / "growth.gif" in written
    assert iio.imread(out / "growth.gif", index=None).shape[0] == len(TIMES)
    reader = imageio_ffmpeg.read_frames(str(out / "growth.mp4"))
    meta = next(reader)
    assert sum(1 for _ in reader) == len(TIMES)
    assert meta["codec"] == "h264" and all(n % 2 == 0 for n in meta["size"])


def test_animation_colour_limits_are_fixed_over_the_run(viz_run):
    """Colour bars (bottom strip) are pixel-identical in every frame; the panels change."""
    run = load_run(viz_run)
    first, last = run.snapshot(index=0), run.snapshot()
    # c changes over the run, so per-frame limits would give different colour bars
    assert data_range([first], "c") != pytest.approx(data_range([last], "c"))
    frames = list(animation_frames(run, dpi=100))
    assert len(frames) == len(TIMES) and len({f.shape for f in frames}) == 1
    strip = int(0.45 * 100)  # colour bars and their labels: the lowest 0.45 in
    for f in frames[1:]:
        assert np.array_equal(f[-strip:], frames[0][-strip:])
    assert np.abs(frames[-1][:-strip].astype(int) - frames[0][:-strip]).mean() > 0.5


def _labels(fig) -> list[str]:
    return [t for ax in fig.axes for t in (ax.get_xlabel(), ax.get_ylabel()) if t]


def test_every_axis_and_colour_bar_carries_a_unit(viz_run):
    run = load_run(viz_run)
    snap = run.snapshot()
    with style.journal_style():
        items = [*series_figures([run], dpi=100), *snapshot_figures(run, snap, dpi=100)]
    assert {i.name for i in items} >= {*SERIES, *(f"{k}_t0.5s" for k in PER_TIME)}
    for item in items:
        labels = _labels(item.figure)
        assert labels, f"{item.name}: no axis or colour-bar label"
        for text in labels:
            m = UNIT.search(text)
            assert m and m.group("unit") in UNITS, f"{item.name}: {text!r} has no unit"
        texts = [t for t in item.figure.findobj(match=_is_text) if t.get_text()]
        fonts = {t.get_fontname() for t in texts}
        assert fonts == {style.FONT}, f"{item.name}: fonts {fonts}"
        smallest = min(t.get_fontsize() for t in texts)
        assert smallest >= 5.5, f"{item.name}: text of {smallest} pt at column width"
        for ax in item.figure.axes:
            if any(str(im.get_gid()).startswith("field_") for im in ax.images):
                bars = [a for a in ax.artists if a.get_gid() == "scale_bar"]
                assert bars, f"{item.name}: a field panel without scale bar"
                text = bars[0].txt_label.get_text()
                assert re.fullmatch(r"[\d.]+ (µm|nm)", text), text
        if item.name in ("deposit_t0.5s", "fields_t0.5s", "reaction_rate_t0.5s"):
            texts = [t.get_text() for t in item.figure.findobj(match=_is_text)]
            assert any("t = 0.5 s" in t and "mAh cm" in t for t in texts), item.name


def _is_text(artist) -> bool:
    from matplotlib.text import Text

    return isinstance(artist, Text)


def test_region_outlines_mark_the_coating(last_snapshot):
    out = region_outlines(last_snapshot.mesh, last_snapshot.regions)
    assert "coating" in out.labels and out.labels["coating"][1] == pytest.approx(
        0.5 * (ANODE_TOP + COATING_TOP), abs=0.3
    )
    top = [line for line in out.interfaces if np.allclose(line[:, 1], COATING_TOP, atol=1e-6)]
    assert top, "no outline at the top of the coating"
    xs = np.concatenate([line[:, 0] for line in top])
    assert xs.min() == pytest.approx(0.0, abs=1e-6) and xs.max() == pytest.approx(4.0, abs=1e-6)
    # the initial surface: the flat anode at y = 2 um and the nucleus up to 2.8 um
    initial = np.vstack(out.initial_surface)
    assert np.isclose(initial[:, 1], ANODE_TOP, atol=1e-3).any()
    assert initial[:, 1].max() == pytest.approx(ANODE_TOP + 0.8, abs=0.05)


def test_render_of_a_folder_that_is_no_run_says_so(tmp_path, capsys):
    from zndeposit.cli import main

    assert main(["render", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "not a zndeposit run directory" in err and "case.resolved.toml" in err


def test_a_run_without_snapshots_still_gets_its_plots(viz_run, tmp_path, capsys):
    """``output.snapshots = false``: the metrics plots, and a note saying how to get the rest."""
    import shutil

    from zndeposit.cli import main

    run = tmp_path / "no_snapshots"
    shutil.copytree(viz_run, run, ignore=shutil.ignore_patterns("snapshots"))
    assert main(["render", str(run), "--format", "none"]) == 0
    assert "output.snapshots = true" in capsys.readouterr().out
    written = sorted(p.name for p in (run / "figures").iterdir())
    assert written == sorted(f"{s}.png" for s in SERIES if s != "sequence")
