"""The side chemistry of a case: SI parameters for the solver, checks and summary lines.

``chemistry_parameters(case)`` turns ``[chemistry]`` (lab units, validated by
:mod:`zndeposit.case.chemistry_schema`) into the frozen
:class:`~zndeposit.physics.species.ChemistryParameters` the physics reads, at
the case temperature. :func:`chemistry_issues` holds the consistency checks
of the section with the rest of the case (docs/chemistry.md);
:func:`chemistry_lines` the ``[derived.chemistry]`` block of ``zndeposit show``.
"""

from __future__ import annotations

import math

from zndeposit.case.chemistry_schema import PRECIPITATE_KEYS, ZHS_DEFAULTS
from zndeposit.case.derived import Derived
from zndeposit.case.schema import Case, Electrolyte
from zndeposit.case.temperature import arrhenius, stokes_einstein
from zndeposit.errors import CaseIssue
from zndeposit.physics.species import (
    MOLAR,
    T_25C,
    ChemistryParameters,
    water_ionic_product,
)
from zndeposit.units import format_quantity

#: temperature at which the ion diffusivities of ``[chemistry]`` (H+, OH-, ZnOH+) hold, K
ION_REFERENCE_TEMPERATURE = T_25C


def ion_diffusivity_factor(el: Electrolyte, reference: float = ION_REFERENCE_TEMPERATURE) -> float:
    """D(T)/D(reference) of H+, OH- and ZnOH+: the law the salt's diffusivities follow.

    Arrhenius with ``electrolyte.diffusion_activation_energy`` if given, else
    Stokes-Einstein with the viscosity of water for a liquid or hydrogel, else 1
    (:mod:`zndeposit.case.temperature`); exactly 1.0 at T = reference.

    Args:
        el: the electrolyte (its ``temperature`` is the case temperature, K).
        reference: temperature of the given diffusivities, K (25 degC).
    """
    if el.diffusion_activation_energy is not None:
        return arrhenius(el.diffusion_activation_energy, el.temperature, reference)
    if el.kind in ("liquid", "hydrogel"):
        return stokes_einstein(el.temperature, reference)
    return 1.0


def chemistry_parameters(case: Case, derived: Derived | None = None) -> ChemistryParameters | None:
    """The side chemistry of ``case`` in SI at the case temperature (None without ``[chemistry]``).

    Temperature (K) and bulk Zn2+ (mol/m^3) from ``[electrolyte]``; K_w(T) in
    (mol/m^3)^2 by van 't Hoff; D of H+, OH- and ZnOH+ (m^2/s) moved from 25 degC
    by :func:`ion_diffusivity_factor`; exchange current densities (A/m^2) zero
    when ``hydrogen.enabled = false``; ``precipitate`` False for kind "none";
    ``hydrolysis`` False when ``hydrolysis.enabled = false`` (log K at 25 degC
    and the enthalpy, J/mol, are passed as given: the physics moves K_h to T).

    Args:
        case: a validated case.
        derived: its derived quantities, if already computed (the temperature is
            taken from them; otherwise from ``electrolyte.temperature``).
    """
    chem = case.chemistry
    if chem is None:
        return None
    el = case.electrolyte
    temperature = derived.temperature if derived is not None else el.temperature
    h, p, hy = chem.hydrogen, chem.precipitate, chem.hydrolysis
    k = ion_diffusivity_factor(el)
    # kind = "none": the solid's keys are unset and unused (the defaults fill the dataclass)
    solid = {key: v if (v := getattr(p, key)) is not None else d for key, d in ZHS_DEFAULTS.items()}
    return ChemistryParameters(
        ph=chem.ph,
        temperature=temperature,
        c_zn_bulk=el.concentration,
        activity_coefficient=chem.activity_coefficient,
        kw=water_ionic_product(temperature),
        d_proton=h.proton_diffusivity * k,
        d_hydroxide=h.hydroxide_diffusivity * k,
        her_i0_proton=h.exchange_current_density if h.enabled else 0.0,
        her_i0_water=h.water_exchange_current_density if h.enabled else 0.0,
        her_alpha=h.alpha,
        water_activity=h.water_activity,
        precipitate=p.kind == "zhs",
        zhs_log_k=solid["log_k"],
        zhs_rate=solid["rate"],
        zhs_molar_volume=solid["molar_volume"],
        zhs_blocking_fraction=solid["blocking_fraction"],
        hydrolysis=hy.enabled,
        hydrolysis_log_k=hy.log_k,
        hydrolysis_enthalpy=hy.enthalpy,
        d_zn_hydroxide=hy.diffusivity * k,
    )


