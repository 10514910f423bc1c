"""Shared fixtures: a minimal valid case written to a temporary file."""

from __future__ import annotations

import gc
import textwrap
from pathlib import Path

import pytest

BASE_CASE = """
title = "test case"
[domain]
width = "40 um"
height = "120 um"
sides = "periodic"
[anode]
thickness = "10 um"
[electrolyte]
preset = "ZnSO4_2M"
[kinetics]
exchange_current_density = "1 mA/cm^2"
[interface]
energy = "0.5 J/m^2"
width = "0.5 um"
[control]
mode = "galvanostatic"
current_density = "10 mA/cm^2"
capacity = "1 mAh/cm^2"
"""


@pytest.fixture
def write_case(tmp_path: Path):
    """Write BASE_CASE plus extra TOML text to a file and return its path."""

    def _write(extra: str = "", base: str = BASE_CASE, name: str = "case.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(base) + "\n" + textwrap.dedent(extra))
        return path

    return _write


@pytest.fixture(autouse=True)
def _collect_garbage():
    """Run collective destructors (PETSc objects) promptly, as DOLFINx's own tests do."""
    yield
    gc.collect()
