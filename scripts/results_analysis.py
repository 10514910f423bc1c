"""Analysis of the results study (scripts/results.py): morphology from snapshots, tables."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from results import Run

CASES = Path(__file__).resolve().parents[1] / "cases"


# --------------------------------------------------------------------------- analysis
def segments(snap: Any, xi: np.ndarray) -> np.ndarray:
    """The xi = 0.5 contour (um) of one snapshot."""
    from zndeposit.metrics.morphology import contour_segments

    return contour_segments(snap["points"], snap["triangles"], xi, 0.5)


def directional_growth(
    snap: Any, centre: tuple[float, float], angles_deg: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distance (um) from ``centre`` to the xi = 0.5 contour along rays at angles from +y.

    Angles are positive towards +x. Returns (r at the first output, r at the last);
    the farthest crossing of each ray is taken.
    """

    def radii(seg: np.ndarray) -> np.ndarray:
        p0, d = seg[:, 0] - centre, seg[:, 1] - seg[:, 0]
        out = np.full(len(angles_deg), np.nan)
        for k, a in enumerate(np.radians(angles_deg)):
            u = np.array([math.sin(a), math.cos(a)])
            # centre + r u = p0 + s d  ->  [u, -d] [r, s]^T = p0
            det = u[0] * (-d[:, 1]) - u[1] * (-d[:, 0])
            ok = np.abs(det) > 1e-14
            r = np.where(
                ok, (p0[:, 0] * (-d[:, 1]) - p0[:, 1] * (-d[:, 0])) / np.where(ok, det, 1), -1
            )
            s = np.where(ok, (u[0] * p0[:, 1] - u[1] * p0[:, 0]) / np.where(ok, det, 1), -1)
            hit = ok & (r > 0) & (s >= 0) & (s <= 1)
            if hit.any():
                out[k] = r[hit].max()
        return out

    return radii(segments(snap, snap["xi"][0])), radii(segments(snap, snap["xi"][-1]))


def highest_point(seg: np.ndarray) -> tuple[float, float]:
    """(x, y) in um of the highest point of a contour."""
    pts = seg.reshape(-1, 2)
    k = int(np.argmax(pts[:, 1]))
    return float(pts[k, 0]), float(pts[k, 1])


