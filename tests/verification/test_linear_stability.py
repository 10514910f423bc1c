"""Growth rate of a sinusoidal front against the linear stability theory (zndeposit.theory).

Setting: a periodic strip one wavelength wide, a sinusoidal anode surface of
amplitude 1 % of the wavelength, 0.1 M ZnSO4 (preset ZnSO4_dilute: the moving-
boundary correction V_m c0 / t- is 0.15 %), a reservoir 20 um above the surface,
galvanostatic plating. The amplitude is the first Fourier mode of the xi = 0.5
contour (``fourier_mode`` of ``interface_segments``) at every output.

The front advances by ~1 um during a run, so the planar state drifts (the gap L
shrinks, the front concentration c_s = c0 - i L / beta rises): the prediction is
the growth exponent integrated along the run, ``int omega(k; L(t)) dt`` with L
from the mean contour height, and the check compares the mean rate
``ln(A_end / A_start) / (t_end - t_start)`` after a 1 s transient with
``int omega dt / (t_end - t_start)`` (tolerance 10 %). The deposit's own first
Fourier mode, 2/W integral(xi exp(-i k x)), is printed alongside.

Measured (docs/verification.md, "Linear stability"): transport-controlled
case, 90 % of the limiting current, w = 0.5 um, 8 elements per width:
lambda = 8 um -4.3 % (20 s), -4.6 % (10 s, the fast test), 6 um -2.1 %, 4 um -10.4 %
(w = 0.25 um: +6.3 %); the error grows with k l (diffuse interface), so the
checked wavenumbers keep k l <= 0.12. Reaction side (linear kinetics, strong
capillarity, L_sigma = 1e-8, see REACTION): lambda = 2, 3, 4 um decay at +1.4 %,
+0.1 %, -6.0 % of the predicted rate (27, 42, 93 s wall); a growing lambda = 12 um mode
-1.7 % (200 s plated, 628 s wall: not a test). At the default L_sigma = 1e-6 the decay
was 55 % too slow (the lagged normal of the profile flux, see REACTION); with
interface.profile_flux = "normal" and 16 elements per width (REACTION_NORMAL) lambda =
2, 3, 4 um decay at -5.0 %, +4.8 %, +3.4 % (57, 231, 333 s wall; the default flux there:
lambda = 2 um -76 %).
"""

import math

import numpy as np
import pytest

from zndeposit.theory.stability import StabilityParameters, growth_rate, reservoir_state

pytestmark = pytest.mark.fem

CASE = """
title = "linear stability: lambda = {lam} um, {current} A/m^2"
[domain]
width = "{lam} um"
height = "{height} um"
sides = "periodic"
[anode]
thickness = "{anode} um"
[anode.surface]
kind = "sinusoidal"
amplitude = "{amp} um"
wavelength = "{lam} um"
[electrolyte]
preset = "ZnSO4_dilute"
concentration = "0.1 mol/L"
[kinetics]
exchange_current_density = "{i0} A/m^2"
[interface]
energy = "{gamma} J/m^2"
width = "{width} um"
mobility = "{mobility} m^3/(J*s)"
profile_flux = "{flux}"
[top]
kind = "reservoir"
[control]
mode = "galvanostatic"
current_density = "{current} A/m^2"
duration = "{duration} s"
[mesh]
elements_across_interface = {elements}
growth_band = "{band} um"
max_size = "2 um"
[numerics]
dt_initial = "{dt_initial} s"
dt_max = "{dt_max} s"
[output]
interval = "{interval} s"
snapshots = false
"""

ANODE, GAP = 3.0, 20.0  # um: anode surface and reservoir distance


