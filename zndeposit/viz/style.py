"""The one journal style of every zndeposit figure: font, sizes, colours, units, saving.

Figures are sized for a journal column (85 mm) or a full page width (178 mm)
with 8 pt text, one font (DejaVu Sans, shipped with matplotlib, so the
figures look the same on every machine and in the Docker image), the
Okabe-Ito colour-blind-safe palette for lines and perceptually uniform
colour-blind-safe colour maps (cividis, viridis, plasma, inferno) for fields.
Every axis label carries its unit in parentheses: ``"Time (s)"``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from zndeposit.io.snapshots import atomic_path
from zndeposit.units import unit_factor

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: widths of a journal figure, inches (85 mm and 178 mm)
SINGLE_COLUMN = 3.35
DOUBLE_COLUMN = 7.0
#: resolution of raster output, dots per inch
DPI = 300
FONT = "DejaVu Sans"
FONT_SIZE = 8.0

#: Okabe-Ito palette (Wong, Nat. Methods 8, 441 (2011)), colour-blind safe
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
#: line colours in order of use (runs of a comparison, curves of a plot)
LINE_COLOURS: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["green"],
    OKABE_ITO["orange"],
    OKABE_ITO["purple"],
    OKABE_ITO["sky"],
    OKABE_ITO["black"],
)
#: line styles paired with the colours, so curves also differ in grey-scale print
LINE_STYLES: tuple[str, ...] = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 1)), "-")
#: colour of region outlines (coating, separator, fibres) and the initial surface
OUTLINE_COLOUR = "#4D4D4D"
#: background where there is no electrolyte or metal (fibre holes, outside the domain)
HOLE_COLOUR = "#D9D9D9"
#: xi = 0.5 contour: white line with a thin black rim, visible on every colour map
CONTOUR_COLOUR = "#FFFFFF"
CONTOUR_EDGE = "#000000"
#: Sand's time and other reference marks in plots
MARK_COLOUR = OKABE_ITO["vermillion"]

MINUS = "\u2212"
DIMENSIONLESS = "\u2013"  # en dash: "(–)"


@dataclass(frozen=True)
class FieldStyle:
    """How one field is shown.

    Attributes:
        name: field name in the snapshot (``xi``, ``c``, ...; ``current`` is its magnitude).
        label: quantity, e.g. ``"Zn$^{2+}$ concentration"``.
        unit: unit as matplotlib mathtext (``"mol L$^{-1}$"``), ``"–"`` if dimensionless.
        cmap: matplotlib colour map name (perceptually uniform, colour-blind safe).
        scale: factor from the snapshot's unit to ``unit``.
        limits: fixed colour limits in ``unit`` (None: from the data).
        short: file-name stem of figures of this field.
        symbol: the quantity's symbol, for colour bars of narrow panels.
    """

    name: str
    label: str
    unit: str
    cmap: str
    scale: float = 1.0
    limits: tuple[float, float] | None = None
    short: str = ""
    symbol: str = ""

    @property
    def axis_label(self) -> str:
        """``"label (unit)"``, the text of a colour bar."""
        return axis_label(self.label, self.unit)

    @property
    def symbol_label(self) -> str:
        """``"symbol (unit)"``, for narrow colour bars."""
        return axis_label(self.symbol or self.label, self.unit)


FIELD_STYLES: dict[str, FieldStyle] = {
    "xi": FieldStyle(
        "xi", "Zn phase field", DIMENSIONLESS, "cividis", 1.0, (0.0, 1.0), "deposit", "$\\xi$"
    ),
    "c": FieldStyle(
        "c",
        "Zn$^{2+}$ concentration",
        "mol L$^{-1}$",
        "viridis",
        1.0,
        None,
        "concentration",
        "$c_{\\mathrm{Zn^{2+}}}$",
    ),
    "c_anion": FieldStyle(
        "c_anion", "Anion concentration", "mol L$^{-1}$", "viridis", 1.0, None, "anion", "$c_{-}$"
    ),
    "phi": FieldStyle(
        "phi",
        "Electrolyte potential",
        "mV",
        "plasma",
        unit_factor("V", "mV"),
        None,
        "potential",
        "$\\phi$",
    ),
    "current": FieldStyle(
        "current", "Ionic current density", "mA cm$^{-2}$", "inferno", 1.0, None, "current", "$|i|$"
    ),
    "reaction_rate": FieldStyle(
        "reaction_rate",
        "Local plating rate",
        "mA cm$^{-2}$",
        "inferno",
        1.0,
        None,
        "reaction_rate",
        "$i_\\mathrm{dep}$",
    ),
    # side chemistry (runs with [chemistry] only; colour scales: zndeposit.viz.chemistry)
    "pH": FieldStyle("pH", "pH", DIMENSIONLESS, "RdBu", 1.0, None, "ph", "pH"),
    "c_hydroxide": FieldStyle(
        "c_hydroxide",
        "OH$^{-}$ concentration",
        "nmol L$^{-1}$",
        "viridis",
        unit_factor("mol/L", "nmol/L"),
        None,
        "hydroxide",
        "$c_{\\mathrm{OH^{-}}}$",
    ),
    "c_zn_hydroxide": FieldStyle(
        "c_zn_hydroxide",
        "ZnOH$^{+}$ concentration",
        "mmol L$^{-1}$",
        "viridis",
        unit_factor("mol/L", "mmol/L"),
        None,
        "zn_hydroxide",
        "$c_{\\mathrm{ZnOH^{+}}}$",
    ),
    "zhs": FieldStyle(
        "zhs",
        "ZHS volume fraction",
        DIMENSIONLESS,
        "magma",
        1.0,
        None,
        "zhs",
        "$\\phi_\\mathrm{ZHS}$",
    ),
    "her_rate": FieldStyle(
        "her_rate",
        "Local HER current",
        "mA cm$^{-2}$",
        "inferno",
        1.0,
        None,
        "her_rate",
        "$i_\\mathrm{HER}$",
    ),
}

#: plain metrics-CSV units -> mathtext for labels
_UNIT_TEXT = {
    "-": DIMENSIONLESS,
    "s": "s",
    "V": "V",
    "mV": "mV",
    "um": "\u00b5m",
    "mA/cm^2": "mA cm$^{-2}$",
    "mAh/cm^2": "mAh cm$^{-2}$",
    "mol/L": "mol L$^{-1}$",
    "uL/cm^2": "\u00b5L cm$^{-2}$",
}


def unit_text(unit: str) -> str:
    """A plain unit string (``"mA/cm^2"``) as it is typeset in labels (``"mA cm$^{-2}$"``)."""
    return _UNIT_TEXT.get(unit, unit)


def axis_label(quantity: str, unit: str) -> str:
    """``"Quantity (unit)"`` with the unit typeset (``"-"`` becomes an en dash)."""
    return f"{quantity} ({unit_text(unit)})"


def rc_params() -> dict[str, object]:
    """The matplotlib settings of the journal style."""
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [FONT],
        "mathtext.fontset": "dejavusans",
        "font.size": FONT_SIZE,
        "axes.labelsize": FONT_SIZE,
        "axes.titlesize": FONT_SIZE,
        "xtick.labelsize": FONT_SIZE - 1,
        "ytick.labelsize": FONT_SIZE - 1,
        "legend.fontsize": FONT_SIZE - 1,
        "legend.frameon": False,
        "axes.linewidth": 0.6,
        "axes.prop_cycle": __import__("cycler").cycler(color=LINE_COLOURS),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "xtick.major.size": 3.0,
        "ytick.major.size": 3.0,
        "xtick.direction": "out",
        "ytick.direction": "out",
        "lines.linewidth": 1.2,
        "lines.markersize": 3.0,
        "figure.dpi": 100,
        "savefig.dpi": DPI,
        "savefig.bbox": "tight",
        "savefig.pad_inches": 0.02,
        "pdf.fonttype": 42,  # TrueType: text stays editable in Illustrator/Inkscape
        "ps.fonttype": 42,
        "svg.fonttype": "none",
        "image.interpolation": "antialiased",
        "axes.unicode_minus": True,
    }


@contextlib.contextmanager
def journal_style() -> Iterator[None]:
    """A context in which figures are drawn in the zndeposit style (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    with plt.rc_context(rc_params()):
        yield


def new_figure(width: float = SINGLE_COLUMN, height: float | None = None, **kwargs) -> Figure:
    """A figure in the journal style (call inside :func:`journal_style`); no pyplot state."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height or 0.75 * width), **kwargs)


def line_style(k: int) -> dict[str, object]:
    """Colour and dash pattern of curve number ``k`` (colour-blind and grey-scale safe)."""
    return {"color": LINE_COLOURS[k % len(LINE_COLOURS)], "linestyle": LINE_STYLES[k % 7]}


def save_figure(
    fig: Figure, stem: str | os.PathLike[str], formats: Sequence[str] = ("png", "pdf")
) -> list[Path]:
    """Save ``fig`` as ``stem.<fmt>`` for each format (PNG at :data:`DPI`), atomically.

    Returns:
        The written paths.
    """
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = stem.with_name(f"{stem.name}.{fmt}")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=DPI, metadata=_metadata(fmt))
        paths.append(path)
    return paths


def _metadata(fmt: str) -> dict[str, str | None]:
    """Reproducible files: no creation date in PDF/SVG, a creator string everywhere."""
    from zndeposit import __version__

    creator = f"zndeposit {__version__}"
    if fmt == "pdf":
        return {"Creator": creator, "Producer": creator, "CreationDate": None}
    if fmt == "svg":
        return {"Creator": creator, "Date": None}
    if fmt == "png":
        return {"Software": creator}
    return {}
