"""The one small run of the rendering and report tests, made once per test session.

Both ``tests/viz/conftest.py`` and ``tests/report/conftest.py`` ask for it; the
run lands in the session's base temporary folder, so the second fixture finds
it there instead of solving again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

#: a nucleus on a 4 um periodic strip under a 1 um cation-selective coating (region
#: outlines), coarse mesh, 0.5 s at 40 mA/cm^2: outputs at 0, 0.25 and 0.5 s
CASE = """
title = "rendering test: nucleus under a 1 um ionomer coating, 40 mA/cm^2"
domain = { width = "4 um", height = "8 um", sides = "periodic" }
anode = { thickness = "2 um", nuclei = [{ x = "2 um", radius = "0.8 um" }] }
coatings = [{ preset = "nafion_ionomer", thickness = "1 um" }]
electrolyte = { preset = "ZnSO4_2M" }
interface = { energy = "0.5 J/m^2", width = "0.6 um", anisotropy = 0.0 }
control = { mode = "galvanostatic", current_density = "40 mA/cm^2", duration = "0.5 s" }
mesh = { elements_across_interface = 3 }
numerics = { dt_max = "0.25 s" }
output = { interval = "0.25 s" }
"""
#: output times of CASE, s
TIMES = (0.0, 0.25, 0.5)
#: y of the anode surface and of the top of the coating, um
ANODE_TOP, COATING_TOP = 2.0, 3.0


def shared_run(base: Path, runner: Callable[..., object]) -> Path:
    """``base/viz_run/run``: CASE solved with ``runner`` (tests/conftest.run_case_text) once."""
    folder = base / "viz_run"
    run = folder / "run"
    manifest = run / "manifest.json"
    if not (manifest.is_file() and json.loads(manifest.read_text())["status"] == "finished"):
        runner(folder, CASE)
    return run
