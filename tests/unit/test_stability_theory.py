"""The planar-front dispersion relation (zndeposit.theory.stability) against hand-checkable limits."""

import math

import numpy as np
import pytest

from zndeposit.constants import FARADAY, ZN_MOLAR_VOLUME
from zndeposit.metrics.morphology import fourier_mode
from zndeposit.theory.stability import (
    StabilityParameters,
    counter_electrode_state,
    diffusion_factor,
    growth_rate,
    potentiostatic_current,
    reservoir_state,
)

#: 0.1 M ZnSO4 at infinite dilution (preset ZnSO4_dilute), SI
DILUTE = {"c_bulk": 100.0, "diffusivity": 8.4694e-10, "t_plus": 0.39762}
KINETICS = {"i0": 100.0, "alpha_a": 0.75, "alpha_c": 0.25}
V_NF = ZN_MOLAR_VOLUME / (2 * FARADAY)  # m^3/C
GAP = 20e-6


def params(**kw) -> StabilityParameters:
    return StabilityParameters(**(DILUTE | KINETICS | {"gamma": 0.5} | kw))


def test_planar_state_is_butler_volmer_with_the_boltzmann_potential():
    par = params()
    st = reservoir_state(par, 500.0, GAP)
    assert st.gradient == pytest.approx(500.0 * (1 - 0.39762) / (2 * FARADAY * 8.4694e-10))
    assert st.c_surface == pytest.approx(100.0 - st.gradient * GAP)
    assert st.i_cathodic - st.i_anodic == pytest.approx(500.0, rel=1e-10)
    assert st.i_cathodic == pytest.approx(
        100.0 * st.c_surface / 100.0 * math.exp(-0.25 * 2 * par.f * st.eta)
    )
    phi_s = math.log(st.c_surface / 100.0) / (2 * par.f)
    assert st.potential == pytest.approx(st.eta + phi_s)
    with pytest.raises(ValueError, match="limiting current"):
        reservoir_state(par, 1.01 * par.limiting_current(GAP), GAP)


def test_pure_capillary_decay_with_fast_transport():
    """D -> inf, i -> 0: omega = -V_m/(nF) * n f i0 * gamma V_m/(nF) * k^2 (linear kinetics)."""
    par = params(diffusivity=1.0, gamma=2.0)
    k = 2 * np.pi / np.array([1e-6, 3e-6, 10e-6])
    omega = growth_rate(par, k, reservoir_state(par, 1e-6, GAP))
    hand = -V_NF * (2 * par.f * 100.0) * (2.0 * V_NF) * k**2
    assert np.allclose(omega, hand, rtol=1e-5)


def test_large_k_is_capillary_smoothing_of_the_actual_state():
    """K -> inf: the diffusion impedance vanishes, omega -> -V_m/(nF) g Gamma k^2."""
    par = params(gamma=1.0)
    st = reservoir_state(par, 600.0, GAP)
    g = 2 * par.f * (0.25 * st.i_cathodic + 0.75 * st.i_anodic)
    k = np.array([1e9, 1e10])
    hand = -V_NF * g * par.capillary_voltage * k**2
    assert np.allclose(growth_rate(par, k, st), hand, rtol=1e-3)


def test_small_k_and_the_galvanostatic_constraint():
    """K -> 0: Q -> 1/L; galvanostatic removes k = 0, potentiostatic keeps it."""
    par = params()
    st = reservoir_state(par, 600.0, GAP)
    s = (st.i_cathodic + 0.25 * st.i_cathodic + 0.75 * st.i_anodic) / st.c_surface
    beta_q = par.beta / GAP
    hand = V_NF * beta_q * s * st.gradient / (beta_q + s)
    assert growth_rate(par, 0.0, st)[0] == 0.0
    assert growth_rate(par, 0.0, st, galvanostatic=False)[0] == pytest.approx(hand, rel=1e-9)
    assert growth_rate(par, 1e-3, st)[0] == pytest.approx(hand, rel=1e-6)
    assert diffusion_factor(np.array([1e-3, 0.0]), GAP) == pytest.approx(1 / GAP, rel=1e-9)


