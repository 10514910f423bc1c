"""Fields of the side chemistry (pH, OH-, ZHS, HER): colour scales and field figures.

Runs with ``[chemistry]`` write four more fields (:mod:`zndeposit.io.snapshots`):
``pH`` (-), ``c_hydroxide`` (mol/L, shown in nmol/L: 0.1 at pH 4), ``zhs`` (ZHS volume
fraction, -) and ``her_rate`` (local hydrogen-evolution current per interface
area, mA/cm^2, > 0 cathodic). Their styles are in
:data:`zndeposit.viz.style.FIELD_STYLES`; this module holds what differs from a
plain data-range colour scale:

- pH: limits rounded outwards to a 1-2-5 step, and a diverging map (ColorBrewer
  RdBu, colour-blind safe) on which neutral pH 7 is always white, acidic values
  red and alkaline values blue. A range entirely on one side of 7 uses that
  side's half of the map only (never reaching white), so the colours still
  spread over the data.
- ZHS volume fraction: from 0 to the largest value (0..1 if there is none).
- HER current: the range over the nodes of the interface band (0.1 < xi < 0.9).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from zndeposit.io.snapshots import Snapshot

if TYPE_CHECKING:
    from matplotlib.colors import Colormap

    from zndeposit.viz.extract import Window
    from zndeposit.viz.figures import View

__all__ = [
    "CHEMISTRY_FIELDS",
    "PH_NEUTRAL",
    "chemistry_limits",
    "field_colormap",
    "has_chemistry",
    "ph_limits",
]

#: the fields of a chemistry run, in the order of the multi-panel figure
CHEMISTRY_FIELDS = ("pH", "zhs", "c_hydroxide", "her_rate")
#: neutral pH, white on the pH colour scale
PH_NEUTRAL = 7.0
#: the part of the diverging map kept for a pH range on one side of 7 (white excluded)
_HALF = 0.42
#: colour-map samples of a sliced map
_SAMPLES = 256


def has_chemistry(snap: Snapshot) -> bool:
    """Whether the snapshot holds the side-chemistry fields (a run with ``[chemistry]``)."""
    return all(f in snap.mesh.point_data for f in CHEMISTRY_FIELDS)


def _nice_step(span: float) -> float:
    """The smallest 1, 2 or 5 x 10^k at least ``span`` / 4 (pH units)."""
    target = max(span / 4.0, 1e-3)
    exp = math.floor(math.log10(target))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10.0**exp >= target - 1e-15:
            return m * 10.0**exp
    return 10.0 ** (exp + 1)


def ph_limits(lo: float, hi: float) -> tuple[float, float]:
    """Colour limits of pH: the data range (pH units) rounded outwards to a 1-2-5 step."""
    step = _nice_step(hi - lo)
    lo_r = math.floor(lo / step + 1e-9) * step
    hi_r = math.ceil(hi / step - 1e-9) * step
    if hi_r <= lo_r:
        hi_r = lo_r + step
    return (round(lo_r, 6), round(hi_r, 6))


def chemistry_limits(field: str, lo: float, hi: float) -> tuple[float, float] | None:
    """Colour limits of a chemistry field from its data range (display units), else None.

    ``lo``/``hi`` are +/-inf where no node was counted.
    """
    if field == "pH":
        if not math.isfinite(lo):
            return (PH_NEUTRAL - 1.0, PH_NEUTRAL + 1.0)
        return ph_limits(lo, hi)
    if field == "zhs":
        top = hi if math.isfinite(hi) and hi > 0 else 1.0
        return (0.0, top)
    return None


def field_colormap(field: str, lo: float, hi: float) -> Colormap:
    """The colour map of ``field`` for colour limits ``lo``..``hi`` (display units).

    For ``pH`` a slice of the diverging map in which pH 7 sits at the centre
    (white); every other field gets its style's map unchanged.
    """
    import matplotlib as mpl
    from matplotlib.colors import ListedColormap

    from zndeposit.viz import style

    base = mpl.colormaps[style.FIELD_STYLES[field].cmap]
    if field != "pH" or not hi > lo:
        return base
    if hi <= PH_NEUTRAL:  # acidic only: the red half, deep at lo
        p0, p1 = 0.0, _HALF
    elif lo >= PH_NEUTRAL:  # alkaline only: the blue half, deep at hi
        p0, p1 = 1.0 - _HALF, 1.0
    else:  # both sides: 7 white, the farther end the deepest colour
        half = max(PH_NEUTRAL - lo, hi - PH_NEUTRAL)
        p0 = 0.5 - 0.5 * (PH_NEUTRAL - lo) / half
        p1 = 0.5 + 0.5 * (hi - PH_NEUTRAL) / half
    return ListedColormap(base(np.linspace(p0, p1, _SAMPLES)), name=f"pH_{lo:g}_{hi:g}")


def chemistry_figures(
    snap: Snapshot, tag: str, when: str, view: View | Window, dpi: int
) -> Iterator[tuple[str, str, object]]:
    """(file stem, caption, figure) of the chemistry fields of one snapshot.

    Nothing for a snapshot without them (a run without ``[chemistry]``).
    """
    from zndeposit.viz import figures, style

    if not has_chemistry(snap):
        return
    fig, _ = figures.fields_figure(snap, CHEMISTRY_FIELDS, view=view, vectors="none", dpi=dpi)
    yield (
        f"chemistry_{tag}",
        f"Side chemistry at {when}: (a) pH (neutral 7 white, acidic red, alkaline blue), "
        "(b) ZHS volume fraction, (c) OH⁻ concentration, (d) local hydrogen-evolution "
        "current per interface area (> 0 cathodic). Metal in grey in (a)-(c).",
        fig,
    )
    for field, what in (
        ("pH", "pH of the electrolyte (neutral 7 white, acidic red, alkaline blue)"),
        ("zhs", "Volume fraction of zinc hydroxide sulfate (ZHS)"),
        ("c_hydroxide", "OH⁻ concentration in the electrolyte"),
        ("her_rate", "Local hydrogen-evolution current per interface area"),
        ("c_zn_hydroxide", "ZnOH⁺ concentration (Zn²⁺ hydrolysis) in the electrolyte"),
    ):
        if field not in snap.mesh.point_data:  # ZnOH+ only with hydrolysis
            continue
        fig, _ = figures.field_figure(snap, field, view=view, vectors="none", dpi=dpi)
        yield (f"{style.FIELD_STYLES[field].short}_{tag}", f"{what} at {when}.", fig)
