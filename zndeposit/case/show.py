"""Human-readable summary of a resolved case and its derived quantities (lab units)."""

from __future__ import annotations

import math

from zndeposit.case.derived import Derived, derive
from zndeposit.case.load import LoadedCase
from zndeposit.case.resolve import resolved_toml
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
    lines = [
        "[derived]",
        f"F/(R T)                       {d.f:.5g} 1/V",
        f"D_Zn2+, D_anion (pore liquid) {d.D_cation:.4g}, {d.D_anion:.4g} m^2/s",
        f"ambipolar diffusivity (bulk)  {d.ambipolar_diffusivity:.4g} m^2/s",
        f"t_Zn2+ (bulk)                 {d.transference_number:.4g}",
        f"conductivity (bulk)           {fq(d.conductivity, 'S/m', 'mS/cm')}",
        f"limiting current              {fq(d.limiting_current, 'A/m^2', 'mA/cm^2')}",
    ]
    if d.applied_current is not None:
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


def show_text(loaded: LoadedCase) -> str:
    """The resolved case (lab units), the sources of preset values and the derived quantities."""
    parts = [f"# resolved case: {loaded.path}", resolved_toml(loaded.case).rstrip(), ""]
    sources = preset_source_lines(loaded)
    if sources:
        parts += ["# sources of preset values", *sources, ""]
    parts += [f"# {w}" for w in loaded.warnings]
    parts += derived_lines(derive(loaded.case))
    return "\n".join(parts) + "\n"
