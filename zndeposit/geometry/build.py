"""The gmsh (OpenCASCADE) model of a case: regions, boundaries, size fields, mesh.

Construction (in micrometres inside gmsh, so that OCC tolerances are far
below the element size; the saved mesh is scaled to metres):

1. anode: the area under the initial surface (a rectangle, or a spline
   through the sampled profile), fused with the nuclei (and their pedestals);
2. layers from :func:`~zndeposit.case.derived.region_stack` (coatings, gap,
   separator, bulk) as rectangles of the domain width; the lowest one reaches
   down to the current collector so valleys of a rough surface are filled;
3. resolved separator fibres are cut out (holes);
4. everything is fragmented into one conforming partition; a piece inside
   the anode belongs to the anode (the metal shape takes precedence over the
   layers it pokes into), any other piece to its layer.

Physical groups use the names and tags of :mod:`zndeposit.geometry.tags`.
With periodic sides, every right boundary curve is meshed as the
translation of its left counterpart (``setPeriodic``), so nodes match exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import gmsh
import numpy as np

from zndeposit.case.derived import region_stack
from zndeposit.case.schema import Case
from zndeposit.errors import MeshError
from zndeposit.geometry import tags
from zndeposit.geometry.fibres import FibrePacking, place_fibres
from zndeposit.geometry.sizes import MeshSizes, mesh_sizes
from zndeposit.geometry.surface import InitialSurface, Nucleus, initial_surface

#: bump when the construction changes, so cached meshes are rebuilt
GEOMETRY_VERSION = 1
#: gmsh model units per metre
SCALE = 1e6


@dataclass(frozen=True)
class BackgroundSizes:
    """Target element sizes on a triangle mesh covering the domain (micrometres).

    Attributes:
        points_um: (n, 2 or 3) vertex coordinates, um.
        cells: (m, 3) vertex indices of the triangles.
        sizes_um: (n,) element size wanted at every vertex, um.
    """

    points_um: np.ndarray
    cells: np.ndarray
    sizes_um: np.ndarray


@dataclass
class BuiltModel:
    """What :func:`build_model` made (lengths in m).

    Attributes:
        surface: the initial surface.
        sizes: element sizes used.
        fibres: the placed fibres (None without a resolved separator).
        regions: region name -> gmsh surface tags.
        boundaries: boundary name -> gmsh curve tags.
        periodic_pairs: (right curve, left curve) pairs made periodic.
    """

    surface: InitialSurface
    sizes: MeshSizes
    fibres: FibrePacking | None = None
    regions: dict[str, list[int]] = field(default_factory=dict)
    boundaries: dict[str, list[int]] = field(default_factory=dict)
    periodic_pairs: list[tuple[int, int]] = field(default_factory=list)


def case_fibres(case: Case) -> FibrePacking | None:
    """Fibres of a resolved separator placed in its band (None otherwise)."""
    sep = case.separator
    if sep is None or sep.kind != "resolved" or not sep.fibre_diameter:
        return None
    band = next(r for r in region_stack(case) if r.name == tags.SEPARATOR)
    return place_fibres(
        case.domain.width,
        band.y_bottom,
        band.y_top,
        sep.porosity,
        sep.fibre_diameter,
        sep.fibre_diameter_spread,
        sep.seed,
    )


def _anode(surf: InitialSurface, case: Case) -> list[tuple[int, int]]:
    """OCC surfaces of the anode (base + nuclei), in model units."""
    occ = gmsh.model.occ
    w = surf.width * SCALE
    if surf.kind == "flat":
        base = [(2, occ.addRectangle(0, 0, 0, w, surf.thickness * SCALE))]
    else:
        xs = surf.base_samples()
        ys = surf.base(xs)
        if surf.periodic:
            ys[-1] = ys[0]  # equal up to round-off (checked in build_model)
        pts = [occ.addPoint(x * SCALE, y * SCALE, 0) for x, y in zip(xs, ys, strict=True)]
        c0, c1 = occ.addPoint(0, 0, 0), occ.addPoint(w, 0, 0)
        curves = [
            occ.addLine(c0, c1),
            occ.addLine(c1, pts[-1]),
            occ.addSpline(pts[::-1]),
            occ.addLine(pts[0], c0),
        ]
        base = [(2, occ.addPlaneSurface([occ.addCurveLoop(curves)]))]
    shapes = []
    for nuc in surf.nuclei:
        shapes += _nucleus(nuc, surf)
    if shapes:
        base, _ = occ.fuse(base, shapes)
    box = occ.addRectangle(0, 0, 0, w, case.domain.height * SCALE)
    out, _ = occ.intersect(base, [(2, box)])
    return out


def _nucleus(nuc: Nucleus, surf: InitialSurface) -> list[tuple[int, int]]:
    """OCC surfaces of one nucleus plus a pedestal down to the base where it dips."""
    occ = gmsh.model.occ
    xc, r, h, b = (v * SCALE for v in (nuc.x, nuc.half_width, nuc.height, nuc.base))
    out = []
    if nuc.shape in ("semicircle", "ellipse"):
        if h > r:  # OCC needs the major radius along x: build lying, then stand it up
            disk = occ.addDisk(xc, b, 0, h, r)
            occ.rotate([(2, disk)], xc, b, 0, 0, 0, 1, np.pi / 2)
            out.append((2, disk))
        else:
            out.append((2, occ.addDisk(xc, b, 0, r, h)))
    elif nuc.shape == "rectangle":
        out.append((2, occ.addRectangle(xc - r, b, 0, 2 * r, h)))
    else:
        p = [occ.addPoint(xc - r, b, 0), occ.addPoint(xc + r, b, 0), occ.addPoint(xc, b + h, 0)]
        loop = occ.addCurveLoop([occ.addLine(p[0], p[1]), occ.addLine(p[1], p[2]),
                                 occ.addLine(p[2], p[0])])  # fmt: skip
        out.append((2, occ.addPlaneSurface([loop])))
    xs = np.linspace(nuc.x - nuc.half_width, nuc.x + nuc.half_width, 65)
    if surf.periodic:
        xs = np.mod(xs, surf.width)
    dip = b - float(np.min(surf.base(xs))) * SCALE
    if dip > 0.0 or nuc.shape != "semicircle":
        depth = max(dip, 0.0) + 0.05 * r
        out.append((2, occ.addRectangle(xc - r, b - depth, 0, 2 * r, depth)))
    return out


def build_model(
    case: Case, sizes: MeshSizes | None = None, background: BackgroundSizes | None = None
) -> BuiltModel:
    """Create the OCC geometry, physical groups and size fields in the current gmsh model.

    gmsh must be initialised and a model added. Lengths in the model are in
    micrometres (see :data:`SCALE`). With ``background`` (an adapted mesh), the
    element size comes from it instead of the fixed fine band.

    Raises:
        MeshError: when the geometry cannot be made conforming/periodic.
    """
    occ = gmsh.model.occ
    surf = initial_surface(case)
    built = BuiltModel(surf, sizes or mesh_sizes(case), case_fibres(case))
    w, hgt = case.domain.width * SCALE, case.domain.height * SCALE
    ends = surf.base(np.array([0.0, surf.width]))
    if surf.periodic and abs(ends[1] - ends[0]) > 1e-6 * built.sizes.band_size:
        raise MeshError(
            f"the anode surface is not periodic over the width: y(0) = {ends[0] * 1e6:.6g} um, "
            f"y(width) = {ends[1] * 1e6:.6g} um; with sides = 'periodic' a sinusoid needs "
            "domain.width / wavelength to be a whole number (or use sides = 'no-flux')"
        )
    anode = _anode(surf, case)
    layers: list[tuple[str, list[tuple[int, int]]]] = []
    for i, reg in enumerate(region_stack(case)):
        y0 = 0.0 if i == 0 else reg.y_bottom * SCALE
        y1 = reg.y_top * SCALE
        if y1 - y0 <= 0.0:
            continue
        layers.append((reg.name, [(2, occ.addRectangle(0, y0, 0, w, y1 - y0))]))
    holes = []
    if built.fibres is not None and built.fibres.count:
        for (cx, cy), r in zip(built.fibres.centres, built.fibres.radii, strict=True):
            holes.append((2, occ.addDisk(cx * SCALE, cy * SCALE, 0, r * SCALE, r * SCALE)))
        layers = [(n, occ.cut(s, holes, removeTool=False)[0]) for n, s in layers]
        anode, _ = occ.cut(anode, holes, removeTool=True)
    inputs = anode + [dt for _, s in layers for dt in s]
    _, parts = occ.fragment(inputs, [])
    occ.synchronize()
    owner: dict[int, str] = {}
    for k, dts in enumerate(parts[len(anode) :]):
        name = _layer_of(k, layers)
        for _, tag in dts:
            owner[tag] = name
    for dts in parts[: len(anode)]:
        for _, tag in dts:
            owner[tag] = tags.ANODE  # the metal shape takes precedence
    for tag, name in sorted(owner.items()):
        built.regions.setdefault(name, []).append(tag)
    _boundaries(built, w, hgt)
    for name, ents in built.regions.items():
        gmsh.model.addPhysicalGroup(2, ents, tags.region_tag(name), name)
    for name, ents in built.boundaries.items():
        if ents:
            gmsh.model.addPhysicalGroup(1, ents, tags.FACET_TAGS[name], name)
    if case.domain.sides == "periodic":
        _make_periodic(built, w)
    _size_fields(built, background)
    return built


def _layer_of(k: int, layers: list[tuple[str, list[tuple[int, int]]]]) -> str:
    """Name of the layer owning the k-th fragment input after the anode."""
    for name, dts in layers:
        if k < len(dts):
            return name
        k -= len(dts)
    raise IndexError(k)


def _boundaries(built: BuiltModel, w: float, hgt: float) -> None:
    """Classify curves into the named boundary groups."""
    tol = 1e-6 * max(w, hgt)
    bnd: dict[str, list[int]] = {n: [] for n in tags.FACET_TAGS}
    for _, c in gmsh.model.getEntities(1):
        x0, y0, _, x1, y1, _ = gmsh.model.getBoundingBox(1, c)
        if y1 < tol:
            bnd[tags.BOTTOM].append(c)
        elif y0 > hgt - tol:
            bnd[tags.TOP].append(c)
        elif x1 < tol:
            bnd[tags.LEFT].append(c)
        elif x0 > w - tol:
            bnd[tags.RIGHT].append(c)
    if built.fibres is not None and built.fibres.count:
        centres, radii = built.fibres.centres * SCALE, built.fibres.radii * SCALE
        for _, c in gmsh.model.getEntities(1):
            x0, y0, _, x1, y1, _ = gmsh.model.getBoundingBox(1, c)
            mid = np.array([0.5 * (x0 + x1), 0.5 * (y0 + y1)])
            i = int(np.argmin(np.hypot(*(centres - mid).T)))
            near = np.hypot(*(centres[i] - mid)) < 1e-3 * radii[i]
            if near and abs(0.5 * (x1 - x0) - radii[i]) < 1e-2 * radii[i]:
                bnd[tags.FIBRE_WALLS].append(c)
    metal, other = set(), set()
    for name, ents in built.regions.items():
        for s in ents:
            curves = {abs(t) for _, t in gmsh.model.getBoundary([(2, s)], oriented=False)}
            (metal if name == tags.ANODE else other).update(curves)
    bnd[tags.ANODE_SURFACE] = sorted(metal & other)
    built.boundaries = bnd


def _make_periodic(built: BuiltModel, w: float) -> None:
    """Pair every right curve with the left curve it translates to (by +w)."""
    left, right = built.boundaries[tags.LEFT], built.boundaries[tags.RIGHT]
    tol = 1e-6 * w

    def span(c: int) -> tuple[float, float]:
        bb = gmsh.model.getBoundingBox(1, c)
        return bb[1], bb[4]

    pairs = []
    spans = {c: span(c) for c in left}
    for c in right:
        y0, y1 = span(c)
        match = [m for m, (a, b) in spans.items() if abs(a - y0) < tol and abs(b - y1) < tol]
        if not match:
            raise MeshError(
                f"periodic sides do not match: right boundary piece y = {y0:.6g}..{y1:.6g} um "
                "has no left counterpart (is the surface periodic over the width? a sinusoid "
                "needs width / wavelength to be a whole number)"
            )
        pairs.append((c, match[0]))
    if len(pairs) != len(left):
        raise MeshError("periodic sides do not match: left and right have different pieces")
    translation = [1, 0, 0, w, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
    gmsh.model.mesh.setPeriodic(1, [p[0] for p in pairs], [p[1] for p in pairs], translation)
    built.periodic_pairs = pairs


def _size_fields(built: BuiltModel, background: BackgroundSizes | None = None) -> None:
    """Fine band (Box field) or a background size, fibre walls, graded linearly to max_size."""
    fld = gmsh.model.mesh.field
    sz = built.sizes
    h, hmax, g = sz.band_size * SCALE, sz.max_size * SCALE, sz.grading
    w = built.surface.width * SCALE
    if background is not None:
        fields = [_background_field(background)]
    else:
        box = fld.add("Box")
        for key, val in {
            "VIn": h,
            "VOut": hmax,
            "XMin": -w,
            "XMax": 2 * w,
            "YMin": sz.band_bottom * SCALE,
            "YMax": sz.band_top * SCALE,
            "ZMin": -1.0,
            "ZMax": 1.0,
            "Thickness": (hmax - h) / g,
        }.items():
            fld.setNumber(box, key, val)
        fields = [box]
    walls = built.boundaries.get(tags.FIBRE_WALLS, [])
    if walls and sz.fibre_size is not None:
        hf = sz.fibre_size * SCALE
        dist = fld.add("Distance")
        fld.setNumbers(dist, "CurvesList", walls)
        fld.setNumber(dist, "Sampling", 24)
        thr = fld.add("Threshold")
        for key, val in {
            "InField": dist,
            "SizeMin": hf,
            "SizeMax": hmax,
            "DistMin": 0.0,
            "DistMax": (hmax - hf) / g,
        }.items():
            fld.setNumber(thr, key, val)
        fields.append(thr)
    mn = fld.add("Min")
    fld.setNumbers(mn, "FieldsList", fields)
    fld.setAsBackgroundMesh(mn)
    for opt, val in {
        "Mesh.MeshSizeExtendFromBoundary": 0,
        "Mesh.MeshSizeFromPoints": 0,
        "Mesh.MeshSizeFromCurvature": 0,
        "Mesh.MeshSizeMax": hmax,
        "Mesh.MeshSizeMin": min(h, (sz.fibre_size or h) * SCALE),
    }.items():
        gmsh.option.setNumber(opt, val)


def _background_field(bg: BackgroundSizes) -> int:
    """A PostView size field: the sizes at the vertices of a triangle mesh, interpolated."""
    pts, cells, h = bg.points_um, bg.cells, bg.sizes_um
    xyz = np.zeros((len(cells), 9))
    xyz[:, 0:3] = pts[cells, 0]
    xyz[:, 3:6] = pts[cells, 1]
    view = gmsh.view.add("adapted sizes")
    data = np.hstack([xyz, h[cells]])
    gmsh.view.addListData(view, "ST", len(cells), data.ravel().tolist())
    fld = gmsh.model.mesh.field.add("PostView")
    gmsh.model.mesh.field.setNumber(fld, "ViewTag", view)
    return fld


def generate(algorithm: int = 6, optimise: bool = True) -> None:
    """Mesh the current model with first-order triangles and optimise it.

    Args:
        algorithm: gmsh 2D algorithm (6 Frontal-Delaunay, 5 Delaunay).
        optimise: run gmsh's 2D node relocation after meshing.
    """
    gmsh.option.setNumber("Mesh.Algorithm", algorithm)
    gmsh.option.setNumber("Mesh.ElementOrder", 1)
    gmsh.option.setNumber("Mesh.Smoothing", 2)
    gmsh.model.mesh.generate(2)
    if optimise:
        gmsh.model.mesh.optimize("Relocate2D")
