"""Shared fixtures: a minimal valid case written to a temporary file."""

from __future__ import annotations

import gc
import math
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


def run_case_text(directory: Path, text: str, may_fail: bool = False):
    """Write a case file into ``directory``, run it, return (loaded case, metrics table).

    ``may_fail``: a SolverError ends the run early (e.g. galvanostatic past Sand's time)
    and the metrics written so far are returned.
    """
    from zndeposit.case.load import load_case
    from zndeposit.errors import SolverError
    from zndeposit.io.metrics_csv import read_metrics
    from zndeposit.log import setup_logging
    from zndeposit.solver.driver import run_case

    setup_logging()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "case.toml"
    path.write_text(text)
    loaded = load_case(path)
    try:
        run_case(loaded, directory / "run", cache_dir=directory / "cache", progress=False)
    except SolverError:
        if not may_fail:
            raise
    return loaded, read_metrics(directory / "run" / "metrics.csv")


@pytest.fixture(scope="session")
def case_runner():
    """The :func:`run_case_text` helper, for tests that run whole cases."""
    return run_case_text


def ellipe(m: float) -> float:
    """Complete elliptic integral of the second kind E(m) by the AGM."""
    a, b, c = 1.0, math.sqrt(1.0 - m), math.sqrt(m)
    s, p = 0.5 * c * c, 0.5
    while abs(c) > 1e-16:
        a, b, c = 0.5 * (a + b), math.sqrt(a * b), 0.5 * (a - b)
        p *= 2.0
        s += p * c * c
    return math.pi / (2.0 * a) * (1.0 - s)


def sine_length_ratio(amplitude: float, wavelength: float) -> float:
    """Arc length per period / period of y = a sin(2 pi x / wavelength) (closed form)."""
    ak = amplitude * 2 * math.pi / wavelength
    return 2 / math.pi * math.sqrt(1 + ak**2) * ellipe(ak**2 / (1 + ak**2))


@pytest.fixture(scope="session")
def sine_length():
    """The :func:`sine_length_ratio` closed form."""
    return sine_length_ratio


def butler_volmer_current(potential: float, i0: float, alpha_a: float, n: int = 2) -> float:
    """Plating current density (units of i0, > 0 cathodic) at overpotential ``potential`` (V).

    i = -i0 (exp(alpha_a n f eta) - exp(-(1 - alpha_a) n f eta)), f = F/(R T) at 298.15 K.
    """
    from zndeposit.constants import FARADAY, GAS_CONSTANT

    f = FARADAY / (GAS_CONSTANT * 298.15)
    return -i0 * (
        math.exp(alpha_a * n * f * potential) - math.exp(-(1 - alpha_a) * n * f * potential)
    )


@pytest.fixture(scope="session")
def butler_volmer():
    """The :func:`butler_volmer_current` closed form."""
    return butler_volmer_current
