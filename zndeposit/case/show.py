"""Human-readable summary of a resolved case and its derived quantities (lab units)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from zndeposit.case.chemistry import chemistry_lines
from zndeposit.case.derived import Derived, derive
from zndeposit.case.load import LoadedCase
from zndeposit.case.resolve import resolved_toml
from zndeposit.case.schema import Case
from zndeposit.geometry.sizes import GRADING
from zndeposit.units import format_quantity as fq


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if not math.isfinite(seconds):
        return "infinite (no concentration polarisation)"
    if seconds >= 3600:
        return f"{seconds:.4g} s ({seconds / 3600:.3g} h)"
    return f"{seconds:.4g} s ({seconds / 60:.3g} min)" if seconds >= 60 else f"{seconds:.4g} s"


def derived_lines(d: Derived) -> list[str]:
    """Derived quantities as text lines in lab units."""
    pf = d.phase_field
    deg = lambda t: fq(t, "K", "degC")  # noqa: E731
    ea = fq(d.activation_energy, "J/mol", "kJ/mol") if d.activation_energy is not None else None
    lines = [
        "[derived]  (at the case temperature; in brackets: at the reference temperature)",
        f"temperature                   {deg(d.temperature)} (transport data at "
        f"{deg(d.reference_temperature)}, i0 at {deg(d.kinetics_reference_temperature)})",
        f"F/(R T)                       {d.f:.5g} 1/V",
        f"i0 (Zn)                       {fq(d.i0, 'A/m^2', 'mA/cm^2')} "
        f"({fq(d.i0_reference, 'A/m^2', 'mA/cm^2')}; "
        + (f"Arrhenius, E_a = {ea})" if ea else "no activation_energy: fixed)"),
        f"D_Zn2+, D_anion (pore liquid) {d.D_cation:.4g}, {d.D_anion:.4g} m^2/s "
        f"({d.D_cation_reference:.4g}, {d.D_anion_reference:.4g}; {d.diffusivity_law})",
        f"ambipolar diffusivity (bulk)  {d.ambipolar_diffusivity:.4g} m^2/s",
        f"t_Zn2+ (bulk)                 {d.transference_number:.4g}",
        f"conductivity (bulk)           {fq(d.conductivity, 'S/m', 'mS/cm')} "
        f"({fq(d.conductivity_reference, 'S/m', 'mS/cm')})",
        f"limiting current              {fq(d.limiting_current, 'A/m^2', 'mA/cm^2')}",
    ]
    if d.applied_current == 0.0:
        lines.append("applied current               0 (open circuit: zero net current)")
    elif d.applied_current is not None:
        ratio = d.applied_current / d.limiting_current
        lines.append(
            f"applied current               {fq(d.applied_current, 'A/m^2', 'mA/cm^2')}"
            f" ({ratio:.3g} x limiting)"
        )
    lines += [
        f"Sand's time at applied current {_time(d.sand_time)}",
        f"run time                      {_time(d.run_time)}",
    ]
    if d.deposit_thickness is not None:
        charge = d.deposit_thickness  # m of dense Zn
        lines.append(f"dense Zn thickness plated     {fq(charge, 'm', 'um')}")
    lines += [
        "",
        "[derived.regions]  (Donnan equilibrium with the bulk; effective = porosity/tortuosity)",
        f"{'region':<11}{'y (um)':>17}{'poros.':>8}{'tort.':>7}{'X (mol/L)':>11}"
        f"{'c+ (M)':>8}{'c- (M)':>8}{'sigma (mS/cm)':>15}{'t+':>7}{'k_i0':>6}",
    ]
    for r in d.regions:
        lines.append(
            f"{r.name:<11}{r.y_bottom * 1e6:>8.4g} -{r.y_top * 1e6:>7.4g}"
            f"{r.porosity:>8.3g}{r.tortuosity:>7.3g}{r.fixed_charge / 1000:>11.4g}"
            f"{r.c_cation / 1000:>8.3g}{r.c_anion / 1000:>8.3g}"
            f"{r.conductivity * 10:>15.4g}{r.transference_number:>7.3f}{r.kinetic_factor:>6.3g}"
        )
    lines += [
        "",
        "[derived.phase_field]  (g = xi^2 (1-xi)^2, 10-90 % width = 2 ln9 l)",
        f"profile length l              {fq(pf.length, 'm', 'um')}",
        f"barrier W                     {pf.barrier:.4g} J/m^3",
        f"gradient coefficient kappa    {pf.gradient:.4g} J/m",
        f"kinetic coefficient L_eta     {pf.kinetic:.4g} 1/s",
        f"mobility L_sigma              {pf.mobility:.4g} m^3/(J s)",
        f"profile relaxation 1/(2 L W)  {0.5 / (pf.mobility * pf.barrier):.4g} s",
        f"element size in growth band   {fq(d.band_element_size, 'm', 'um')}",
    ]
    return lines


def preset_source_lines(loaded: LoadedCase) -> list[str]:
    """One line per value taken from a preset, with its source."""
    lines = []
    for loc, (_file, name) in sorted(loaded.provenance.items(), key=lambda kv: str(kv[0])):
        src = loaded.source_of(loc)
        if src:
            key = ".".join(str(p) for p in loc)
            lines.append(f"# {key}  <- preset {name}: {src}")
    return lines


def show_text(loaded: LoadedCase, dendrite_height: float | None = None) -> str:
    """The resolved case, preset sources, derived quantities and the expected unknowns.

    Args:
        loaded: the case.
        dendrite_height: also estimate the adaptive mesh with a dendrite this tall, m.
    """
    parts = [f"# resolved case: {loaded.path}", resolved_toml(loaded.case).rstrip(), ""]
    sources = preset_source_lines(loaded)
    if sources:
        parts += ["# sources of preset values", *sources, ""]
    parts += [f"# {w}" for w in loaded.warnings]
    derived = derive(loaded.case)
    parts += derived_lines(derived)
    parts += chemistry_lines(loaded.case, derived)
    parts += size_lines(loaded.case, dendrite_height)
    return "\n".join(parts) + "\n"


# --- expected size of the mesh ------------------------------------------------------------------
#: area of an equilateral triangle of side h, in units of h^2 (sqrt(3)/4)
TRIANGLE_AREA = math.sqrt(3.0) / 4.0
#: span of the interface band 0.02 < xi < 0.98 of the tanh profile, in interface widths
#: (2 atanh(0.96) x 2 l, l = width / (2 ln 9))
BAND_SPAN_WIDTHS = 4.0 * math.atanh(0.96) / (2.0 * math.log(9.0))
#: unknowns per mesh node (xi, u = ln c, psi; with [chemistry] also v and the ZHS:
#: :func:`zndeposit.case.limits.unknowns_per_node`)
UNKNOWNS_PER_NODE = 3
#: measured deviation of the adaptive estimate from the adapted meshes of
#: tests/unit/test_show_unknowns.py (docs/adaptivity.md, "Expected size")
ESTIMATE_ERROR = "within 4 % (tested to 10 %) of the first adapted meshes of 5 cases"


@dataclass(frozen=True)
class SizeEstimate:
    """Expected size of an adapted mesh (an estimate, not a mesh).

    Attributes:
        interface_length: length of the xi = 0.5 line assumed, m.
        h_fine: element size across the interface band, m.
        h_max: largest element size, m.
        band: thickness of the fine band around the interface, m.
        cells: triangles.
        nodes: mesh nodes (about half the triangles).
        unknowns: unknowns per node (3, 5 with ``[chemistry]``) x nodes.
    """

    interface_length: float
    h_fine: float
    h_max: float
    band: float
    cells: float
    nodes: float
    unknowns: float


def _ramp_cells(h: float, h_max: float, grading: float, room: float) -> tuple[float, float]:
    """(triangles, depth) per unit interface length of a zone graded from h to h_max.

    The size grows as h + grading d with the distance d from the fine band, over at
    most ``room``: the area element dd per unit length holds dd / (0.433 (h + g d)^2)
    triangles, integrated in closed form.
    """
    depth = max(0.0, min(room, (h_max - h) / grading))
    cells = (1.0 / h - 1.0 / (h + grading * depth)) / (grading * TRIANGLE_AREA)
    return cells, depth


def surface_length(case: Case) -> float:
    """Length of the initial metal surface (nuclei and roughness included), m."""
    from zndeposit.geometry.surface import initial_surface

    x, y = initial_surface(case).outline()
    return float(np.sum(np.hypot(np.diff(x), np.diff(y))))


def adaptive_estimate(case: Case, dendrite_height: float = 0.0) -> SizeEstimate:
    """Expected size of the adapted mesh of ``case`` for a flat front plus a dendrite.

    Model (``docs/adaptivity.md``, "Expected size"): along an interface of length
    L = initial surface length (:func:`surface_length`: the width, plus the flanks of
    nuclei and roughness) + 2 x ``dendrite_height`` (a dendrite adds its two flanks) lies
    a fine band
    of thickness (2 adapt_band + 1.77) interface widths + 2 h_fine (0.02 < xi < 0.98
    spans 1.77 widths of the tanh profile, the triangles crossing it one element more
    on each side) at h_fine = interface.width / elements_across_interface, graded on
    both sides to h_max with the remesher's slope (limited by the anode below and the
    electrolyte above); the rest of the domain is at h_max. Triangles of side h cover
    0.433 h^2 each, and a triangle mesh has about half as many nodes as triangles.
    Refinement for steep concentration or potential (depletion layers near the
    limiting current) is not included.
    """
    from zndeposit.geometry.sizes import mesh_sizes

    sizes = mesh_sizes(case)
    h, h_max, g = sizes.band_size, sizes.max_size, GRADING
    width, height = case.domain.width, case.domain.height
    itf = case.interface.width
    band = (2.0 * case.mesh.adapt_band + BAND_SPAN_WIDTHS) * itf + 2.0 * h
    length = surface_length(case) + 2.0 * max(dendrite_height, 0.0)
    below = max(case.anode.thickness - band / 2.0, 0.0)
    above = max(height - case.anode.thickness - band / 2.0, 0.0)
    ramp_below, depth_below = _ramp_cells(h, h_max, g, below)
    ramp_above, depth_above = _ramp_cells(h, h_max, g, above)
    near = length * (band / (TRIANGLE_AREA * h * h) + ramp_below + ramp_above)
    covered = length * (band + depth_below + depth_above)
    coarse = max(width * height - covered, 0.0) / (TRIANGLE_AREA * h_max * h_max)
    cells = near + coarse
    nodes = cells / 2.0
    from zndeposit.case.limits import unknowns_per_node

    return SizeEstimate(length, h, h_max, band, cells, nodes, unknowns_per_node(case) * nodes)


def size_lines(case: Case, dendrite_height: float | None = None) -> list[str]:
    """The ``[expected size]`` block of ``zndeposit show``: unknowns now and with a dendrite."""
    from zndeposit.case.limits import estimate_cost

    fixed = estimate_cost(case)

    def row(label: str, text: str) -> str:
        return f"{label:<32}{text}"

    lines = [
        "",
        "[expected size]  (estimates from the mesh settings, not counted on a mesh)",
        row(
            "fixed mesh" + (" (adapt = false)" if case.mesh.adapt else ""),
            f"~{_count(fixed.unknowns)} unknowns (~{_count(fixed.cells)} triangles)",
        ),
    ]
    if not case.mesh.adapt:
        lines.append(row("adaptive mesh", "[mesh] adapt = false (set it true for an estimate)"))
        return lines
    now = adaptive_estimate(case)
    lines.append(
        row(
            "adaptive, now (t = 0)",
            f"~{_count(now.unknowns)} unknowns (interface {fq(now.interface_length, 'm', 'um')}, "
            f"fine band {fq(now.band, 'm', 'um')} at h = {fq(now.h_fine, 'm', 'um')}, "
            f"coarse h_max = {fq(now.h_max, 'm', 'um')})",
        )
    )
    if dendrite_height is not None:
        tall = adaptive_estimate(case, dendrite_height)
        lines.append(
            row(
                f"adaptive, {fq(dendrite_height, 'm', 'um')} dendrite",
                f"~{_count(tall.unknowns)} unknowns (interface "
                f"{fq(tall.interface_length, 'm', 'um')} = now + 2 x height)",
            )
        )
    else:
        lines.append(row("adaptive, with a dendrite", "add --dendrite-height '20 um'"))
    lines.append(
        "# adaptive estimate: the flat-front model of docs/adaptivity.md ('Expected size'), "
        f"{ESTIMATE_ERROR}; refinement for depletion layers not included"
    )
    return lines


def _count(x: float) -> str:
    return f"{x / 1e6:.3g} M" if x >= 1e6 else (f"{x / 1e3:.3g} k" if x >= 1e3 else f"{x:.3g}")
