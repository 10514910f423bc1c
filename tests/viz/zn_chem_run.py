"""The small run with side chemistry of the rendering and report tests, made once per session.

Like :mod:`zn_viz_run` (no coating: side chemistry does not support fixed charges
yet): a nucleus on a 4 um strip in 2 M ZnSO4 at pH 4 with hydrogen evolution and
ZHS, 0.5 s at 40 mA/cm^2, outputs at 0, 0.25 and 0.5 s (~20 s to solve).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

CASE = """
title = "chemistry rendering test: nucleus at pH 4 with HER and ZHS, 40 mA/cm^2"
domain = { width = "4 um", height = "8 um", sides = "periodic" }
anode = { thickness = "2 um", nuclei = [{ x = "2 um", radius = "0.8 um" }] }
electrolyte = { preset = "ZnSO4_2M" }
interface = { energy = "0.5 J/m^2", width = "0.6 um", anisotropy = 0.0 }
chemistry = { ph = 4.0 }
control = { mode = "galvanostatic", current_density = "40 mA/cm^2", duration = "0.5 s" }
mesh = { elements_across_interface = 3 }
numerics = { dt_max = "0.25 s" }
output = { interval = "0.25 s" }
"""
#: output times of CASE, s
TIMES = (0.0, 0.25, 0.5)


def shared_chem_run(base: Path, runner: Callable[..., object]) -> Path:
    """``base/chem_run/run``: CASE solved with ``runner`` (tests/conftest.run_case_text) once."""
    folder = base / "chem_run"
    run = folder / "run"
    manifest = run / "manifest.json"
    if not (manifest.is_file() and json.loads(manifest.read_text())["status"] == "finished"):
        runner(folder, CASE)
    return run