def amplitude_history(directory, text: str) -> dict[str, np.ndarray]:
    """Run a case; at every output the first Fourier mode of the xi = 0.5 contour and of
    the deposit thickness, and the contour's mean height (SI)."""
    import ufl

    from zndeposit.case.load import load_case
    from zndeposit.fem import MPI, dolfinx
    from zndeposit.geometry.mesh import build_mesh_on_rank0, load_mesh
    from zndeposit.log import setup_logging
    from zndeposit.metrics.morphology import fourier_mode, interface_segments
    from zndeposit.solver.driver import output_times
    from zndeposit.solver.simulation import Simulation

    setup_logging()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "case.toml").write_text(text)
    loaded = load_case(directory / "case.toml")
    comm = MPI.COMM_WORLD
    mesh_data = load_mesh(build_mesh_on_rank0(loaded, comm, directory / "cache").msh_path, comm)
    sim = Simulation(loaded, mesh_data)
    p1 = dolfinx.fem.functionspace(sim.mesh, ("Lagrange", 1))
    xi = dolfinx.fem.Function(p1)
    expr = dolfinx.fem.Expression(ufl.split(sim.w)[0], p1.element.interpolation_points)
    width = loaded.case.domain.width
    # first Fourier mode of the deposit thickness, 2/W integral(xi exp(-i k x)) (the
    # column integral of xi is the surface height plus a constant for any profile shape)
    x = ufl.SpatialCoordinate(sim.mesh)
    kx = 2 * math.pi / width * x[0]
    xi_u = ufl.split(sim.w)[0]
    dx = ufl.dx(domain=sim.mesh, degree=4)
    modes = [dolfinx.fem.form((2 / width) * xi_u * f(kx) * dx) for f in (ufl.cos, ufl.sin)]
    rows = []

    def record(s: Simulation) -> None:
        xi.interpolate(expr)
        seg = interface_segments(xi)
        re, im = (comm.allreduce(dolfinx.fem.assemble_scalar(m)) for m in modes)
        contour = abs(fourier_mode(seg, 0.0, width, 1))
        rows.append((s.t, contour, math.hypot(re, im), _mean_height(seg, width)))

    sim.run(output_times(loaded, sim.end_time), on_output=record)
    t, contour, deposit, height = (np.array(c) for c in zip(*rows, strict=True))
    return {"t": t, "amplitude": contour, "deposit": deposit, "height": height}


def _mean_height(seg: np.ndarray, width: float) -> float:
    """Mean height of a graph-like contour: integral of y dx / width, m."""
    p0, p1 = seg[:, 0], seg[:, 1]
    dx = np.abs(p1[:, 0] - p0[:, 0])
    return float(np.sum(0.5 * (p0[:, 1] + p1[:, 1]) * dx) / width)


def predicted_exponent(
    par: StabilityParameters, k: float, current: float, t: np.ndarray, height: np.ndarray
) -> np.ndarray:
    """Int omega(k; L(t)) dt from t[0] (trapezoids), L = reservoir - mean height."""
    top = (ANODE + GAP) * 1e-6
    omega = np.array(
        [growth_rate(par, k, reservoir_state(par, current, top - h))[0] for h in height]
    )
    return np.concatenate([[0.0], np.cumsum(0.5 * (omega[1:] + omega[:-1]) * np.diff(t))])


