"""The flat-front test strip as case-file text: the mesh-size studies' common case.

A flat Zn front on a periodic strip of width W and height H with a 5 um anode,
2 M ZnSO4, interface energy 0.5 J/m^2 and width 0.25 um (6 elements across
it), a reservoir on top and 10 mA/cm^2 to 1 mAh/cm^2. Used by
``benchmarks/adaptive_scaling.py`` (how the adapted mesh grows with W and H)
and ``tests/unit/test_show_unknowns.py`` (``zndeposit show``'s estimate against
real adapted meshes), which add nuclei or ``[mesh] adapt = true``.
"""

from __future__ import annotations

__all__ = ["flat_strip_case"]

_TEMPLATE = """
title = "{title}"
[domain]
width = "{w} um"
height = "{h} um"
sides = "periodic"
[anode]
thickness = "5 um"
{nuclei}[electrolyte]
preset = "ZnSO4_2M"
[interface]
energy = "0.5 J/m^2"
width = "0.25 um"
[top]
kind = "reservoir"
[control]
mode = "galvanostatic"
current_density = "10 mA/cm^2"
capacity = "1 mAh/cm^2"
[mesh]
elements_across_interface = 6
{adapt}"""


def flat_strip_case(
    width: float,
    height: float,
    *,
    title: str = "flat strip {w} x {h} um",
    nuclei: str = "",
    adapt: bool | None = None,
) -> str:
    """TOML text of the flat-front strip.

    Args:
        width: strip width W, um (written as given, e.g. ``20`` or ``20.0``).
        height: strip height H, um.
        title: the case title; ``{w}`` and ``{h}`` are replaced by W and H.
        nuclei: TOML of ``[[anode.nuclei]]`` tables, put after the ``[anode]`` section.
        adapt: the ``[mesh] adapt`` key (None: not written, the schema's default).
    """
    if nuclei and not nuclei.endswith("\n"):
        nuclei += "\n"
    return _TEMPLATE.format(
        title=title.format(w=width, h=height),
        w=width,
        h=height,
        nuclei=nuclei,
        adapt="" if adapt is None else f"adapt = {'true' if adapt else 'false'}\n",
    )
