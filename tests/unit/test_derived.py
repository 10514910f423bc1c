"""Derived quantities against values computed by hand in the test."""

import math

import numpy as np
import pytest

from zndeposit.case.derived import (
    derive,
    donnan_concentrations,
    limiting_current,
    phase_field_coefficients,
    sand_time,
)
from zndeposit.case.load import load_case
from zndeposit.constants import FARADAY, GAS_CONSTANT, ZN_MOLAR_DENSITY, zn_thickness_per_charge

F, R = FARADAY, GAS_CONSTANT
DILUTE = '[electrolyte]\nconcentration = "2 mol/L"\nD_cation = "0.703e-9 m^2/s"\nD_anion = "1.065e-9 m^2/s"\n'


def dilute_case(write_case, extra="", **replace):
    base = write_case().read_text().replace('[electrolyte]\npreset = "ZnSO4_2M"', DILUTE)
    for old, new in replace.items():
        base = base.replace(old, new)
    return load_case(write_case(extra, base=base)).case


def test_capacity_thickness():
    # 1 mAh/cm^2 = 36000 C/m^2 -> 1.709 um of dense Zn (MODEL.md section 4)
    assert zn_thickness_per_charge(36000.0) == pytest.approx(1.709e-6, rel=1e-3)


def test_dilute_znso4_salt_diffusivity_and_t_plus(write_case):
    d = derive(dilute_case(write_case))
    assert d.ambipolar_diffusivity == pytest.approx(
        2 * 0.703 * 1.065 / (0.703 + 1.065) * 1e-9, rel=1e-12
    )
    assert d.ambipolar_diffusivity == pytest.approx(0.847e-9, rel=2e-3)  # anchors.md section 4
    assert d.transference_number == pytest.approx(0.703 / (0.703 + 1.065), rel=1e-12)


def test_conductivity_and_t_plus_round_trip(write_case):
    d1 = derive(dilute_case(write_case))
    sigma_hand = F**2 / (R * 298.15) * (4 * 0.703e-9 * 2000 + 4 * 1.065e-9 * 2000)
    assert d1.conductivity == pytest.approx(sigma_hand, rel=1e-12)
    base = (
        write_case()
        .read_text()
        .replace(
            '[electrolyte]\npreset = "ZnSO4_2M"',
            f'[electrolyte]\nconcentration = "2 mol/L"\nconductivity = "{sigma_hand} S/m"\n'
            f"transference_number = {d1.transference_number}\n",
        )
    )
    d2 = derive(load_case(write_case(base=base)).case)
    assert d2.D_cation == pytest.approx(0.703e-9, rel=1e-10)
    assert d2.D_anion == pytest.approx(1.065e-9, rel=1e-10)


def test_hydrogel_conductivity_is_effective(write_case):
    base = write_case().read_text().replace('"ZnSO4_2M"', '"PAM_hydrogel_ZnSO4_2M"')
    d = derive(load_case(write_case(base=base)).case)
    assert d.conductivity == pytest.approx(1.68, rel=1e-9)  # 16.8 mS/cm as given
    gel = load_case(write_case(base=base)).case.electrolyte
    liquid_sigma = F**2 / (R * 298.15) * 4 * 2000 * (d.D_cation + d.D_anion)
    assert liquid_sigma * gel.porosity / gel.tortuosity == pytest.approx(1.68, rel=1e-9)


def test_limiting_current_reservoir_and_counter_electrode(write_case):
    case = dilute_case(write_case)
    length = 120e-6 - 10e-6
    hand = 2 * F * 2000 * 0.703e-9 * (1 - 2 / -2) / length  # z F c0 D+ (1 - z+/z-) / L
    assert limiting_current(case) == pytest.approx(hand, rel=1e-3)
    base = write_case().read_text().replace('[electrolyte]\npreset = "ZnSO4_2M"', DILUTE)
    case_ce = load_case(write_case('[top]\nkind = "counter_electrode"\n', base=base)).case
    assert limiting_current(case_ce) == pytest.approx(2 * hand, rel=1e-3)


def test_limiting_current_layers_in_series(write_case):
    # neutral porous separator (porosity 0.5, tortuosity 2) under the bulk
    case = dilute_case(
        write_case, '[separator]\nthickness = "50 um"\nporosity = 0.5\ntortuosity = 2\n'
    )
    d_eff = 0.703e-9 * 2  # D+ (1 - z+/z-)
    resistance = 50e-6 / (0.25 * d_eff) + 60e-6 / d_eff
    assert limiting_current(case) == pytest.approx(2 * F * 2000 / resistance, rel=1e-3)


