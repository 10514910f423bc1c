"""One definition per metric: the registry of everything a run writes to ``metrics.csv``.

Each :class:`Metric` holds the column key, its SI unit (what
:meth:`zndeposit.solver.observe.Observer.metrics` returns), the lab unit of
the CSV file, the unit plots, tables and the console show it in (potentials
in mV, otherwise the file's unit), a short label and one sentence on what it
measures and how. Conversion factors come from :func:`zndeposit.units.unit_factor`
(pint), never from literals. The CSV header, the end-of-run summary, the
progress bar, the report tables, the plots, the sweep summaries and
``docs/metrics.md`` all read from here.

Adding a metric: one :class:`Metric` in :data:`METRICS` (its position is its
column position) and one entry in the row of ``Observer.metrics()``; the
completeness tests check that the two agree. ``{region}`` in a key makes a
pattern entry, expanded once per region (``t_plus_{region}`` ->
``t_plus_coating0``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from zndeposit.units import unit_factor

__all__ = [
    "DOCS_BEGIN",
    "DOCS_END",
    "ELECTROLYTE_BAND",
    "INTERFACE_BAND",
    "METRICS",
    "Metric",
    "docs_table",
    "expand",
    "lookup",
    "markdown_table",
    "plain_unit",
    "update_docs",
]

#: xi band of the diffuse interface (both sides of the xi = 0.5 contour)
INTERFACE_BAND = (0.1, 0.9)
#: xi band of the electrolyte half of the interface (see ``c_interface_min``)
ELECTROLYTE_BAND = (0.02, 0.5)
_REGION = "{region}"
#: plain units as typeset in text and HTML (the CSV keeps the ASCII spelling)
_PLAIN = {"-": "\u2013", "um": "\u00b5m", "mA/cm^2": "mA/cm\u00b2", "mAh/cm^2": "mAh/cm\u00b2"}


def plain_unit(unit: str) -> str:
    """A unit as typeset in text and HTML: ``"um"`` -> ``"µm"``, ``"-"`` -> ``"–"``."""
    return _PLAIN.get(unit, unit)


@dataclass(frozen=True)
class Metric:
    """Definition of one metrics column.

    Attributes:
        key: column name in ``metrics.csv`` (``{region}`` marks a per-region pattern).
        si_unit: unit of the value the solver computes (pint syntax, ``"-"`` dimensionless).
        unit: unit of the CSV column (lab unit).
        label: short label for plots and the console (sentence case, no unit).
        description: what it measures and how it is computed (one sentence).
        show_unit: unit of plots, tables and the console; empty: ``unit``.
        fmt: format spec of a shown value (console, progress bar).
        integer: written as an integer (counters).
        chemistry: a column of runs with side chemistry only (``[chemistry]``).
    """

    key: str
    si_unit: str
    unit: str
    label: str
    description: str
    show_unit: str = ""
    fmt: str = ".4g"
    integer: bool = False
    chemistry: bool = False

    @property
    def display_unit(self) -> str:
        """Unit of plots, tables and the console."""
        return self.show_unit or self.unit

    @cached_property
    def scale(self) -> float:
        """Factor from the SI value to the CSV unit (e.g. 1e6 for m -> um)."""
        return unit_factor(self.si_unit, self.unit)

    @cached_property
    def display_scale(self) -> float:
        """Factor from the CSV unit to the display unit (e.g. 1e3 for V -> mV)."""
        return unit_factor(self.unit, self.display_unit)

    @property
    def is_pattern(self) -> bool:
        """True for a per-region pattern entry (``t_plus_{region}``)."""
        return _REGION in self.key

    def from_si(self, value: float) -> float:
        """SI value -> CSV unit."""
        return float(value) * self.scale

    def to_display(self, value: float) -> float:
        """Value in the CSV unit (as read back) -> display unit."""
        return float(value) * self.display_scale

    def si_to_display(self, value: float) -> float:
        """SI value -> display unit."""
        return float(value) * self.scale * self.display_scale

    def text(self, value: float, fmt: str | None = None) -> str:
        """A display-unit value with its unit, e.g. ``"-119.41 mV"`` (no unit if dimensionless)."""
        unit = self.display_unit
        number = format(float(value), fmt or self.fmt)
        return number if unit == "-" else f"{number} {unit}"

    @property
    def plain_label(self) -> str:
        """``"Label (unit)"`` with a plain unit (tables, HTML)."""
        return f"{self.label} ({plain_unit(self.display_unit)})"

    def for_region(self, region: str) -> Metric:
        """The concrete entry of a pattern for one region."""
        if not self.is_pattern:
            return self
        return replace(
            self,
            key=self.key.replace(_REGION, region),
            label=self.label.replace(_REGION, region),
            description=self.description.replace(_REGION, region),
        )


def _m(*args: object, **kwargs: object) -> Metric:
    return Metric(*args, **kwargs)  # type: ignore[arg-type]


_LO, _HI = INTERFACE_BAND
_ELO, _EHI = ELECTROLYTE_BAND
#: every column of ``metrics.csv``, in column order
# fmt: off
METRICS: tuple[Metric, ...] = (
    _m("t", "s", "s", "Time", "Simulated time."),
    _m("dt", "s", "s", "Time step", "Last accepted time step."),
    _m("E", "V", "V", "Electrode potential", "Potential of the Zn electrode (metal) against the "
       "reservoir or counter electrode: applied (potentiostatic) or solved for (galvanostatic).",
       show_unit="mV", fmt=".2f"),
    _m("eta", "V", "V", "Overpotential", "Interfacial overpotential E - phi - E_eq averaged over "
       "the diffuse interface with the weight h'(xi) of the Butler-Volmer term.",
       show_unit="mV", fmt=".2f"),
    _m("i", "A/m^2", "mA/cm^2", "Current density", "Electrode current per projected area "
       "(width): the applied one (galvanostatic) or the plating rate found (potentiostatic)."),
    _m("charge", "C/m^2", "mAh/cm^2", "Passed charge", "Charge passed per projected area since "
       "t = 0: the time integral of i."),
    _m("step", "-", "-", "Protocol step", "Index (1-based) of the protocol step the last "
       "time step belongs to (docs/protocols.md): the row at a step's end time still shows that "
       "step; 1 under constant galvanostatic or potentiostatic control.", integer=True),
    _m("step_charge", "C/m^2", "mAh/cm^2", "Step charge", "Charge passed per projected area "
       "since the start of the current protocol step, signed (> 0 plated, < 0 stripped): the "
       "time integral of i over the step; the passed charge when there is no protocol."),
    _m("zn_deposited", "C/m^2", "mAh/cm^2", "Deposited Zn", "Zn deposited since t = 0 as a "
       "charge per projected area: n F rho_m times the growth of the integral of porosity x "
       "the deposit measure of xi, per width."),
    _m("faraday_error", "-", "-", "Faraday error", "Faraday's law: |deposited - passed| / passed "
       "charge since t = 0 (Newton tolerance ~1e-8; 0 when potentiostatic, where the passed "
       "charge is the deposit).",
       fmt=".2e"),
    _m("charge_balance_error", "-", "-", "Current-balance error", "|i_top - i| / |i|: the "
       "ionic current fed in through the top boundary (consistent flux: the charge equation's "
       "residual tested with the top nodes' indicator) against the deposition current from "
       "the change of the deposit, over the last step. Independent of the galvanostatic "
       "constraint; checks charge conservation and Newton convergence.", fmt=".2e"),
    _m("thickness_mean", "m", "um", "Mean thickness", "Mean thickness of dense Zn deposited: "
       "the deposited moles / (rho_m * width)."),
    _m("height_max", "m", "um", "Highest point", "Height y of the highest point of the "
       "xi = 0.5 contour (marching triangles on the P1 field)."),
    _m("height_min", "m", "um", "Lowest point", "Lowest value of the surface profile h(x), the "
       "highest contour point in each of 200 equal x-bins."),
    _m("dendrite_height", "m", "um", "Dendrite height", "Highest contour point above the "
       "initial surface level (median of the initial profile h0(x)); includes the initial "
       "nucleus."),
    _m("tip_rise", "m", "um", "Tip rise", "Rise of the highest contour point above its own "
       "initial height: height_max - height_max(t = 0)."),
    _m("front_advance", "m", "um", "Front advance", "Advance of the flat surface: the lower "
       "quartile over the x-bins of h(x) - h0(x). It stays on the flat part while a protrusion "
       "covers up to three quarters of the width (the median followed a finger covering half a "
       "narrow strip), and slow spots narrower than a quarter (a shielded trough, the foot of a "
       "nucleus) do not pull it down as the minimum would."),
    _m("tip_lead", "m", "um", "Tip lead", "How much the highest point outgrows the flat "
       "surface: tip_rise - front_advance (0 for uniform growth)."),
    _m("roughness_rms", "m", "um", "RMS roughness", "Root-mean-square deviation of the profile "
       "h(x) about its mean over the x-bins.", fmt=".3g"),
    _m("length_ratio", "-", "-", "Interface-length ratio", "Length of the xi = 0.5 contour / "
       "domain width (1 for a flat front)."),
    _m("metal_pieces", "-", "-", "Metal pieces", "Number of connected pieces of metal: cells "
       "whose mean xi is >= 0.5 (any region, the anode's included), joined where two share an "
       "edge, across the periodic sides too (docs/metrics.md); 1 for an intact "
       "electrode.", integer=True),
    _m("isolated_metal", "C/m^2", "mAh/cm^2", "Isolated metal", "Metal in the pieces not "
       "connected to the current collector (none of their cells has an edge on the bottom, "
       "y = 0) as a charge per projected area: n F rho_m times their volume (cell area x "
       "porosity summed over their cells) per width. Geometry only: the model still holds "
       "every piece at the electrode potential, so it shows where dead zinc would form, not "
       "its electrochemical consequence."),
    _m("c_min_interface", "mol/m^3", "mol/L", "Min. Zn2+ in the interface band", "Minimum of "
       f"the pore-liquid Zn2+ concentration c over the nodes with {_LO} < xi < {_HI} (both "
       "sides of the interface, the metal-side tail included)."),
    _m("c_interface_min", "mol/m^3", "mol/L", "Min. interfacial Zn2+", "Minimum of the "
       "pore-liquid Zn2+ concentration c over the quadrature points on the electrolyte side, "
       f"{_ELO} < xi < {_EHI}."),
    _m("c_interface_mean", "mol/m^3", "mol/L", "Mean interfacial Zn2+", "Mean of the "
       f"pore-liquid Zn2+ concentration c over {_ELO} < xi < {_EHI} weighted by |grad xi|: "
       "the arc-length mean along the interface of its electrolyte-side profile."),
    _m("focusing_factor", "-", "-", "BV-rate focusing", "Max over the nodes with "
       f"{_LO} < xi < {_HI} of the Butler-Volmer plating rate per pore-interface area / its "
       "|grad xi|-weighted mean; compares regions of different porosity unlike with like.",
       fmt=".3f"),
    _m("current_focusing", "-", "-", "Current focusing", "Max of the plating current per "
       f"interface area (porosity x BV rate) over the quadrature points of {_LO} < xi < {_HI} "
       "/ its mean over that band weighted by |grad xi|; 1 for uniform plating in any region. "
       "Reads where across the profile the reaction sits, so it overstates focusing 3-4x at a "
       "depleted interface: compare runs with growth_focusing.",
       fmt=".3f"),
    _m("growth_focusing", "-", "-", "Growth focusing", "Max over x of the normal growth "
       "velocity since the previous output where a column (2 band elements wide) crosses the "
       "surface (column integral of porosity x the change of xi / column integral of "
       "|grad xi|), divided by the mean velocity (change of the deposit / width): 1 for a flat "
       "front or uniform normal growth, 2 for the top of a semicircular nucleus at the "
       "limiting current; nan at t = 0; the focusing measure to compare runs with.",
       fmt=".3f"),
    _m("t_plus_{region}", "-", "-", "Zn2+ transference number, {region}", "Effective Zn2+ "
       "transference number in {region}: the Zn2+ share of the conductivity weighted by "
       "(1 - h(xi)) |grad phi|^2.",
       fmt=".3f"),
    _m("her_current", "A/m^2", "mA/cm^2", "HER current density", "Hydrogen evolution current "
       "per projected area (> 0 cathodic, like a plating current) at the last step: the HER "
       "rate integrated over the interface with the reaction weight, / width.", chemistry=True),
    _m("h2_charge", "C/m^2", "mAh/cm^2", "H2 charge", "Charge taken by hydrogen evolution since "
       "t = 0 per projected area (time integral of her_current).", chemistry=True),
    _m("h2_volume", "m", "uL/cm^2", "H2 volume", "Volume of the H2 evolved since t = 0 at STP "
       "(0 degC, 1 atm; 22.414 L/mol) per projected area: h2_charge / (2 F) x 22.414 L/mol.",
       chemistry=True),
    _m("coulombic_efficiency", "-", "-", "Plating efficiency", "Zn plated / charge passed "
       "since t = 0 (zn_deposited / charge): the share of the charge that went into metal, "
       "the rest into H2; nan while no charge has passed.", fmt=".4f", chemistry=True),
    _m("corrosion_current", "A/m^2", "mA/cm^2", "Corrosion current", "At rest (applied "
       "current 0): the Zn dissolution current balancing hydrogen evolution, = her_current; "
       "nan while a current is applied.", chemistry=True),
    _m("ph_interface_min", "-", "-", "Min. interfacial pH", f"Minimum of the pH over the nodes "
       f"with {_LO} < xi < {_HI}.", fmt=".3f", chemistry=True),
    _m("ph_interface_max", "-", "-", "Max. interfacial pH", f"Maximum of the pH over the nodes "
       f"with {_LO} < xi < {_HI}.", fmt=".3f", chemistry=True),
    _m("ph_interface_mean", "-", "-", "Mean interfacial pH", "pH averaged over the interface "
       "with the weight of the reactions w(xi): the pH the reactions see.", fmt=".3f",
       chemistry=True),
    _m("zhs_thickness", "m", "um", "ZHS thickness", "Volume of zinc hydroxide sulfate per "
       "projected area (its moles x molar volume / width): an equivalent uniform layer, "
       "whatever its shape.", chemistry=True),
    _m("zhs_coverage", "-", "-", "ZHS coverage", "Share theta of the interface blocked by ZHS, "
       "averaged with the reaction weight w(xi); theta = phi/(phi + phi_half) of the local ZHS "
       "volume fraction phi.", fmt=".3f", chemistry=True),
    _m("zinc_balance_error", "-", "-", "Zn balance error", "|change of (metal + dissolved Zn2+ + "
       "4 ZHS) - Zn2+ supplied through the top| since t = 0, over the Zn that moved. Inventories "
       "from integrals of the state; the supply from the consistent boundary flux.",
       fmt=".2e", chemistry=True),
    _m("sulfate_balance_error", "-", "-", "SO4 balance error", "|change of (dissolved SO4 + ZHS) "
       "- SO4 supplied| since t = 0, over the dissolved SO4. SO4 is not an unknown "
       "(electroneutrality): this checks that the discrete equations conserve it.",
       fmt=".2e", chemistry=True),
    _m("proton_balance_error", "-", "-", "H balance error", "|change of the proton excess "
       "(c_H - c_OH) - 6 ZHS + H2 electrons - supplied| since t = 0, over its largest term: "
       "the H (and O) balance with water as the solvent.", fmt=".2e", chemistry=True),
    _m("newton_its", "-", "-", "Newton iterations", "Newton iterations of the last step.",
       integer=True),
    _m("linear_its", "-", "-", "Linear iterations", "Linear (Krylov) iterations of the last "
       "step.", integer=True),
    _m("steps_accepted", "-", "-", "Accepted steps", "Accepted time steps so far.",
       integer=True),
    _m("steps_rejected", "-", "-", "Rejected steps", "Rejected time steps so far.",
       integer=True),
)
# fmt: on

_BY_KEY = {m.key: m for m in METRICS}
_PATTERNS = [
    (re.compile("^" + re.escape(m.key).replace(re.escape(_REGION), "(?P<region>.+)") + "$"), m)
    for m in METRICS
    if m.is_pattern
]


def lookup(key: str) -> Metric:
    """The metric of a column key (pattern entries resolved: ``t_plus_separator``).

    Raises:
        KeyError: no metric has this key.
    """
    if key in _BY_KEY:
        return _BY_KEY[key]
    for regex, metric in _PATTERNS:
        match = regex.match(key)
        if match:
            return metric.for_region(match["region"])
    raise KeyError(f"no metric {key!r} in zndeposit.metrics.registry")


def expand(regions: Iterable[str] = (), chemistry: bool = False) -> list[Metric]:
    """All metrics in column order, each pattern entry once per region.

    ``chemistry``: include the side-chemistry columns.
    """
    regions = list(regions)
    out: list[Metric] = []
    for m in METRICS:
        if m.chemistry and not chemistry:
            continue
        if m.is_pattern:
            out.extend(m.for_region(r) for r in regions)
        else:
            out.append(m)
    return out


def markdown_table() -> str:
    """The registry as a Markdown table (key, label, CSV unit, shown unit, description)."""
    lines = ["| metric | label | unit (CSV) | shown in | description |", "|---|---|---|---|---|"]
    for m in METRICS:
        m = m.for_region("<region>")
        shown = m.display_unit if m.display_unit != m.unit else ""
        text = m.description.replace("|", "\\|")
        if m.chemistry:
            text = "*Runs with `[chemistry]` only.* " + text
        lines.append(f"| `{m.key}` | {m.label} | {m.unit} | {shown} | {text} |")
    return "\n".join(lines) + "\n"


#: markers around the generated table in ``docs/metrics.md``
DOCS_BEGIN = "<!-- BEGIN metrics table: generated from zndeposit/metrics/registry.py -->"
DOCS_END = "<!-- END metrics table -->"


def docs_table() -> str:
    """The generated part of ``docs/metrics.md``: the markers and the table between them."""
    return f"{DOCS_BEGIN}\n\n{markdown_table()}\n{DOCS_END}\n"


def update_docs(path: str | os.PathLike[str]) -> bool:
    """Rewrite the generated table of a docs page (between the markers); True if it changed."""
    page = Path(path)
    text = page.read_text(encoding="utf-8")
    start, stop = text.index(DOCS_BEGIN), text.index(DOCS_END) + len(DOCS_END) + 1
    new = text[:start] + docs_table() + text[stop:]
    if new != text:
        page.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # python -m zndeposit.metrics.registry docs/metrics.md
    import sys

    for arg in sys.argv[1:]:
        print(f"{arg}: {'updated' if update_docs(arg) else 'current'}")
