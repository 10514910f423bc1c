"""Morphology of the deposit from the phase field xi (1 in Zn, 0 in electrolyte).

Definitions (lengths in m, all reported on every rank):

* interface: the xi = 0.5 contour of the P1 field, found by marching triangles
  (linear interpolation on each triangle, so exact for the P1 field itself);
* height profile h(x): the highest contour point in each of N equal x-bins
  spanning the domain width (NaN where a bin holds no contour);
* ``height_max`` = max h; ``height_min`` = min h, the lowest point of the
  deposit surface (e.g. the flat surface level beside a bump);
  ``dendrite_height`` = max h - h_ref, the height of the highest deposit point
  above the initial electrode surface, whose level h_ref is the median of the
  initial profile h0 (the flat level beside nuclei; h0 itself for a flat
  surface). A flat front gives the plated thickness, a nucleus of radius R
  gives R + the advance of its tip. (An earlier definition, max over x of
  h(x) - h0(x), was dominated by the concave foot corners of a nucleus, which
  the diffuse interface rounds off at once: 0.24 um after 1 s where the tip
  had advanced 7 nm.)
* ``tip_rise`` = max h - max h0: the rise of the highest point above its own
  initial height (not above the surface level, so a nucleus starts at 0);
* ``front_advance`` = lower quartile (25th percentile, :data:`FRONT_QUANTILE`)
  over the bins of h(x) - h0(x): the advance of the flat surface. A
  protrusion covering up to three quarters of the width leaves the quartile
  on the flat part (the median, used before, followed a finger once it
  covered half of a narrow strip), while slow spots covering less than a
  quarter (a shielded trough, the concave corner at the foot of a nucleus)
  do not pull it down as the minimum would. Measured against h0(x), so the
  initial nucleus counts as surface, not as advance; a flat front gives the
  plated thickness;
* ``tip_lead`` = tip_rise - front_advance: how much the protrusion outgrows
  the flat surface (0 for uniform growth, > 0 for a tip that runs ahead);
* RMS roughness: root-mean-square of h about its mean over the bins with contour;
* length ratio: total contour length / domain width (1 for a flat front);
* mean deposit thickness: integral of a density q(xi) over the domain / width,
  minus its initial value (q = xi by default);
* band minimum: min of a P1 field over the nodes where 0.1 < xi < 0.9 (e.g. the
  interface Zn2+ concentration);
* current-focusing factor: max over the nodes in 0.1 < xi < 0.9 of a rate field
  divided by its interface mean. The mean is weighted by |grad xi|
  (``weight="gradient"``, default): since |grad xi| dx integrates to the
  interface length across a diffuse interface, this is the arc-length average
  over the interface, independent of the interface width. ``weight="area"``
  averages over the band area instead.

The pure-numpy functions take arrays and need no DOLFINx; the functions taking
a ``Function`` are collective over its mesh communicator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    import ufl
    from dolfinx.fem import Function


_EDGES = ((0, 1), (1, 2), (2, 0))


# --- pure numpy ---------------------------------------------------------------------------
def contour_segments(
    points: np.ndarray, triangles: np.ndarray, values: np.ndarray, level: float = 0.5
) -> np.ndarray:
    """Level-set segments of a piecewise-linear field by marching triangles.

    A vertex counts as "above" if its value is >= ``level``; every triangle with
    vertices on both sides contributes one segment between the two crossing
    points of its edges.

    Args:
        points: (n, 2) or (n, 3) vertex coordinates (m); only x, y are used.
        triangles: (m, 3) vertex indices per triangle.
        values: (n,) nodal values.
        level: the contour value.

    Returns:
        (k, 2, 2) array: segment k runs from ``[k, 0]`` to ``[k, 1]`` (x, y in m).
    """
    xy = np.asarray(points, dtype=float)[:, :2]
    tri = np.asarray(triangles, dtype=np.int64).reshape(-1, 3)
    v = np.asarray(values, dtype=float)[tri] - level  # (m, 3)
    above = v >= 0.0
    mixed = above.any(axis=1) & ~above.all(axis=1)
    tri, v, above = tri[mixed], v[mixed], above[mixed]
    if len(tri) == 0:
        return np.zeros((0, 2, 2))
    ends = []
    for a, b in _EDGES:
        cross = above[:, a] != above[:, b]
        s = np.where(cross, v[:, a] / np.where(cross, v[:, a] - v[:, b], 1.0), 0.0)
        p = xy[tri[:, a]] + s[:, None] * (xy[tri[:, b]] - xy[tri[:, a]])
        ends.append((cross, p))
    crossings = np.stack([c for c, _ in ends], axis=1)  # (m, 3), exactly two True per row
    pts = np.stack([p for _, p in ends], axis=1)  # (m, 3, 2)
    order = np.argsort(~crossings, axis=1, kind="stable")[:, :2]
    return np.take_along_axis(pts, order[:, :, None], axis=1)


def segments_length(segments: np.ndarray) -> float:
    """Total length (m) of (k, 2, 2) segments."""
    segments = np.asarray(segments, dtype=float).reshape(-1, 2, 2)
    return float(np.linalg.norm(segments[:, 1] - segments[:, 0], axis=1).sum())


def height_profile(
    segments: np.ndarray, x_min: float, x_max: float, nbins: int
) -> tuple[np.ndarray, np.ndarray]:
    """Highest contour point in each of ``nbins`` equal x-bins.

    Each segment is clipped to every bin it spans and its height evaluated at
    the clipped ends (a segment is straight, so its maximum over a bin is there).

    Args:
        segments: (k, 2, 2) contour segments (m).
        x_min: left end of the domain (m).
        x_max: right end of the domain (m).
        nbins: number of bins.

    Returns:
        (bin centres (m), h (m)) with NaN in bins without contour.
    """
    edges = np.linspace(x_min, x_max, nbins + 1)
    centres = 0.5 * (edges[1:] + edges[:-1])
    h = np.full(nbins, -np.inf)
    seg = np.asarray(segments, dtype=float).reshape(-1, 2, 2)
    if len(seg):
        p0, p1 = seg[:, 0], seg[:, 1]
        swap = p0[:, 0] > p1[:, 0]
        p0, p1 = np.where(swap[:, None], p1, p0), np.where(swap[:, None], p0, p1)
        width = (x_max - x_min) / nbins
        k0 = np.clip(np.floor((p0[:, 0] - x_min) / width).astype(np.int64), 0, nbins - 1)
        k1 = np.clip(np.floor((p1[:, 0] - x_min) / width).astype(np.int64), 0, nbins - 1)
        count = k1 - k0 + 1
        idx = np.repeat(np.arange(len(seg)), count)
        k = k0[idx] + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
        xa = np.maximum(edges[k], p0[idx, 0])
        xb = np.minimum(edges[k + 1], p1[idx, 0])
        dx = p1[idx, 0] - p0[idx, 0]
        vertical = dx <= 0.0
        slope = np.where(vertical, 0.0, (p1[idx, 1] - p0[idx, 1]) / np.where(vertical, 1.0, dx))
        ya = p0[idx, 1] + slope * (xa - p0[idx, 0])
        yb = p0[idx, 1] + slope * (xb - p0[idx, 0])
        top = np.where(vertical, np.maximum(p0[idx, 1], p1[idx, 1]), np.maximum(ya, yb))
        np.maximum.at(h, k, top)
    h[~np.isfinite(h)] = np.nan
    return centres, h


def roughness_rms(h: np.ndarray) -> float:
    """RMS deviation (m) of a height profile about its mean, ignoring NaN bins."""
    h = np.asarray(h, dtype=float)
    h = h[np.isfinite(h)]
    if h.size == 0:
        return float("nan")
    return float(np.sqrt(np.mean((h - h.mean()) ** 2)))


def _nan_reduce(reduce: Callable[[np.ndarray], Any], values: np.ndarray) -> float:
    """``reduce`` over the finite values (NaN if there are none; a scalar passes through)."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    return float(reduce(v)) if v.size else float("nan")