def deposit_areas(snap: Any) -> np.ndarray:
    """Area (um^2) between each output's xi field and the first: the geometric deposit.

    Exact for the P1 fields (vertex mean times triangle area); counts metal grown
    into a porous layer at full volume (unlike ``thickness_mean``, dense Zn).
    """
    p, t = snap["points"], snap["triangles"]
    a, b, c = p[t[:, 0]], p[t[:, 1]], p[t[:, 2]]
    area = 0.5 * np.abs(
        (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
    )
    dxi = snap["xi"] - snap["xi"][0]
    return (dxi[:, t].mean(axis=2) * area).sum(axis=1)


def uniform_growth(snap: Any, seg0: np.ndarray, width: float) -> dict[str, Any]:
    """How far uniform growth of the same deposit would move the interface (claim-1 baseline).

    Uniform growth moves every point of the initial interface by the same normal
    distance d: the metal becomes its dilation by a disc of radius d, and the tip
    of a nucleus rises by d. At each output d is set so that the dilation adds
    the simulated deposit area (:func:`deposit_areas`). Lengths in um; the
    dilation is evaluated on a grid of d and interpolated.
    """
    from zndeposit.metrics.morphology import height_profile

    areas = deposit_areas(snap)
    pts = np.concatenate([seg0.reshape(-1, 2), seg0.mean(axis=1)])
    fine = np.linspace(0.0, width, 1601)
    base = np.interp(fine, *height_profile(seg0, 0.0, width, 1600))
    dx = np.abs(fine[:, None] - pts[None, :, 0])
    dx = np.minimum(dx, width - dx)  # periodic images along x
    grid = np.linspace(0.0, 1.3 * max(areas.max(), 1e-9) / width, 80)
    area_d = np.zeros_like(grid)
    for j, d in enumerate(grid[1:], start=1):
        cap = np.where(
            dx <= d, pts[None, :, 1] + np.sqrt(np.clip(d * d - dx * dx, 0, None)), -np.inf
        )
        area_d[j] = np.trapezoid(np.maximum(base, cap.max(axis=1)) - base, fine)
    d_out = np.interp(areas, area_d, grid)
    return {
        "deposit_area_um2": float(areas[-1]),
        "uniform_distance_um": float(d_out[-1]),
        "uniform_distance_series": d_out.tolist(),
    }


def summarise(run: Run, out: Path, info: dict[str, Any]) -> dict[str, Any]:
    """The numbers of one run from its metrics.csv and snapshots."""
    from zndeposit.case.load import load_case
    from zndeposit.io.metrics_csv import read_metrics

    m = read_metrics(out / run.name / "metrics.csv")
    loaded = load_case(CASES / run.case, info["overrides"])
    case = loaded.case
    c_bulk = case.electrolyte.concentration * 1e-3  # mol/m^3 -> mol/L
    snap = np.load(out / run.name / "snapshots.npz")
    later = m["t"] > 0
    ff = m["focusing_factor"][later]
    s: dict[str, Any] = {
        "name": run.name,
        "label": run.label,
        "case": run.case,
        "status": info["status"],
        "message": info["message"],
        "wall_s": info["wall_s"],
        "cpu_s": info["cpu_s"],
        # three P1 fields on the mesh nodes; manifests written before b31e661 hold a
        # dofs count 3x too high, so the unknowns are derived from the nodes instead
        "unknowns": 3 * info["nodes"] if info.get("nodes") else None,
        "steps": info["solver"].get("steps_accepted"),
        "rejected": info["solver"].get("steps_rejected"),
        "newton_per_step": info["solver"].get("newton_per_step"),
        "t_end_s": float(m["t"][-1]),
        "capacity": float(m["charge"][-1]),
        "current_mean": float(m["charge"][-1] * 3600.0 / m["t"][-1]) if m["t"][-1] > 0 else 0.0,
        "dendrite_height_um": float(m["dendrite_height"][-1]),
        "thickness_mean_um": float(m["thickness_mean"][-1]),
        "tip_growth_um": float(m["height_max"][-1] - m["height_max"][0]),
        "focusing_max": float(np.nanmax(ff)) if np.isfinite(ff).any() else float("nan"),
        "focusing_final": float(ff[-1]) if ff.size else float("nan"),
        "c_bulk": c_bulk,
        "c_min": float(np.nanmin(m["c_min_interface"])),
        "c_min_final": float(m["c_min_interface"][-1]),
        "eta_mV": float(m["eta"][-1] * 1e3),
        "E_mV": float(m["E"][-1] * 1e3),
    }
    # bulk-equivalent salt concentration sqrt(c+ c-) at the interface at the end:
    # equal to c+ without fixed charge, free of the Donnan enrichment in the coating
    from zndeposit.metrics.morphology import interface_band

    band = interface_band(snap["xi"][-1])  # the nodes of the metrics' band minimum
    if band.any():
        s["c_salt_min_final"] = float(np.sqrt(snap["c"][band] * snap["c_anion"][band]).min() * 1e-3)
    width = case.domain.width * 1e6
    y, coats = case.anode.thickness * 1e6, []
    for coat in case.coatings:
        coats.append((y, y + coat.thickness * 1e6))
        y += coat.thickness * 1e6
    s["coatings_um"] = coats
    seg0, seg1 = segments(snap, snap["xi"][0]), segments(snap, snap["xi"][-1])
    s.update(uniform_growth(snap, seg0, width))
    # the dendrite_height metric (highest point above the initial surface level)
    # under uniform growth: its initial value plus d
    dh0 = float(m["dendrite_height"][0])
    s["uniform_dendrite_height_series"] = [dh0 + d for d in s["uniform_distance_series"]]
    s["uniform_dendrite_height_um"] = s["uniform_dendrite_height_series"][-1]
    if not case.anode.nuclei:
        return s
    x0 = case.anode.nuclei[0].x * 1e6
    (xa, ya), (xb, yb) = highest_point(seg0), highest_point(seg1)
    s.update(nucleus_x_um=x0, top0=(xa, ya), top1=(xb, yb), tip_offset_um=xb - x0)
    if case.control.mode == "potentiostatic":
        angles = np.arange(-60.0, 60.1, 2.0)
        r0, r1 = directional_growth(snap, (x0, case.anode.thickness * 1e6), angles)
        growth = r1 - r0
        k = int(np.nanargmax(growth))
        s.update(
            angles=angles.tolist(),
            growth=growth.tolist(),
            fastest_angle_deg=float(angles[k]),
            growth_up_um=float(growth[np.argmin(np.abs(angles))]),
            growth_max_um=float(growth[k]),
        )
    return s


# --------------------------------------------------------------------------- table
def _header(cols: str) -> list[str]:
    """Markdown header and rule lines of a table with the columns ``"a | b | ..."``."""
    return ["| " + cols + " |", "|" + "---|" * (cols.count("|") + 1)]


def table(runs: list[Run], summary: dict[str, Any]) -> str:
    """Markdown tables of the study (galvanostatic comparison, anisotropy)."""
    cols = (
        "run | capacity (mAh/cm²) | dendrite height (µm) | same, uniform growth (µm) "
        "| tip rise (µm) | uniform growth distance (µm) | max focusing factor "
        "| min c at interface, mol/L (/ c_bulk) | c at interface at the end (mol/L) "
        "| final η (mV) | final E (mV) | steps (rejected) | run time wall / CPU (s)"
    )
    lines = _header(cols)
    for r in (r for r in runs if r.group == "galvanostatic"):
        s = summary[r.name]
        fail = " (solver failure)" if s["status"] != "ok" else ""
        lines.append(
            f"| {r.name}{fail} | {s['capacity']:.3f} | {s['dendrite_height_um']:.2f} "
            f"| {s['uniform_dendrite_height_um']:.2f} | {s['tip_growth_um']:.3f} "
            f"| {s['uniform_distance_um']:.3f} | {s['focusing_max']:.3f} "
            f"| {s['c_min']:.3f} ({s['c_min'] / s['c_bulk']:.3f}) | {s['c_min_final']:.3f} "
            f"| {s['eta_mV']:.1f} | {s['E_mV']:.1f} | {s['steps']} ({s['rejected']}) "
            f"| {s['wall_s']:.0f} / {s['cpu_s']:.0f} |"
        )
    aniso = [r for r in runs if r.group == "anisotropy"]
    if aniso:
        cols = (
            "run | t (s) | capacity (mAh/cm²) | mean current (mA/cm²) | tip rise (µm) "
            "| highest point: x - x_nucleus (µm) | same, minus isotropic run (µm) "
            "| fastest growth within ±40° of vertical, vs isotropic (deg) | expected (deg) "
            "| max focusing factor | steps (rejected) | run time wall / CPU (s)"
        )
        lines += ["", *_header(cols)]
        for r in aniso:
            s = summary[r.name]
            rel = s.get("tip_offset_rel_um")
            rel_txt = "(reference)" if rel is None else f"{rel:+.2f}"
            fast = s.get("fastest_rel_deg")
            fast_txt = "-" if fast is None else " / ".join(f"{a:+.0f}" for a in fast)
            exp_txt = " / ".join(f"{a:+.0f}" for a in s.get("expected_deg", [])) or "-"
            lines.append(
                f"| {r.name} | {s['t_end_s']:.0f} | {s['capacity']:.3f} | {s['current_mean']:.2f} "
                f"| {s['tip_growth_um']:.3f} | {s['tip_offset_um']:+.2f} | {rel_txt} "
                f"| {fast_txt} | {exp_txt} | {s['focusing_max']:.3f} "
                f"| {s['steps']} ({s['rejected']}) | {s['wall_s']:.0f} / {s['cpu_s']:.0f} |"
            )
    checks = [r for r in runs if r.group == "check"]
    if checks:
        cols = (
            "run | elements per interface width | unknowns | capacity (mAh/cm²) | tip rise (µm) "
            "| uniform growth distance (µm) | highest point: x - x_nucleus (µm) "
            "| same, minus reference (µm) | max focusing factor | final η (mV) "
            "| steps (rejected) | run time wall / CPU (s)"
        )
        lines += ["", *_header(cols)]
        for r in checks:
            s = summary[r.name]
            rel = s.get("tip_offset_rel_um")
            lines.append(
                f"| {r.name} | {s['overrides']['mesh.elements_across_interface']} "
                f"| {s['unknowns'] or '-'} | {s['capacity']:.3f} "
                f"| {s['tip_growth_um']:.3f} | {s['uniform_distance_um']:.3f} "
                f"| {s['tip_offset_um']:+.2f} | {'-' if rel is None else f'{rel:+.2f}'} "
                f"| {s['focusing_max']:.3f} | {s['eta_mV']:.1f} "
                f"| {s['steps']} ({s['rejected']}) | {s['wall_s']:.0f} / {s['cpu_s']:.0f} |"
            )
    return "\n".join(lines) + "\n"


def compare_isotropic(runs: list[Run], summary: dict[str, Any]) -> None:
    """Anisotropy runs against the isotropic run on the same mesh (adds keys to ``summary``).

    Mesh-induced asymmetries (the unstructured mesh is not mirror-symmetric) are
    the same in both runs and cancel in the difference. Expected fast directions:
    the maxima of i0(theta) = i0 (1 + d cos(m (theta - theta0))) with theta
    measured from +y towards -x (``physics/interface.py``), i.e. phi = -theta0 +
    k 360/m in this script's angle (towards +x), within +-40 deg of vertical.
    """
    for r in runs:
        s = summary[r.name]
        if r.reference is None or r.reference not in summary:
            continue
        ref = summary[r.reference]
        from zndeposit.case.load import load_case

        itf = load_case(CASES / r.case, s["overrides"]).case.interface
        angles = np.asarray(s["angles"])
        diff = np.asarray(s["growth"]) - np.asarray(ref["growth"])
        near = np.abs(angles) <= 40.0
        # local maxima of the difference within +-40 deg
        d = np.where(near, diff, -np.inf)
        peaks = [
            float(angles[k])
            for k in range(1, len(d) - 1)
            if np.isfinite(d[k - 1])
            and np.isfinite(d[k + 1])
            and d[k] >= d[k - 1]
            and d[k] >= d[k + 1]
        ]
        period = 360.0 / itf.fold
        theta0 = math.degrees(itf.angle)
        expected = sorted(float(a) for k in range(-3, 4) if abs(a := -theta0 + k * period) <= 40.0)
        s.update(
            growth_rel=diff.tolist(),
            fastest_rel_deg=peaks,
            expected_deg=expected,
            tip_offset_rel_um=s["tip_offset_um"] - ref["tip_offset_um"],
        )
