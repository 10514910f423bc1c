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

__all__ = ["QUADRATURE_DEGREE", "BandMean", "BandPeakRatio", "band_weight", "peak_ratio"]

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


class BandPeakRatio:
    """Max of a rate over the band / its |grad xi|-weighted band mean (a focusing factor).

    The rate is interpolated into discontinuous P1 (DG1), so a node on a
    region boundary keeps each cell's own value (e.g. each region's
    porosity); the maximum is taken over the DG1 nodes whose xi lies in the
    band, the mean is the :class:`BandMean` of the same expression.

    Args:
        rate: scalar UFL expression of the local rate (e.g. A/m^2, > 0 for plating).
        xi: the P1 phase field.
        band: (lo, hi) of the band.
    """

    def __init__(self, rate: Any, xi: Function, band: tuple[float, float]) -> None:
        from zndeposit.fem import dolfinx

        mesh = xi.function_space.mesh
        V = dolfinx.fem.functionspace(mesh, ("DG", 1))
        self._xi = xi
        self._band = band
        self._values = dolfinx.fem.Function(V)
        self._xi_dg = dolfinx.fem.Function(V)
        self._expr = dolfinx.fem.Expression(rate, V.element.interpolation_points)
        self._mean = BandMean(rate, xi, band)

    def peak(self) -> float:
        """Max of the rate over the DG1 nodes in the band, -inf if none (collective)."""
        from zndeposit.fem import MPI

        self._values.interpolate(self._expr)
        self._xi_dg.interpolate(self._xi)
        imap = self._values.function_space.dofmap.index_map
        n = imap.size_local * self._values.function_space.dofmap.index_map_bs
        inside = interface_band(self._xi_dg.x.array[:n].real, *self._band)
        vals = self._values.x.array[:n].real[inside]
        local = float(vals.max()) if vals.size else -np.inf
        return float(self._values.function_space.mesh.comm.allreduce(local, op=MPI.MAX))

    def __call__(self) -> float:
        """The ratio peak / mean now; NaN if the band is empty or the mean is not positive."""
        return peak_ratio(self.peak(), self._mean())
