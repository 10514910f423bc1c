"""``zndeposit render`` of a run with side chemistry: pH, ZHS, OH- and HER fields and plots.

A binary run (tests/viz/zn_viz_run.py) must render exactly the figures it did
before, and asking it for a chemistry field is a one-line error naming its fields.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from zn_chem_run import shared_chem_run

from zndeposit.io.snapshots import FIELD_UNITS, read_snapshot
from zndeposit.viz import style
from zndeposit.viz.chemistry import CHEMISTRY_FIELDS, field_colormap, ph_limits
from zndeposit.viz.panel import data_range
from zndeposit.viz.render import field_figures, series_figures, snapshot_figures
from zndeposit.viz.run_data import load_run

#: figures of one output of a binary run, before side chemistry existed
BINARY_PER_TIME = ("deposit", "fields", "concentration", "potential", "current", "reaction_rate")
BINARY_SERIES = ("electrode_potential", "morphology", "interface_concentration", "focusing")
CHEMISTRY_PER_TIME = ("chemistry", "ph", "zhs", "hydroxide", "her_rate", "zn_hydroxide")
CHEMISTRY_SERIES = ("interface_ph", "side_reactions")
UNIT = re.compile(r"\((?P<unit>[^()]+)\)$")


@pytest.fixture(scope="module")
def chem_run(tmp_path_factory, case_runner):
    """Run directory of zn_chem_run.CASE."""
    return shared_chem_run(tmp_path_factory.getbasetemp(), case_runner)


@pytest.fixture(scope="module")
def chem_rendered(chem_run, tmp_path_factory):
    """``zndeposit render RUN --time 0.5 --no-movie``: (folder, files written)."""
    from zndeposit.viz.render import render_run

    out = tmp_path_factory.mktemp("chem_figures")
    return out, render_run(chem_run, out, times=[0.5], movie=False, vector_format=None)


def test_every_snapshot_field_has_a_style_with_a_unit():
    """A field the snapshots can hold but no style covers would fail to render."""
    for name in FIELD_UNITS:
        fs = style.FIELD_STYLES[name]
        assert UNIT.search(fs.axis_label), name
        assert fs.short and fs.symbol, name
    assert style.FIELD_STYLES["pH"].axis_label == "pH (\u2013)"
    assert style.FIELD_STYLES["her_rate"].axis_label.endswith("(mA cm$^{-2}$)")


def test_ph_colour_scale_keeps_neutral_white_and_acid_red():
    assert ph_limits(4.0, 4.0103) == (4.0, 4.015)
    assert ph_limits(3.2, 8.9) == (2.0, 10.0)  # step 2: a 1-2-5 step of at least span / 4
    both = field_colormap("pH", 5.0, 9.0)
    assert np.allclose(both(0.5)[:3], both(0.5)[:3][0], atol=0.03)  # grey-white at pH 7
    assert min(both(0.5)[:3]) > 0.9
    acid, base = field_colormap("pH", 4.0, 4.5), field_colormap("pH", 9.0, 10.0)
    for k in (0.0, 1.0):
        r, _, b, _ = acid(k)
        assert r > b  # red: acidic
        r, _, b, _ = base(k)
        assert b > r  # blue: alkaline
    assert min(acid(1.0)[:3]) < 0.9  # a range below 7 never reaches the white of neutral


def test_chemistry_figures_are_written_with_units(chem_run, chem_rendered):
    out, written = chem_rendered
    for stem in (*BINARY_SERIES, *CHEMISTRY_SERIES):
        assert out / f"{stem}.png" in written, stem
    for stem in (*BINARY_PER_TIME, *CHEMISTRY_PER_TIME):
        assert out / f"{stem}_t0.5s.png" in written, stem
    run = load_run(chem_run)
    snap = run.snapshot()
    with style.journal_style():
        items = {i.name: i for i in snapshot_figures(run, snap, dpi=60)}
        fig = items["chemistry_t0.5s"].figure
        bars = {ax.get_gid(): ax for ax in fig.axes if (ax.get_gid() or "").startswith("colorbar")}
        assert set(bars) == {f"colorbar_{f}" for f in CHEMISTRY_FIELDS}
        for ax in bars.values():
            label = ax.get_xlabel() or ax.get_ylabel()
            assert UNIT.search(label), label
        for item in series_figures([run], dpi=60):
            for ax in item.figure.axes:
                for label in (ax.get_xlabel(), ax.get_ylabel()):
                    assert not label or UNIT.search(label), (item.name, label)


def test_colour_limits_of_the_chemistry_fields(chem_run):
    snap = read_snapshot(chem_run)
    lo, hi = data_range([snap], "pH")
    ph = np.asarray(snap.mesh.point_data["pH"])
    assert lo <= ph.min() and hi >= ph.max() and hi - lo < 1.0
    zlo, zhi = data_range([snap], "zhs")
    assert zlo == 0.0 and zhi > 0.0


def test_zn_hydroxide_field_is_the_hydrolysis_equilibrium(chem_run):
    """The written ZnOH+ (mol/L) is K_h' c_Zn / c_H of the written c (mol/L) and pH
    (hydrolysis is on by default): the field, its unit and its name match, to float32."""
    from zndeposit.physics.species import ZN_HYDROLYSIS_LOG_K

    snap = read_snapshot(chem_run)
    data = snap.mesh.point_data
    liquid = np.asarray(data["xi"]) < 0.5
    c, ph = np.asarray(data["c"])[liquid], np.asarray(data["pH"])[liquid]
    expected = 10.0**ZN_HYDROLYSIS_LOG_K * c / 10.0**-ph  # ideal activities, 25 degC, mol/L
    got = np.asarray(data["c_zn_hydroxide"])[liquid]
    assert got.max() > 0
    assert np.allclose(got, expected, rtol=1e-4)


def test_binary_run_renders_as_before(viz_run):
    run = load_run(viz_run)
    with style.journal_style():
        names = [i.name for i in snapshot_figures(run, run.snapshot(), dpi=40)]
        series = [i.name for i in series_figures([run], dpi=40)]
    assert names == [f"{k}_t0.5s" for k in BINARY_PER_TIME]
    assert series == [*BINARY_SERIES, "sequence"]


def test_asking_a_binary_run_for_ph_names_its_fields(viz_run, tmp_path, capsys):
    from zndeposit.cli import main

    assert main(["render", str(viz_run), "--field", "pH", "-o", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "'pH'" in err and "[chemistry]" in err
    assert "its fields: xi, c, c_anion, phi, current, reaction_rate" in err
    assert not list(tmp_path.glob("*.png"))


def test_field_option_draws_only_those_fields(chem_run, tmp_path):
    from zndeposit.cli import main

    args = ["render", str(chem_run), "--field", "pH", "--field", "zhs", "--format", "none"]
    assert main([*args, "-o", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["ph_t0.5s.png", "zhs_t0.5s.png"]
    with pytest.raises(ValueError, match="no field 'ph'"):
        list(field_figures(read_snapshot(chem_run), ["ph"]))