#: quantile of the local advance h(x) - h0(x) that ``front_advance`` reports: a
#: protrusion may cover up to 1 - FRONT_QUANTILE of the width, a slow spot up to
#: FRONT_QUANTILE of it, without moving the value off the flat surface
FRONT_QUANTILE = 0.25


def tip_rise_and_front_advance(
    h: np.ndarray, h0: float | np.ndarray, quantile: float = FRONT_QUANTILE
) -> tuple[float, float]:
    """Rise of the highest point and advance of the flat surface (m) from two profiles.

    Args:
        h: height profile now (NaN where a bin has no contour).
        h0: initial profile on the same bins, or one initial height for every bin.
        quantile: the quantile of h - h0 taken as the front advance (linear
            interpolation between the sorted bins).

    Returns:
        (max h - max h0, lower quartile (``quantile``) over the bins with both
        values of h - h0); NaN where a profile has no finite value.
    """
    h = np.asarray(h, dtype=float)
    h0 = np.broadcast_to(np.asarray(h0, dtype=float), h.shape)
    rise = _nan_reduce(np.max, h) - _nan_reduce(np.max, h0)
    return rise, _nan_reduce(lambda v: np.quantile(v, quantile), h - h0)


def fourier_mode(segments: np.ndarray, x_min: float, x_max: float, mode: int = 1) -> complex:
    """Complex Fourier coefficient of a contour read as a graph y(x), m.

    ``a = 2/W sum over segments of the integral of y(x) exp(-i k x) dx``, with
    k = 2 pi mode / W and W = x_max - x_min, evaluated exactly for each straight
    segment (integrated left to right; vertical segments add nothing). For
    ``y = y0 + A cos(k (x - x_min) - p)`` it returns ``A exp(-i p)``: ``abs`` is
    the amplitude, the angle the phase. Meaningful while the contour is a single
    graph over the period (no overhangs).

    Args:
        segments: (k, 2, 2) contour segments (m), e.g. from :func:`contour_segments`.
        x_min: left end of the period (m).
        x_max: right end of the period (m).
        mode: the Fourier mode number m >= 1.
    """
    seg = np.asarray(segments, dtype=float).reshape(-1, 2, 2)
    width = x_max - x_min
    k = 2.0 * np.pi * mode / width
    p0, p1 = seg[:, 0], seg[:, 1]
    swap = p0[:, 0] > p1[:, 0]
    p0, p1 = np.where(swap[:, None], p1, p0), np.where(swap[:, None], p0, p1)
    dx = p1[:, 0] - p0[:, 0]
    keep = dx > 0.0
    xa, xb, ya, yb, dx = (
        p0[keep, 0] - x_min,
        p1[keep, 0] - x_min,
        p0[keep, 1],
        p1[keep, 1],
        dx[keep],
    )
    # y linear on [xa, xb]: int y e^{-ikx} dx by parts, exact
    ea, eb = np.exp(-1j * k * xa), np.exp(-1j * k * xb)
    slope = (yb - ya) / dx
    integral = (ya * ea - yb * eb) / (1j * k) + slope * (eb - ea) / (k * k)
    return complex(2.0 / width * integral.sum())


