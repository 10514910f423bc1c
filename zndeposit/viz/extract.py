"""Geometry taken from a snapshot for drawing: view windows, contours, outlines, pixel grids.

Everything is in the snapshot's units (coordinates in um). PyVista (VTK)
filters do the work: ``contour`` for the xi = 0.5 interface, feature edges of
each region for the outlines, and ``sample`` (VTK resampling) to evaluate the
P1 fields exactly at the pixel centres of a figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from zndeposit.geometry import tags

if TYPE_CHECKING:
    import pyvista as pv

__all__ = [
    "Interface",
    "Outlines",
    "Window",
    "domain_window",
    "interface_line",
    "interface_window",
    "region_outlines",
    "sample_fields",
]


@dataclass(frozen=True)
class Window:
    """A rectangle of the x-y plane shown in a panel, um."""

    x0: float
    x1: float
    y0: float
    y1: float

    @property
    def width(self) -> float:
        """Width, um."""
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        """Height, um."""
        return self.y1 - self.y0

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(x0, x1, y0, y1)`` for ``imshow``."""
        return (self.x0, self.x1, self.y0, self.y1)

    def union(self, other: Window) -> Window:
        """The smallest window holding both."""
        return Window(
            min(self.x0, other.x0),
            max(self.x1, other.x1),
            min(self.y0, other.y0),
            max(self.y1, other.y1),
        )

    def sized(self, width: float, height: float) -> Window:
        """A window of the given size (um) with the same lower-left corner."""
        return Window(self.x0, self.x0 + width, self.y0, self.y0 + height)

    @classmethod
    def parse(cls, text: str) -> Window:
        """``"x0,x1,y0,y1"`` in um.

        Raises:
            ValueError: not four numbers with x0 < x1 and y0 < y1.
        """
        try:
            x0, x1, y0, y1 = (float(v) for v in text.split(","))
        except ValueError:
            raise ValueError(
                f"window {text!r}: expected X0,X1,Y0,Y1 in um, e.g. 0,10,3,12"
            ) from None
        if not (x0 < x1 and y0 < y1):
            raise ValueError(f"window {text!r}: need X0 < X1 and Y0 < Y1 (um)")
        return cls(x0, x1, y0, y1)


def domain_window(mesh: pv.DataSet) -> Window:
    """The bounding box of the mesh, um."""
    b = mesh.bounds
    return Window(float(b[0]), float(b[1]), float(b[2]), float(b[3]))


@dataclass(frozen=True)
class Interface:
    """The xi = 0.5 contour: polylines (each (k, 2), um) and values along them.

    Attributes:
        lines: ordered polylines of the contour, um.
        values: per polyline, name -> (k,) point values interpolated onto the contour.
    """

    lines: tuple[np.ndarray, ...]
    values: tuple[dict[str, np.ndarray], ...]

    @property
    def points(self) -> np.ndarray:
        """All contour points, (n, 2), um."""
        if not self.lines:
            return np.zeros((0, 2))
        return np.vstack(self.lines)

    def value(self, name: str) -> np.ndarray:
        """All values of ``name`` along the contour, in the order of :attr:`points`."""
        if not self.values:
            return np.zeros(0)
        return np.concatenate([v[name] for v in self.values])


def _polylines(poly: pv.PolyData) -> list[np.ndarray]:
    """The segments of a line data set joined into polylines, each (k, 2) in um, with values.

    Returns:
        A list of (points (k, 2), {point field: (k,) values}) per polyline.
    """
    if poly.n_cells == 0:
        return []
    joined = poly.strip(join=True)
    lines, out, k = np.asarray(joined.lines), [], 0
    pts = np.asarray(joined.points)[:, :2]
    while k < len(lines):
        n = int(lines[k])
        ids = lines[k + 1 : k + 1 + n]
        out.append(
            (pts[ids], {f: np.asarray(joined.point_data[f])[ids] for f in joined.point_data})
        )
        k += n + 1
    return out


def interface_line(mesh: pv.DataSet, field: str = "xi", level: float = 0.5) -> Interface:
    """The ``field = level`` contour with every point field interpolated along it."""
    contour = mesh.contour([level], scalars=field)
    pieces = _polylines(contour)
    return Interface(tuple(p for p, _ in pieces), tuple(v for _, v in pieces))


def interface_window(
    meshes: Iterable[pv.DataSet], *, margin: float | None = None, domain: Window | None = None
) -> Window:
    """A close-up of the deposit: the full width, the interface band with a margin.

    Args:
        meshes: snapshots whose interfaces must all be inside (e.g. every output of a run).
        margin: space above and below the interface, um (default: 40 % of the band
            height, at least 15 % of the width).
        domain: clip to this window (default: the first mesh's bounding box).
    """
    meshes = list(meshes)
    domain = domain or domain_window(meshes[0])
    lo, hi = np.inf, -np.inf
    for m in meshes:
        pts = interface_line(m).points
        if len(pts):
            lo, hi = min(lo, float(pts[:, 1].min())), max(hi, float(pts[:, 1].max()))
    if not np.isfinite(lo):
        return domain
    pad = margin if margin is not None else max(0.4 * (hi - lo), 0.15 * domain.width)
    return Window(domain.x0, domain.x1, max(domain.y0, lo - pad), min(domain.y1, hi + pad))


@dataclass(frozen=True)
class Outlines:
    """Lines to draw over a field, um.

    Attributes:
        initial_surface: boundary of the initial anode (the metal at t = 0).
        interfaces: boundaries between electrolyte regions (coatings, gap, separator).
        holes: walls of holes in the mesh (resolved separator fibres).
        labels: region name -> a point inside it (for labels), um.
    """

    initial_surface: tuple[np.ndarray, ...]
    interfaces: tuple[np.ndarray, ...]
    holes: tuple[np.ndarray, ...]
    labels: dict[str, tuple[float, float]]


