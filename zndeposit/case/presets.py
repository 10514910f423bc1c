"""The materials library: named presets with a source for every value.

Preset files live in ``zndeposit/case/presets/*.toml``; each table is one
preset whose ``sources`` sub-table names the paper or handbook of each value.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

PRESET_DIR = Path(__file__).parent / "presets"

#: case section -> preset file name
CATEGORY_FILES: dict[str, str] = {
    "electrolyte": "electrolytes.toml",
    "kinetics": "kinetics.toml",
    "interface": "interfaces.toml",
    "coatings": "coatings.toml",
    "separator": "separators.toml",
    "chemistry": "chemistry.toml",
}

#: preset applied when a case omits the whole section
DEFAULT_PRESETS: dict[str, str] = {"kinetics": "Zn_ZnSO4", "interface": "Zn_hcp"}


@dataclass(frozen=True)
class Preset:
    """One named preset.

    Attributes:
        name: table name, e.g. ``"ZnSO4_2M"``.
        category: case section it fills, e.g. ``"electrolyte"``.
        file: the TOML file it is defined in.
        values: the values, as written (strings with units); keys of sub-tables dotted,
            e.g. ``"hydrogen.alpha"`` (:meth:`tables` nests them again).
        sources: key -> source text (paper or handbook, with confidence tag); keys of
            sub-tables dotted, e.g. ``"hydrogen.alpha"``.
    """

    name: str
    category: str
    file: Path
    values: dict[str, object] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def tables(self) -> dict[str, Any]:
        """The values with dotted keys nested again into sub-tables (as in a case file)."""
        out: dict[str, Any] = {}
        for dotted, value in self.values.items():
            *parents, key = dotted.split(".")
            node = out
            for part in parents:
                node = node.setdefault(part, {})
            node[key] = value
        return out


class UnknownPresetError(KeyError):
    """A case names a preset that does not exist."""

    def __init__(self, category: str, name: str, known: list[str]):
        hint = difflib.get_close_matches(name, known, n=3)
        did = f"; did you mean {', '.join(repr(h) for h in hint)}?" if hint else ""
        self.message = (
            f"unknown {category} preset {name!r}{did} (known: {', '.join(sorted(known))})"
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


@cache
def presets(category: str) -> dict[str, Preset]:
    """All presets of a category (``"electrolyte"``, ``"coatings"``, ...)."""
    path = PRESET_DIR / CATEGORY_FILES[category]
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    out = {}
    for name, table in data.items():
        values = _dotted({k: v for k, v in table.items() if k != "sources"})
        sources = {k: str(v) for k, v in _dotted(table.get("sources", {})).items()}
        out[name] = Preset(name, category, path, values, sources)
    return out


def _dotted(table: dict[str, object], prefix: str = "") -> dict[str, object]:
    """Values of sub-tables (``[X.hydrogen]``) under dotted keys (``"hydrogen.alpha"``)."""
    out: dict[str, object] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_dotted(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def get_preset(category: str, name: str) -> Preset:
    """Return a preset or raise :class:`UnknownPresetError` with did-you-mean hints."""
    table = presets(category)
    if name not in table:
        raise UnknownPresetError(category, name, list(table))
    return table[name]
