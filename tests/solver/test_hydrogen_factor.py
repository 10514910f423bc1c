"""A region's hydrogen factor scales the hydrogen evolution where the interface lies in it.

``coatings[i].hydrogen_factor`` (a coating that suppresses or catalyses HER)
becomes ``Region.hydrogen_factor`` and the DG0 coefficient ``hydrogen`` that
multiplies the HER exchange currents. On a flat electrode held at a fixed
potential, with an HER small enough that the pH hardly moves, the HER current
must scale with the factor of the region the interface sits in (here the
electrolyte above the anode, whose values the anode region takes too).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_model_stepper import ANODE, PARAMS, WIDTH, L, strip_mesh

from zndeposit.case.load import load_case
from zndeposit.physics.species import ChemistryParameters, water_ionic_product
from zndeposit.solver.model import DepositionModel, ModelSettings

CHEM = ChemistryParameters(
    ph=4.0, temperature=298.15, c_zn_bulk=2000.0, kw=water_ionic_product(298.15),
    her_i0_proton=1e-6, her_i0_water=1e-7, precipitate=False,
)  # fmt: skip


def _her(factor: float) -> float:
    regions = tuple(dataclasses.replace(r, hydrogen_factor=factor) for r in PARAMS.regions)
    params = dataclasses.replace(PARAMS, regions=regions)
    settings = ModelSettings(
        params=params, width=WIDTH, galvanostatic=False, potential=-0.05, periodic=True,
        element_size=WIDTH / 12, chemistry=CHEM,
    )  # fmt: skip
    model = DepositionModel(strip_mesh(), settings)
    model.set_state_from(
        xi=lambda x: 0.5 * (1 - np.tanh((x[1] - ANODE) / (2 * L))),
        u=lambda x: np.zeros(x.shape[1]),
        psi=lambda x: np.zeros(x.shape[1]),
        potential=-0.05,
    )
    t = 0.0
    for _ in range(3):
        assert model.solve(0.01).converged
        t += 0.01
        model.advance(t)
    return model.chemistry_measures.her_current()


@pytest.mark.fem
def test_her_scales_with_the_region_factor():
    """HER current with factor 0.1 is 0.1 x that with 1 (within 0.5 %: the pH feedback)."""
    full, tenth = _her(1.0), _her(0.1)
    assert full < 0
    assert tenth / full == pytest.approx(0.1, rel=5e-3)


def test_coating_key_reaches_the_region(tmp_path):
    """``coatings[0].hydrogen_factor`` lands in the coating's Region; unset means 1."""
    from zndeposit.case.derived import derive

    base = (
        "title = 'hf'\n[domain]\nwidth = '2 um'\nheight = '8 um'\n[anode]\nthickness = '2 um'\n"
        "[[coatings]]\nthickness = '1 um'\nporosity = 0.5\n{extra}"
        "[electrolyte]\npreset = 'ZnSO4_2M'\n[interface]\nenergy = '0.5 J/m^2'\n"
        "width = '0.5 um'\n[control]\nmode = 'galvanostatic'\n"
        "current_density = '10 mA/cm^2'\nduration = '1 s'\n"
        "[chemistry]\npreset = 'ZnSO4_side_reactions'\nph = 4.0\n"
    )
    for extra, expected in (("", 1.0), ("hydrogen_factor = 0.2\n", 0.2)):
        path = tmp_path / "case.toml"
        path.write_text(base.format(extra=extra))
        regions = {r.name: r for r in derive(load_case(path).case).regions}
        coating = next(r for name, r in regions.items() if name.startswith("coating"))
        assert coating.hydrogen_factor == expected
        assert regions["bulk"].hydrogen_factor == 1.0