def _edges(mesh: pv.DataSet) -> pv.PolyData:
    return mesh.extract_feature_edges(
        boundary_edges=True, feature_edges=False, manifold_edges=False, non_manifold_edges=False
    )


def _split_lines(poly: pv.PolyData, keep: np.ndarray) -> list[np.ndarray]:
    """Polylines of the segments of ``poly`` whose cell mask ``keep`` is true."""
    if poly.n_cells == 0 or not keep.any():
        return []
    sub = poly.extract_cells(np.flatnonzero(keep)).extract_surface(algorithm=None)
    return [p for p, _ in _polylines(sub)]


def _segment_keys(poly: pv.PolyData) -> np.ndarray:
    """A hashable key per 2-point segment: its rounded midpoint (um)."""
    lines = np.asarray(poly.lines).reshape(-1, 3)[:, 1:]
    mid = 0.5 * (poly.points[lines[:, 0]] + poly.points[lines[:, 1]])
    return np.round(mid[:, :2], 6)


def _on_frame(poly: pv.PolyData, frame: Window) -> np.ndarray:
    lines = np.asarray(poly.lines).reshape(-1, 3)[:, 1:]
    p, q = poly.points[lines[:, 0]], poly.points[lines[:, 1]]
    tol = 1e-6 * max(frame.width, frame.height)
    out = np.zeros(len(lines), dtype=bool)
    for axis, lo, hi in ((0, frame.x0, frame.x1), (1, frame.y0, frame.y1)):
        for v in (lo, hi):
            out |= (np.abs(p[:, axis] - v) < tol) & (np.abs(q[:, axis] - v) < tol)
    return out


def region_outlines(mesh: pv.DataSet, regions: dict[int, str]) -> Outlines:
    """Outlines of the regions of a snapshot (cell array ``region``).

    The outer rectangle of the domain is left out (the panel frame shows it).
    """
    frame = domain_window(mesh)
    region = np.asarray(mesh.cell_data["region"])
    anode_tag = tags.REGION_TAGS[tags.ANODE]
    labels: dict[str, tuple[float, float]] = {}
    centres = np.asarray(mesh.cell_centers().points)
    for tag in np.unique(region):
        inside = centres[region == tag]
        labels[regions.get(int(tag), f"region {tag}")] = (
            float(np.median(inside[:, 0])),
            float(np.median(inside[:, 1])),
        )
    anode = _edges(mesh.extract_cells(np.flatnonzero(region == anode_tag)))
    initial = _split_lines(anode, ~_on_frame(anode, frame)) if anode.n_cells else []
    anode_keys = {tuple(k) for k in _segment_keys(anode)} if anode.n_cells else set()
    outer = _edges(mesh)
    hole = _split_lines(outer, ~_on_frame(outer, frame))
    outer_keys = {tuple(k) for k in _segment_keys(outer)}
    interfaces: list[np.ndarray] = []
    seen: set[tuple[float, float]] = set()
    for tag in np.unique(region):
        if tag == anode_tag:
            continue
        edges = _edges(mesh.extract_cells(np.flatnonzero(region == tag)))
        keys = [tuple(k) for k in _segment_keys(edges)]
        keep = np.array(
            [k not in anode_keys and k not in outer_keys and k not in seen for k in keys]
        )
        seen.update(keys)
        interfaces += _split_lines(edges, keep)
    return Outlines(tuple(initial), tuple(interfaces), tuple(hole), labels)


def sample_fields(
    mesh: pv.DataSet, window: Window, shape: tuple[int, int], names: Sequence[str]
) -> dict[str, np.ma.MaskedArray]:
    """Evaluate fields at the pixel centres of ``window`` (VTK resampling).

    Args:
        mesh: the snapshot mesh.
        window: the area, um.
        shape: ``(ny, nx)`` pixels.
        names: point or cell fields; ``current`` (cell vectors) is averaged to the
            nodes first and returned as its magnitude ``current`` plus the
            components ``current_x``, ``current_y``.

    Returns:
        name -> masked (ny, nx) array, row 0 at the bottom (``origin="lower"``);
        pixels outside the mesh (holes, outside the domain) are masked.
    """
    import pyvista as pv

    ny, nx = shape
    dx, dy = window.width / nx, window.height / ny
    grid = pv.ImageData(
        dimensions=(nx, ny, 1),
        spacing=(dx, dy, 1.0),
        origin=(window.x0 + 0.5 * dx, window.y0 + 0.5 * dy, 0.0),
    )
    source = mesh.copy(deep=False)
    wanted = set(names)
    if "current" in wanted and "current" in mesh.cell_data:
        nodal = mesh.cell_data_to_point_data(pass_cell_data=False)
        source.point_data["current_nodal"] = nodal.point_data["current"]
    out = grid.sample(source)
    valid = np.asarray(out.point_data["vtkValidPointMask"]).reshape(ny, nx).astype(bool)
    result: dict[str, np.ma.MaskedArray] = {}
    for name in names:
        if name == "current":
            vec = np.asarray(out.point_data["current_nodal"]).reshape(ny, nx, -1)
            result["current_x"] = np.ma.masked_array(vec[..., 0], ~valid)
            result["current_y"] = np.ma.masked_array(vec[..., 1], ~valid)
            result["current"] = np.ma.masked_array(np.hypot(vec[..., 0], vec[..., 1]), ~valid)
        else:
            result[name] = np.ma.masked_array(
                np.asarray(out.point_data[name]).reshape(ny, nx), ~valid
            )
    return result
