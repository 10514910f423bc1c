"""Physical sanity checks of a validated case.

Errors make a case unbuildable, warnings make its results questionable;
every issue names the key it is about.
"""

from __future__ import annotations

import math

from zndeposit.case.chemistry import chemistry_issues
from zndeposit.case.derived import derive, limiting_current, region_stack, sand_time
from zndeposit.case.protocol import metal_charge, protocol_segments
from zndeposit.case.schema import Case
from zndeposit.case.temperature import missing_energy_issues
from zndeposit.constants import zn_thickness_per_charge
from zndeposit.errors import CaseIssue
from zndeposit.units import format_quantity


def _um(x: float) -> str:
    return format_quantity(x, "m", "um")


def surface_relief(case: Case) -> float:
    """Largest height of the initial surface above the mean anode thickness, m."""
    s = case.anode.surface
    relief = {"flat": 0.0, "sinusoidal": s.amplitude or 0.0, "random": 3.0 * (s.rms or 0.0)}
    nuclei = max((n.top for n in case.anode.nuclei), default=0.0)
    return relief[s.kind] + nuclei


def _geometry(case: Case, file: str) -> list[CaseIssue]:
    out = []
    dom, an = case.domain, case.anode
    stack = [("anode.thickness", an.thickness)]
    stack += [(f"coatings[{i}].thickness", c.thickness) for i, c in enumerate(case.coatings)]
    if case.gap:
        stack.append(("gap.thickness", case.gap.thickness))
    if case.separator:
        stack.append(("separator.thickness", case.separator.thickness))
    total = sum(t for _, t in stack) + surface_relief(case)
    if total >= dom.height:
        parts = " + ".join(f"{k} {_um(t)}" for k, t in stack)
        out.append(
            CaseIssue(
                file,
                "domain.height",
                (
                    f"layers are taller than the domain: {parts} + surface relief "
                    f"{_um(surface_relief(case))} = {_um(total)} >= {_um(dom.height)}; "
                    "leave room for bulk electrolyte"
                ),
                _um(dom.height),
            )
        )
    s = an.surface
    if s.kind == "sinusoidal" and s.amplitude and s.amplitude >= an.thickness:
        out.append(
            CaseIssue(
                file,
                "anode.surface.amplitude",
                f"amplitude must be below anode.thickness {_um(an.thickness)}",
            )
        )
    if s.kind == "random" and s.rms and 3 * s.rms >= an.thickness:
        out.append(
            CaseIssue(
                file,
                "anode.surface.rms",
                f"3 x rms must stay below anode.thickness {_um(an.thickness)}",
            )
        )
    if s.kind == "sinusoidal" and s.wavelength and dom.sides == "periodic":
        ratio = dom.width / s.wavelength
        if abs(ratio - round(ratio)) > 1e-6:
            out.append(
                CaseIssue(
                    file,
                    "anode.surface.wavelength",
                    (
                        f"domain.width / wavelength = {ratio:.4g} is not a whole number, so the "
                        "surface is not periodic across the sides"
                    ),
                    severity="warning",
                )
            )
    for i, n in enumerate(an.nuclei):
        if n.x - n.radius < 0 or n.x + n.radius > dom.width:
            sev = "warning" if dom.sides == "periodic" else "error"
            out.append(
                CaseIssue(
                    file,
                    f"anode.nuclei[{i}].x",
                    (
                        f"nucleus spans {_um(n.x - n.radius)} .. {_um(n.x + n.radius)}, outside "
                        f"the domain 0 .. {_um(dom.width)}"
                    ),
                    _um(n.x),
                    sev,
                )
            )
    sep = case.separator
    if sep and sep.kind == "resolved" and sep.fibre_diameter:
        if sep.fibre_diameter >= sep.thickness:
            out.append(
                CaseIssue(
                    file,
                    "separator.fibre_diameter",
                    f"fibres must be thinner than the separator {_um(sep.thickness)}",
                )
            )
        if sep.porosity < 0.35:
            out.append(
                CaseIssue(
                    file,
                    "separator.porosity",
                    (
                        "random packing of non-overlapping fibres rarely reaches a porosity below "
                        "0.35; the achieved porosity will be higher"
                    ),
                    sep.porosity,
                    "warning",
                )
            )
    return out


