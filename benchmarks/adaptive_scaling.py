"""How the adapted mesh grows with the domain: width (interface length) vs height.

A flat front on a periodic strip of width W and height H (2 M ZnSO4,
interface width 0.25 um, 6 elements across it, reservoir on top: the case
of ``zndeposit.case.strip.flat_strip_case``). The
initial state is put on the case's fixed-band mesh and one adaptation
sizes the mesh from it (interface band, concentration and potential
indicators); the number of nodes of the adapted mesh is printed for
W x H, 2W x H and W x 2H, with the ratios and the targets: doubling the
width (the interface length) at most 2.2 x the unknowns, doubling the
height at most 1.2 x. Also prints the fixed-band mesh of the same case.

Usage::

    .venv/bin/python benchmarks/adaptive_scaling.py [--width 20] [--height 60]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from zndeposit.adapt.adaptor import AdaptSettings, MeshAdaptor, initial_adaptation
from zndeposit.case.load import load_case
from zndeposit.case.strip import flat_strip_case
from zndeposit.fem import MPI
from zndeposit.geometry.mesh import build_mesh_on_rank0, load_mesh
from zndeposit.solver.simulation import Simulation


def nodes(width: float, height: float, work: Path) -> tuple[int, int, float]:
    """(fixed-band nodes, adapted nodes, adaptation wall time s) of one strip."""
    comm = MPI.COMM_WORLD
    path = work / f"case_{width:g}x{height:g}.toml"
    path.write_text(flat_strip_case(width, height, title="adaptive scaling {w} x {h} um"))
    loaded = load_case(path)
    info = build_mesh_on_rank0(loaded, comm, work / "cache")
    sim = Simulation(loaded, load_mesh(info.msh_path, comm))
    fixed = sim.model.mesh.topology.index_map(0).size_global
    adaptor = MeshAdaptor(loaded.case, AdaptSettings(), work / f"seg_{width:g}x{height:g}", comm)
    t0 = time.perf_counter()
    new = initial_adaptation(
        adaptor, sim.model, lambda m: m.set_initial_state(loaded.case, sim.derived)
    )
    seconds = time.perf_counter() - t0
    return fixed, new.mesh.topology.index_map(0).size_global, seconds


def main() -> None:
    """Print the node counts and the ratios against the targets."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=float, default=20.0, help="strip width W, um")
    ap.add_argument("--height", type=float, default=60.0, help="strip height H, um")
    args = ap.parse_args()
    w, h = args.width, args.height
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = {
            "W x H": nodes(w, h, work),
            "2W x H": nodes(2 * w, h, work),
            "W x 2H": nodes(w, 2 * h, work),
        }
    if MPI.COMM_WORLD.rank:
        return
    print(f"{'strip':8s} {'fixed nodes':>12s} {'adapted nodes':>14s} {'adapt s':>8s}")
    for name, (fixed, adapted, sec) in rows.items():
        print(f"{name:8s} {fixed:12d} {adapted:14d} {sec:8.2f}")
    base = rows["W x H"][1]
    width_ratio, height_ratio = rows["2W x H"][1] / base, rows["W x 2H"][1] / base
    for name, ratio, target in (("2W / W", width_ratio, 2.2), ("2H / H", height_ratio, 1.2)):
        verdict = "met" if ratio <= target else "MISSED"
        print(f"{name}: {ratio:.2f} (target <= {target}) {verdict}")


if __name__ == "__main__":
    main()
