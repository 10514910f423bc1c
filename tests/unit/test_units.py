import pytest

from zndeposit.errors import UnitError
from zndeposit.units import format_quantity, parse_quantity


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("10 mA/cm^2", "A/m^2", 100.0),
        ("2 mol/L", "mol/m^3", 2000.0),
        ("2 M", "mol/m^3", 2000.0),
        ("5 um", "m", 5e-6),
        ("5 µm", "m", 5e-6),
        ("5.08 mS/cm", "S/m", 0.508),
        ("25 degC", "K", 298.15),
        ("1 mAh/cm^2", "C/m^2", 36000.0),
        ("0.3 eV", "J", 0.3 * 1.602176634e-19),
        ("2 h", "s", 7200.0),
        ("1e-6 m^3/(J*s)", "m^3/(J*s)", 1e-6),
    ],
)
def test_lab_strings_to_si(text, unit, expected):
    assert parse_quantity(text, unit) == pytest.approx(expected, rel=1e-12)


def test_wrong_dimension_names_both():
    with pytest.raises(UnitError, match=r"\[current\].*expected units of mA/cm\^2"):
        parse_quantity("10 mA", "A/m^2", "mA/cm^2")


def test_molality_is_not_a_concentration():
    with pytest.raises(UnitError, match="mol/L"):
        parse_quantity("2 mol/kg", "mol/m^3", "mol/L")


def test_bare_number_needs_unit_and_suggests_one():
    with pytest.raises(UnitError, match='"10 um"'):
        parse_quantity(10, "m", "um")


def test_bare_number_ok_for_dimensionless():
    assert parse_quantity(0.4, "") == 0.4


@pytest.mark.parametrize("bad", ["abc", "", "10 furlongs/fortnight^3", "nan um", None, True])
def test_unparsable(bad):
    with pytest.raises(UnitError):
        parse_quantity(bad, "m")


def test_format_round_trip():
    assert format_quantity(100.0, "A/m^2", "mA/cm^2") == "10 mA/cm^2"
    assert parse_quantity(format_quantity(1.234567e-6, "m", "um", 7), "m") == pytest.approx(
        1.234567e-6
    )