def _resolution(case: Case, file: str) -> list[CaseIssue]:
    out = []
    itf, mesh = case.interface, case.mesh
    n = mesh.elements_across_interface
    if n < 2:
        out.append(
            CaseIssue(
                file,
                "mesh.elements_across_interface",
                (
                    "the interface width must span at least 2 elements to be resolved "
                    "(4 or more recommended)"
                ),
                n,
            )
        )
    elif n < 6:
        out.append(
            CaseIssue(
                file,
                "mesh.elements_across_interface",
                "fewer than 6 elements across the interface: expect grid pinning (with 4, "
                "the plating current at fixed potential oscillates by +-18 % as the front "
                "crosses elements; with 8, by about 1 %)",
                n,
                "warning",
            )
        )
    h = itf.width / n
    if mesh.max_size is not None and mesh.max_size < h:
        out.append(
            CaseIssue(
                file,
                "mesh.max_size",
                (
                    f"max_size is below the interface element size {_um(h)} "
                    "(interface.width / elements_across_interface)"
                ),
                _um(mesh.max_size),
            )
        )
    for i, nuc in enumerate(case.anode.nuclei):
        if nuc.radius < itf.width:
            out.append(
                CaseIssue(
                    file,
                    f"anode.nuclei[{i}].radius",
                    (
                        f"nucleus is smaller than the interface width {_um(itf.width)}: "
                        "the diffuse interface will smear it out"
                    ),
                    _um(nuc.radius),
                    "warning",
                )
            )
    for i, coat in enumerate(case.coatings):
        if coat.thickness < itf.width:
            out.append(
                CaseIssue(
                    file,
                    f"coatings[{i}].thickness",
                    (f"coating is thinner than the interface width {_um(itf.width)}"),
                    _um(coat.thickness),
                    "warning",
                )
            )
    if mesh.adapt and mesh.growth_band is not None:
        out.append(
            CaseIssue(
                file,
                "mesh.growth_band",
                "with adapt = true the first adaptation replaces the first mesh at t = 0, so "
                "a growth band only makes that mesh (and the start) larger: remove it, or set "
                "adapt = false for a fixed fine band of this height",
                _um(mesh.growth_band),
                "warning",
            )
        )
    m = itf.fold
    if itf.formulation == "sharp" and m > 1 and itf.anisotropy >= 1.0 / (m * m - 1):
        out.append(
            CaseIssue(
                file,
                "interface.anisotropy",
                (
                    f"strength >= 1/(fold^2 - 1) = {1 / (m * m - 1):.4g} makes the surface "
                    "stiffness negative for some orientations (faceting, missing orientations)"
                ),
                itf.anisotropy,
                "warning",
            )
        )
    out += _profile_flux(case, file)
    return out


#: elements across the interface from which ``interface.profile_flux = "normal"`` is trusted
NORMAL_FLUX_ELEMENTS = 12


def _profile_flux(case: Case, file: str) -> list[CaseIssue]:
    itf, n = case.interface, case.mesh.elements_across_interface
    if itf.profile_flux != "normal":
        return []
    if itf.formulation != "sharp":
        msg = "the profile flux belongs to the sharp formulation: chen2015 ignores it"
        return [CaseIssue(file, "interface.profile_flux", msg, itf.profile_flux, "warning")]
    if n >= NORMAL_FLUX_ELEMENTS:
        return []
    msg = (
        f"the profile flux along n pins to the grid with fewer than {NORMAL_FLUX_ELEMENTS} "
        f"elements across the interface ({n} here): the decay of a lambda = 2 um mode came "
        "out -50 % at 8 elements (-3 % at 16) and a planar front roughened at 8; use "
        'elements_across_interface = 16 or profile_flux = "full" (docs/solver.md)'
    )
    return [CaseIssue(file, "interface.profile_flux", msg, itf.profile_flux, "warning")]


def _physics(case: Case, file: str) -> list[CaseIssue]:
    out = []
    d = derive(case)
    ctl, el = case.control, case.electrolyte
    i_app = d.applied_current
    if i_app is not None and i_app >= d.limiting_current:
        out.append(
            CaseIssue(
                file,
                "control.current_density",
                (
                    "applied current exceeds the limiting current "
                    f"{format_quantity(d.limiting_current, 'A/m^2', 'mA/cm^2')} of this cell: "
                    "the interface will deplete"
                ),
                format_quantity(i_app, "A/m^2", "mA/cm^2"),
                "warning",
            )
        )
    if d.sand_time is not None and math.isfinite(d.sand_time) and d.run_time >= d.sand_time:
        out.append(
            CaseIssue(
                file,
                "control",
                (
                    f"the run ({format_quantity(d.run_time, 's', 's')}) outlasts Sand's time "
                    f"{format_quantity(d.sand_time, 's', 's')}: expect depletion at the anode"
                ),
                severity="warning",
            )
        )
    if ctl.mode == "potentiostatic" and ctl.potential is not None and ctl.potential >= 0:
        out.append(
            CaseIssue(
                file,
                "control.potential",
                "a potential >= 0 V vs the reservoir strips Zn instead of plating it",
                format_quantity(ctl.potential, "V", "mV"),
                "warning",
            )
        )
    if case.output.interval is not None and case.output.interval > d.run_time:
        out.append(
            CaseIssue(
                file,
                "output.interval",
                "interval is longer than the run",
                format_quantity(case.output.interval, "s", "s"),
                "warning",
            )
        )
    if el.kind == "liquid" and not 273.15 <= el.temperature <= 373.15:
        out.append(
            CaseIssue(
                file,
                "electrolyte.temperature",
                "outside the liquid range of water at 1 atm",
                format_quantity(el.temperature, "K", "degC"),
                "warning",
            )
        )
    out += missing_energy_issues(case, file)  # i0 held away from its reference temperature
    for r in d.regions:
        if r.c_anion < 1e-6 * el.concentration and r.fixed_charge > 0:
            out.append(
                CaseIssue(
                    file,
                    "electrolyte",
                    (f"region {r.name!r} excludes nearly all Zn2+ (positive fixed charge)"),
                    severity="warning",
                )
            )
    return out


