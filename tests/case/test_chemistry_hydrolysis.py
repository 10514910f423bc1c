"""[chemistry.hydrolysis]: Zn2+ + H2O = ZnOH+ + H+ from the case file to ChemistryParameters."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from zndeposit.case.chemistry import chemistry_lines, chemistry_parameters
from zndeposit.case.derived import derive
from zndeposit.case.load import load_case
from zndeposit.case.presets import presets
from zndeposit.case.resolve import to_lab_dict
from zndeposit.case.show import show_text
from zndeposit.case.temperature import arrhenius, stokes_einstein
from zndeposit.errors import CaseError
from zndeposit.physics.species import ZN_HYDROLYSIS_ENTHALPY, ZN_HYDROLYSIS_LOG_K

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "cases" / "side_reactions.toml"
CHEM = "[chemistry]\nph = 4.0\n"


def params_of(path, overrides=None):
    case = load_case(path, overrides).case
    p = chemistry_parameters(case, derive(case))
    assert p is not None
    return p


def issue_of(path, key, overrides=None):
    with pytest.raises(CaseError) as info:
        load_case(path, overrides)
    hits = [i for i in info.value.issues if i.key == key and i.severity == "error"]
    assert hits, f"no error for {key}: {[str(i) for i in info.value.issues]}"
    assert hits[0].file == str(path)
    return hits[0]


def test_defaults_reach_the_parameters(write_case):
    p = params_of(write_case(CHEM))
    assert p.hydrolysis is True
    assert p.hydrolysis_log_k == ZN_HYDROLYSIS_LOG_K == -8.96
    assert p.hydrolysis_enthalpy == pytest.approx(ZN_HYDROLYSIS_ENTHALPY)  # "56.07 kJ/mol"
    assert p.d_zn_hydroxide == pytest.approx(7.15e-10, rel=1e-12)  # 25 degC: factor 1
    # K_h' = 10^-8.96 mol/L = 1.096e-6 mol/m^3 at 25 degC, ideal activities
    assert p.hydrolysis_constant == pytest.approx(10**-8.96 * 1e3, rel=1e-9)


def test_given_values_in_lab_units(write_case):
    extra = CHEM + (
        "[chemistry.hydrolysis]\nlog_k = -9.5\n"
        'enthalpy = "-13.4 kcal/mol"\ndiffusivity = "5e-6 cm^2/s"\n'
    )
    p = params_of(write_case(extra))
    assert p.hydrolysis_log_k == -9.5
    assert p.hydrolysis_enthalpy == pytest.approx(-13.4 * 4184.0, rel=1e-9)
    assert p.d_zn_hydroxide == pytest.approx(5e-10, rel=1e-12)


def test_diffusivity_follows_the_temperature_like_h_and_oh(write_case):
    path = write_case(CHEM)
    p = params_of(path, {"electrolyte.temperature": "45 degC"})
    factor = stokes_einstein(318.15, 298.15)
    assert factor > 1.1
    assert p.d_zn_hydroxide == pytest.approx(7.15e-10 * factor, rel=1e-12)
    assert p.d_zn_hydroxide / 7.15e-10 == pytest.approx(p.d_proton / 9.31e-9, rel=1e-12)
    # K_h grows with T (endothermic): the enthalpy is passed through, not applied twice
    ln_ratio = ZN_HYDROLYSIS_ENTHALPY / 8.314462618 * (1 / 298.15 - 1 / 318.15)
    assert p.hydrolysis_constant == pytest.approx(10**-8.96 * 1e3 * math.exp(ln_ratio), rel=1e-6)
    q = params_of(
        path,
        {
            "electrolyte.temperature": "45 degC",
            "electrolyte.diffusion_activation_energy": "19 kJ/mol",
        },
    )
    assert q.d_zn_hydroxide == pytest.approx(7.15e-10 * arrhenius(19e3, 318.15, 298.15), rel=1e-12)


def test_disabled_gives_no_zn_hydroxide(write_case):
    extra = CHEM + "[chemistry.hydrolysis]\nenabled = false\nlog_k = -7.0\n"  # ignored, no error
    loaded = load_case(write_case(extra))
    p = chemistry_parameters(loaded.case)
    assert p is not None
    assert p.hydrolysis is False
    assert p.hydrolysis_constant == 0.0 and p.c_zn_hydroxide_bulk == 0.0
    assert to_lab_dict(loaded.case)["chemistry"]["hydrolysis"]["enabled"] is False
    lines = "\n".join(chemistry_lines(loaded.case))
    assert "off (chemistry.hydrolysis.enabled = false)" in lines
    assert "bulk ZnOH+" not in lines


@pytest.mark.parametrize(
    "key,value,words",
    [
        ("log_k", "3", ["less than 0"]),
        ("log_k", "-25", ["greater than -20"]),
        ("enthalpy", '"abc"', ["abc"]),
        ("enthalpy", '"300 kJ/mol"', ["<= 200 kJ/mol"]),
        ("enthalpy", '"56 kJ"', ["J/mol"]),
        ("diffusivity", '"0 m^2/s"', ["> 0 m^2/s"]),
        ("diffusivity", '"1 mA"', ["m^2/s"]),
        ("enabled", '"maybe"', ["bool"]),
    ],
)
def test_bad_values_name_the_key(write_case, key, value, words):
    path = write_case(CHEM + f"[chemistry.hydrolysis]\n{key} = {value}\n")
    issue = issue_of(path, f"chemistry.hydrolysis.{key}")
    for word in words:
        assert word in issue.message
    assert "Traceback" not in str(issue)


def test_solid_electrolyte_with_hydrolysis():
    path = ROOT / "cases" / "solid_electrolyte_KL_Zn.toml"
    overrides = {"chemistry.ph": 4.0, "chemistry.hydrogen.enabled": False}
    issue = issue_of(path, "chemistry.hydrolysis.enabled", overrides)
    assert "solid" in issue.message and "hydrolysis.enabled = false" in issue.message
    overrides["chemistry.hydrolysis.enabled"] = False
    p = chemistry_parameters(load_case(path, overrides).case)
    assert p is not None and p.hydrolysis is False


def test_show_lines_contain_zn_hydroxide(write_case):
    loaded = load_case(write_case(CHEM))
    p = chemistry_parameters(loaded.case)
    assert p is not None
    lines = "\n".join(chemistry_lines(loaded.case))
    assert "ZnOH+" in lines
    assert f"{p.c_zn_hydroxide_bulk / 1e3:.4g} M" in lines  # 2 M at pH 4: 2.19e-05 M
    assert "2.193e-05 M" in lines
    assert f"{p.hydrolysis_constant:.4g} mol/m^3" in lines
    assert "at pH 8.96" in lines  # c_H = K_h' = 10^-8.96 mol/L
    # activity ratio gamma^(3/4) moves it: gamma = 0.036 -> pH 8.96 - 0.75 log10(0.036) = 10.04
    low = load_case(write_case(CHEM + "activity_coefficient = 0.036\n", name="g.toml"))
    assert "at pH 10.04" in "\n".join(chemistry_lines(low.case))


def test_preset_gives_every_key_with_a_source():
    preset = presets("chemistry")["ZnSO4_side_reactions"]
    keys = [k for k in preset.values if k.startswith("hydrolysis.")]
    assert sorted(keys) == [
        f"hydrolysis.{k}" for k in ("diffusivity", "enabled", "enthalpy", "log_k")
    ]
    loaded = load_case(EXAMPLE)
    chem = loaded.case.chemistry
    assert chem is not None and chem.hydrolysis.enabled
    assert chem.hydrolysis.enthalpy == pytest.approx(56.07e3)
    src = loaded.source_of(("chemistry", "hydrolysis", "log_k"))
    assert src is not None and "phreeqc.dat" in src and src.endswith("[V]")
    for key in ("enabled", "enthalpy", "diffusivity"):
        src = loaded.source_of(("chemistry", "hydrolysis", key))
        assert src is not None and src.endswith("[U]")
    text = show_text(loaded)
    assert "# chemistry.hydrolysis.log_k  <- preset ZnSO4_side_reactions" in text
    assert "bulk ZnOH+" in text
