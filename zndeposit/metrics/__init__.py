"""Quantities computed from the solution at output times (morphology of the deposit).

DOLFINx is imported only by the functions that take a ``Function``, so the
pure-numpy parts work anywhere. The definitions of the metrics a run writes
(names, units, labels) are in :mod:`zndeposit.metrics.registry`; the
interface-band means and samples in :mod:`zndeposit.metrics.band`.
"""

from __future__ import annotations

from zndeposit.metrics.morphology import (
    Morphology,
    band_minimum,
    contour_segments,
    deposit_thickness,
    focusing_factor,
    height_profile,
    integrate,
    interface_segments,
    morphology,
    morphology_from_segments,
    roughness_rms,
    segments_length,
    tip_rise_and_front_advance,
)

__all__ = [
    "Morphology",
    "band_minimum",
    "contour_segments",
    "deposit_thickness",
    "focusing_factor",
    "height_profile",
    "integrate",
    "interface_segments",
    "morphology",
    "morphology_from_segments",
    "roughness_rms",
    "segments_length",
    "tip_rise_and_front_advance",
]