def measured_vs_theory(tmp_path, label: str, lam: float, settings: dict) -> tuple[float, float]:
    """Run one wavenumber, print the numbers; return (measured, predicted) mean rates, 1/s."""
    par = StabilityParameters(
        c_bulk=100.0,
        diffusivity=8.4694e-10,
        t_plus=0.39762,
        i0=settings["i0"],
        alpha_a=0.75,
        alpha_c=0.25,
        gamma=settings["gamma"],
    )  # fmt: skip  (ZnSO4_dilute at 0.1 M: derive() gives D_amb 8.4694e-10, t+ 0.39762)
    amp0 = settings.get("amplitude", 0.01) * lam  # initial amplitude, um
    text = CASE.format(
        lam=lam, amp=amp0, height=ANODE + GAP, anode=ANODE, **({"flux": "full"} | settings)
    )
    h = amplitude_history(tmp_path / f"lam{lam:g}", text)
    k = 2 * math.pi / (lam * 1e-6)
    # transient: the diffusion layer forms in L^2/(pi^2 D) = 0.05 s, the profile relaxes
    late = h["t"] >= settings.get("start", 1.0) - 1e-9
    t, amp = h["t"][late], h["amplitude"][late]
    exponent = predicted_exponent(par, k, settings["current"], t, h["height"][late])
    span = t[-1] - t[0]
    measured, predicted = math.log(amp[-1] / amp[0]) / span, exponent[-1] / span
    slope = np.polyfit(t, np.log(amp), 1)[0]
    deposit = h["deposit"][late]
    deposit_rate = math.log(deposit[-1] / deposit[0]) / span
    print(f"\n{label}, lambda = {lam:g} um (k l = {k * settings['width'] * 1e-6 / (2 * math.log(9)):.3f}): "
          f"A {amp[0] * 1e9:.2f} -> {amp[-1] * 1e9:.2f} nm over {t[0]:.3g}-{t[-1]:.3g} s; "
          f"mean rate {measured:.5f} 1/s (ln A fit {slope:.5f}; deposit mode {deposit_rate:.5f}), "
          f"theory {predicted:.5f} 1/s "
          f"({100 * (measured / predicted - 1):+.1f} %; tol. 10 %)")  # fmt: skip
    return measured, predicted


# transport-controlled: 90 % of the limiting current to the reservoir (1357 A/m^2 at L = 20 um)
DIFFUSION = {"i0": 100.0, "gamma": 0.5, "width": 0.5, "current": 1221.77, "duration": 20.0,
             "mobility": 1e-6,
             "elements": 8, "band": 1.5, "dt_initial": 0.001, "dt_max": 1.0, "interval": 2.0}  # fmt: skip


def test_diffusion_limited_growth_fast(tmp_path):
    """90 % of i_lim, lambda = 8 um (k l = 0.09): growth rate within 10 % of omega(k)."""
    settings = DIFFUSION | {"duration": 10.0}
    measured, predicted = measured_vs_theory(tmp_path, "diffusion-limited", 8.0, settings)
    assert measured == pytest.approx(predicted, rel=0.10)


@pytest.mark.slow
@pytest.mark.parametrize("lam", [6.0, 12.0])
def test_diffusion_limited_growth(tmp_path, lam):
    """90 % of i_lim, lambda = 6 and 12 um, 20 s (1.2 um advance): within 10 % of omega(k)."""
    measured, predicted = measured_vs_theory(tmp_path, "diffusion-limited", lam, DIFFUSION)
    assert measured == pytest.approx(predicted, rel=0.10)


# reaction side: 25 % of i_lim, linear kinetics (i0 = 1 A/cm^2), strong capillarity: at
# lambda = 2, 3, 4 um the Gibbs-Thomson term outweighs the transport push (S G) and the
# modes decay. Two numerical errors of the sharp formulation scale with L_sigma kappa k^2
# (docs/verification.md): the profile flux uses the normal of the previous step, a
# curvature motion L_sigma kappa (K - K_lag) that divides the rate by 1 + L_sigma kappa k^2 dt,
# and a mesh-dependent lateral transfer (0.4-0.7 % of L_sigma kappa k^2 at 8 el./width). At the
# default L_sigma = 1e-6 (L_sigma kappa k^2 = 67 1/s at lambda = 2 um) they swamp the
# Gibbs-Thomson rate; L_sigma = 1e-8 still keeps the profile (relaxation rate
# L_sigma kappa / l^2 = 5.3 1/s against v / l = 0.14 1/s) and dt_max below keeps
# L_sigma kappa k^2 dt at 0.034 for every wavelength (a 3.3 % slower decay). A normal
# extrapolated in time removes the dt dependence but not the lateral transfer, which then
# dominates at L_sigma = 1e-6 (lambda = 2/3/4 um: -0.60/-0.20/-0.03 against -0.099/-0.035/
# -0.014 1/s); a flux along n only removes most of it (profile_flux = "normal", below).
REACTION = {"i0": 1.0e4, "gamma": 10.0, "width": 0.5, "current": 339.14, "mobility": 1e-8,
            "amplitude": 0.01, "start": 2.0, "elements": 8, "dt_initial": 0.01}  # fmt: skip