def test_donnan_concentrations():
    c0, x = 2000.0, -3000.0
    cp, cm = donnan_concentrations(c0, x, 2, -2)
    assert 2 * cp - 2 * cm + x == pytest.approx(0.0, abs=1e-8)
    assert cp * cm == pytest.approx(c0 * c0, rel=1e-10)  # equal electrochemical potentials
    assert cp == pytest.approx((-x / 2 + math.sqrt(x * x / 4 + 4 * c0 * c0)) / 2, rel=1e-10)


def test_fixed_charge_raises_t_plus_and_removes_limit(write_case):
    coat = '[[coatings]]\nthickness = "5 um"\nporosity = 0.5\ntortuosity = 2\nfixed_charge = "-20 mol/L"\n'
    case = dilute_case(write_case, coat)
    d = derive(case)
    coating = d.regions[0]
    assert coating.name == "coating"
    cp, cm = donnan_concentrations(2000.0, -20000.0, 2, -2)
    t_hand = 0.703 * cp / (0.703 * cp + 1.065 * cm)
    assert coating.transference_number == pytest.approx(t_hand, rel=1e-9)
    assert coating.transference_number > 0.9 > derive(dilute_case(write_case)).transference_number
    # the single-ion-like coating does not limit: the bulk above it does
    bulk_only = 2 * F * 2000 * 0.703e-9 * 2 / (120e-6 - 15e-6)
    assert limiting_current(case) == pytest.approx(bulk_only, rel=2e-2)
    assert limiting_current(case) > bulk_only


def test_ion_exchange_capacity_to_fixed_charge(write_case):
    coat = (
        '[[coatings]]\nthickness = "2 um"\nporosity = 0.4\n'
        'ion_exchange_capacity = "0.9 mmol/g"\nhost_density = "2 g/cm^3"\n'
    )
    case = dilute_case(write_case, coat)
    # X = -IEC rho (1 - eps)/eps = -0.9 mol/kg * 2000 kg/m^3 * 0.6/0.4
    assert case.coatings[0].fixed_charge_value == pytest.approx(-2700.0, rel=1e-12)


def test_sand_time_formula(write_case):
    d = derive(dilute_case(write_case))
    t_plus = 0.703 / (0.703 + 1.065)
    hand = math.pi * d.ambipolar_diffusivity * (2 * F * 2000) ** 2 / (4 * (100 * (1 - t_plus)) ** 2)
    assert d.sand_time == pytest.approx(hand, rel=1e-12)
    assert d.sand_time / 3600 == pytest.approx(7.6, rel=0.02)  # anchors.md: about 7.6 h
    single_ion = d.regions[-1].__class__(**{**d.regions[-1].__dict__, "transference_number": 1.0})
    assert sand_time(single_ion, 100.0, 2000.0, 2) == math.inf


def test_phase_field_coefficients_reproduce_energy_width_and_bv(write_case):
    case = dilute_case(write_case)
    pf = phase_field_coefficients(case)
    gamma, width, i0 = 0.5, 0.5e-6, 10.0
    assert math.sqrt(2 * pf.gradient * pf.barrier) / 6 == pytest.approx(gamma, rel=1e-12)
    assert math.sqrt(pf.gradient / (2 * pf.barrier)) == pytest.approx(pf.length, rel=1e-12)
    # equilibrium profile and its 10-90 % width
    x = np.linspace(-20 * pf.length, 20 * pf.length, 200001)
    xi = 0.5 * (1 - np.tanh(x / (2 * pf.length)))
    x90, x10 = np.interp(0.9, xi[::-1], x[::-1]), np.interp(0.1, xi[::-1], x[::-1])
    assert x10 - x90 == pytest.approx(width, rel=1e-6)
    # energy of the profile: integral of W g + kappa/2 xi'^2
    dxi = np.gradient(xi, x)
    energy = np.trapezoid(pf.barrier * xi**2 * (1 - xi) ** 2 + 0.5 * pf.gradient * dxi**2, x)
    assert energy == pytest.approx(gamma, rel=1e-4)
    # planar front (solvability on the translation mode xi'):
    # v = L_eta * integral(h'(xi) |xi'|) / integral(xi'^2) must equal i0/(n F rho_m) per unit bracket
    hprime = 30 * xi**2 * (1 - xi) ** 2
    v = pf.kinetic * np.trapezoid(hprime * np.abs(dxi), x) / np.trapezoid(dxi**2, x)
    assert v == pytest.approx(i0 / (2 * F * ZN_MOLAR_DENSITY), rel=1e-6)
