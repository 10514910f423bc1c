"""Text of field figures does not overlap, for tall narrow and wide flat domains.

The shared run's last snapshot (4 x 8 um) is stretched to a tall narrow strip (as
a 12 um wide, 40-80 um tall dendrite run) and to a wide flat one; every drawn
text (titles, letters, stamps, scale bars, colour-bar ticks and labels) must
keep clear of every other. Before the layout fitted its text, colour-bar tick
labels of narrow panels ran into each other and the titles of a growth
sequence into their neighbours.
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from zndeposit.viz import figures, rate_figure, style

pytestmark = pytest.mark.fem

#: (x, y) stretch of the 4 x 8 um snapshot: 4 x 27 (12 x 80 um in shape), 40 x 8, 80 x 8 um
STRETCH = {"tall": (1.0, 10.0 / 3.0), "wide": (10.0, 1.0), "flat": (20.0, 1.0)}


def _stretched(snap, sx: float, sy: float, t: float, capacity: float):
    mesh = snap.mesh.copy()
    mesh.points[:, 0] *= sx
    mesh.points[:, 1] *= sy
    return dataclasses.replace(snap, mesh=mesh, t=t, capacity=capacity)


def _overlaps(fig, monkeypatch) -> list[tuple[str, str]]:
    """Pairs of non-empty texts drawn in ``fig`` whose boxes intersect, and texts (paired
    with "edge") that reach past the figure's edge (animation frames are not cropped to
    their content, so there they would be cut).

    Texts are recorded as they are drawn (the axes keep spare tick labels that are
    never drawn, so walking the artist tree would find texts that are not there).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    drawn = []
    original = Text.draw

    def record(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            box = self.get_window_extent(renderer)
            drawn.append((self.get_text(), box.expanded(0.98, 0.9)))  # ink is inside the box

    with monkeypatch.context() as m:
        m.setattr(Text, "draw", record)
        FigureCanvasAgg(fig).draw()
    edge = fig.bbox
    cut = [
        (a, "edge")
        for a, box in drawn
        if box.x0 < edge.x0 or box.y0 < edge.y0 or box.x1 > edge.x1 or box.y1 > edge.y1
    ]
    pairs = itertools.combinations(drawn, 2)
    return cut + [(a, b) for (a, ba), (b, bb) in pairs if ba.overlaps(bb)]


@pytest.mark.parametrize("shape", list(STRETCH))
def test_no_text_of_a_field_figure_overlaps_another(last_snapshot, shape, monkeypatch):
    sx, sy = STRETCH[shape]
    late = _stretched(last_snapshot, sx, sy, 82.0, 6.31)
    steps = [(0.0, 0.0), (28.0, 1.95), (54.0, 3.88), (82.0, 6.31)]
    sequence = [_stretched(last_snapshot, sx, sy, t, q) for t, q in steps]
    with style.journal_style():
        built = {
            "fields": figures.fields_figure(late, dpi=60)[0],
            "concentration": figures.field_figure(late, "c", dpi=60)[0],
            "sequence": figures.sequence_figure(sequence, view="domain", dpi=60)[0],
            "reaction_rate": rate_figure.reaction_rate_figure(late, view="domain", dpi=60)[0],
        }
        for name, fig in built.items():
            overlaps = _overlaps(fig, monkeypatch)
            assert not overlaps, f"{shape} {name}: {overlaps}"
