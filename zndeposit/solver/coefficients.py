"""Per-region material coefficients as DG0 Functions, from the mesh's cell tags."""

from __future__ import annotations

import numpy as np

from zndeposit.errors import SolverError
from zndeposit.fem import dolfinx
from zndeposit.geometry import tags
from zndeposit.physics.parameters import ModelParameters
from zndeposit.physics.transport import RegionCoefficients


def region_coefficients(
    mesh: dolfinx.mesh.Mesh, cell_tags: dolfinx.mesh.MeshTags, p: ModelParameters
) -> RegionCoefficients:
    """DG0 porosity, porosity/tortuosity, X/c_bulk, D+, D-, kinetic and HER factors per cell.

    The anode region (initially metal) takes the bulk electrolyte's values, so
    stripped metal would leave ordinary electrolyte behind.
    """
    space = dolfinx.fem.functionspace(mesh, ("DG", 0))
    names = ["porosity", "effective", "fixed_charge", "d_plus", "d_minus", "kinetic", "hydrogen"]
    funcs = {n: dolfinx.fem.Function(space, name=n) for n in names}
    by_name = {r.name: r for r in p.regions}
    bulk = by_name[tags.BULK]
    num_cells = mesh.topology.index_map(2).size_local + mesh.topology.index_map(2).num_ghosts
    assigned = np.zeros(num_cells, dtype=bool)
    any_charge = False
    for name, region in [(tags.ANODE, bulk), *by_name.items()]:
        cells = cell_tags.find(tags.region_tag(name))
        values = {
            "porosity": region.porosity,
            "effective": region.effective_factor,
            "fixed_charge": region.fixed_charge / p.c_bulk,
            "d_plus": region.D_cation,
            "d_minus": region.D_anion,
            "kinetic": region.kinetic_factor,
            "hydrogen": region.hydrogen_factor,
        }
        any_charge |= region.fixed_charge != 0.0
        for key, value in values.items():
            funcs[key].x.array[cells] = value
        assigned[cells] = True
    if not assigned.all():
        raise SolverError(f"{int((~assigned).sum())} mesh cells belong to no known region")
    for f in funcs.values():
        f.x.scatter_forward()
    symmetric = p.z_plus == -p.z_minus
    if any_charge and not symmetric:
        raise SolverError(
            f"fixed charge with an asymmetric salt (z+ = {p.z_plus}, z- = {p.z_minus}) is not "
            "supported yet: Donnan equilibrium is implemented for z:z salts only"
        )
    return RegionCoefficients(
        porosity=funcs["porosity"],
        effective=funcs["effective"],
        fixed_charge=funcs["fixed_charge"],
        d_plus=funcs["d_plus"],
        d_minus=funcs["d_minus"],
        kinetic=funcs["kinetic"],
        hydrogen=funcs["hydrogen"],
        symmetric=symmetric,
        nu=-p.z_plus / p.z_minus,
    )
