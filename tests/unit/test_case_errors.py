"""Every kind of case-file error is reported, with file, key, value and expectation."""

import pytest

from zndeposit.case.load import load_case
from zndeposit.errors import CaseError


def issues_of(path, **kw):
    with pytest.raises(CaseError) as info:
        load_case(path, **kw)
    return info.value.issues


def find(issues, key):
    hits = [i for i in issues if i.key == key]
    assert hits, f"no issue for {key}: {[str(i) for i in issues]}"
    return hits[0]


def test_valid_base_case_loads(write_case):
    loaded = load_case(write_case())
    assert loaded.case.electrolyte.concentration == pytest.approx(2000.0)
    assert loaded.case.control.current_density == pytest.approx(100.0)
    assert loaded.warnings == []


def test_unknown_key_did_you_mean(write_case):
    base = write_case().read_text().replace('height = "120 um"', 'hieght = "120 um"')
    path = write_case(base=base)
    issues = issues_of(path)
    typo = find(issues, "domain.hieght")
    assert "did you mean 'height'" in typo.message
    assert typo.file == str(path)
    assert "required key is missing" in find(issues, "domain.height").message


def test_unknown_section_did_you_mean(write_case):
    issues = issues_of(write_case('[numerix]\ndt_max = "1 s"\n'))
    assert "did you mean 'numerics'" in find(issues, "numerix").message


def test_wrong_dimension_and_bare_number(write_case):
    base = write_case().read_text()
    base = base.replace('thickness = "10 um"', "thickness = 10")
    base = base.replace('"1 mA/cm^2"', '"1 mA"')
    issues = issues_of(write_case(base=base))
    bare = find(issues, "anode.thickness")
    assert bare.value == 10 and '"10 um"' in bare.message
    dim = find(issues, "kinetics.exchange_current_density")
    assert "mA/cm^2" in dim.message and dim.value == "1 mA"


def test_range_and_choice(write_case):
    issues = issues_of(
        write_case(
            '[[coatings]]\nthickness = "1 um"\nporosity = 1.5\n[numerics]\nline_search = "x"\n'
        )
    )
    assert "less than or equal to 1" in find(issues, "coatings[0].porosity").message
    assert "'bt'" in find(issues, "numerics.line_search").message


def test_negative_length_names_bound_in_lab_units(write_case):
    base = write_case().read_text().replace('width = "40 um"', 'width = "-4 um"')
    issue = find(issues_of(write_case(base=base)), "domain.width")
    assert "> 0 um" in issue.message


def test_exclusive_pairs(write_case):
    issues = issues_of(
        write_case(
            '[[coatings]]\nthickness = "1 um"\nporosity = 0.5\ntortuosity = 2\nbruggeman = 1.5\n'
        )
    )
    assert "either tortuosity or bruggeman" in find(issues, "coatings[0]").message


def test_control_needs_one_of_capacity_or_duration(write_case):
    base = write_case().read_text().replace('capacity = "1 mAh/cm^2"', "")
    issue = find(issues_of(write_case(base=base)), "control")
    assert "exactly one of capacity or duration" in issue.message


def test_unknown_preset_suggests(write_case):
    base = write_case().read_text().replace('"ZnSO4_2M"', '"ZnSO4_2m"')
    issues = issues_of(write_case(base=base))
    assert "did you mean 'ZnSO4_2M'" in find(issues, "electrolyte.preset").message
    # the missing preset values are not reported a second time
    assert not [i for i in issues if i.key == "electrolyte.concentration"]


def test_all_problems_reported_at_once(write_case):
    base = write_case().read_text()
    base = base.replace('width = "40 um"', 'width = "x"').replace('"10 um"', '"10 s"')
    issues = issues_of(write_case(base=base + "\n[output]\ncount = 0\n"))
    assert {"domain.width", "anode.thickness", "output.count"} <= {i.key for i in issues}


def test_toml_syntax_error_names_file_and_line(write_case):
    path = write_case("[domain\n")
    issue = issues_of(path)[0]
    assert issue.file == str(path) and "line" in issue.message


def test_missing_file():
    with pytest.raises(CaseError, match="file not found"):
        load_case("/nonexistent/case.toml")


def test_overrides_apply_and_are_checked(write_case):
    loaded = load_case(write_case(), {"control.current_density": "5 mA/cm^2"})
    assert loaded.case.control.current_density == pytest.approx(50.0)
    issue = find(
        issues_of(write_case(), overrides={"control.current_density": 5}), "control.current_density"
    )
    assert '"5 mA/cm^2"' in issue.message


def test_case_values_win_over_preset_and_provenance_is_kept(write_case):
    loaded = load_case(
        write_case(
            '[electrolyte]\npreset = "ZnSO4_2M"\nconcentration = "1 mol/L"\n',
            base=write_case().read_text().replace('[electrolyte]\npreset = "ZnSO4_2M"', ""),
        )
    )
    assert loaded.case.electrolyte.concentration == pytest.approx(1000.0)
    assert ("electrolyte", "concentration") not in loaded.provenance
    assert ("electrolyte", "conductivity") in loaded.provenance
    assert "[" in loaded.source_of(("electrolyte", "conductivity"))  # carries a confidence tag


# -- physical sanity -------------------------------------------------------------------


def test_layers_taller_than_domain(write_case):
    issues = issues_of(write_case('[separator]\nthickness = "115 um"\nporosity = 0.9\n'))
    issue = find(issues, "domain.height")
    assert (
        "taller than the domain" in issue.message and "separator.thickness 115 um" in issue.message
    )


def test_interface_not_resolved(write_case):
    issues = issues_of(write_case("[mesh]\nelements_across_interface = 1.5\n"))
    assert "at least 2 elements" in find(issues, "mesh.elements_across_interface").message


def test_max_size_below_interface_size(write_case):
    issues = issues_of(write_case('[mesh]\nmax_size = "0.05 um"\n'))
    assert "interface element size" in find(issues, "mesh.max_size").message


def test_warning_above_limiting_current_and_past_sand(write_case):
    base = write_case().read_text().replace('"10 mA/cm^2"', '"100 mA/cm^2"')
    base = base.replace('capacity = "1 mAh/cm^2"', 'duration = "2 h"')
    loaded = load_case(write_case(base=base))
    keys = {w.key for w in loaded.warnings}
    assert {"control.current_density", "control"} <= keys
    assert all(w.severity == "warning" for w in loaded.warnings)


def test_no_warning_at_moderate_current(write_case):
    assert load_case(write_case()).warnings == []


def test_number_or_none_gives_one_message_naming_both(write_case):
    issues = issues_of(write_case('[numerics]\nmax_xi_change = "off"\n'))
    bad = [i for i in issues if i.key.startswith("numerics.max_xi_change")]
    assert len(bad) == 1 and bad[0].key == "numerics.max_xi_change"
    assert "valid number" in bad[0].message and "'none'" in bad[0].message
    assert "largest change of the phase field" in bad[0].message
    loaded = load_case(write_case('[numerics]\nmax_xi_change = "none"\n'))
    assert loaded.case.numerics.max_xi_change == "none"
