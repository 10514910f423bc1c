"""The metric registry: one entry per metrics.csv column, units and factors that are right."""

from __future__ import annotations

import math

import pytest

from zndeposit.io.metrics_csv import (
    STANDARD_COLUMNS,
    MetricsWriter,
    read_metrics,
    standard_columns,
)
from zndeposit.metrics.registry import METRICS, expand, lookup, plain_unit
from zndeposit.units import unit_factor

#: every column a run writes for regions ("electrolyte", "coating0"), in file order
EXPECTED = [
    "t", "dt", "E", "eta", "i", "charge", "step", "step_charge", "zn_deposited", "faraday_error",
    "charge_balance_error", "thickness_mean", "height_max", "height_min", "dendrite_height",
    "tip_rise", "front_advance", "tip_lead", "roughness_rms", "length_ratio",
    "metal_pieces", "isolated_metal", "c_min_interface", "c_interface_min", "c_interface_mean", "focusing_factor",
    "current_focusing", "growth_focusing", "t_plus_electrolyte", "t_plus_coating0", "newton_its", "linear_its",
    "steps_accepted", "steps_rejected",
]  # fmt: skip


def test_columns_are_the_registry_in_order():
    cols = standard_columns(["electrolyte", "coating0"])
    assert [c.name for c in cols] == EXPECTED
    assert [m.key for m in expand(["electrolyte", "coating0"])] == EXPECTED
    assert [c.name for c in STANDARD_COLUMNS] == [k for k in EXPECTED if "t_plus" not in k]
    for c in cols:
        m = lookup(c.name)
        assert (c.unit, c.scale, c.integer) == (m.unit, m.scale, m.integer)
        assert c.header == f"{m.key} [{m.unit}]"


def test_entries_are_complete_and_unique():
    keys = [m.key for m in METRICS]
    assert len(set(keys)) == len(keys)
    for m in METRICS:
        assert m.label and m.label[0].isupper() and "(" not in m.label, m.key
        assert m.description.endswith(".") and "\n" not in m.description, m.key
        assert m.description.count(". ") <= 1, f"{m.key}: one sentence, please"
        assert math.isfinite(m.scale) and math.isfinite(m.display_scale), m.key
        format(1.0, m.fmt)  # a valid format spec


def test_patterns_resolve_per_region():
    m = lookup("t_plus_coating0")
    assert m.key == "t_plus_coating0" and "coating0" in m.description and m.unit == "-"
    with pytest.raises(KeyError):
        lookup("no_such_metric")
    with pytest.raises(KeyError):
        lookup("t_plus_")


@pytest.mark.parametrize(
    ("key", "si", "in_file", "shown"),
    [
        ("charge", 36000.0, 1.0, 1.0),  # 1 mAh/cm^2 = 3.6 C / 1e-4 m^2 = 36000 C/m^2
        ("zn_deposited", 1800.0, 0.05, 0.05),
        ("i", 100.0, 10.0, 10.0),  # 100 A/m^2 = 10 mA/cm^2
        ("dendrite_height", 1.5e-6, 1.5, 1.5),  # m -> um
        ("tip_lead", -2e-8, -0.02, -0.02),  # a sign survives
        ("c_interface_mean", 2000.0, 2.0, 2.0),  # 2000 mol/m^3 = 2 mol/L
        ("E", -0.11941, -0.11941, -119.41),  # the file keeps V, plots show mV
        ("eta", 0.08, 0.08, 80.0),
        ("t", 12.5, 12.5, 12.5),
        ("current_focusing", 1.25, 1.25, 1.25),
    ],
)
def test_conversions_against_known_values(key, si, in_file, shown):
    m = lookup(key)
    assert m.from_si(si) == pytest.approx(in_file, rel=1e-14)
    assert m.to_display(m.from_si(si)) == pytest.approx(shown, rel=1e-14)
    assert m.si_to_display(si) == pytest.approx(shown, rel=1e-14)


def test_unit_factor_direction_and_exact_literals():
    assert unit_factor("mAh/cm^2", "C/m^2") == 36000.0
    assert unit_factor("C/m^2", "mAh/cm^2") == 1 / 36000.0  # the same float as the literal
    assert unit_factor("A/m^2", "mA/cm^2") == 0.1
    assert unit_factor("m", "um") == 1e6
    assert unit_factor("mol/m^3", "mol/L") == 1e-3
    assert unit_factor("S/m", "mS/cm") == 10.0
    assert unit_factor("-", "-") == 1.0
    with pytest.raises(Exception, match="cannot convert"):
        unit_factor("m", "mol/L")


def test_text_and_plain_units():
    assert lookup("E").text(-119.414) == "-119.41 mV"
    assert lookup("current_focusing").text(1.04567) == "1.046"  # dimensionless: no unit
    assert lookup("dendrite_height").plain_label == "Dendrite height (\u00b5m)"
    assert plain_unit("mA/cm^2") == "mA/cm\u00b2" and plain_unit("-") == "\u2013"


def test_written_file_reads_back_in_registry_units(tmp_path):
    path = tmp_path / "metrics.csv"
    with MetricsWriter(path, standard_columns(["electrolyte"])) as w:
        w.write({"t": 1.0, "charge": 36000.0, "tip_rise": 2.5e-7, "c_interface_min": 1500.0,
                 "newton_its": 3})  # fmt: skip
    table = read_metrics(path)
    assert table.units["tip_rise"] == "um" and table["tip_rise"][0] == pytest.approx(0.25)
    assert table["charge"][0] == pytest.approx(1.0)
    assert table["c_interface_min"][0] == pytest.approx(1.5)
    assert math.isnan(table["front_advance"][0])