@dataclass(frozen=True)
class Morphology:
    """Interface morphology at one time (lengths in m).

    Attributes:
        height_max: highest point of the xi = 0.5 contour.
        height_min: lowest point of the surface, min of h(x) over the bins with contour.
        dendrite_height: height_max - median(h0): highest point above the initial surface.
        tip_rise: height_max - max(h0): rise of the highest point above its initial height.
        front_advance: lower quartile of h(x) - h0(x) over the bins: advance of the flat
            surface.
        tip_lead: tip_rise - front_advance.
        height_mean: mean of h(x) over the bins with contour.
        roughness_rms: RMS of h(x) about its mean.
        length: total contour length.
        length_ratio: length / domain width (-).
        x: bin centres of the profile.
        h: height profile (NaN where no contour).
    """

    height_max: float
    height_min: float
    dendrite_height: float
    tip_rise: float
    front_advance: float
    tip_lead: float
    height_mean: float
    roughness_rms: float
    length: float
    length_ratio: float
    x: np.ndarray
    h: np.ndarray

    def scalars(self) -> dict[str, float]:
        """The scalar entries (for a metrics row)."""
        return {k: v for k, v in asdict(self).items() if k not in ("x", "h")}


def morphology_from_segments(
    segments: np.ndarray,
    x_min: float,
    x_max: float,
    *,
    nbins: int = 200,
    initial_height: float | np.ndarray = 0.0,
) -> Morphology:
    """All profile metrics from contour segments.

    Args:
        segments: (k, 2, 2) contour segments (m).
        x_min: left end of the domain (m).
        x_max: right end of the domain (m).
        nbins: number of x-bins of the profile.
        initial_height: initial surface height h0 (m): a number, or an array of
            ``nbins`` values on the same bins (e.g. ``morphology(...).h`` at t = 0).
    """
    x, h = height_profile(segments, x_min, x_max, nbins)
    finite = np.isfinite(h)
    length = segments_length(segments)
    width = x_max - x_min
    if not finite.any():
        nan = float("nan")
        return Morphology(*[nan] * 8, length=length, length_ratio=length / width, x=x, h=h)
    h0 = np.asarray(initial_height, dtype=float)
    top = float(np.max(h[finite]))
    rise, advance = tip_rise_and_front_advance(h, h0)
    return Morphology(
        height_max=top,
        height_min=float(np.min(h[finite])),
        dendrite_height=top - _nan_reduce(np.nanmedian, h0),
        tip_rise=rise,
        front_advance=advance,
        tip_lead=rise - advance,
        height_mean=float(np.mean(h[finite])),
        roughness_rms=roughness_rms(h),
        length=length,
        length_ratio=length / width,
        x=x,
        h=h,
    )


