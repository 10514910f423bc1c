"""Adaptive against fixed mesh: unknowns, wall time and accuracy on one growing nucleus.

The benchmark strip of ``benchmarks/dendrite.toml`` (a 2 um semicircular Zn
nucleus on a 10 x 40 um periodic strip, 2 M ZnSO4 under a reservoir) plated at
``--current`` for ``--duration`` with the solver's own step control, run twice
in this process, one after the other, with ``zndeposit run``:

- ``fixed``: the fixed fine band (the reference);
- ``adaptive``: ``[mesh] adapt = true`` with the default knobs.

Prints unknowns (at the end, and the largest of the adaptive run), accepted
steps, wall time of the time loop, the share of the adaptive run spent
adapting, the tip rise and front advance (docs/metrics.md) of both and their
differences, and the targets: within 2 % on tip rise and front advance,
>= 10 x fewer unknowns, >= 5 x faster, adaptation < 15 % of the run.

Usage::

    .venv/bin/python benchmarks/adaptive_vs_fixed.py [--current "50 mA/cm^2"] [--duration "20 s"]
    # a taller deposit (about 10 um) on a 60 um strip, as in docs/performance.md:
    .venv/bin/python benchmarks/adaptive_vs_fixed.py --duration "400 s" --height 60 \
        --elements 4 --max-xi-change 0.1
    # the two variants as two processes, then the comparison:
    ... --variant fixed --save fixed.json &  ... --variant adaptive --save adaptive.json
    .venv/bin/python benchmarks/adaptive_vs_fixed.py --compare fixed.json adaptive.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from zndeposit.case.load import load_case
from zndeposit.io.metrics_csv import read_metrics
from zndeposit.solver.driver import run_case

HERE = Path(__file__).resolve().parent


def case_text(
    current: str,
    duration: str,
    elements: float,
    adapt: bool,
    width: float = 10.0,
    height: float = 40.0,
    adapt_band: float = 2.0,
    max_xi_change: float = 0.05,
    concentration_error: float | None = None,
) -> str:
    """The benchmark strip with the control and mesh replaced (width, height in um)."""
    text = (HERE / "dendrite.toml").read_text()
    text = text.replace('current_density = "10 mA/cm^2"', f'current_density = "{current}"')
    text = text.replace('duration = "4 s"', f'duration = "{duration}"')
    text = text.replace('width = "10 um"', f'width = "{width:g} um"')
    text = text.replace('height = "40 um"', f'height = "{height:g} um"')
    text = text.replace('x = "5 um"', f'x = "{width / 2:g} um"')
    text = text.replace(
        "elements_across_interface = 8",
        f"elements_across_interface = {elements}\nadapt = {'true' if adapt else 'false'}"
        + (f"\nadapt_band = {adapt_band:g}" if adapt else "")
        + (
            f"\nadapt_concentration_error = {concentration_error:g}"
            if adapt and concentration_error is not None
            else ""
        ),
    )
    numerics = f'dt_max = "2 s"\nmax_xi_change = {max_xi_change:g}'
    text = text.replace('dt_initial = "0.5 s"\ndt_max = "0.5 s"', numerics)
    return text.replace('interval = "2 s"', "count = 4")


def one(work: Path, name: str, text: str) -> dict[str, float]:
    """Run one variant; its figures."""
    path = work / f"{name}.toml"
    path.write_text(text)
    out = work / name
    run_case(load_case(path), out, cache_dir=work / "cache", progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    rows = read_metrics(out / "metrics.csv")
    adapt = manifest.get("adaptation") or {}
    loop = manifest["timings_s"]["time_loop"]
    return {
        "unknowns_start": manifest["mesh"]["dofs"],
        "nodes_max": adapt.get("nodes_max") or manifest["mesh"]["dofs"] / 3,
        "steps": manifest["solver"]["steps_accepted"],
        "loop_s": loop,
        "adapt_share": adapt.get("seconds", 0.0) / loop,
        "adaptations": adapt.get("count", 0),
        "tip_rise_um": float(rows["tip_rise"][-1]),
        "front_advance_um": float(rows["front_advance"][-1]),
    }


def main() -> None:
    """Run both variants and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--current", default="50 mA/cm^2", help='applied current, e.g. "50 mA/cm^2"')
    ap.add_argument("--duration", default="20 s", help='plating time, e.g. "20 s"')
    ap.add_argument("--elements", type=float, default=6, help="elements across the interface")
    ap.add_argument("--width", type=float, default=10.0, help="strip width, um")
    ap.add_argument("--height", type=float, default=40.0, help="strip height, um")
    ap.add_argument("--adapt-band", type=float, default=2.0, help="[mesh] adapt_band (adaptive)")
    ap.add_argument("--max-xi-change", type=float, default=0.05, help="[numerics] max_xi_change")
    ap.add_argument(
        "--concentration-error",
        type=float,
        help="[mesh] adapt_concentration_error (adaptive; default: the case default)",
    )
    ap.add_argument(
        "--variant",
        choices=("both", "fixed", "adaptive"),
        default="both",
        help="run one variant only and save its figures to --save (two processes in parallel)",
    )
    ap.add_argument("--save", type=Path, help="JSON file for one variant's figures")
    ap.add_argument(
        "--compare", nargs=2, type=Path, metavar=("FIXED", "ADAPTIVE"), help="compare saved runs"
    )
    args = ap.parse_args()
    geometry = (
        args.width,
        args.height,
        args.adapt_band,
        args.max_xi_change,
        args.concentration_error,
    )
    variants = {"fixed": False, "adaptive": True}
    if args.compare:
        pairs = zip(variants, args.compare, strict=True)
        res = {name: json.loads(path.read_text()) for name, path in pairs}
    else:
        chosen = variants if args.variant == "both" else {args.variant: variants[args.variant]}
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            res = {
                name: one(
                    work,
                    name,
                    case_text(args.current, args.duration, args.elements, adapt, *geometry),
                )
                for name, adapt in chosen.items()
            }
        if args.variant != "both":
            print(args.variant, json.dumps(res[args.variant]))
            if args.save:
                args.save.write_text(json.dumps(res[args.variant]))
            return
    f, a = res["fixed"], res["adaptive"]
    for name, r in res.items():
        print(name, json.dumps(r))
    fewer = f["nodes_max"] / a["nodes_max"]
    faster = f["loop_s"] / a["loop_s"]
    d_tip = a["tip_rise_um"] / f["tip_rise_um"] - 1
    d_front = a["front_advance_um"] / f["front_advance_um"] - 1
    print(f"tip rise {a['tip_rise_um']:.4g} vs {f['tip_rise_um']:.4g} um: {100 * d_tip:+.2f} %")
    print(f"front advance {a['front_advance_um']:.4g} vs {f['front_advance_um']:.4g} um: "
          f"{100 * d_front:+.2f} %")  # fmt: skip
    share = 100 * a["adapt_share"]
    print(f"nodes: {fewer:.1f} x fewer (target >= 10); time loop {faster:.1f} x faster "
          f"(target >= 5); adaptation {share:.1f} % of the run (target < 15)")  # fmt: skip


if __name__ == "__main__":
    main()
