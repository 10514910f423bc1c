"""``zndeposit render``: every figure of a run, as 300 dpi PNG plus PDF or SVG, and the animation.

The figure sets are generators of :class:`FigureItem` (name, caption, figure),
so the report embeds exactly the figures that ``render`` writes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from zndeposit.io.snapshots import Snapshot
from zndeposit.metrics.registry import ELECTROLYTE_BAND, lookup
from zndeposit.viz import chemistry, chemistry_plots, figures, plots, rate_figure, style
from zndeposit.viz.extract import Window
from zndeposit.viz.panel import Vectors, time_text
from zndeposit.viz.run_data import RunData, load_run

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "FigureItem",
    "available_fields",
    "render_run",
    "series_figures",
    "snapshot_figures",
    "time_tag",
]


@dataclass
class FigureItem:
    """A figure with the file stem it is saved under and a caption for reports."""

    name: str
    caption: str
    figure: Figure


def time_tag(t: float) -> str:
    """File-name tag of an output time: ``t9s``, ``t0.25s``, ``t1200s``."""
    return f"t{t:.6g}s"


def _stamp(snap: Snapshot) -> str:
    return f"t = {time_text(snap.t)}, {snap.capacity:.3g} mAh/cm²"


def snapshot_figures(
    run: RunData,
    snap: Snapshot,
    *,
    window: Window | None = None,
    vectors: Vectors = "streamlines",
    dpi: int = style.DPI,
) -> Iterator[FigureItem]:
    """The field figures of one snapshot (call inside :func:`style.journal_style`).

    Args:
        run: the run (for the applied current).
        snap: the snapshot.
        window: one window (um) for every figure instead of the automatic views
            (whole domain for fields, a close-up for the deposit).
        vectors: how the ionic current is drawn.
        dpi: resolution of the field images.
    """
    tag, when = time_tag(snap.t), _stamp(snap)
    close, whole = window or "interface", window or "domain"
    fig, _ = figures.field_figure(snap, "xi", view=close, dpi=dpi)
    yield FigureItem(
        f"deposit_{tag}",
        f"Deposit at {when}: phase field ξ with the ξ = 0.5 "
        "interface (white), the initial surface (dashed) and region outlines.",
        fig,
    )
    fig, _ = figures.fields_figure(snap, view=whole, vectors=vectors, dpi=dpi)
    yield FigureItem(
        f"fields_{tag}",
        f"Fields at {when}: (a) phase field, (b) Zn²⁺ "
        "concentration, (c) electrolyte potential, (d) ionic current density with "
        "current lines (seeded evenly at the top, so their spacing shows the current "
        "density). Metal in grey.",
        fig,
    )
    for field, what in (
        ("c", "Zn²⁺ concentration in the electrolyte"),
        ("phi", "Electrolyte potential"),
        ("current", "Ionic current density and current lines"),
    ):
        if field not in snap.mesh.point_data and field not in snap.mesh.cell_data:
            continue
        fig, _ = figures.field_figure(snap, field, view=whole, vectors=vectors, dpi=dpi)
        short = style.FIELD_STYLES[field].short
        yield FigureItem(f"{short}_{tag}", f"{what} at {when}.", fig)
    if "reaction_rate" in snap.mesh.point_data:
        applied = run.derived.applied_current
        fig, _ = rate_figure.reaction_rate_figure(
            snap,
            view=close,
            applied=lookup("i").si_to_display(applied) if applied else None,
            dpi=dpi,
        )
        yield FigureItem(
            f"reaction_rate_{tag}",
            f"Local plating rate along the interface at "
            f"{when}: (a) on the ξ = 0.5 line, (b) against arc length.",
            fig,
        )
    for name, caption, fig in chemistry.chemistry_figures(snap, tag, when, whole, dpi):
        yield FigureItem(name, caption, fig)


def available_fields(snap: Snapshot) -> list[str]:
    """The fields of a snapshot that ``render --field`` can draw (styled ones, in style order)."""
    data = set(snap.mesh.point_data) | set(snap.mesh.cell_data)
    return [f for f in style.FIELD_STYLES if f in data]


def field_figures(
    snap: Snapshot,
    fields: Sequence[str],
    *,
    window: Window | None = None,
    vectors: Vectors = "streamlines",
    dpi: int = style.DPI,
) -> Iterator[FigureItem]:
    """One figure per field in ``fields`` (``render --field``), whole domain or ``window``.

    Raises:
        ValueError: a field the snapshot does not hold (e.g. ``pH`` of a run without
            ``[chemistry]``), naming the fields it has.
    """
    have = available_fields(snap)
    missing = [f for f in fields if f not in have]
    if missing:
        hint = (
            " (pH, c_hydroxide, zhs and her_rate are written only by runs with [chemistry],"
            " c_zn_hydroxide only with hydrolysis)"
            if set(missing) & set(chemistry.CHEMISTRY_FIELDS)
            else ""
        )
        raise ValueError(
            f"no field {', '.join(repr(f) for f in missing)} in this run{hint}; "
            f"its fields: {', '.join(have)}"
        )
    tag, when = time_tag(snap.t), _stamp(snap)
    for field in fields:
        fig, _ = figures.field_figure(
            snap, field, view=window or "domain", vectors=vectors, dpi=dpi
        )
        fs = style.FIELD_STYLES[field]
        yield FigureItem(f"{fs.short}_{tag}", f"{fs.label} at {when}.", fig)


def sequence_snapshots(run: RunData, count: int = 4) -> list[Snapshot]:
    """``count`` snapshots evenly spread over the run (first and last included)."""
    n = len(run.index.entries)
    picks = sorted({round(k) for k in np.linspace(0, n - 1, min(count, n))})
    return [run.snapshot(index=k) for k in picks]


def series_figures(runs: Sequence[RunData], *, dpi: int = style.DPI) -> Iterator[FigureItem]:
    """The metrics plots of one or several runs (and the growth sequence of a single run)."""
    many = len(runs) > 1
    of = "of each run" if many else ""
    yield FigureItem(
        "electrode_potential",
        f"Electrode potential E (solid) and mean interfacial "
        f"overpotential η (dashed) {of} against (a) time and (b) capacity.",
        plots.potential_plot(runs),
    )
    yield FigureItem(
        "morphology",
        "(a) Dendrite height above the initial surface level, (b) tip lead: rise of "
        "the highest point minus the advance of the flat surface, (c) RMS roughness "
        "of the height profile, (d) interface length / width, against capacity.",
        plots.morphology_plot(runs),
    )
    yield FigureItem(
        "interface_concentration",
        "Minimum Zn²⁺ concentration on the electrolyte side of the interface "
        f"({ELECTROLYTE_BAND[0]} < ξ < {ELECTROLYTE_BAND[1]}) against time; dotted: "
        "planar semi-infinite (Sand) surface concentration, dashed vertical: Sand's "
        "time τ_s at the applied current.",
        plots.concentration_plot(runs),
    )
    yield FigureItem(
        "focusing",
        "Current-focusing factor (maximum / interface mean of the plating current "
        "per interface area, porosity × local rate) against capacity.",
        plots.focusing_plot(runs),
    )
    for name, caption, fig in chemistry_plots.chemistry_series(runs):
        yield FigureItem(name, caption, fig)
    if not many and runs[0].has_snapshots and len(runs[0].index.entries) > 1:
        fig, _ = figures.sequence_figure(sequence_snapshots(runs[0]), dpi=dpi)
        yield FigureItem(
            "sequence",
            "Growth sequence: the deposit at evenly spaced outputs, same window and colour scale.",
            fig,
        )


def render_run(
    run_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    times: Sequence[float] | None = None,
    capacities: Sequence[float] | None = None,
    vector_format: str | None = "pdf",
    window: Window | None = None,
    vectors: Vectors = "streamlines",
    movie: bool = True,
    fps: float = 6.0,
    fields: Sequence[str] | None = None,
) -> list[Path]:
    """Write every figure of a run (``zndeposit render``).

    Args:
        run_dir: the run directory.
        out_dir: where the figures go (default ``RUN_DIR/figures``).
        times: output times (s) to render; the nearest outputs are taken.
        capacities: passed charges (mAh/cm^2) to render, nearest outputs.
            Without times or capacities: the last output.
        vector_format: ``"pdf"`` or ``"svg"`` besides the PNG, or None for PNG only.
        window: one window (um) for all field figures instead of the automatic views.
        vectors: ``"streamlines"``, ``"glyphs"`` or ``"none"`` for the ionic current.
        movie: also write ``growth.mp4`` and ``growth.gif``.
        fps: frames per second of the animation.
        fields: draw only these fields (one figure each, at the chosen outputs), no
            metrics plots and no animation.

    Returns:
        The written files.

    Raises:
        ValueError: ``fields`` names a field the run has no snapshots of.
    """
    from zndeposit.viz.animate import write_animation

    run = load_run(run_dir)
    out = Path(out_dir) if out_dir is not None else run.path / "figures"
    formats = ("png", vector_format) if vector_format else ("png",)
    written: list[Path] = []
    if fields:
        if not run.has_snapshots:
            raise ValueError(f"{run.path} has no field snapshots: no field can be drawn")
        with style.journal_style():
            for snap in _chosen(run, times, capacities):
                for item in field_figures(snap, fields, window=window, vectors=vectors):
                    written += style.save_figure(item.figure, out / item.name, formats)
        return written
    with style.journal_style():
        for item in series_figures([run]):
            written += style.save_figure(item.figure, out / item.name, formats)
        if run.has_snapshots:
            for snap in _chosen(run, times, capacities):
                for item in snapshot_figures(run, snap, window=window, vectors=vectors):
                    written += style.save_figure(item.figure, out / item.name, formats)
    if movie and run.has_snapshots:
        written += write_animation(run, out / "growth", fps=fps, view=window or "interface")
    return written


def _chosen(
    run: RunData, times: Sequence[float] | None, capacities: Sequence[float] | None
) -> list[Snapshot]:
    """The outputs nearest the times (s) and capacities (mAh/cm^2) asked for, else the last."""
    snaps = [run.snapshot(t) for t in times or ()]
    snaps += [run.snapshot_at_capacity(q) for q in capacities or ()]
    return list({s.index: s for s in snaps or [run.snapshot()]}.values())


def add_render_arguments(p: Any) -> None:
    """Options of ``zndeposit render`` on an argparse parser."""
    p.add_argument("run_dir", help="run directory written by `zndeposit run -o`")
    p.add_argument("-o", "--output", help="folder for the figures (default: RUN_DIR/figures)")
    add_time_argument(p, "output time in s to render (nearest output; repeatable; default: last)")
    p.add_argument(
        "--capacity",
        type=float,
        action="append",
        metavar="Q",
        help="passed charge in mAh/cm^2 to render (nearest output; repeatable)",
    )
    add_format_argument(p, "vector format written besides the 300 dpi PNG")
    p.add_argument(
        "--window",
        metavar="X0,X1,Y0,Y1",
        type=window_argument,
        help="area of every field figure in um (default: whole domain for the fields, "
        "a close-up of the interface for the deposit)",
    )
    p.add_argument(
        "--vectors",
        choices=["streamlines", "glyphs", "none"],
        default="streamlines",
        help="how the ionic current is drawn (default: streamlines)",
    )
    p.add_argument(
        "--field",
        action="append",
        metavar="NAME",
        help="draw only this field (repeatable; e.g. xi, c, phi, current, reaction_rate, and "
        "with [chemistry] pH, zhs, c_hydroxide, c_zn_hydroxide, her_rate): one figure per field "
        "and output, "
        "no metrics plots, no animation",
    )
    p.add_argument("--no-movie", action="store_true", help="skip growth.mp4 and growth.gif")
    p.add_argument("--fps", type=float, default=6.0, help="animation frames per second (default 6)")


def add_time_argument(p: Any, text: str, *, repeat: bool = True) -> None:
    """``--time T`` (s), repeatable or single."""
    action = "append" if repeat else "store"
    p.add_argument("--time", type=float, action=action, metavar="T", help=text)


def add_format_argument(p: Any, text: str) -> None:
    """``--format pdf|svg|none``; read it back with :func:`vector_format`."""
    choices = ["pdf", "svg", "none"]
    p.add_argument("--format", choices=choices, default="pdf", help=f"{text} (default: pdf)")


def vector_format(args: Any) -> str | None:
    """The ``--format`` choice, None for ``none``."""
    return None if args.format == "none" else str(args.format)


def window_argument(text: str) -> Window:
    """The type of ``--window``: ``X0,X1,Y0,Y1`` in um, with a clear message."""
    import argparse

    try:
        return Window.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def render_command(args: Any) -> int:
    """Run ``zndeposit render`` from parsed arguments; prints the files written."""
    run = load_run(args.run_dir)
    if not run.has_snapshots:
        print(
            f"note: {run.path} has no field snapshots (fields/snapshots/index.json); "
            "only the metrics plots are drawn. Rerun with output.snapshots = true."
        )
    paths = render_run(
        run.path,
        args.output,
        times=args.time,
        capacities=args.capacity,
        vector_format=vector_format(args),
        window=args.window,
        vectors=args.vectors,
        movie=not args.no_movie,
        fps=args.fps,
        fields=args.field,
    )
    for path in paths:
        print(path)
    print(f"{len(paths)} files written to {paths[0].parent if paths else args.output}")
    return 0
