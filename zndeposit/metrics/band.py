"""Interface-band metrics compiled once and evaluated cheaply at every output (DOLFINx).

A band is the set of points with ``lo < xi < hi`` of the phase field. Means
over a band are weighted by |grad xi|: across a diffuse interface |grad xi| dx
integrates to the interface length times the xi range of the band, so the
weighted mean is the arc-length average along the interface of the mean over
the profile's xi levels, independent of the interface width:

    mean(f) = int f |grad xi| 1[lo < xi < hi] dx / int |grad xi| 1[lo < xi < hi] dx

Numerator and denominator are integrated with the same quadrature rule
(degree :data:`QUADRATURE_DEGREE`): the band indicator is discontinuous
inside cells, and with rules of different degree (UFL's estimate grows with
the integrand) the two would sample different parts of the band, so the mean
of a constant would not be that constant.

The forms are compiled when an object is created and only assembled when it
is called (one reduction over ranks per call), so they cost about as much as
one interpolation of a field. Every call is collective over the mesh
communicator and returns the same value on every rank.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from zndeposit.metrics.morphology import interface_band

if TYPE_CHECKING:
    import ufl
    from dolfinx.fem import Function

__all__ = [
    "QUADRATURE_DEGREE",
    "BandMean",
    "BandPeakRatio",
    "BandSample",
    "band_weight",
    "peak_ratio",
]

#: quadrature degree of the band integrals (6 points per triangle)
QUADRATURE_DEGREE = 4


def band_weight(xi: Any, lo: float, hi: float) -> ufl.core.expr.Expr:
    """UFL weight |grad xi| (1/m) inside ``lo < xi < hi``, 0 outside."""
    import ufl

    inside = ufl.And(ufl.gt(xi, lo), ufl.lt(xi, hi))
    return ufl.conditional(inside, ufl.sqrt(ufl.inner(ufl.grad(xi), ufl.grad(xi))), 0.0)


def peak_ratio(peak: float, mean: float) -> float:
    """The ratio peak / mean, NaN unless both are finite and the mean is positive."""
    if not (np.isfinite(peak) and np.isfinite(mean) and mean > 0):
        return float("nan")
    return float(peak / mean)


class BandMean:
    """|grad xi|-weighted mean of a UFL expression over the band ``lo < xi < hi``.

    Args:
        expr: scalar UFL expression (any unit; the mean has the same unit).
        xi: the P1 phase field (a ``Function`` on the mesh).
        band: (lo, hi) of the band.
        degree: quadrature degree of both integrals.
    """

    def __init__(
        self, expr: Any, xi: Function, band: tuple[float, float], degree: int = QUADRATURE_DEGREE
    ) -> None:
        import ufl

        from zndeposit.fem import dolfinx

        mesh = xi.function_space.mesh
        dx = ufl.dx(domain=mesh, metadata={"quadrature_degree": degree})
        w = band_weight(xi, *band)
        self._comm = mesh.comm
        self._forms = (dolfinx.fem.form(expr * w * dx), dolfinx.fem.form(w * dx))

    def __call__(self) -> float:
        """The mean now; NaN where the band is empty (collective)."""
        from zndeposit.fem import MPI, dolfinx

        local = np.array([dolfinx.fem.assemble_scalar(f) for f in self._forms], dtype=float)
        num, den = self._comm.allreduce(local, op=MPI.SUM)
        return float(num / den) if den > 0 else float("nan")


class BandSample:
    """Values of a UFL expression at the quadrature points of the band ``lo < xi < hi``.

    The points are those of the band integrals (:data:`QUADRATURE_DEGREE`),
    inside the cells, so each value belongs to one cell and its region (a
    node on a region boundary would hold one region's value for both), and
    a :class:`BandMean` of the same expression is a weighted average of
    exactly these values: min <= mean <= max.

    Args:
        expr: scalar UFL expression.
        xi: the P1 phase field.
        band: (lo, hi) of the band.
        degree: quadrature degree of the points.
    """

    def __init__(
        self, expr: Any, xi: Function, band: tuple[float, float], degree: int = QUADRATURE_DEGREE
    ) -> None:
        import basix

        from zndeposit.fem import dolfinx

        mesh = xi.function_space.mesh
        cell = basix.CellType[mesh.topology.cell_name()]
        points, _ = basix.make_quadrature(cell, degree)
        self._mesh = mesh
        self._band = band
        self._cells = np.arange(
            mesh.topology.index_map(mesh.topology.dim).size_local, dtype=np.int32
        )
        self._expr = dolfinx.fem.Expression(expr, points)
        self._xi = dolfinx.fem.Expression(xi, points)

    def local_values(self) -> np.ndarray:
        """The values at this rank's band points now (owned cells only)."""
        values = self._expr.eval(self._mesh, self._cells).real.ravel()
        xi = self._xi.eval(self._mesh, self._cells).real.ravel()
        return values[interface_band(xi, *self._band)]

    def _reduce(self, kind: str) -> float:
        from zndeposit.fem import MPI

        vals = self.local_values()
        empty = np.inf if kind == "min" else -np.inf
        local = float(getattr(vals, kind)()) if vals.size else empty
        op = MPI.MIN if kind == "min" else MPI.MAX
        result = self._mesh.comm.allreduce(local, op=op)
        return float(result) if np.isfinite(result) else float("nan")

    def min(self) -> float:
        """Minimum over the band points of all ranks, NaN if the band is empty (collective)."""
        return self._reduce("min")

    def max(self) -> float:
        """Maximum over the band points of all ranks, NaN if the band is empty (collective)."""
        return self._reduce("max")


class BandPeakRatio:
    """Max of a rate over the band / its |grad xi|-weighted band mean (a focusing factor).

    The maximum is taken over the band's quadrature points (:class:`BandSample`,
    each in one cell and region), the mean is the :class:`BandMean` of the same
    expression over the same points, so the ratio is >= 1.

    Args:
        rate: scalar UFL expression of the local rate (e.g. A/m^2, > 0 for plating).
        xi: the P1 phase field.
        band: (lo, hi) of the band.
    """

    def __init__(self, rate: Any, xi: Function, band: tuple[float, float]) -> None:
        self._sample = BandSample(rate, xi, band)
        self._mean = BandMean(rate, xi, band)

    def peak(self) -> float:
        """Max of the rate over the band points, NaN if none (collective)."""
        return self._sample.max()

    def __call__(self) -> float:
        """The ratio peak / mean now; NaN if the band is empty or the mean is not positive."""
        return peak_ratio(self.peak(), self._mean())
