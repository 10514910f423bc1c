"""Element sizes of a case's mesh: the fine growth band, the coarse size, fibre walls.

Auto defaults (each replaced by the ``[mesh]`` key of the same name when given):

- ``band_size`` h = interface.width / mesh.elements_across_interface;
- the fine band spans from ``BAND_BELOW`` interface widths below the lowest
  initial surface point up to the highest initial surface point (nuclei
  included) + ``growth_band``;
- ``growth_band`` = max(3 x deposit thickness + 2 x surface relief,
  10 x interface width), where the deposit thickness is the dense Zn of the
  requested charge (galvanostatic) or of the limiting current over the whole
  run (potentiostatic, capped at 1/6 of the electrolyte height so that the
  3 x deposit part of the band stays within half of it); the band is clipped
  to the domain; with ``mesh.adapt`` only (adapt_band + BAND_BELOW) interface
  widths, since the mesh then follows the front;
- ``max_size`` = min(domain width / 8, electrolyte height / 10), at least h;
- ``fibre_size`` (resolved separator) = mean fibre diameter / 6, between h
  and max_size;
- sizes grow linearly away from the band and the fibres with slope
  ``GRADING`` (element size gained per unit distance).

No gmsh here; lengths in metres.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from zndeposit.case.checks import surface_relief
from zndeposit.case.derived import derive
from zndeposit.case.schema import Case
from zndeposit.constants import zn_thickness_per_charge
from zndeposit.geometry.surface import initial_surface

#: interface widths kept fine below the lowest initial surface point
BAND_BELOW = 4.0
#: element size gained per unit distance away from the fine zones, -
GRADING = 0.3
#: potentiostatic deposit estimate capped at this fraction of the electrolyte height
POTENTIOSTATIC_CAP = 1.0 / 6.0
#: elements across a mean fibre diameter on its wall (auto fibre_size)
FIBRE_DIVISIONS = 6.0


@dataclass(frozen=True)
class MeshSizes:
    """Element sizes and the fine band of a case (all in m).

    Attributes:
        band_size: element size h in the fine band.
        band_bottom: lower edge of the fine band, y.
        band_top: upper edge of the fine band, y.
        growth_band: height kept fine above the highest initial surface point.
        max_size: largest element size.
        fibre_size: element size on fibre walls (None without resolved fibres).
        grading: size gained per unit distance away from fine zones, -.
    """

    band_size: float
    band_bottom: float
    band_top: float
    growth_band: float
    max_size: float
    fibre_size: float | None
    grading: float = GRADING

    def as_dict(self) -> dict[str, float | None]:
        """Plain dict (for hashing and the mesh statistics)."""
        return asdict(self)


def auto_growth_band(case: Case) -> float:
    """Default growth band above the highest initial surface point, m (before clipping)."""
    d = derive(case)
    width = case.interface.width
    electrolyte = case.domain.height - case.anode.thickness
    deposit = d.deposit_thickness
    if deposit is None:  # potentiostatic: at most the limiting current over the run
        deposit = zn_thickness_per_charge(d.limiting_current * d.run_time)
        deposit = min(deposit, POTENTIOSTATIC_CAP * electrolyte)
    return max(3.0 * deposit + 2.0 * surface_relief(case), 10.0 * width)


def mesh_sizes(case: Case) -> MeshSizes:
    """Element sizes of a case's mesh, m (see the module docstring for the defaults)."""
    m, dom = case.mesh, case.domain
    h = case.interface.width / m.elements_across_interface
    surf = initial_surface(case)
    if m.growth_band is not None:
        growth = m.growth_band
    elif m.adapt:  # the first adaptation sizes the mesh from the initial state
        growth = (m.adapt_band + BAND_BELOW) * case.interface.width
    else:
        growth = auto_growth_band(case)
    bottom = max(0.0, surf.y_min - BAND_BELOW * case.interface.width)
    top = min(dom.height, surf.y_max + growth)
    electrolyte = dom.height - case.anode.thickness
    max_size = m.max_size if m.max_size is not None else min(dom.width / 8, electrolyte / 10)
    max_size = max(max_size, h)
    fibre = None
    sep = case.separator
    if sep is not None and sep.kind == "resolved" and sep.fibre_diameter:
        fibre = m.fibre_size or sep.fibre_diameter / FIBRE_DIVISIONS
        fibre = min(max(fibre, h), max_size)
    return MeshSizes(h, bottom, top, top - surf.y_max, max_size, fibre)
