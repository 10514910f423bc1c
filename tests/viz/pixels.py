"""Helpers of the pixel tests: draw a figure to an RGB array and map its pixels to um."""

from __future__ import annotations

import numpy as np


def draw(fig, dpi: int = 150) -> np.ndarray:
    """The figure as an (h, w, 3) uint8 array at ``dpi`` (Agg, no file)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def axes_box(ax, height: int) -> tuple[int, int, int, int]:
    """Rows and columns ``(r0, r1, c0, c1)`` strictly inside the axes frame (image rows)."""
    bb = ax.get_window_extent()
    return (
        height - int(np.floor(bb.y1)) + 2,
        height - int(np.ceil(bb.y0)) - 2,
        int(np.ceil(bb.x0)) + 2,
        int(np.floor(bb.x1)) - 2,
    )


def pixel_um(ax, height: int, window, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Centres of image pixels (rows, cols) in um, from the axes box and the window it shows."""
    bb = ax.get_window_extent()
    x = window.x0 + (cols + 0.5 - bb.x0) / bb.width * window.width
    y = window.y0 + (height - (rows + 0.5) - bb.y0) / bb.height * window.height
    return np.column_stack([x, y])


def crop(rgb: np.ndarray, ax) -> np.ndarray:
    """The pixels inside an axes frame."""
    r0, r1, c0, c1 = axes_box(ax, rgb.shape[0])
    return rgb[r0:r1, c0:c1]


def nearest_distance(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Distance from every point to the closest target (brute force, chunked)."""
    out = np.empty(len(points))
    for k in range(0, len(points), 2000):
        d = points[k : k + 2000, None, :] - targets[None, :, :]
        out[k : k + 2000] = np.sqrt((d**2).sum(axis=-1)).min(axis=1)
    return out


def level_crossings(mesh, field: str, window, level: float = 0.5, n: int = 600) -> np.ndarray:
    """Points (um) where the P1 ``field`` crosses ``level``, independent of VTK.

    The field is interpolated linearly on the snapshot's own triangles
    (matplotlib.tri, i.e. exactly the P1 function) along n horizontal and n
    vertical lines of ``window``; sign changes give the crossings.
    """
    from matplotlib.tri import LinearTriInterpolator, Triangulation

    pts = np.asarray(mesh.points)
    cells = np.asarray(mesh.cells_dict[5])  # VTK_TRIANGLE
    tri = Triangulation(pts[:, 0], pts[:, 1], cells)
    interp = LinearTriInterpolator(tri, np.asarray(mesh.point_data[field], dtype=float) - level)
    xs = np.linspace(window.x0, window.x1, n)
    ys = np.linspace(window.y0, window.y1, n)
    X, Y = np.meshgrid(xs, ys)
    F = np.ma.filled(interp(X, Y), np.nan)
    found = []
    for axis in (0, 1):
        a = np.take(F, range(n - 1), axis=axis)
        b = np.take(F, range(1, n), axis=axis)
        hit = np.isfinite(a) & np.isfinite(b) & (np.sign(a) != np.sign(b))
        w = a[hit] / (a[hit] - b[hit])
        if axis == 0:  # between rows: y varies
            i, j = np.nonzero(hit)
            found.append(np.column_stack([xs[j], ys[i] + w * (ys[1] - ys[0])]))
        else:
            i, j = np.nonzero(hit)
            found.append(np.column_stack([xs[j] + w * (xs[1] - xs[0]), ys[i]]))
    return np.vstack(found)