# --- DOLFINx ------------------------------------------------------------------------------
def _mpi() -> Any:
    from zndeposit.fem import MPI

    return MPI


def _check_p1(f: Function) -> None:
    e = f.function_space.ufl_element()
    if e.degree != 1 or e.discontinuous or tuple(e.reference_value_shape) != ():
        raise ValueError(f"{f.name}: a scalar continuous P1 field is required")
    if f.function_space.mesh.topology.cell_name() != "triangle":
        raise ValueError(f"{f.name}: only triangle meshes are supported")


def interface_segments(xi: Function, level: float = 0.5) -> np.ndarray:
    """The ``level`` contour of a P1 field on a triangle mesh, gathered on every rank.

    Each rank contours its owned cells (ghost values are updated first), so no
    segment is counted twice.

    Returns:
        (k, 2, 2) segments (m), identical on all ranks.
    """
    _check_p1(xi)
    xi.x.scatter_forward()
    V = xi.function_space
    mesh = V.mesh
    ncells = mesh.topology.index_map(mesh.topology.dim).size_local
    cells = V.dofmap.list[:ncells]
    local = contour_segments(V.tabulate_dof_coordinates(), cells, xi.x.array.real, level)
    parts = mesh.comm.allgather(local)
    return np.concatenate(parts, axis=0) if parts else local


def morphology(
    xi: Function,
    x_min: float,
    x_max: float,
    *,
    nbins: int = 200,
    initial_height: float | np.ndarray = 0.0,
    level: float = 0.5,
) -> Morphology:
    """Height, dendrite height, roughness and length ratio of the xi = ``level`` contour.

    Args:
        xi: P1 phase field on a 2D triangle mesh (collective).
        x_min: left end of the domain (m).
        x_max: right end of the domain (m).
        nbins: number of x-bins of the height profile (bin width = width / nbins).
        initial_height: initial surface height (m), number or per-bin array.
        level: the contour level.
    """
    segs = interface_segments(xi, level)
    return morphology_from_segments(segs, x_min, x_max, nbins=nbins, initial_height=initial_height)


def integrate(expr: ufl.core.expr.Expr | ufl.Form, comm: Any = None) -> float:
    """Integrate a UFL scalar form (or expression times ``dx``) over all ranks.

    Args:
        expr: a UFL form (e.g. ``xi * dx``) or a scalar expression, then
            integrated with ``ufl.dx`` over its mesh.
        comm: the communicator (default: the mesh's).
    """
    import ufl

    from zndeposit.fem import dolfinx

    if isinstance(expr, ufl.Form):
        form = expr
    else:
        form = expr * ufl.dx(domain=ufl.domain.extract_unique_domain(expr))
    compiled = dolfinx.fem.form(form)
    comm = comm if comm is not None else compiled.mesh.comm
    return float(comm.allreduce(dolfinx.fem.assemble_scalar(compiled), op=_mpi().SUM))