def _fixed_charge_issues(case: Case, file: str) -> list[CaseIssue]:
    """Errors: a region with fixed charge (Donnan equilibria of four ions are not modelled)."""
    layers = [(f"coatings[{i}]", c) for i, c in enumerate(case.coatings)]
    if case.separator is not None:
        layers.append(("separator", case.separator))
    layers.append(("electrolyte", case.electrolyte))
    out = []
    for where, layer in layers:
        key = "fixed_charge" if layer.fixed_charge is not None else "ion_exchange_capacity"
        if getattr(layer, key) is None:
            continue
        given = getattr(layer, key)
        unit = ("mol/m^3", "mol/L") if key == "fixed_charge" else ("mol/kg", "mmol/g")
        out.append(
            CaseIssue(
                file,
                f"{where}.{key}",
                "a region with fixed charge is not supported with side chemistry yet "
                "([chemistry]: H+ and OH- in a charged host); remove the fixed charge or "
                "the [chemistry] section",
                format_quantity(given, *unit),
            )
        )
    return out


def _supersaturation_issue(case: Case, file: str) -> CaseIssue | None:
    """Error: the bulk is supersaturated in ZHS (a warning when no precipitate is modelled)."""
    chem = case.chemistry
    params = chemistry_parameters(case)
    assert chem is not None and params is not None
    sat = params.saturation_ph()
    if chem.ph <= sat:
        return None
    zhs = chem.precipitate.kind == "zhs"
    conc = format_quantity(case.electrolyte.concentration, "mol/m^3", "mol/L")
    return CaseIssue(
        file,
        "chemistry.ph",
        f"the bulk solution is supersaturated in zinc hydroxide sulfate: at "
        f"{conc} Zn2+ and activity_coefficient = {chem.activity_coefficient:g}, ZHS "
        f"(log K = {params.zhs_log_k:g}) saturates at pH {sat:.2f}; expected a bulk pH <= "
        f"{sat:.2f}. Lower chemistry.ph, or give the mean activity coefficient of the salt "
        "(chemistry.activity_coefficient: with ideal activities 2 M ZnSO4 saturates at pH "
        "4.5, with 0.036 at pH 5.7)"
        + ("" if zhs else " (precipitate.kind = 'none': nothing precipitates)"),
        chem.ph,
        "error" if zhs else "warning",
    )


def chemistry_issues(case: Case, file: str) -> list[CaseIssue]:
    """Consistency of ``[chemistry]`` with the rest of the case (errors and warnings).

    Without the section, only ``control.mode = "open_circuit"`` is looked at
    (a warning: nothing happens at open circuit without side reactions).
    """
    chem, el, ctl = case.chemistry, case.electrolyte, case.control
    if chem is None:
        stray = [
            CaseIssue(
                file,
                f"coatings[{i}].hydrogen_factor",
                "has no effect without a [chemistry] section (no hydrogen evolution)",
                c.hydrogen_factor,
                "warning",
            )
            for i, c in enumerate(case.coatings)
            if c.hydrogen_factor is not None
        ]
        if ctl.mode != "open_circuit":
            return stray
        msg = (
            "at open circuit without side reactions nothing happens (Zn stays at its "
            "equilibrium potential): add a [chemistry] section (hydrogen evolution, "
            "docs/chemistry.md) or apply a current"
        )
        return [*stray, CaseIssue(file, "control.mode", msg, ctl.mode, "warning")]
    out: list[CaseIssue] = []
    h, p = chem.hydrogen, chem.precipitate
    if el.kind == "solid" and h.enabled:
        out.append(
            CaseIssue(
                file,
                "chemistry.hydrogen.enabled",
                "a solid electrolyte holds no water to evolve hydrogen from: expected "
                "hydrogen.enabled = false with electrolyte.kind = 'solid'",
                True,
            )
        )
    if el.kind == "solid" and chem.hydrolysis.enabled:
        out.append(
            CaseIssue(
                file,
                "chemistry.hydrolysis.enabled",
                "a solid electrolyte holds no water to hydrolyse Zn2+ in: expected "
                "hydrolysis.enabled = false with electrolyte.kind = 'solid'",
                True,
            )
        )
    for key, want in (("cation_valence", 2), ("anion_valence", -2)):
        if getattr(el, key) != want:
            out.append(
                CaseIssue(
                    file,
                    f"electrolyte.{key}",
                    f"the side chemistry is that of ZnSO4: expected {key} = {want} "
                    "(Zn2+ and SO4 2-) with a [chemistry] section",
                    getattr(el, key),
                )
            )
    out += _fixed_charge_issues(case, file)
    if p.kind == "none":
        for key in PRECIPITATE_KEYS:
            if getattr(p, key) is not None:
                out.append(
                    CaseIssue(
                        file,
                        f"chemistry.precipitate.{key}",
                        "a solubility product without a precipitate: this key describes the "
                        "solid, which kind = 'none' leaves out; remove it or set "
                        "kind = 'zhs'",
                        getattr(p, key),
                    )
                )
    if not any(i.severity == "error" for i in out):
        issue = _supersaturation_issue(case, file)
        out += [issue] if issue is not None else []
    if ctl.mode == "open_circuit" and not h.enabled:
        msg = (
            "at open circuit without hydrogen evolution nothing drives Zn away from its "
            "equilibrium potential: expected chemistry.hydrogen.enabled = true"
        )
        out.append(CaseIssue(file, "control.mode", msg, ctl.mode, "warning"))
    return out