def protocol_issues(case: Case, file: str) -> list[CaseIssue]:
    """Checks of a protocol beyond the schema (none for other modes).

    Error: a stripping step that takes more Zn than there is (the anode's mean
    thickness plus the net charge plated before it; nuclei and surface relief
    not counted). Warnings: a plating step at or above the cell's limiting
    current, or longer than Sand's time at its current.
    """
    segs = protocol_segments(case)
    if not segs:
        return []
    out: list[CaseIssue] = []
    mah = lambda q: format_quantity(q, "C/m^2", "mAh/cm^2")  # noqa: E731
    anode = metal_charge(case.anode.thickness)
    el = case.electrolyte
    bulk = region_stack(case)[-1]
    limit = None
    net = lowest = 0.0
    for seg in segs:
        key = f"control.steps[{seg.position}]"
        i = seg.current_density
        if i < 0 and -seg.charge > anode + net * (1 + 1e-12):
            out.append(
                CaseIssue(
                    file,
                    key,
                    f"{seg.label} strips {mah(-seg.charge)} of Zn but only {mah(anode + net)} "
                    f"is there (the anode's {format_quantity(case.anode.thickness, 'm', 'um')} "
                    f"= {mah(anode)}, {'+' if net >= 0 else '-'} {mah(abs(net))} net plated "
                    f"before it): strip less or start from a thicker anode",
                    mah(-seg.charge),
                )
            )
        if i > 0:
            limit = limit if limit is not None else limiting_current(case)
            ts = sand_time(bulk, i, el.concentration, el.cation_valence)
            if i >= limit:
                out.append(
                    CaseIssue(
                        file,
                        f"{key}.current_density",
                        f"{seg.label}: the current exceeds the limiting current "
                        f"{format_quantity(limit, 'A/m^2', 'mA/cm^2')} of this cell: the "
                        "interface will deplete",
                        format_quantity(i, "A/m^2", "mA/cm^2"),
                        "warning",
                    )
                )
            elif math.isfinite(ts) and seg.end - seg.start >= ts:
                out.append(
                    CaseIssue(
                        file,
                        key,
                        f"{seg.label} lasts {format_quantity(seg.end - seg.start, 's', 's')}, "
                        f"longer than Sand's time {format_quantity(ts, 's', 's')} at its "
                        "current: expect depletion at the anode",
                        severity="warning",
                    )
                )
        net += seg.charge
        lowest = min(lowest, net)
    if lowest < 0 and not case.mesh.adapt:
        from zndeposit.geometry.sizes import BAND_BELOW  # (sizes imports this module)

        depth = zn_thickness_per_charge(-lowest)
        room = BAND_BELOW * case.interface.width
        if depth > room - 0.5 * case.interface.width:
            out.append(
                CaseIssue(
                    file,
                    "mesh.adapt",
                    f"the protocol strips the surface down by "
                    f"{format_quantity(depth, 'm', 'um')} below where it starts, past the fine "
                    f"band of the fixed mesh ({format_quantity(room, 'm', 'um')} below the "
                    "initial surface): the interface will cross coarse elements; use adapt = "
                    "true",
                    False,
                    "warning",
                )
            )
    return out


def check_case(case: Case, file: str) -> list[CaseIssue]:
    """Return every physical problem of a schema-valid case (errors and warnings)."""
    issues = _geometry(case, file) + _resolution(case, file)
    issues += chemistry_issues(case, file)  # [chemistry], open circuit (docs/chemistry.md)
    if not any(i.severity == "error" for i in issues):
        issues += _physics(case, file) + protocol_issues(case, file)
    return issues