#: lambda (um) -> (duration, dt_max, output interval, growth band), s and um: about one
#: e-folding of decay;
#: dt_max also keeps omega dt / 2 (the lagged curvature: explicit Gibbs-Thomson) below 0.5 %
REACTION_RUNS = {2.0: (10.0, 0.05, 1.0, 2.0), 3.0: (20.0, 0.1, 2.0, 2.0),
                 4.0: (50.0, 0.2, 4.0, 2.0)}  # fmt: skip


def _reaction(tmp_path, lam: float, runs: dict = REACTION_RUNS, base: dict = REACTION) -> None:
    duration, dt_max, interval, band = runs[lam]
    settings = base | {"duration": duration, "dt_max": dt_max, "interval": interval,
                       "band": band}  # fmt: skip
    measured, predicted = measured_vs_theory(tmp_path, "reaction side", lam, settings)
    assert predicted < 0 and measured < 0  # capillarity wins: the mode decays
    assert measured == pytest.approx(predicted, rel=0.10)


def test_reaction_side_capillary_decay_fast(tmp_path):
    """Lambda = 2 um decays (theory -0.099 1/s; +0.010 without gamma): within 10 % (+1.4 %)."""
    _reaction(tmp_path, 2.0)


@pytest.mark.slow
@pytest.mark.parametrize("lam", [3.0, 4.0])
def test_reaction_side_capillary_decay(tmp_path, lam):
    """Lambda = 3 and 4 um decay (theory -0.035, -0.014 1/s; +0.009, +0.008 without gamma)."""
    _reaction(tmp_path, lam)


# the same at the default L_sigma = 1e-6 (L_sigma kappa k^2 = 67 1/s at lambda = 2 um, 700
# times the decay rate) with interface.profile_flux = "normal" and 16 elements per width:
# the profile flux acts along the lagged normal inside the interface, so neither its lag
# nor the lateral transfer of its tangential part reach the mode; what is left is the
# grid pinning of the normal flux, which falls off steeply with resolution
# (docs/verification.md: lambda = 2 um -50 % at 8 elements, -3 % at 16). The tangential
# part kept in the profile tails (xi < 0.004) still lags: at lambda = 2 um -3.0 / -5.0 /
# -6.5 % with dt <= 0.05 / 0.1 / 0.2 s. The default flux at 16 elements: -76 % at lambda =
# 2 um (dt <= 0.1 s: its lag, L_sigma kappa k^2 dt = 6.7), so these fail if "normal" is lost.
REACTION_NORMAL = REACTION | {"mobility": 1e-6, "elements": 16, "flux": "normal"}
#: lambda (um) -> (duration, dt_max, output interval, growth band), s and um
REACTION_NORMAL_RUNS = {2.0: (10.0, 0.1, 1.0, 1.0), 3.0: (20.0, 0.1, 2.0, 2.0),
                        4.0: (50.0, 0.2, 4.0, 2.0)}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("lam", [2.0, 3.0, 4.0])
def test_reaction_side_capillary_decay_normal_flux(tmp_path, lam):
    """Default L_sigma, profile flux along n, 16 el.: lambda = 2, 3, 4 um within 10 %.

    Measured -5.0 %, +4.8 %, +3.4 % (theory -0.0992, -0.0350, -0.0144 1/s).
    """
    _reaction(tmp_path, lam, REACTION_NORMAL_RUNS, REACTION_NORMAL)
