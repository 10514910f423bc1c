"""Random non-overlapping fibre cross-sections in the separator band (numpy only).

Random sequential addition: fibre diameters are drawn from a normal
distribution (mean, spread) truncated to >= 0.3 x mean, centres uniformly in
the band, and a fibre is kept if it keeps a clear gap (``gap_factor`` x mean
diameter) to every other fibre, to the band edges and to the domain sides, so
that the mesh between fibres stays sane. Fibres are added until the solid
area fraction reaches ``1 - porosity`` (the last fibre is kept only if it
brings the fraction closer to the target) or ``max_failures`` consecutive
draws fail. Near jamming the failures favour small diameters, so the drawn
diameter distribution is then biased low. Lengths in metres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FibrePacking:
    """Placed fibres (lengths in m).

    Attributes:
        centres: (n, 2) array of fibre centres (x, y).
        radii: (n,) fibre radii.
        porosity: achieved porosity of the band, 1 - fibre area / band area.
        target_porosity: requested porosity.
        y_bottom, y_top, width: the band.
    """

    centres: np.ndarray
    radii: np.ndarray
    porosity: float
    target_porosity: float
    y_bottom: float
    y_top: float
    width: float

    @property
    def count(self) -> int:
        """Number of fibres."""
        return int(self.radii.size)


def place_fibres(
    width: float,
    y_bottom: float,
    y_top: float,
    porosity: float,
    diameter: float,
    spread: float = 0.0,
    seed: int = 0,
    *,
    gap_factor: float = 0.1,
    max_failures: int = 2000,
    max_draws: int = 400_000,
) -> FibrePacking:
    """Place circular fibres in ``[0, width] x [y_bottom, y_top]`` to reach ``porosity``.

    Args:
        width: domain width, m.
        y_bottom: lower edge of the separator band, m.
        y_top: upper edge of the separator band, m.
        porosity: target porosity (pore area fraction) of the band, -.
        diameter: mean fibre diameter, m.
        spread: standard deviation of the diameter, m.
        seed: seed of the random generator.
        gap_factor: minimum clear gap, in mean diameters, between fibres and to the edges.
        max_failures: consecutive rejected draws after which placement stops.
        max_draws: total draws after which placement stops (bounds the time near jamming).

    Returns:
        The packing with centres, radii and the achieved porosity.
    """
    rng = np.random.default_rng(seed)
    gap = gap_factor * diameter
    height = y_top - y_bottom
    area = width * height
    target_solid = (1.0 - porosity) * area
    d_fit = min(width, height) - 2.0 * gap  # largest diameter that fits in the band
    if d_fit < 0.3 * diameter:
        return FibrePacking(np.zeros((0, 2)), np.zeros(0), 1.0, porosity, y_bottom, y_top, width)
    d_max = min(d_fit, diameter + 6.0 * spread)

    # spatial hash: cell size >= largest diameter + gap, so neighbours are in 3x3 cells
    cell = d_max + gap
    nx, ny = max(1, int(width // cell)), max(1, int(height // cell))
    grid: dict[tuple[int, int], list[int]] = {}
    centres: list[tuple[float, float]] = []
    radii: list[float] = []
    solid = 0.0
    failures = 0
    for _ in range(max_draws):
        if solid >= target_solid or failures >= max_failures:
            break
        d = _draw_diameter(rng, diameter, spread, d_max)
        r = 0.5 * d
        lo_x, hi_x = gap + r, width - gap - r
        lo_y, hi_y = y_bottom + gap + r, y_top - gap - r
        cx, cy = rng.uniform(lo_x, hi_x), rng.uniform(lo_y, hi_y)
        ix = min(nx - 1, int(cx / width * nx))
        iy = min(ny - 1, int((cy - y_bottom) / height * ny))
        ok = True
        for jx in range(ix - 1, ix + 2):
            for jy in range(iy - 1, iy + 2):
                for k in grid.get((jx, jy), ()):
                    ox, oy = centres[k]
                    if (cx - ox) ** 2 + (cy - oy) ** 2 < (r + radii[k] + gap) ** 2:
                        ok = False
                        break
                if not ok:
                    break
            if not ok:
                break
        if not ok:
            failures += 1
            continue
        added = math.pi * r * r
        if solid + added > target_solid and (solid + added - target_solid) > (target_solid - solid):
            failures += 1  # overshoots more than it helps: try a smaller one
            continue
        failures = 0
        grid.setdefault((ix, iy), []).append(len(radii))
        centres.append((cx, cy))
        radii.append(r)
        solid += added
    c = np.array(centres, dtype=float).reshape(-1, 2)
    rr = np.array(radii, dtype=float)
    return FibrePacking(c, rr, 1.0 - solid / area, porosity, y_bottom, y_top, width)


def _draw_diameter(rng: np.random.Generator, mean: float, spread: float, d_max: float) -> float:
    """Normal(mean, spread) truncated to [0.3 mean, d_max] by redrawing, m."""
    lo = 0.3 * mean
    if spread <= 0.0:
        return min(mean, d_max)
    for _ in range(100):
        d = rng.normal(mean, spread)
        if lo <= d <= d_max:
            return float(d)
    return float(np.clip(mean, lo, d_max))


def min_clearance(packing: FibrePacking) -> float:
    """Smallest clear gap between two fibres or a fibre and a band edge/side, m."""
    c, r = packing.centres, packing.radii
    if r.size == 0:
        return math.inf
    edges = np.concatenate(
        [
            c[:, 0] - r,
            packing.width - c[:, 0] - r,
            c[:, 1] - r - packing.y_bottom,
            packing.y_top - c[:, 1] - r,
        ]
    )
    best = float(edges.min())
    for i in range(r.size - 1):
        d = np.hypot(c[i + 1 :, 0] - c[i, 0], c[i + 1 :, 1] - c[i, 1]) - r[i + 1 :] - r[i]
        best = min(best, float(d.min()))
    return best
