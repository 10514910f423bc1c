"""Temperature dependence of the kinetic and transport parameters (docs/derived-quantities.md).

The case temperature is ``electrolyte.temperature``. Values of the case and of
the materials library hold at a reference temperature; everything that
depends on T is moved from there to the case temperature:

- f = F/(R T) in Butler-Volmer, Nernst-Planck migration and the Donnan
  equilibria (no parameter: T enters directly);
- the Zn exchange current density, by an Arrhenius factor with the
  activation (desolvation) energy E_a of Zn2+ deposition
  (``kinetics.activation_energy``, ``kinetics.reference_temperature``)::

      i0(T) = i0_ref exp(-(E_a/R) (1/T - 1/T_ref))

- the ion diffusivities, with ``electrolyte.diffusion_activation_energy`` E_D
  (``electrolyte.reference_temperature``)::

      D(T) = D_ref exp(-(E_D/R) (1/T - 1/T_ref))

  or, without E_D, for a liquid or the liquid held by a hydrogel, by
  Stokes-Einstein with the viscosity of water (D ~ T / mu_w(T))::

      D(T) = D_ref (T / T_ref) mu_w(T_ref) / mu_w(T)

  and through them the conductivity, sigma ~ D / T (Nernst-Einstein): a
  conductivity given at T_ref is first turned into D_ref at T_ref.

At T = T_ref every factor is exactly 1.0 (results bit-identical).
"""

from __future__ import annotations

import math

from zndeposit.constants import GAS_CONSTANT
from zndeposit.errors import CaseIssue
from zndeposit.units import format_quantity

#: Vogel-type correlation of the viscosity of liquid water, mu = A 10^(B / (T - C)):
#: A = 2.414e-5 Pa s, B = 247.8 K, C = 140 K; within about 1 % over 0-100 degC
#: (calculatorlib.com/water-viscosity-calculator; 1.002 mPa s at 20 degC)
WATER_VISCOSITY_A = 2.414e-5
WATER_VISCOSITY_B = 247.8
WATER_VISCOSITY_C = 140.0

#: temperatures of an aqueous electrolyte (liquid or hydrogel) the model accepts, K:
#: -10 to 90 degC (concentrated salt solutions freeze below 0 degC; the Arrhenius and
#: water-viscosity laws are not used near boiling)
AQUEOUS_RANGE = (263.15, 363.15)


def arrhenius(energy: float, temperature: float, reference: float) -> float:
    """exp(-(E/R)(1/T - 1/T_ref)); exactly 1.0 at T = T_ref or E = 0.

    Args:
        energy: activation energy E, J/mol.
        temperature: T, K.
        reference: T_ref, K.
    """
    if temperature == reference or energy == 0.0:
        return 1.0
    return math.exp(-(energy / GAS_CONSTANT) * (1.0 / temperature - 1.0 / reference))


def water_viscosity(temperature: float) -> float:
    """Dynamic viscosity of liquid water, Pa s (:data:`WATER_VISCOSITY_A` ...)."""
    return WATER_VISCOSITY_A * 10.0 ** (WATER_VISCOSITY_B / (temperature - WATER_VISCOSITY_C))


def stokes_einstein(temperature: float, reference: float) -> float:
    """D(T)/D(T_ref) = (T/T_ref) mu_w(T_ref)/mu_w(T); exactly 1.0 at T = T_ref."""
    if temperature == reference:
        return 1.0
    return (temperature / reference) * water_viscosity(reference) / water_viscosity(temperature)


def stokes_einstein_energy(temperature: float) -> float:
    """Apparent activation energy of D ~ T/mu_w at T, J/mol: R T^2 dln(T/mu_w)/dT.

    ``E = R (T + ln(10) B T^2 / (T - C)^2)``: 19.3 kJ/mol at 25 degC.
    """
    slope = math.log(10.0) * WATER_VISCOSITY_B / (temperature - WATER_VISCOSITY_C) ** 2
    return GAS_CONSTANT * (temperature + slope * temperature**2)


