"""Names and integer tags of every physical group: the single source of truth.

Every boundary condition, measure, region property and export refers to
these names; the integers exist only because gmsh and DOLFINx need them.
This module imports neither gmsh nor DOLFINx.
"""

from __future__ import annotations

# Regions (cells), from the current collector up.
ANODE = "anode"
GAP = "gap"
SEPARATOR = "separator"
BULK = "bulk"

# Boundaries (facets).
BOTTOM = "bottom"  # current collector
TOP = "top"  # reservoir or counter electrode
LEFT = "left"
RIGHT = "right"
FIBRE_WALLS = "fibre_walls"  # surfaces of resolved separator fibres (holes)
ANODE_SURFACE = "anode_surface"  # initial metal/electrolyte interface (internal)

#: fixed integer tags of regions; coatings get COATING_TAG0 + index
REGION_TAGS: dict[str, int] = {ANODE: 1, GAP: 2, SEPARATOR: 3, BULK: 4}
COATING_TAG0 = 10
#: fixed integer tags of boundaries
FACET_TAGS: dict[str, int] = {
    BOTTOM: 101,
    TOP: 102,
    LEFT: 103,
    RIGHT: 104,
    FIBRE_WALLS: 105,
    ANODE_SURFACE: 106,
}


def coating_name(index: int, count: int) -> str:
    """Region name of coating ``index`` (0-based, from the anode up) of ``count``."""
    return "coating" if count == 1 else f"coating_{index + 1}"


def region_tag(name: str) -> int:
    """Integer cell tag of a region name (coatings included)."""
    if name in REGION_TAGS:
        return REGION_TAGS[name]
    if name == "coating":
        return COATING_TAG0
    if name.startswith("coating_"):
        return COATING_TAG0 + int(name.removeprefix("coating_")) - 1
    raise KeyError(f"unknown region {name!r}")
