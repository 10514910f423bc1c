"""Temperature as a case input: i0 (Arrhenius), D and conductivity (Stokes-Einstein / Arrhenius).

Closed forms against zndeposit/case/temperature.py and derive(); validation
of the aqueous range and of the activation energies.
"""

import math

import pytest

from zndeposit.case.derived import derive, electrolyte_diffusivities, reference_diffusivities
from zndeposit.case.load import load_case
from zndeposit.case.temperature import (
    arrhenius,
    exchange_current_density,
    stokes_einstein,
    stokes_einstein_energy,
    water_viscosity,
)
from zndeposit.constants import FARADAY, GAS_CONSTANT
from zndeposit.errors import CaseError
from zndeposit.physics.parameters import model_parameters

QUICK = "cases/quickstart_nucleus.toml"  # ZnSO4_2M (sigma, t+) + Zn_ZnSO4 (E_a 35 kJ/mol)
R = GAS_CONSTANT


def _load(**settings):
    return load_case(QUICK, {k.replace("__", "."): v for k, v in settings.items()})


def test_factors_are_exactly_one_at_the_reference():
    assert arrhenius(35e3, 298.15, 298.15) == 1.0
    assert arrhenius(0.0, 318.15, 298.15) == 1.0
    assert stokes_einstein(298.15, 298.15) == 1.0


def test_default_temperature_changes_nothing():
    """T = T_ref (25 degC): i0, D, sigma are the reference values, bit for bit."""
    case = _load().case
    d = derive(case)
    assert d.i0 == case.kinetics.exchange_current_density == d.i0_reference
    assert electrolyte_diffusivities(case.electrolyte) == reference_diffusivities(case.electrolyte)
    assert model_parameters(case, d).i0 == case.kinetics.exchange_current_density
    assert d.conductivity == d.conductivity_reference


def test_water_viscosity_and_stokes_einstein_energy():
    """1.002 mPa s at 20 degC (the correlation's own check); D rises 2-3 %/K near 25 degC (CRC)."""
    assert water_viscosity(293.15) == pytest.approx(1.002e-3, rel=2e-3)
    assert water_viscosity(298.15) == pytest.approx(0.890e-3, rel=5e-3)  # 0.8900 mPa s, IAPWS
    e = stokes_einstein_energy(298.15)
    assert e == pytest.approx(19.34e3, rel=1e-3)
    assert 0.02 < e / (R * 298.15**2) < 0.03  # dlnD/dT in 1/K
    # the local slope agrees with the finite-difference factor
    k = stokes_einstein(298.65, 297.65)
    assert math.log(k) == pytest.approx(e / R * (1 / 297.65 - 1 / 298.65), rel=1e-4)


@pytest.mark.parametrize("celsius", [5.0, 45.0, 80.0])
def test_i0_follows_arrhenius(celsius):
    t = 273.15 + celsius
    case = _load(electrolyte__temperature=f"{celsius} degC").case
    expected = 20.0 * math.exp(-(35e3 / R) * (1 / t - 1 / 298.15))  # 2 mA/cm^2 = 20 A/m^2
    assert exchange_current_density(case) == pytest.approx(expected, rel=1e-12)
    d = derive(case)
    p = model_parameters(case, d)
    assert p.i0 == pytest.approx(expected, rel=1e-12)
    assert p.f == pytest.approx(FARADAY / (R * t), rel=1e-12)
    # the phase-field kinetic coefficient L_eta ~ i0
    ref = derive(_load().case).phase_field.kinetic
    assert d.phase_field.kinetic == pytest.approx(ref * expected / 20.0, rel=1e-12)


@pytest.mark.parametrize("celsius", [5.0, 45.0])
def test_transport_follows_stokes_einstein(celsius):
    """D x (T/T_ref) mu(T_ref)/mu(T); sigma ~ D/T; limiting current ~ D+; Sand's time ~ D."""
    t = 273.15 + celsius
    k = (t / 298.15) * water_viscosity(298.15) / water_viscosity(t)
    ref, hot = derive(_load().case), derive(_load(electrolyte__temperature=f"{celsius} degC").case)
    assert hot.D_cation == pytest.approx(k * ref.D_cation, rel=1e-12)
    assert hot.D_anion == pytest.approx(k * ref.D_anion, rel=1e-12)
    assert hot.D_cation_reference == ref.D_cation
    assert hot.conductivity == pytest.approx(ref.conductivity * k * 298.15 / t, rel=1e-12)
    assert hot.conductivity_reference == pytest.approx(4.64, rel=1e-12)  # 46.4 mS/cm
    assert hot.transference_number == pytest.approx(ref.transference_number, rel=1e-12)
    assert hot.limiting_current == pytest.approx(k * ref.limiting_current, rel=1e-6)
    assert hot.sand_time == pytest.approx(k * ref.sand_time, rel=1e-12)


def test_diffusion_activation_energy_and_reference_temperature():
    """Given D at 35 degC with E_D = 20 kJ/mol, run at 15 degC: Arrhenius from 35 degC."""
    loaded = _load(
        electrolyte__reference_temperature="35 degC",
        electrolyte__diffusion_activation_energy="20 kJ/mol",
        electrolyte__temperature="15 degC",
    )
    el = loaded.case.electrolyte
    k = math.exp(-(20e3 / R) * (1 / 288.15 - 1 / 308.15))
    dp_ref, dm_ref = reference_diffusivities(el)
    # sigma given at T_ref = 35 degC: D_ref = sigma R T_ref t+ / (F^2 z+^2 c+)
    assert dp_ref == pytest.approx(4.64 * R * 308.15 * 0.4 / (FARADAY**2 * 4 * 2000.0), rel=1e-12)
    dp, dm = electrolyte_diffusivities(el)
    assert (dp, dm) == (pytest.approx(k * dp_ref, rel=1e-12), pytest.approx(k * dm_ref, rel=1e-12))


