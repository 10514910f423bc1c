"""interface.profile_flux: the case key, its warning, and that the model uses it.

"full" (default) is the profile flux grad xi + xi (1 - xi)/l n; "normal" drops its
tangential part inside the interface (docs/solver.md). Its accuracy is checked by the
reaction-side linear-stability tests (tests/verification/test_linear_stability.py).
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from zndeposit.case.load import load_case
from zndeposit.solver.model import ModelSettings


def _warnings(loaded, key):
    return [w for w in loaded.warnings if w.key == key]


def test_default_is_full_and_normal_is_carried_into_the_settings(write_case):
    loaded = load_case(write_case())
    assert loaded.case.interface.profile_flux == "full"
    assert ModelSettings.from_case(loaded.case).params.profile_flux == "full"
    loaded = load_case(
        write_case("[mesh]\nelements_across_interface = 16\n"),
        overrides={"interface.profile_flux": "normal"},
    )
    assert ModelSettings.from_case(loaded.case).params.profile_flux == "normal"
    assert loaded.warnings == []


def test_normal_flux_on_a_coarse_mesh_warns_with_the_measured_numbers(write_case):
    loaded = load_case(write_case(), overrides={"interface.profile_flux": "normal"})
    (w,) = _warnings(loaded, "interface.profile_flux")
    assert w.severity == "warning" and "-50 % at 8" in w.message and "-3 % at 16" in w.message
    text = (
        write_case()
        .read_text()
        .replace('width = "0.5 um"\n', 'width = "0.5 um"\nformulation = "chen2015"\n')
    )
    loaded = load_case(write_case(base=text), overrides={"interface.profile_flux": "normal"})
    assert "ignores it" in _warnings(loaded, "interface.profile_flux")[0].message


def _stepper_module():
    path = Path(__file__).with_name("test_model_stepper.py")
    spec = importlib.util.spec_from_file_location("_model_stepper", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.fem
def test_the_model_uses_the_normal_flux():
    """Same start, three steps: flat front equal, a wavy one differs; kept on a rebuild."""
    from zndeposit.solver.model import DepositionModel
    from zndeposit.solver.stepper import Stepper, StepperSettings

    ms = _stepper_module()
    stepping = StepperSettings(end_time=0.06, dt_initial=0.02, dt_max=0.02, max_xi_change=None)

    def run(flux: str, amplitude: float) -> tuple[np.ndarray, DepositionModel]:
        params = dataclasses.replace(ms.PARAMS, profile_flux=flux)
        settings = ModelSettings(
            params=params, width=ms.WIDTH, galvanostatic=True, current_density=ms.CURRENT,
            periodic=True, element_size=ms.WIDTH / 12,
        )  # fmt: skip
        model = DepositionModel(ms.strip_mesh(), settings)
        k = 2 * np.pi / ms.WIDTH
        model.set_state_from(
            xi=lambda x: 0.5 * (1 - np.tanh(
                (x[1] - ms.ANODE - amplitude * np.cos(k * x[0])) / (2 * ms.L))),
            u=lambda x: np.zeros(x.shape[1]),
            psi=lambda x: -params.f * ms.CURRENT * (ms.HEIGHT - x[1]) / ms.BULK.conductivity,
            potential=-0.05,
        )  # fmt: skip
        Stepper(model, stepping).run()
        return model.get_state()["xi"], model

    flat_full, _ = run("full", 0.0)
    flat_normal, _ = run("normal", 0.0)
    wavy_full, _ = run("full", 0.3e-6)
    wavy_normal, model = run("normal", 0.3e-6)
    flat = np.max(np.abs(flat_normal - flat_full))  # the tangential part is ~0 on a flat front
    wavy = np.max(np.abs(wavy_normal - wavy_full))
    print(f"\nmax |xi_normal - xi_full| after 3 steps: flat {flat:.3g}, wavy {wavy:.3g}")
    assert flat < 1e-5 and wavy > 30 * flat
    rebuilt = DepositionModel(ms.strip_mesh(), model.settings)  # as the remesher does
    assert rebuilt.params.profile_flux == "normal"
