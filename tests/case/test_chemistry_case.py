"""The [chemistry] section and open circuit: schema, SI parameters, checks, show, presets."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest

from zndeposit.case.chemistry import chemistry_lines, chemistry_parameters
from zndeposit.case.derived import derive
from zndeposit.case.load import case_hash, load_case
from zndeposit.case.resolve import resolved_toml, to_lab_dict
from zndeposit.case.show import show_text
from zndeposit.case.temperature import arrhenius, stokes_einstein
from zndeposit.errors import CaseError

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "cases" / "quickstart_nucleus.toml"
EXAMPLE = ROOT / "cases" / "side_reactions.toml"
#: resolved-case hash of the quick-start case without [chemistry] (commit d4b1553, before it
#: existed: 4147e441c216bf64; since 9cea552 numerics.factorization_reuse resolves in every
#: case); update it only when the schema gains a defaulted key that every case resolves to
QUICK_RESOLVED_HASH = "46c2af7f050c3353"

CHEM = "[chemistry]\nph = 4.0\n"
OPEN_CIRCUIT = '[control]\nmode = "open_circuit"\nduration = "10 s"\n'


def issues_of(path, overrides=None):
    with pytest.raises(CaseError) as info:
        load_case(path, overrides)
    return info.value.issues


def find(issues, key, severity="error"):
    hits = [i for i in issues if i.key == key and i.severity == severity]
    assert hits, f"no {severity} for {key}: {[str(i) for i in issues]}"
    return hits[0]


def resolved_hash(loaded) -> str:
    return case_hash(tomllib.loads(resolved_toml(loaded.case)))


def without_control(write_case, extra: str):
    """The base case with its [control] replaced by ``extra``."""
    base = write_case().read_text()
    start = base.index("[control]")
    return write_case(extra, base=base[:start], name="oc.toml")


# --- no [chemistry]: nothing changes -------------------------------------------------------------
def test_absent_section_gives_none_and_the_same_resolved_case():
    loaded = load_case(QUICK)
    assert loaded.case.chemistry is None
    assert chemistry_parameters(loaded.case) is None
    assert chemistry_lines(loaded.case) == []
    assert "chemistry" not in to_lab_dict(loaded.case)
    assert "chemistry" not in resolved_toml(loaded.case)
    assert resolved_hash(loaded) == QUICK_RESOLVED_HASH


def test_adding_the_section_changes_nothing_else():
    plain = to_lab_dict(load_case(QUICK).case)
    chem = to_lab_dict(load_case(QUICK, {"chemistry.ph": 4.0}).case)
    assert chem.pop("chemistry")["ph"] == 4.0
    assert chem == plain


# --- SI parameters ----------------------------------------------------------------------------
def test_defaults_in_si(write_case):
    case = load_case(write_case(CHEM)).case
    p = chemistry_parameters(case)
    assert p is not None
    assert p.ph == 4.0 and p.temperature == pytest.approx(298.15)
    assert p.c_zn_bulk == pytest.approx(2000.0)
    assert p.kw == pytest.approx(1e-8, rel=1e-9)  # (mol/m^3)^2 at 25 degC
    assert p.activity_coefficient == 1.0
    assert p.d_proton == pytest.approx(9.31e-9) and p.d_hydroxide == pytest.approx(5.27e-9)
    assert p.her_i0_proton == pytest.approx(1e-6)  # 1e-10 A/cm^2
    assert p.her_i0_water == pytest.approx(1e-7)
    assert p.her_alpha == 0.5 and p.water_activity == 1.0
    assert p.precipitate is True
    assert p.zhs_log_k == 28.4
    assert p.zhs_rate == pytest.approx(1.0)  # mol/(m^3 s)
    assert p.zhs_molar_volume == pytest.approx(2.06e-4)  # m^3/mol
    assert p.zhs_blocking_fraction == 0.1


def test_temperature_moves_kw_and_ion_diffusivities(write_case):
    path = write_case(CHEM)
    case = load_case(path, {"electrolyte.temperature": "45 degC"}).case
    p = chemistry_parameters(case, derive(case))
    assert p is not None
    pkw = -math.log10(p.kw / 1e6)
    assert pkw == pytest.approx(13.40, abs=0.02)
    factor = stokes_einstein(318.15, 298.15)  # the salt's law for a liquid
    assert factor > 1.1
    assert p.d_proton == pytest.approx(9.31e-9 * factor, rel=1e-12)
    assert p.d_hydroxide == pytest.approx(5.27e-9 * factor, rel=1e-12)
    given = load_case(
        path,
        {
            "electrolyte.temperature": "45 degC",
            "electrolyte.diffusion_activation_energy": "19 kJ/mol",
        },
    ).case
    q = chemistry_parameters(given)
    assert q is not None
    assert q.d_proton == pytest.approx(9.31e-9 * arrhenius(19e3, 318.15, 298.15), rel=1e-12)


def test_hydrogen_disabled_and_no_precipitate(write_case):
    extra = CHEM + '[chemistry.hydrogen]\nenabled = false\n[chemistry.precipitate]\nkind = "none"\n'
    loaded = load_case(write_case(extra))
    p = chemistry_parameters(loaded.case)
    assert p is not None
    assert p.her_i0_proton == 0.0 and p.her_i0_water == 0.0
    assert p.precipitate is False
    assert "log_k" not in to_lab_dict(loaded.case)["chemistry"]["precipitate"]
    assert any(
        "none (chemistry.hydrogen.enabled = false)" in ln for ln in chemistry_lines(loaded.case)
    )


def test_lab_units_parse(write_case):
    extra = CHEM + (
        '[chemistry.hydrogen]\nexchange_current_density = "1e-14 A/cm^2"\n'
        'proton_diffusivity = "9.31e-5 cm^2/s"\n'
        '[chemistry.precipitate]\nrate = "0.001 mol/(L*s)"\nmolar_volume = "0.206 L/mol"\n'
    )
    p = chemistry_parameters(load_case(write_case(extra)).case)
    assert p is not None
    assert p.her_i0_proton == pytest.approx(1e-10)
    assert p.d_proton == pytest.approx(9.31e-9)
    assert p.zhs_rate == pytest.approx(1.0)
    assert p.zhs_molar_volume == pytest.approx(2.06e-4)


# --- errors, each naming file and key --------------------------------------------------------------
@pytest.mark.parametrize("ph", [0.0, 14.0, -1.0, 15.0])
def test_ph_outside_range(write_case, ph):
    path = write_case(f"[chemistry]\nph = {ph}\n")
    issue = find(issues_of(path), "chemistry.ph")
    assert issue.file == str(path)


def test_ph_is_required(write_case):
    issue = find(issues_of(write_case("[chemistry]\nactivity_coefficient = 0.5\n")), "chemistry.ph")
    assert "required" in issue.message


def test_solid_electrolyte_with_hydrogen():
    path = ROOT / "cases" / "solid_electrolyte_KL_Zn.toml"
    issue = find(issues_of(path, {"chemistry.ph": 4.0}), "chemistry.hydrogen.enabled")
    assert "solid" in issue.message and issue.file == str(path)


def test_valences_other_than_znso4(write_case):
    path = write_case(CHEM)
    issue = find(issues_of(path, {"electrolyte.anion_valence": -1}), "electrolyte.anion_valence")
    assert "ZnSO4" in issue.message and "-2" in issue.message


def test_fixed_charge_region():
    path = ROOT / "cases" / "coated_zn_cation_selective.toml"
    issues = issues_of(path, {"chemistry.ph": 4.0})
    hits = [i for i in issues if i.key.startswith("coatings[0].")]
    assert hits and "not supported with side chemistry yet" in hits[0].message
    assert hits[0].key in ("coatings[0].fixed_charge", "coatings[0].ion_exchange_capacity")


def test_fixed_charge_of_the_electrolyte(write_case):
    issue = find(
        issues_of(write_case(CHEM), {"electrolyte.fixed_charge": "-0.1 mol/L"}),
        "electrolyte.fixed_charge",
    )
    assert "not supported with side chemistry yet" in issue.message


@pytest.mark.parametrize("key,value", [("log_k", "28.0"), ("rate", '"2 mol/(m^3*s)"')])
def test_precipitate_keys_without_a_precipitate(write_case, key, value):
    path = write_case(CHEM + f'[chemistry.precipitate]\nkind = "none"\n{key} = {value}\n')
    issue = find(issues_of(path), f"chemistry.precipitate.{key}")
    assert "a solubility product without a precipitate" in issue.message
    assert issue.file == str(path)


def test_supersaturated_bulk(write_case):
    path = write_case("[chemistry]\nph = 5.0\n")
    issue = find(issues_of(path), "chemistry.ph")
    assert "supersaturated" in issue.message and "4.48" in issue.message
    assert "activity_coefficient" in issue.message
    # the real activity coefficient of 2 M ZnSO4 moves saturation to pH 5.7
    loaded = load_case(write_case("[chemistry]\nph = 5.0\nactivity_coefficient = 0.036\n"))
    p = chemistry_parameters(loaded.case)
    assert p is not None and p.saturation_ph() == pytest.approx(5.69, abs=0.01)


def test_supersaturated_without_precipitate_is_a_warning(write_case):
    loaded = load_case(
        write_case('[chemistry]\nph = 5.0\n[chemistry.precipitate]\nkind = "none"\n')
    )
    find(loaded.warnings, "chemistry.ph", "warning")


# --- open circuit ---------------------------------------------------------------------------------
def test_open_circuit_without_chemistry_warns(write_case):
    loaded = load_case(without_control(write_case, OPEN_CIRCUIT))
    warning = find(loaded.warnings, "control.mode", "warning")
    assert "nothing happens" in warning.message
    d = derive(loaded.case)
    assert d.applied_current == 0.0 and d.sand_time is None
    assert d.run_time == pytest.approx(10.0)
    assert "open circuit" in show_text(loaded)


def test_open_circuit_with_chemistry(write_case):
    loaded = load_case(without_control(write_case, CHEM + OPEN_CIRCUIT))
    assert not [w for w in loaded.warnings if w.key == "control.mode"]
    assert loaded.case.control.held_current_density == 0.0
    text = show_text(loaded)
    assert "[derived.chemistry]" in text and "HER equilibrium offset" in text


@pytest.mark.parametrize(
    "extra,word",
    [
        ('current_density = "1 mA/cm^2"\n', "current_density"),
        ('capacity = "1 mAh/cm^2"\n', "capacity"),
        ('potential = "-10 mV"\n', "potential"),
    ],
)
def test_open_circuit_rejects_current_capacity_potential(write_case, extra, word):
    path = without_control(write_case, OPEN_CIRCUIT + extra)
    issue = find(issues_of(path), "control")
    assert word in issue.message and "open_circuit" in issue.message


def test_open_circuit_needs_duration(write_case):
    path = without_control(write_case, '[control]\nmode = "open_circuit"\n')
    assert "needs duration" in find(issues_of(path), "control").message


# --- show, preset, example ---------------------------------------------------------------------------
def test_show_prints_the_chemistry(write_case):
    loaded = load_case(write_case(CHEM))
    lines = "\n".join(chemistry_lines(loaded.case))
    p = chemistry_parameters(loaded.case)
    assert p is not None
    assert f"{p.hydrogen_offset:+.4g} V" in lines
    assert "saturation pH" in lines and "4.48" in lines
    i_her = p.her_current(-p.hydrogen_offset) * 0.1  # A/m^2 -> mA/cm^2
    assert f"{i_her:.4g} mA/cm^2" in lines


def test_preset_fills_nested_keys_with_sources(write_case):
    extra = (
        '[chemistry]\npreset = "ZnSO4_side_reactions"\nph = 4.0\n'
        "[chemistry.hydrogen]\nalpha = 0.4\n"
        '[chemistry.precipitate]\nkind = "none"\n'
    )
    loaded = load_case(write_case(extra))
    chem = loaded.case.chemistry
    assert chem is not None
    assert chem.hydrogen.alpha == 0.4  # the case wins inside a sub-table
    assert chem.precipitate.log_k is None  # another kind takes nothing from the preset
    src = loaded.source_of(("chemistry", "hydrogen", "proton_diffusivity"))
    assert src is not None and "PHREEQC" in src and src.endswith("[V]")
    assert loaded.source_of(("chemistry", "hydrogen", "alpha")) is None
    assert "# chemistry.hydrogen.exchange_current_density  <- preset" in show_text(loaded)


def test_example_case_validates_and_resolves_stably(tmp_path):
    loaded = load_case(EXAMPLE)
    assert loaded.case.chemistry is not None
    assert not [w for w in loaded.warnings if w.key.startswith("chemistry")]
    again = tmp_path / "resolved.toml"
    again.write_text(resolved_toml(loaded.case))
    assert resolved_hash(load_case(again)) == resolved_hash(loaded)
    p = chemistry_parameters(loaded.case)
    assert p is not None and p.ph < p.saturation_ph()
