"""Sweep files: values, ranges, grids, zipped groups, random samples, errors, dry run, hashes.

No FEM here: expanding a sweep only loads and validates cases.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

from zndeposit.case.load import load_case
from zndeposit.case.resolve import resolved_toml
from zndeposit.cli import main
from zndeposit.errors import CaseError
from zndeposit.sweep.members import MEMBER_CASE, expand, resolved_hash, write_plan
from zndeposit.sweep.spec import RangeSpec, load_sweep, range_values

CASES = Path(__file__).resolve().parents[2] / "cases"


def test_grid_is_the_product_of_the_axes_first_axis_slowest(sweep_files, tmp_path):
    spec = load_sweep(
        sweep_files("""
        base = "base.toml"
        [[axis]]
        key = "control.current_density"
        range = { start = "1 mA/cm^2", stop = "100 mA/cm^2", num = 3, scale = "log" }
        [[axis]]
        key = "electrolyte.transference_number"
        range = { start = 0.2, stop = 0.6, step = 0.2 }
        [[axis]]
        key = "anode.surface.seed"
        range = { start = 1, stop = 2, num = 2 }
    """)
    )
    assert spec.size == 3 * 3 * 2
    d0, d1, d2 = (d.params[0].values for d in spec.dimensions)
    assert d0 == ["1 mA/cm^2", "10 mA/cm^2", "100 mA/cm^2"]
    assert d1 == [0.2, 0.4, 0.6]  # no float noise (0.4000000000000001)
    assert d2 == [1, 2] and all(isinstance(v, int) for v in d2)
    plan = expand(spec, tmp_path / "out")
    assert [m.index for m in plan.members] == list(range(18))
    first, second = plan.members[0], plan.members[1]
    assert first.given == {
        "control.current_density": "1 mA/cm^2",
        "electrolyte.transference_number": 0.2,
        "anode.surface.seed": 1,
    }
    assert second.given["anode.surface.seed"] == 2  # last axis fastest
    assert plan.members[6].given["control.current_density"] == "10 mA/cm^2"
    # resolved values: numbers in the case field's lab unit
    assert plan.members[17].values["control.current_density"] == pytest.approx(100.0)
    assert plan.members[17].values["electrolyte.transference_number"] == pytest.approx(0.6)
    assert len({m.hash for m in plan.members}) == 18


def test_ranges_convert_stop_to_the_unit_of_start():
    assert range_values(RangeSpec(start="500 nm", stop="1.5 um", num=3)) == [
        "500 nm",
        "1000 nm",
        "1500 nm",
    ]
    with pytest.raises(ValueError, match="dimension"):
        range_values(RangeSpec(start="1 um", stop="1 s", num=2))
    with pytest.raises(ValueError, match="> 0"):
        range_values(RangeSpec(start=0.0, stop=1.0, num=3, scale="log"))


def test_zip_group_advances_together_and_random_samples_are_seeded(sweep_files, tmp_path):
    text = """
        base = "base.toml"
        [[axis]]
        zip = [{ key = "domain.width", values = ["2 um", "4 um"] }, { key = "anode.nuclei.0.x", values = ["1 um", "2 um"] }]
        [[axis]]
        samples = 5
        seed = SEED
        method = "METHOD"
        random = [{ key = "kinetics.exchange_current_density", log_uniform = ["0.1 mA/cm^2", "10 mA/cm^2"] }, { key = "electrolyte.transference_number", uniform = [0.2, 0.6] }]
    """

    def sweep(seed: int, method: str) -> Path:
        return sweep_files(text.replace("SEED", str(seed)).replace("METHOD", method))

    spec = load_sweep(sweep(7, "random"))
    assert spec.size == 2 * 5
    plan = expand(spec, tmp_path / "out")
    pairs = {(m.given["domain.width"], m.given["anode.nuclei.0.x"]) for m in plan.members}
    assert pairs == {("2 um", "1 um"), ("4 um", "2 um")}  # never crossed
    i0 = [m.values["kinetics.exchange_current_density"] for m in plan.members[:5]]
    tp = [m.values["electrolyte.transference_number"] for m in plan.members[:5]]
    assert all(0.1 <= v <= 10 for v in i0) and all(0.2 <= v <= 0.6 for v in tp)
    again = load_sweep(sweep(7, "random"))
    assert again.dimensions[1].params[0].values == spec.dimensions[1].params[0].values
    other = load_sweep(sweep(8, "random"))
    assert other.dimensions[1].params[0].values != spec.dimensions[1].params[0].values
    # Latin hypercube: exactly one sample in each of the 5 equal bins (log bins for log-uniform)
    latin = load_sweep(sweep(3, "latin"))
    i0 = [float(v.split()[0]) for v in latin.dimensions[1].params[0].values]
    bins = np.floor((np.log10(i0) + 1) / 2 * 5).astype(int)
    assert sorted(bins) == [0, 1, 2, 3, 4]
    tp = np.array(latin.dimensions[1].params[1].values)
    assert sorted(np.floor((tp - 0.2) / 0.4 * 5).astype(int)) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        (
            '[[axis]]\nkey = "control.curent_density"\nvalues = ["1 mA/cm^2"]',
            "axis[0].key",
            "did you mean 'control.current_density'",
        ),
        (
            '[set]\n"numerics.dt_maxx" = "1 s"\n[[axis]]\nkey = "control.current_density"\nvalues = ["1 mA/cm^2"]',
            "set.numerics.dt_maxx",
            "did you mean 'numerics.dt_max'",
        ),
        (
            '[[axis]]\nkey = "control.current_density"\nrange = { start = "1 mA/cm^2", stop = "2 V", num = 2 }',
            "axis[0].range",
            "expected units of mA/cm^2",
        ),
        (
            '[[axis]]\nkey = "control.current_density"\nrange = { start = "1 mA/cm^2", stop = "2 mA/cm^2" }',
            "axis[0].range",
            "exactly one of num or step",
        ),
        (
            '[[axis]]\nzip = [{ key = "domain.width", values = ["1 um", "2 um"] }, { key = "domain.height", values = ["9 um"] }]',
            "axis[0].zip",
            "equal lengths (domain.width: 2, domain.height: 1)",
        ),
        (
            '[[axis]]\nkey = "control.current_density"\nuniform = ["1 mA/cm^2", "2 mA/cm^2"]',
            "axis[0]",
            "samples = N",
        ),
        (
            '[[axis]]\nkey = "control.current_density"\nvalues = ["1 mA/cm^2"]\n[member]\nmpii = 2',
            "member.mpii",
            "did you mean 'mpi'",
        ),
        (
            '[[axis]]\nkey = "control.current_density"\nvalues = ["1 mA/cm^2"]\n[[axis]]\nkey = "control.current_density"\nvalues = ["2 mA/cm^2"]',
            "axis[1].key",
            "swept twice",
        ),
        (
            '[set]\n"control.current_density" = "1 mA/cm^2"\n[[axis]]\nkey = "control.current_density"\nvalues = ["2 mA/cm^2"]',
            "axis[0].key",
            "both swept and in [set]",
        ),
        (
            '[[axis]]\nkey = "control.current_density"\nvalues = ["1 mA/cm^2"]\n[report]\nmorphology = ["control.current_density", "domain.width"]',
            "report.morphology[1]",
            "not a swept key",
        ),
        (
            '[[axis]]\nkey = "control.current_density"\nvalues = ["1 mA/cm^2"]\n[cluster]\nmemory = "lots"',
            "cluster.memory",
            'expected a size with a unit, e.g. "16 GB"',
        ),
        (
            '[[axis]]\nkey = "control.current_density"\nvalues = ["1 mA/cm^2"]\n[cluster]\nwalltime = "1 kg"',
            "cluster.walltime",
            "expected HH:MM:SS or a duration",
        ),
    ],
)
def test_spec_errors_name_the_file_and_the_key(sweep_files, body, key, message):
    path = sweep_files('base = "base.toml"\n' + body)
    with pytest.raises(CaseError) as info:
        load_sweep(path)
    hits = [i for i in info.value.issues if i.key == key and message in i.message]
    assert hits, [str(i) for i in info.value.issues]
    assert all(i.file == str(path) for i in info.value.issues)


def test_missing_base_case_is_named(sweep_files):
    path = sweep_files(
        'base = "nowhere.toml"\n[[axis]]\nkey = "control.current_density"\nvalues = ["1 mA/cm^2"]'
    )
    with pytest.raises(CaseError) as info:
        load_sweep(path)
    assert info.value.issues[0].key == "base" and "nowhere.toml" in info.value.issues[0].message


def test_invalid_member_points_at_the_sweep_file_and_others_stay_valid(sweep_files, tmp_path):
    path = sweep_files("""
        base = "base.toml"
        [[axis]]
        key = "numerics.newton_max_iterations"
        values = [25, 0]
    """)
    plan = expand(load_sweep(path), tmp_path / "out")
    good, bad = plan.members
    assert good.valid and not bad.valid and bad.hash is None
    assert len(bad.issues) == 1
    assert f"{path} › axis[0] -> numerics.newton_max_iterations = 0" in bad.issues[0]
    assert "greater than or equal to 1" in bad.issues[0]
    assert plan.runnable == [good]


def test_equal_cases_get_one_hash_and_the_hash_survives_the_member_file(sweep_files, tmp_path):
    path = sweep_files("""
        base = "base.toml"
        [[axis]]
        key = "control.current_density"
        values = ["10 mA/cm^2", "0.01 A/cm^2", "20 mA/cm^2"]
    """)
    plan = expand(load_sweep(path), tmp_path / "out")
    a, b, c = plan.members
    assert a.hash == b.hash != c.hash and b.duplicate_of == 0 and c.duplicate_of is None
    assert b.texts["control.current_density"] == "10 mA/cm^2"
    assert plan.runnable == [a, c]
    write_plan(plan)
    for m in plan.runnable:
        # what `zndeposit run member.toml` writes as case.resolved.toml hashes to the member's name
        rerun = load_case(plan.member_dir(m) / MEMBER_CASE)
        assert resolved_hash(tomllib.loads(resolved_toml(rerun.case))) == m.hash
        # and so does a hand run of the base case with the same value given by --set
        by_hand = load_case(
            tmp_path / "base.toml", {"control.current_density": m.given["control.current_density"]}
        )
        assert resolved_hash(tomllib.loads(resolved_toml(by_hand.case))) == m.hash


@pytest.mark.parametrize("case", sorted(CASES.glob("*.toml")), ids=lambda p: p.stem)
def test_resolved_hash_is_stable_for_every_example_case(case, tmp_path):
    text = resolved_toml(load_case(case).case)
    (tmp_path / "resolved.toml").write_text(text)
    again = resolved_toml(load_case(tmp_path / "resolved.toml").case)
    assert resolved_hash(tomllib.loads(again)) == resolved_hash(tomllib.loads(text))


def test_dry_run_lists_every_member_with_resolved_values(sweep_files, tmp_path, capsys):
    path = sweep_files("""
        base = "base.toml"
        [set]
        control.duration = "2 s"
        [[axis]]
        key = "control.current_density"
        values = ["0.005 A/cm^2", "10 mA/cm^2"]
        [[axis]]
        key = "numerics.newton_max_iterations"
        values = [25, 0]
    """)
    out_dir = tmp_path / "out"
    assert (
        main(
            ["sweep", str(path), "-o", str(out_dir), "--dry-run", "--set", "numerics.dt_max=0.5 s"]
        )
        == 0
    )
    text = capsys.readouterr().out
    plan = expand(load_sweep(path, {"numerics.dt_max": "0.5 s"}), out_dir)
    assert "4 member(s) (2 x 2)" in text
    assert (
        "control.current_density [mA/cm^2]" in text and "numerics.newton_max_iterations [-]" in text
    )
    lines = text.splitlines()
    start = next(k for k, ln in enumerate(lines) if ln.split()[:3] == ["#", "hash", "status"])
    rows = [ln.split() for ln in lines[start + 1 : start + 5]]
    assert [r[0] for r in rows] == ["0", "1", "2", "3"]
    for m, row in zip(plan.members, rows, strict=True):
        assert row[1] == (m.hash or "-")
        assert row[2] == ("pending" if m.valid else "invalid")
    assert rows[0][3:5] == ["5", "mA/cm^2"]  # 0.005 A/cm^2 resolved in the lab unit
    assert "fixed:  control.duration = 2 s" in text and "fixed:  numerics.dt_max = 0.5 s" in text
    assert "2 invalid member(s)" in text and "axis[1] -> numerics.newton_max_iterations = 0" in text
    assert "2 member(s) to run" in text
    assert not out_dir.exists()  # a dry run writes nothing


def test_example_sweeps_expand_to_valid_members(tmp_path):
    sweeps = sorted((CASES / "sweeps").glob("*.toml"))
    assert sweeps, "cases/sweeps/ holds the worked sweep"
    for path in sweeps:
        plan = expand(load_sweep(path), tmp_path / path.stem)
        assert plan.members and all(m.valid for m in plan.members), path
        assert len(plan.spec.dimensions) >= 1 and math.prod(
            len(d) for d in plan.spec.dimensions
        ) == len(plan.members)
