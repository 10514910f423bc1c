"""Every metric the Observer writes has a registry entry, and every registry column is written."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zndeposit.metrics.registry import expand, lookup

pytestmark = pytest.mark.fem

#: a 2 x 8 um strip with a nucleus and a 1 um coating (three regions), 0.5 s of plating
CASE = """
title = "metrics registry check: coated nucleus"
[domain]
width = "2 um"
height = "8 um"
sides = "periodic"
[anode]
thickness = "2 um"
[[anode.nuclei]]
x = "1 um"
radius = "0.5 um"
[[coatings]]
preset = "nafion_ionomer"
name = "ionomer"
thickness = "1 um"
[electrolyte]
preset = "ZnSO4_2M"
[interface]
energy = "0.5 J/m^2"
width = "0.5 um"
[control]
mode = "galvanostatic"
current_density = "10 mA/cm^2"
duration = "0.5 s"
[mesh]
elements_across_interface = 3
[numerics]
dt_max = "0.25 s"
[output]
interval = "0.25 s"
"""


@pytest.fixture(scope="module")
def coated_run(tmp_path_factory, case_runner):
    return case_runner(tmp_path_factory.mktemp("registry"), CASE)


def test_observer_keys_are_the_registry(coated_run):
    """The CSV holds exactly the registry's columns for the run's regions, each filled in:
    the writer rejects keys without a column, so an unregistered metric fails the run, and
    a registry entry the Observer does not write would stay NaN."""
    _, m = coated_run
    regions = [k.removeprefix("t_plus_") for k in m if k.startswith("t_plus_")]
    assert len(regions) == 2, regions  # the coating and the free electrolyte
    assert list(m) == [metric.key for metric in expand(regions)]
    assert all(m.units[k] == lookup(k).unit for k in m)
    for key, values in m.items():
        last = values[-1]
        assert math.isfinite(last), f"{key} is not written (NaN at the last output)"


def test_new_morphology_and_interface_metrics_of_a_run(coated_run):
    _, m = coated_run
    assert m["tip_rise"][0] == 0.0 and m["front_advance"][0] == 0.0 and m["tip_lead"][0] == 0.0
    assert np.isnan(m["current_focusing"][0])  # no current before the first step
    np.testing.assert_allclose(m["tip_lead"], m["tip_rise"] - m["front_advance"], atol=1e-12)
    # both from the highest point: they differ by max h0 - median h0, the nucleus (~0.5 um)
    offset = m["dendrite_height"] - m["tip_rise"]
    np.testing.assert_allclose(offset, offset[0], atol=1e-9)
    assert 0.4 < offset[0] < 0.5
    # max over the band points / weighted mean of the same points
    assert np.all(m["current_focusing"][1:] >= 1.0 - 1e-12)
    assert np.all(m["c_interface_mean"] >= m["c_interface_min"] - 1e-12)
    # at t = 0 the electrolyte side is in the coating, whose pore liquid is uniformly
    # Donnan-enriched above the 2 M bulk (the anode region's cells, with bulk values, are
    # on the metal side and do not count)
    assert m["c_interface_min"][0] == pytest.approx(m["c_interface_mean"][0], rel=1e-12)
    assert m["c_interface_min"][0] > 2.5 and m["c_min_interface"][0] == pytest.approx(2.0)