def test_tafel_reaction_limited_closed_form():
    """Slow kinetics (Tafel), gamma = 0: S = (1 + alpha_c) i / c_s; omega by hand."""
    par = params(i0=0.01, gamma=0.0)
    i = 300.0
    st = reservoir_state(par, i, GAP)
    assert st.i_anodic < 1e-9 * i
    k = 2 * np.pi / 4e-6
    s = 1.25 * i / st.c_surface
    beta_q = par.beta * k / math.tanh(k * GAP)
    hand = V_NF * beta_q * s * (i / par.beta) / (beta_q + s)
    assert growth_rate(par, k, st)[0] == pytest.approx(hand, rel=1e-6)


def test_limiting_current_gives_diffusion_limited_growth():
    """C_s -> 0: omega -> v k coth(k L), v = i V_m/(nF), whatever the kinetics and gamma."""
    par = params(gamma=0.5)
    i = par.limiting_current(GAP) * (1 - 1e-7)
    st = reservoir_state(par, i, GAP)
    k = 2 * np.pi / np.array([1e-6, 4e-6, 40e-6])
    hand = i * V_NF * k / np.tanh(k * GAP)
    assert np.allclose(growth_rate(par, k, st), hand, rtol=1e-3)


def test_counter_electrode_limits():
    """A fast counter electrode acts as a reservoir (coth), a blocking one as no-flux (tanh)."""
    k = 2 * np.pi / np.array([10e-6, 40e-6])
    fast = counter_electrode_state(params(counter_i0=1e9), 300.0, GAP)
    blocking = counter_electrode_state(params(counter_i0=1e-9, gamma=0.5), 1e-9, GAP)
    assert fast.top_sensitivity > 1e4 * params().beta * k.max()
    r = params().beta * k / fast.top_sensitivity
    assert np.allclose(diffusion_factor(k, GAP, params().beta / fast.top_sensitivity),
                       k / np.tanh(k * GAP), rtol=10 * r.max())  # fmt: skip
    assert blocking.top_sensitivity < 1e-10
    q = diffusion_factor(k, GAP, params().beta / blocking.top_sensitivity)
    assert np.allclose(q, k * np.tanh(k * GAP), rtol=1e-6)
    # salt conservation: the profile's mean is c_bulk
    assert 0.5 * (fast.c_surface + fast.c_top) == pytest.approx(100.0)


def test_potentiostatic_state_matches_the_requested_potential():
    par = params()
    for counter in (False, True):
        st = potentiostatic_current(par, -0.2, GAP, counter_electrode=counter)
        assert st.potential == pytest.approx(-0.2, abs=1e-9)
        assert 0 < st.current < par.limiting_current(GAP) * (2 if counter else 1)


def test_transient_correction_is_small():
    """Omega / (D k^2) << 1 at micrometre wavelengths: the quasi-static rate is enough."""
    par = params()
    st = reservoir_state(par, 1000.0, GAP)
    k = 2 * np.pi / np.array([2e-6, 8e-6])
    qs = growth_rate(par, k, st)
    full = growth_rate(par, k, st, quasi_static=False)
    assert np.allclose(full, qs, rtol=1e-6)
    # a growing mode's perturbation decays faster into the electrolyte (q > k): slightly larger
    assert np.all(full > qs)


def test_fourier_mode_of_a_polyline():
    """The contour's first Fourier mode: amplitude and phase of a sampled cosine."""
    width, amp = 4e-6, 0.1e-6
    x = np.linspace(0, width, 401)
    y = 3e-6 + amp * np.cos(2 * np.pi * x / width - 0.3) + 0.02e-6 * np.cos(4 * np.pi * x / width)
    seg = np.stack([np.stack([x[:-1], y[:-1]], 1), np.stack([x[1:], y[1:]], 1)], 1)
    seg[::2] = seg[::2, ::-1]  # orientation does not matter
    a1, a2 = fourier_mode(seg, 0.0, width), fourier_mode(seg, 0.0, width, 2)
    assert abs(a1) == pytest.approx(amp, rel=1e-4)  # polyline: -(k dx)^2/12 = -2e-5
    assert np.angle(a1) == pytest.approx(-0.3, abs=1e-9)
    assert abs(a2) == pytest.approx(0.02e-6, rel=1e-3)
