"""Cost of a run through the transport-limited transition against a sub-limiting run.

Three runs of one cell (0.1 M ZnSO4, a 0.5 um semicircular nucleus on an
8 um periodic strip, reservoir 20 um above the anode, 6 elements per
interface width), in this process, one after the other:

- ``sub-limiting``: galvanostatic at 0.5 x the limiting current (the reference);
- ``potentiostatic``: E = -500 mV, through the initial depletion onto the
  limiting current, where the nucleus grows at twice the mean;
- ``past Sand``: galvanostatic at 1.5 x the limiting current, past Sand's
  time until the run stops because the cell cannot carry the current.

Prints accepted/rejected steps, Newton iterations per accepted step, the
longest run of consecutive rejections (before the final stop, and in all),
wall time, and the targets of issue 16: Newton per step at most 2 x the
sub-limiting run's, no step rejected more than 3 times in a row.

Usage::

    .venv/bin/python benchmarks/transport_limited.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from zndeposit.case.load import load_case
from zndeposit.errors import SolverError
from zndeposit.fem import MPI
from zndeposit.geometry.mesh import build_mesh_on_rank0, load_mesh
from zndeposit.solver.simulation import Simulation

CELL = """
title = "transport-limited benchmark: {name}"
[domain]
width = "8 um"
height = "25 um"
sides = "periodic"
[anode]
thickness = "5 um"
[[anode.nuclei]]
x = "4 um"
radius = "0.5 um"
shape = "semicircle"
[electrolyte]
preset = "ZnSO4_dilute"
concentration = "0.1 mol/L"
[kinetics]
exchange_current_density = "10 mA/cm^2"
[interface]
energy = "0.5 J/m^2"
width = "0.5 um"
anisotropy = 0.0
[top]
kind = "reservoir"
[control]
{control}
[mesh]
max_size = "4 um"
growth_band = "1 um"
elements_across_interface = 6
[numerics]
dt_initial = "10 us"
dt_min = "1 us"
dt_max = "25 ms"
"""
#: limiting current of the cell, mA/cm^2 (`zndeposit show`: 2 F c0 D+ 2 / 20 um)
I_LIM = 135.7
RUNS = {
    "sub-limiting": f'mode = "galvanostatic"\ncurrent_density = "{0.5 * I_LIM:.1f} mA/cm^2"\n'
    'duration = "1.5 s"',
    "potentiostatic": 'mode = "potentiostatic"\npotential = "-500 mV"\nduration = "1.5 s"',
    "past Sand": f'mode = "galvanostatic"\ncurrent_density = "{1.5 * I_LIM:.1f} mA/cm^2"\n'
    'duration = "1.5 s"',
}
TARGET_NEWTON_RATIO, TARGET_REJECTIONS = 2.0, 3


def measure(name: str, control: str, folder: Path) -> dict[str, float | str]:
    """Run one case; its step statistics and wall time."""
    path = folder / f"{name.replace(' ', '_')}.toml"
    path.write_text(CELL.format(name=name, control=control))
    loaded = load_case(path)
    info = build_mesh_on_rank0(loaded, MPI.COMM_WORLD, folder / "cache")
    sim = Simulation(loaded, load_mesh(info.msh_path, MPI.COMM_WORLD))
    streak = {"now": 0, "max": 0, "before_stop": 0}

    def on_step(s: Simulation, record: object) -> None:
        streak["before_stop"] = max(streak["before_stop"], streak["now"])
        streak["now"] = 0

    def on_reject(s: Simulation, dt: float, reason: str) -> None:
        streak["now"] += 1
        streak["max"] = max(streak["max"], streak["now"])

    t0, outcome = time.perf_counter(), "finished"
    try:
        sim.run([], on_step=on_step, on_reject=on_reject)
    except SolverError as exc:
        outcome = f"stopped: {str(exc)[:90]}..."
    st = sim.stats
    return {
        "run": name,
        "t_end": sim.t,
        "sand": sim.derived.sand_time or float("nan"),
        "accepted": st.accepted,
        "rejected": st.rejected,
        "newton": st.newton / max(st.accepted, 1),
        "streak_transition": streak["before_stop"],
        "streak_all": streak["max"],
        "wall": time.perf_counter() - t0,
        "outcome": outcome,
    }


def main() -> None:
    """Run the three cases and print the table and the targets."""
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(name, control, Path(tmp)) for name, control in RUNS.items()]
    print("| run | t end (s) | t_s (s) | steps acc/rej | Newton/step | max rejections in a row "
          "(transition / incl. the stop) | wall (s) | outcome |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        steps = f"{r['accepted']}/{r['rejected']}"
        streaks = f"{r['streak_transition']} / {r['streak_all']}"
        print(f"| {r['run']} | {r['t_end']:.4g} | {r['sand']:.3g} | {steps} | {r['newton']:.2f} "
              f"| {streaks} | {r['wall']:.1f} | {r['outcome']} |")  # fmt: skip
    ref = rows[0]["newton"]
    for r in rows[1:]:
        ratio = float(r["newton"]) / float(ref)
        ok_n = "met" if ratio <= TARGET_NEWTON_RATIO else "NOT met"
        ok_r = "met" if int(r["streak_transition"]) <= TARGET_REJECTIONS else "NOT met"
        print(
            f"{r['run']}: Newton/step {ratio:.2f} x sub-limiting (target <= "
            f"{TARGET_NEWTON_RATIO:g}: {ok_n}); longest rejection run before the stop "
            f"{r['streak_transition']} (target <= {TARGET_REJECTIONS}: {ok_r})"
        )


if __name__ == "__main__":
    main()