def test_layer_diffusivity_overrides_follow_the_electrolyte(write_case):
    text = write_case('[[coatings]]\nthickness = "1 um"\nD_cation = "1e-11 m^2/s"\n'
                      'D_anion = "1e-12 m^2/s"\n')  # fmt: skip
    hot = load_case(text, {"electrolyte.temperature": "45 degC"}).case
    k = stokes_einstein(318.15, 298.15)
    coat = derive(hot).regions[0]
    assert coat.D_cation == pytest.approx(1e-11 * k, rel=1e-12)
    assert coat.D_anion == pytest.approx(1e-12 * k, rel=1e-12)


def test_solid_preset_keeps_its_own_reference():
    """ZnPS3_solid: conductivity at 30 degC, E_D = 29 kJ/mol; at 30 degC nothing moves."""
    el = load_case(QUICK, {"electrolyte.preset": "ZnPS3_solid"}).case.electrolyte
    assert el.temperature == el.reference_temperature == pytest.approx(303.15)
    assert electrolyte_diffusivities(el) == reference_diffusivities(el)
    cold = load_case(QUICK, {"electrolyte.preset": "ZnPS3_solid",
                             "electrolyte.temperature": "10 degC"}).case.electrolyte  # fmt: skip
    k = math.exp(-(29e3 / R) * (1 / 283.15 - 1 / 303.15))
    assert electrolyte_diffusivities(cold)[0] == pytest.approx(k * reference_diffusivities(el)[0])


# --- validation ---------------------------------------------------------------------------------
def _issues(**settings):
    with pytest.raises(CaseError) as exc:
        _load(**settings)
    return [str(i) for i in exc.value.issues]


@pytest.mark.parametrize("value", ["95 degC", "-15 degC"])
def test_aqueous_range(value):
    text = " ".join(_issues(electrolyte__temperature=value))
    assert "electrolyte.temperature" in text and "-10 degC ... 90 degC" in text and value in text


def test_aqueous_range_is_a_limit(capsys):
    from zndeposit.cli import main

    args = ["validate", QUICK, "--set", "electrolyte.temperature='95 degC'"]
    assert main(args) == 1
    assert main([*args, "--no-limits"]) == 0
    assert "overridden by --no-limits" in capsys.readouterr().out


def test_reference_temperature_in_range():
    text = " ".join(_issues(kinetics__reference_temperature="100 degC"))
    assert "kinetics.reference_temperature" in text


@pytest.mark.parametrize("key", ["kinetics.activation_energy",
                                 "electrolyte.diffusion_activation_energy"])  # fmt: skip
@pytest.mark.parametrize("value", ["200 kJ/mol", "-1 kJ/mol", "35 mV"])
def test_activation_energy_bounds_and_units(key, value):
    with pytest.raises(CaseError) as exc:
        load_case(QUICK, {key: value})
    text = " ".join(str(i) for i in exc.value.issues)
    assert key in text or key.split(".")[1] in text
    assert "kJ/mol" in text or "J/mol" in text or "dimension" in text


def test_solid_away_from_reference_needs_e_d():
    text = " ".join(_issues(electrolyte__kind="solid", electrolyte__temperature="40 degC"))
    assert "diffusion_activation_energy" in text


def test_missing_activation_energy_warns(write_case):
    path = write_case()  # [kinetics] without preset or activation_energy
    loaded = load_case(path, {"electrolyte.temperature": "40 degC"})
    warned = [w for w in loaded.warnings if w.key == "kinetics.activation_energy"]
    assert warned and warned[0].severity == "warning"
    assert exchange_current_density(loaded.case) == loaded.case.kinetics.exchange_current_density
    assert not [
        w for w in load_case(path).warnings if w.key == "kinetics.activation_energy"
    ]  # at 25 degC nothing to say


def test_own_counter_electrode_i0_follows_t_without_warning(write_case):
    path = write_case('[top]\nkind = "counter_electrode"\nexchange_current_density = "3 mA/cm^2"\n')
    settings = {"electrolyte.temperature": "40 degC", "kinetics.activation_energy": "35 kJ/mol"}
    loaded = load_case(path, settings)
    assert not [w for w in loaded.warnings if w.key == "top.exchange_current_density"]


def test_counter_electrode_i0_helper(write_case):
    from zndeposit.case.temperature import counter_exchange_current_density

    path = write_case('[top]\nkind = "counter_electrode"\nexchange_current_density = "3 mA/cm^2"\n')
    hot = {"electrolyte.temperature": "45 degC", "kinetics.activation_energy": "35 kJ/mol"}
    k = math.exp(-(35e3 / R) * (1 / 318.15 - 1 / 298.15))
    assert counter_exchange_current_density(load_case(path, hot).case) == pytest.approx(30 * k)
    assert counter_exchange_current_density(load_case(path).case) == 30.0
    assert counter_exchange_current_density(_load().case) is None  # reservoir
