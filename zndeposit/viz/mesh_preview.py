"""Off-screen PNG preview of a mesh coloured by region (PyVista, via meshio).

Left: the whole domain; right: a zoom on the top of the initial anode
surface, where the fine band makes the elements visible. Axes in um.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import meshio
import numpy as np

#: Okabe-Ito colour-blind-safe palette, by region name (coatings cycle the warm ones)
REGION_COLOURS: dict[str, str] = {
    "anode": "#999999",
    "gap": "#F0E442",
    "separator": "#009E73",
    "bulk": "#56B4E9",
}
_COATING_COLOURS = ("#E69F00", "#D55E00", "#CC79A7", "#0072B2")


def region_colour(name: str) -> str:
    """Hex colour of a region (Okabe-Ito palette)."""
    if name in REGION_COLOURS:
        return REGION_COLOURS[name]
    if name.startswith("coating"):
        index = int(name.removeprefix("coating_")) if name.startswith("coating_") else 1
        return _COATING_COLOURS[(index - 1) % len(_COATING_COLOURS)]
    return "#000000"


def _read(msh_path: Path | str) -> tuple:
    """Points (um), triangles, region tag per triangle, tag -> name, anode-surface points (um)."""
    msh = meshio.read(str(msh_path))
    names = {int(v[0]): k for k, v in msh.field_data.items() if int(v[1]) == 2}
    surface_tag = (
        int(msh.field_data["anode_surface"][0]) if "anode_surface" in msh.field_data else -1
    )
    tris, phys, surf = [], [], []
    for block, data in zip(msh.cells, msh.cell_data["gmsh:physical"], strict=True):
        if block.type == "triangle":
            tris.append(block.data)
            phys.append(np.asarray(data))
        elif block.type == "line" and np.all(np.asarray(data) == surface_tag):
            surf.append(block.data.ravel())
    pts = np.array(msh.points, dtype=float)  # the .msh is in um
    pts[:, 2] = 0.0
    surf_pts = pts[np.unique(np.concatenate(surf))] if surf else pts[:0]
    return pts, np.concatenate(tris), np.concatenate(phys), names, surf_pts


def preview_mesh(
    msh_path: Path | str,
    png_path: Path | str,
    title: str = "mesh",
    *,
    zoom_half_size: float | None = None,
    window_size: tuple[int, int] = (2000, 1000),
) -> Path:
    """Render the mesh of ``msh_path`` (coordinates in um) to ``png_path``, axes in um.

    Args:
        msh_path: gmsh file written by :func:`zndeposit.geometry.mesh.build_mesh`.
        png_path: the PNG to write.
        title: figure title.
        zoom_half_size: half size of the zoom window, um (default: width / 6).
        window_size: image size in pixels.

    Returns:
        The PNG path.
    """
    from zndeposit.viz import offscreen_pyvista

    pv = offscreen_pyvista()
    pts, cells, region, names, surf_pts = _read(msh_path)
    grid = pv.UnstructuredGrid(
        np.hstack([np.full((len(cells), 1), 3), cells]).ravel(),
        np.full(len(cells), pv.CellType.TRIANGLE, dtype=np.uint8),
        pts,
    )
    width = float(pts[:, 0].max() - pts[:, 0].min())
    half = zoom_half_size or max(width / 6.0, 1e-3)
    if len(surf_pts):
        top = surf_pts[np.argmax(surf_pts[:, 1])]
    else:
        top = np.array([pts[:, 0].mean(), pts[:, 1].mean(), 0.0])
    centre = np.array([min(max(top[0], half), width - half), top[1], 0.0])
    plotter = pv.Plotter(off_screen=True, window_size=list(window_size), shape=(1, 2))
    plotter.set_background("white")
    centroids = pts[cells].mean(axis=1)
    in_zoom = np.all(np.abs(centroids[:, :2] - centre[:2]) < half, axis=1)
    counts = ", ".join(f"{names.get(t, t)} {int(np.sum(region == t))}" for t in sorted(names))
    for view, subset in ((0, np.ones(len(cells), bool)), (1, in_zoom)):
        plotter.subplot(0, view)
        for tag in sorted(set(region.tolist())):
            ids = np.flatnonzero((region == tag) & subset)
            if not ids.size:
                continue
            name = names.get(tag, f"region {tag}")
            plotter.add_mesh(
                grid.extract_cells(ids),
                color=region_colour(name),
                show_edges=True,
                edge_color="#202020",
                line_width=0.5 if view else 0.2,
                lighting=False,
                label=name,
            )
        box = [*(centre[:2] - half), *(centre[:2] + half)]
        plotter.show_bounds(
            bounds=[box[0], box[2], box[1], box[3], 0.0, 0.0] if view else None,
            xtitle="x (um)",
            ytitle="y (um)",
            show_zaxis=False,
            location="outer",
            font_size=10,
            color="black",
            use_2d=True,
        )
        plotter.view_xy()
        if view == 0:
            plotter.add_text(
                "\n".join(
                    [
                        *textwrap.wrap(title, 55),
                        *textwrap.wrap(f"{len(cells)} cells ({counts}), {len(pts)} nodes", 70),
                    ]
                ),
                position="upper_edge",
                font_size=8,
                color="black",
            )
            plotter.add_legend(
                bcolor="white",
                face="rectangle",
                size=(0.12, 0.03 * len(names)),
                loc="upper left",
            )
        else:
            plotter.add_text(
                f"zoom on the top of the anode surface ({2 * half:.3g} um)",
                position="upper_edge",
                font_size=8,
                color="black",
            )
            cam = plotter.camera
            cam.focal_point = tuple(centre)
            cam.position = (centre[0], centre[1], 10 * half)
            cam.parallel_projection = True
            cam.parallel_scale = 1.2 * half
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    plotter.screenshot(str(png_path))
    plotter.close()
    return png_path
