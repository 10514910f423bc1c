"""Text sizes measured before drawing, so that layouts can make text fit its room.

Sizes come from the glyph outlines of the style's font (matplotlib's
``TextPath``, mathtext included), so they need no renderer and are the same
on every machine. Lengths are in inches, font sizes in points.
"""

from __future__ import annotations

from collections.abc import Sequence

from zndeposit.viz import style

__all__ = ["LINE_SPACING", "MIN_FONT_SIZE", "fit_size", "text_size", "tick_labels_fit"]

#: the smallest text of a figure at its printed size, pt (figures are printed 1:1)
MIN_FONT_SIZE = 5.5
#: height of one line of text as a multiple of the font size (matplotlib's default)
LINE_SPACING = 1.2


def text_size(text: str, size: float) -> tuple[float, float]:
    """Width and height (in) of ``text`` at ``size`` pt; lines split at newlines.

    The width is that of the widest line's ink, the height ``lines x`` the line
    spacing (so a one-line text of any content has the same height).
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    prop = FontProperties(family=style.FONT)
    lines = text.split("\n")
    width = 0.0
    for line in lines:
        if line.strip():
            ext = TextPath((0.0, 0.0), line, size=size, prop=prop).get_extents()
            width = max(width, ext.width / 72.0)
    return width, len(lines) * LINE_SPACING * size / 72.0


def fit_size(
    text: str,
    size: float,
    width: float,
    height: float | None = None,
    min_size: float = MIN_FONT_SIZE,
) -> float | None:
    """The largest font size <= ``size`` at which ``text`` fits ``width`` x ``height`` (in).

    Returns:
        The size (pt), or None if the text does not fit even at ``min_size``.
    """
    w, h = text_size(text, size)
    scale = 1.0
    if w > width:
        scale = width / w
    if height is not None and h > height:
        scale = min(scale, height / h)
    fitted = size * scale
    return fitted if fitted >= min_size - 1e-9 else None


def tick_labels_fit(
    positions: Sequence[float],
    labels: Sequence[str],
    size: float,
    *,
    along: str,
    lo: float,
    hi: float,
    gap: float = 0.04,
) -> bool:
    """Whether tick labels at ``positions`` (in, along an axis) keep apart and inside [lo, hi].

    Args:
        positions: tick positions along the axis, in, increasing.
        labels: their texts.
        size: font size of the labels, pt.
        along: ``"x"`` (labels side by side: their widths count) or ``"y"``
            (labels stacked: their heights count).
        lo: lowest coordinate a label may reach, in.
        hi: highest coordinate a label may reach, in.
        gap: the least free space between neighbouring labels, in.
    """
    extents = [text_size(t, size)[0 if along == "x" else 1] for t in labels]
    if along == "y":  # a line's height includes the line spacing; the ink is ~0.75 of it
        extents = [0.75 * e for e in extents]
    for k, (p, e) in enumerate(zip(positions, extents, strict=True)):
        if p - e / 2 < lo - 1e-9 or p + e / 2 > hi + 1e-9:
            return False
        if k and p - positions[k - 1] < (e + extents[k - 1]) / 2 + gap:
            return False
    return True
