"""Probe of the capillary decay of a small sinusoid (reaction side of the linear-stability check).

Runs a periodic strip one wavelength wide with a sinusoidal anode surface and
records at every output:

* the amplitude of the xi = 0.5 contour (first Fourier mode);
* the first Fourier mode of the column integral of the Faradaic rate R (m/s)
  and of the column deposit integral(xi dy) (m);
* the fields along the crest (x = 0) and the trough (x = lambda/2) columns:
  xi, n f eta_eff, n f (E - phi), u = ln(c/c_bulk), psi, K, R.

Usage: .venv/bin/python scripts/capillary_probe.py OUT_DIR [key=value ...]
(keys of DEFAULTS: lam, i0, gamma, current, D (D+ = D- in m^2/s; 0: the preset's),
elements, mobility, duration, interval, gap, dt_max, amp_frac, ...). The theory
printed at the end is omega(k) of zndeposit.theory for the run's parameters (pure
capillary decay with the fast default transport); the column-integrated rate mode
R1 over the amplitude is the model's own Gibbs-Thomson rate, and d(M1)/dt - R1 the
lateral transfer by the profile flux
(docs/verification.md, linear stability).
Results go to OUT_DIR/probe.npz and a printed table.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

CASE = """
title = "capillary probe"
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
D_cation = "{D} m^2/s"
D_anion = "{D} m^2/s"
[kinetics]
exchange_current_density = "{i0} A/m^2"
[interface]
energy = "{gamma} J/m^2"
width = "{width} um"
mobility = "{mobility} m^3/(J*s)"
[top]
kind = "reservoir"
[control]
mode = "galvanostatic"
current_density = "{current} A/m^2"
duration = "{duration} s"
[mesh]
elements_across_interface = {elements}
growth_band = "{band} um"
max_size = "1 um"
[numerics]
dt_initial = "{dt_initial} s"
dt_max = "{dt_max} s"
[output]
interval = "{interval} s"
fields = ["xi"]
snapshots = false
"""

DEFAULTS = {
    "lam": 2.0, "i0": 1.0e4, "gamma": 10.0, "current": 100.0, "D": 1e-8, "width": 0.5,
    "elements": 8, "mobility": 1e-6, "duration": 3.0, "interval": 0.25, "gap": 5.0,
    "band": 1.5, "dt_initial": 0.01, "dt_max": 0.25, "anode": 3.0, "amp_frac": 0.01,
}  # fmt: skip


def main(out: Path, settings: dict) -> None:
    """Run the probe case with ``settings`` (see DEFAULTS) and write OUT/probe.npz."""
    import ufl

    from zndeposit.case.load import load_case
    from zndeposit.fem import MPI, dolfinx
    from zndeposit.geometry.mesh import build_mesh_on_rank0, load_mesh
    from zndeposit.log import setup_logging
    from zndeposit.metrics.morphology import fourier_mode, interface_segments
    from zndeposit.physics import interface as itf
    from zndeposit.solver.driver import output_times
    from zndeposit.solver.simulation import Simulation

    s = settings
    setup_logging()
    out.mkdir(parents=True, exist_ok=True)
    text = CASE.format(
        height=s["anode"] + s["gap"], amp=s["amp_frac"] * s["lam"], **s
    )  # fmt: skip
    if s["D"] <= 0:  # the preset's diffusivities
        text = "\n".join(line for line in text.splitlines() if not line.startswith("D_"))
    (out / "case.toml").write_text(text)
    loaded = load_case(out / "case.toml")
    comm = MPI.COMM_WORLD
    mesh_data = load_mesh(build_mesh_on_rank0(loaded, comm, out / "cache").msh_path, comm)
    sim = Simulation(loaded, mesh_data)
    p = sim.params
    lam = s["lam"] * 1e-6
    k = 2 * math.pi / lam
    mesh = sim.mesh
    p1 = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    xi_f = dolfinx.fem.Function(p1)
    xi_u = ufl.split(sim.w)[0]
    xi_e = dolfinx.fem.Expression(xi_u, p1.element.interpolation_points)
    x = ufl.SpatialCoordinate(mesh)
    cosk = ufl.cos(k * x[0])
    rate = (
        -sim.forms.interfacial_current
        / (p.n * p.faraday * p.rho_m)
        * itf.reaction_weight(xi_u, p.length)
    )
    dx = ufl.dx(domain=mesh, degree=6)
    f_rate = dolfinx.fem.form((2 / lam) * rate * cosk * dx)
    f_mean = dolfinx.fem.form((1 / lam) * rate * dx)
    f_col = dolfinx.fem.form((2 / lam) * xi_u * cosk * dx)
    _, u_u, psi_u = ufl.split(sim.w)
    fields = {
        "xi": xi_u,
        "nfeta": sim.forms.n_f_eta,
        "nfEphi": p.n * (sim.psi_e - psi_u),
        "u": u_u,
        "psi": psi_u,
        "K": sim.curvature_projector.curvature,
        "R": rate,
    }
    # probe points: crest (x = 0+) and trough (x = lam/2), y across the band
    y0 = s["anode"] * 1e-6
    ys = y0 + np.linspace(-0.6e-6, 0.6e-6, 121)
    pts = {}
    for name, xc in (("crest", 1e-9), ("trough", lam / 2)):
        pts[name] = np.column_stack([np.full_like(ys, xc), ys, np.zeros_like(ys)])
    tree = dolfinx.geometry.bb_tree(mesh, mesh.topology.dim)
    dg = dolfinx.fem.functionspace(mesh, ("DG", 1))
    probe_fn = dolfinx.fem.Function(dg)
    exprs = {
        n: dolfinx.fem.Expression(e, dg.element.interpolation_points) for n, e in fields.items()
    }

    def cells_of(points):
        cand = dolfinx.geometry.compute_collisions_points(tree, points)
        col = dolfinx.geometry.compute_colliding_cells(mesh, cand, points)
        return np.array([col.links(i)[0] for i in range(len(points))], dtype=np.int32)

    cells = {n: cells_of(pt) for n, pt in pts.items()}
    rows, profiles = [], []

    def record(sm: Simulation) -> None:
        xi_f.interpolate(xi_e)
        seg = interface_segments(xi_f)
        a = fourier_mode(seg, 0.0, lam, 1)
        r1 = dolfinx.fem.assemble_scalar(f_rate)
        r0 = dolfinx.fem.assemble_scalar(f_mean)
        m1 = dolfinx.fem.assemble_scalar(f_col)
        hist = sm.stats.history
        dt_last = hist[-1].dt if hist else 0.0
        rows.append((sm.t, a.real, a.imag, r0, r1, m1, float(sm.psi_e.x.array[0]), dt_last))
        prof = {}
        for n, e in exprs.items():
            probe_fn.interpolate(e)
            for side, pt in pts.items():
                prof[f"{side}_{n}"] = probe_fn.eval(pt, cells[side]).ravel()
        profiles.append(prof)
        print(
            f"t={sm.t:7.3f} A={a.real * 1e9:8.4f} nm  R0={r0 * 1e9:8.4f} nm/s  "
            f"R1={r1 * 1e9:8.4f} nm/s  M1={m1 * 1e9:8.4f} nm  dt={dt_last:.4g} s",
            flush=True,
        )

    record(sim)
    sim.run(output_times(loaded, sim.end_time), on_output=record)
    data = {n: np.array(v) for n, v in zip(("t", "a_re", "a_im", "r0", "r1", "m1", "psi_e", "dt"),
                                             zip(*rows, strict=True), strict=True)}  # fmt: skip
    for key in profiles[0]:
        data[key] = np.array([pr[key] for pr in profiles])
    data["y"] = ys
    # theory: pure capillary decay with fast transport
    from zndeposit.theory.stability import StabilityParameters, growth_rate, reservoir_state

    par = StabilityParameters.from_model(p)
    state = reservoir_state(par, s["current"], s["gap"] * 1e-6)
    omega = growth_rate(par, k, state)[0]
    data["omega_theory"] = np.array(omega)
    t, a = data["t"], data["a_re"]
    late = t >= 0.5
    fit = np.polyfit(t[late], np.log(np.abs(a[late])), 1)[0]
    print(f"omega theory {omega:.5f} 1/s, measured (ln A fit t >= 0.5) {fit:.5f} 1/s "
          f"({100 * (fit / omega - 1):+.1f} %)")  # fmt: skip
    np.savez(out / "probe.npz", **data)


if __name__ == "__main__":
    target = Path(sys.argv[1])
    opts = dict(DEFAULTS)
    for arg in sys.argv[2:]:
        key, value = arg.split("=")
        opts[key] = type(DEFAULTS[key])(float(value)) if key != "elements" else int(value)
    main(target, opts)