def diffusivity_factor(el) -> float:
    """D(T)/D(T_ref) of the ion diffusivities of an :class:`~zndeposit.case.schema.Electrolyte`.

    Arrhenius with ``diffusion_activation_energy`` if given; otherwise
    Stokes-Einstein with the viscosity of water for a liquid or hydrogel, and
    1.0 for a solid (the schema requires E_D of a solid away from T_ref).
    """
    if el.diffusion_activation_energy is not None:
        return arrhenius(el.diffusion_activation_energy, el.temperature, el.reference_temperature)
    if el.kind in ("liquid", "hydrogel"):
        return stokes_einstein(el.temperature, el.reference_temperature)
    return 1.0


def diffusivity_law(el) -> str:
    """The law :func:`diffusivity_factor` applies, in words."""
    if el.diffusion_activation_energy is not None:
        e = format_quantity(el.diffusion_activation_energy, "J/mol", "kJ/mol")
        return f"Arrhenius, E_D = {e}"
    if el.kind in ("liquid", "hydrogel"):
        return "Stokes-Einstein with the viscosity of water"
    return "none (solid without diffusion_activation_energy)"


def exchange_current_factor(case) -> float:
    """i0(T)/i0_ref: Arrhenius with ``kinetics.activation_energy`` (1.0 without it)."""
    kin = case.kinetics
    if kin.activation_energy is None:
        return 1.0
    return arrhenius(kin.activation_energy, case.electrolyte.temperature, kin.reference_temperature)


def exchange_current_density(case) -> float:
    """The Zn exchange current density at the case temperature, A/m^2."""
    factor = exchange_current_factor(case)
    i0 = case.kinetics.exchange_current_density
    return i0 if factor == 1.0 else i0 * factor


def counter_exchange_current_density(case) -> float | None:
    """i0 of a Zn counter electrode at the case temperature, A/m^2 (None: a reservoir).

    ``top.exchange_current_density`` (default: the anode's) times the Arrhenius
    factor of ``kinetics.activation_energy`` (what the solver's counter-electrode
    kinetics use).
    """
    if case.top.kind != "counter_electrode":
        return None
    own = case.top.exchange_current_density
    if own is None:
        return exchange_current_density(case)
    factor = exchange_current_factor(case)
    return own if factor == 1.0 else own * factor


def range_issues(case, file: str) -> list[CaseIssue]:
    """Errors: an aqueous electrolyte (liquid, hydrogel) outside -10 ... 90 degC.

    Checks the case temperature and the reference temperatures of the
    electrolyte and the kinetics. Physical bounds: ``--no-limits`` makes them
    warnings.
    """
    el = case.electrolyte
    if el.kind not in ("liquid", "hydrogel"):
        return []
    lo, hi = AQUEOUS_RANGE
    text = lambda t: format_quantity(t, "K", "degC")  # noqa: E731
    out = []
    for key, value in (
        ("electrolyte.temperature", el.temperature),
        ("electrolyte.reference_temperature", el.reference_temperature),
        ("kinetics.reference_temperature", case.kinetics.reference_temperature),
    ):
        if not lo <= value <= hi:
            out.append(
                CaseIssue(
                    file,
                    key,
                    f"outside {text(lo)} ... {text(hi)}, the range of an aqueous ({el.kind}) "
                    "electrolyte in this model (frozen below, near boiling above; the "
                    "Arrhenius and water-viscosity laws of i0 and D are not used there)",
                    text(value),
                )
            )
    return out


def missing_energy_issues(case, file: str) -> list[CaseIssue]:
    """Warnings of a case away from the kinetics' reference temperature.

    Without E_a, i0 (of the anode and of a Zn counter electrode) is not changed.
    """
    kin, el = case.kinetics, case.electrolyte
    if el.temperature == kin.reference_temperature:
        return []
    if kin.activation_energy is not None:
        return []
    return [
        CaseIssue(
            file,
            "kinetics.activation_energy",
            f"the case runs at {format_quantity(el.temperature, 'K', 'degC')} but i0 holds at "
            f"reference_temperature {format_quantity(kin.reference_temperature, 'K', 'degC')} "
            "and no activation_energy is given: i0 is not changed (e.g. activation_energy = "
            '"35 kJ/mol", or preset = "Zn_ZnSO4")',
            severity="warning",
        )
    ]
