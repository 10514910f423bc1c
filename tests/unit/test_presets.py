"""The materials library: every value has a source, every preset validates in a case."""

import re

import pytest

from zndeposit.case.load import load_case
from zndeposit.case.presets import CATEGORY_FILES, presets

ALL = [(cat, name) for cat in CATEGORY_FILES for name in presets(cat)]
TAG = re.compile(r"\[(V|D|U)[^\]]*\]\s*$")


def test_library_is_not_empty():
    assert {cat for cat, _ in ALL} == set(CATEGORY_FILES)
    names = {name for _, name in ALL}
    assert {"ZnSO4_1M", "ZnSO4_2M", "ZnOTf2_2M", "PAM_hydrogel_ZnSO4_2M", "KL_Zn_solid"} <= names
    assert {"ZnPS3_solid", "glass_fibre_GFA", "Zn_ZnSO4", "Zn_hcp"} <= names


@pytest.mark.parametrize(("category", "name"), ALL)
def test_every_value_names_its_source(category, name):
    p = presets(category)[name]
    for key in p.values:
        if key == "description":
            continue
        src = p.sources.get(key, "")
        assert len(src) > 10, f"{p.file.name} [{name}].{key} has no source"
        assert TAG.search(src), f"{p.file.name} [{name}].{key}: source lacks a [V]/[D]/[U] tag"


@pytest.mark.parametrize(("category", "name"), ALL)
def test_every_preset_validates_in_a_case(category, name, write_case):
    if category == "coatings":
        extra = f'[[coatings]]\npreset = "{name}"\n'
        base = None
    elif category == "separator":
        extra = f'[separator]\npreset = "{name}"\nthickness = "30 um"\n'
        base = None
    elif category == "chemistry":  # optional section; the bulk pH belongs to the case
        extra = f'[chemistry]\npreset = "{name}"\nph = 4.0\n'
        base = None
    else:
        extra = ""
        base = write_case().read_text()
        base = re.sub(rf"\[{category}\][^\[]*", f'[{category}]\npreset = "{name}"\n', base)
    path = write_case(extra) if base is None else write_case(base=base)
    loaded = load_case(path, {"domain.height": "200 um", "mesh.elements_across_interface": 4})
    section = getattr(loaded.case, category)
    section = section[0] if isinstance(section, list) else section
    assert section.preset == name


def test_known_literature_values():
    kl = presets("electrolyte")["KL_Zn_solid"].values
    assert kl["conductivity"] == "5.08 mS/cm" and kl["transference_number"] == 0.79
    zps = presets("electrolyte")["ZnPS3_solid"].values
    assert zps["conductivity"] in ("2.0e-3 S/cm", "2 mS/cm", "2.0 mS/cm")
