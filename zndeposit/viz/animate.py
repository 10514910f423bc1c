"""Growth animations: every snapshot of a run as a frame, MP4 (imageio-ffmpeg) and GIF.

All frames share one window (holding the interface of every output) and one
set of colour limits per field (the range over the whole run), so colours and
positions can be compared between frames.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from zndeposit.io.snapshots import atomic_path
from zndeposit.viz import style
from zndeposit.viz.extract import Window
from zndeposit.viz.figures import PanelSpec, View, field_grid, view_window
from zndeposit.viz.panel import data_range
from zndeposit.viz.run_data import RunData

__all__ = ["ANIMATION_FIELDS", "animation_frames", "write_animation"]

#: fields shown side by side in a frame
ANIMATION_FIELDS = ("xi", "c")
#: at most this many frames (outputs are subsampled evenly beyond it)
MAX_FRAMES = 150


def _frame_indices(n: int, limit: int = MAX_FRAMES) -> list[int]:
    if n <= limit:
        return list(range(n))
    return sorted({round(k) for k in np.linspace(0, n - 1, limit)})


def animation_frames(
    run: RunData,
    fields: Sequence[str] = ANIMATION_FIELDS,
    *,
    view: View | Window = "interface",
    width: float = 0.8 * style.DOUBLE_COLUMN,
    dpi: int = 150,
) -> Iterator[np.ndarray]:
    """RGB frames (uint8, equal even sizes) of the run's snapshots with fixed colour limits."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    entries = run.index.entries
    picks = _frame_indices(len(entries))
    snaps = [run.snapshot(index=entries[k].index) for k in picks]
    fields = [f for f in fields if f in snaps[0].mesh.point_data or f in snaps[0].mesh.cell_data]
    window = view_window(snaps, view)
    limits = {f: data_range(snaps, f, window) for f in fields}
    with style.journal_style():
        for snap in snaps:
            row = [PanelSpec(snap, f, window, stamp=(k == 0)) for k, f in enumerate(fields)]
            fig, _ = field_grid(
                [row], share="column", width=width, limits=limits, dpi=dpi, max_panel_height=3.0
            )
            fig.set_dpi(dpi)
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            rgb = np.asarray(canvas.buffer_rgba())[..., :3]
            h, w = rgb.shape[:2]
            yield np.pad(rgb, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def write_animation(
    run: RunData,
    stem: str | os.PathLike[str],
    formats: Sequence[str] = ("mp4", "gif"),
    *,
    fps: float = 6.0,
    fields: Sequence[str] = ANIMATION_FIELDS,
    view: View | Window = "interface",
    dpi: int = 150,
) -> list[Path]:
    """Write ``stem.mp4`` (H.264, yuv420p) and/or ``stem.gif`` (looping), atomically.

    Returns:
        The written paths (none if the run has fewer than two snapshots).
    """
    import imageio.v3 as iio3

    frames = list(animation_frames(run, fields, view=view, dpi=dpi))
    if len(frames) < 2:
        return []
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in formats:
        path = stem.with_name(f"{stem.name}.{fmt}")
        if fmt not in ("mp4", "gif"):
            raise ValueError(f"unknown animation format {fmt!r} (known: mp4, gif)")
        with atomic_path(path) as tmp:
            if fmt == "mp4":
                _write_mp4(tmp, frames, fps)
            else:
                iio3.imwrite(
                    tmp, np.stack(frames), extension=".gif", duration=round(1000 / fps), loop=0
                )
        out.append(path)
    return out


def _write_mp4(path: Path, frames: Sequence[np.ndarray], fps: float) -> None:
    """H.264 MP4 (yuv420p, plays in every browser) through imageio-ffmpeg."""
    import imageio.v2 as iio

    with iio.get_writer(
        path,
        format="FFMPEG",
        mode="I",
        fps=fps,
        codec="libx264",
        pixelformat="yuv420p",
        macro_block_size=1,
        quality=8,
        ffmpeg_log_level="error",
    ) as writer:
        for frame in frames:
            writer.append_data(frame)