def deposit_thickness(
    xi: Function,
    width: float,
    *,
    q: Callable[[Any], Any] | None = None,
    initial: float = 0.0,
    measure: ufl.Measure | None = None,
) -> float:
    """Mean deposit thickness (m): integral of q(xi) per width, minus its initial value.

    Args:
        xi: the phase field.
        width: domain width (m).
        q: density as a function of xi returning a UFL expression (default xi,
            i.e. metal volume per width); use e.g. a region-restricted ``measure``
            to leave the anode out.
        initial: the value of integral/width at t = 0 (m).
        measure: integration measure (default ``ufl.dx`` on the mesh).
    """
    import ufl

    density = xi if q is None else q(xi)
    dx = measure if measure is not None else ufl.dx(domain=xi.function_space.mesh)
    return integrate(density * dx) / width - initial


def interface_band(xi_values: np.ndarray, lo: float = 0.1, hi: float = 0.9) -> np.ndarray:
    """Mask of the nodes inside the diffuse interface, lo < xi < hi (numpy, no DOLFINx)."""
    return (xi_values > lo) & (xi_values < hi)


def _on_space(xi: Function, V: Any) -> np.ndarray:
    """Owned nodal values of xi on space V (interpolated if xi lives elsewhere)."""
    if xi.function_space is V:
        vals = xi.x.array
    else:
        from zndeposit.fem import dolfinx

        tmp = dolfinx.fem.Function(V)
        tmp.interpolate(xi)
        vals = tmp.x.array
    n = V.dofmap.index_map.size_local * V.dofmap.index_map_bs
    return vals[:n].real


def band_minimum(field: Function, xi: Function, lo: float = 0.1, hi: float = 0.9) -> float:
    """Minimum of a P1 field over its owned nodes with lo < xi < hi (NaN if none).

    Args:
        field: the scalar field (e.g. c in mol/m^3).
        xi: the phase field.
        lo: lower bound of the interface band.
        hi: upper bound of the interface band.
    """
    _check_p1(field)
    V = field.function_space
    n = V.dofmap.index_map.size_local
    vals = field.x.array[:n].real[interface_band(_on_space(xi, V), lo, hi)]
    local = float(vals.min()) if vals.size else np.inf
    result = field.function_space.mesh.comm.allreduce(local, op=_mpi().MIN)
    return float(result) if np.isfinite(result) else float("nan")


def focusing_factor(
    rate: Function,
    xi: Function,
    lo: float = 0.1,
    hi: float = 0.9,
    weight: Literal["gradient", "area"] = "gradient",
) -> float:
    """Current-focusing factor: max of ``rate`` in the interface band / its interface mean.

    Args:
        rate: P1 field of the local interfacial rate (e.g. deposition current
            density, A/m^2; positive for plating: pass -rate for stripping).
        xi: the phase field.
        lo: lower bound of the band 0.1 < xi < 0.9 where the maximum is taken.
        hi: upper bound of that band.
        weight: ``"gradient"``: mean = int(rate |grad xi|) / int(|grad xi|) over the
            domain, the arc-length average along the diffuse interface;
            ``"area"``: mean over the band area.

    Returns:
        max / mean (-), NaN if the band is empty or the mean is not positive.
    """
    import ufl

    _check_p1(rate)
    V = rate.function_space
    n = V.dofmap.index_map.size_local
    vals = rate.x.array[:n].real[interface_band(_on_space(xi, V), lo, hi)]
    comm = V.mesh.comm
    peak = float(comm.allreduce(float(vals.max()) if vals.size else -np.inf, op=_mpi().MAX))
    dx = ufl.dx(domain=V.mesh)
    if weight == "gradient":
        w = ufl.sqrt(ufl.inner(ufl.grad(xi), ufl.grad(xi)))
    elif weight == "area":
        w = ufl.conditional(ufl.And(ufl.gt(xi, lo), ufl.lt(xi, hi)), 1.0, 0.0)
    else:
        raise ValueError(f"unknown weight {weight!r} (gradient | area)")
    norm = integrate(w * dx)
    mean = integrate(rate * w * dx) / norm if norm > 0 else float("nan")
    if not (np.isfinite(peak) and np.isfinite(mean) and mean > 0):
        return float("nan")
    return peak / mean
