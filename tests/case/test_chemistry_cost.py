"""The cost estimate of ``validate``/``show`` with ``[chemistry]``: 5 unknowns per node, not 3."""

from __future__ import annotations

from pathlib import Path

import pytest

from zndeposit.case.limits import (
    CHEMISTRY_UNKNOWNS_PER_NODE,
    UNKNOWNS_PER_NODE,
    estimate_cost,
    unknowns_per_node,
)
from zndeposit.case.load import load_case
from zndeposit.case.show import adaptive_estimate, show_text

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "cases" / "quickstart_nucleus.toml"
EXAMPLE = ROOT / "cases" / "side_reactions.toml"
#: degrees of freedom of the mesh of cases/side_reactions.toml (12208 nodes x 5),
#: from the manifest of a run of it (dolfinx 0.11, gmsh 4.15)
EXAMPLE_DOFS = 61040


def test_chemistry_has_five_unknowns_per_node_and_binary_three():
    quick, chem = load_case(QUICK).case, load_case(EXAMPLE).case
    assert unknowns_per_node(quick) == UNKNOWNS_PER_NODE == 3
    assert unknowns_per_node(chem) == CHEMISTRY_UNKNOWNS_PER_NODE == 5


def test_cost_of_the_chemistry_example_counts_five_fields():
    """Same geometry and mesh as the quick start: 5/3 the unknowns, more memory and output."""
    quick, chem = estimate_cost(load_case(QUICK).case), estimate_cost(load_case(EXAMPLE).case)
    assert chem.cells == pytest.approx(quick.cells)
    assert chem.unknowns == pytest.approx(quick.unknowns * 5 / 3)
    assert chem.unknowns == pytest.approx(EXAMPLE_DOFS, rel=0.10)
    assert chem.memory > quick.memory
    assert chem.output_bytes > quick.output_bytes


def test_adaptive_estimate_and_show_count_five_fields():
    quick, chem = load_case(QUICK).case, load_case(EXAMPLE).case
    assert adaptive_estimate(chem).unknowns == pytest.approx(
        adaptive_estimate(quick).unknowns * 5 / 3
    )
    text = show_text(load_case(EXAMPLE))
    assert "[derived.chemistry]" in text and "[expected size]" in text
    fixed = next(line for line in text.splitlines() if line.startswith("fixed mesh"))
    k = float(fixed.split("~")[1].split(" k")[0])
    assert k * 1e3 == pytest.approx(EXAMPLE_DOFS, rel=0.10)