def chemistry_lines(case: Case, derived: Derived | None = None) -> list[str]:
    """The ``[derived.chemistry]`` block of ``zndeposit show`` (empty without ``[chemistry]``)."""
    params = chemistry_parameters(case, derived)
    chem = case.chemistry
    if params is None or chem is None:
        return []
    ma = lambda i: format_quantity(i, "A/m^2", "mA/cm^2")  # noqa: E731
    molar = lambda c: f"{c / MOLAR:.4g} M"  # noqa: E731
    aa = lambda i: format_quantity(i, "A/m^2", "A/cm^2")  # noqa: E731
    pkw = -math.log10(params.kw / MOLAR**2)
    lines = [
        "",
        "[derived.chemistry]  (docs/chemistry.md; potentials vs Zn in the bulk)",
        f"bulk pH                       {chem.ph:.4g} (H+ {molar(params.c_proton_bulk)}, "
        f"OH- {molar(params.c_hydroxide_bulk)}, SO4 2- {molar(params.c_sulfate_bulk)})",
        f"pK_w at the case temperature  {pkw:.4g}",
        f"D_H+, D_OH- (liquid)          {params.d_proton:.4g}, {params.d_hydroxide:.4g} m^2/s",
    ]
    sat = params.saturation_ph()
    what = f"log K {params.zhs_log_k:g}, activity coefficient {params.activity_coefficient:g}"
    if not params.precipitate:
        what += "; kind = 'none': no precipitate modelled"
    lines.append(f"ZHS saturation pH (bulk)      {sat:.3g} ({what})")
    lines += _hydrolysis_lines(params)
    offset = params.hydrogen_offset
    lines.append(f"HER equilibrium offset        {offset:+.4g} V (E_eq(H+/H2) - E_eq(Zn2+/Zn))")
    if chem.hydrogen.enabled:
        i_her = params.her_current(-offset)
        lines.append(
            f"HER current at E = 0          {ma(i_her)} (i0 {aa(params.her_i0_proton)} proton, "
            f"{aa(params.her_i0_water)} water; alpha {params.her_alpha:g})"
        )
    else:
        lines.append("HER current at E = 0          none (chemistry.hydrogen.enabled = false)")
    return lines


def _hydrolysis_lines(params: ChemistryParameters) -> list[str]:
    """K_h', bulk ZnOH+ and the pH where ZnOH+ equals Zn2+ (c_H = K_h'), or "off"."""
    if not params.hydrolysis:
        return ["Zn2+ hydrolysis (ZnOH+)       off (chemistry.hydrolysis.enabled = false)"]
    k_h = params.hydrolysis_constant
    ph_equal = -math.log10(k_h / MOLAR)
    return [
        f"Zn2+ hydrolysis K_h'          {k_h:.4g} mol/m^3 (log K {params.hydrolysis_log_k:g} at "
        f"25 degC, activities included; D_ZnOH+ {params.d_zn_hydroxide:.4g} m^2/s)",
        f"bulk ZnOH+                    {params.c_zn_hydroxide_bulk / MOLAR:.4g} M (ZnOH+ = Zn2+ "
        f"at pH {ph_equal:.4g}, where c_H = K_h')",
    ]
