"""``zndeposit report``: one self-contained HTML file for one run, or several side by side.

:func:`build_report` reads the run directories, draws the figures of
:mod:`zndeposit.viz.render` (and, for several runs, comparison figures at
equal colour limits and scale), embeds them with the animation and writes
the page. :func:`figure_sections` and :func:`animation_section` are the
reusable parts for other reports.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zndeposit.report.chemistry import add_chemistry
from zndeposit.report.html import (
    REPORT_DPI,
    Link,
    Section,
    Text,
    Video,
    figure_block,
    file_uri,
    write_page,
)
from zndeposit.report.tables import (
    case_section,
    checks_section,
    derived_section,
    glance_section,
    metrics_section,
    run_info_section,
)
from zndeposit.viz import figures, style
from zndeposit.viz.render import (
    add_format_argument,
    add_time_argument,
    series_figures,
    snapshot_figures,
    vector_format,
)
from zndeposit.viz.run_data import RunData, load_run

__all__ = ["animation_section", "build_report", "figure_sections", "load_runs"]

#: the section ids of a report, in order (tests and other reports rely on them)
SECTION_IDS = (
    "glance",
    "case",
    "derived",
    "fields",
    "series",
    "animation",
    "metrics",
    "checks",
    "run",
)


def load_runs(run_dirs: Sequence[str | os.PathLike[str]]) -> list[RunData]:
    """Load run directories with unique labels (folder names, parent-qualified if they clash)."""
    paths = [Path(p) for p in run_dirs]
    names = [p.resolve().name for p in paths]
    labels = [
        n if names.count(n) == 1 else f"{p.resolve().parent.name}/{n}"
        for p, n in zip(paths, names, strict=True)
    ]
    return [load_run(p, label) for p, label in zip(paths, labels, strict=True)]


def figure_sections(
    runs: Sequence[RunData], *, time: float | None = None, vector: str | None = "pdf"
) -> list[Section]:
    """The field figures (``fields``) and the time series (``series``) of one or several runs.

    Args:
        runs: one run (all its figures) or several (side by side at equal colour limits
            and scale, time series overlaid).
        time: output time (s) of the field figures (default: each run's last output).
        vector: offer each figure as ``"pdf"`` or ``"svg"`` download too (None: no).
    """
    blocks: list[Any] = []
    with_fields = [r for r in runs if r.has_snapshots]
    with style.journal_style():
        if len(runs) == 1 and with_fields:
            run = runs[0]
            for item in snapshot_figures(run, run.snapshot(time), dpi=REPORT_DPI):
                wide = item.name.startswith(("fields", "reaction_rate", "chemistry"))
                blocks.append(
                    figure_block(
                        item.figure, item.caption, name=item.name, vector=vector, wide=wide
                    )
                )
        elif with_fields:
            snaps = [r.snapshot(time) for r in with_fields]
            labels = [r.label for r in with_fields]
            fig, _ = figures.comparison_figure(snaps, labels, view="domain", dpi=REPORT_DPI)
            blocks.append(
                figure_block(
                    fig,
                    "The runs side by side (columns) at their last "
                    "output: one field per row with one colour scale, and the "
                    "same µm per inch in every panel.",
                    name="comparison_fields",
                    vector=vector,
                )
            )
            fig, _ = figures.comparison_figure(
                snaps, labels, fields=("xi",), view="interface", dpi=REPORT_DPI
            )
            blocks.append(
                figure_block(
                    fig,
                    "Close-up of the deposits, same window size and colour scale.",
                    name="comparison_deposit",
                    vector=vector,
                )
            )
        series = [
            figure_block(
                item.figure,
                item.caption,
                name=item.name,
                vector=vector,
                wide=item.name
                in ("electrode_potential", "morphology", "sequence", "side_reactions"),
            )
            for item in series_figures(runs, dpi=REPORT_DPI)
        ]
    if not with_fields:
        blocks.append(
            Text(
                "No field snapshots in these runs (output.snapshots = false, or a run "
                "older than snapshots): only the metrics can be shown.",
                "warn",
            )
        )
    missing = [r.label for r in runs if not r.has_snapshots]
    if with_fields and missing:
        blocks.append(Text(f"Without field snapshots (left out): {', '.join(missing)}.", "warn"))
    return [
        Section("fields", "Deposit and fields", blocks, columns=2),
        Section("series", "Time series", series, columns=2),
    ]


def animation_section(runs: Sequence[RunData], *, fps: float = 6.0) -> Section:
    """One embedded MP4 per run (GIF as a download), fixed colour limits over each run."""
    from zndeposit.viz.animate import write_animation

    blocks: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="zndeposit-report-") as tmp:
        for r in runs:
            if not r.has_snapshots or len(r.index.entries) < 2:
                blocks.append(Text(f"{r.label}: fewer than two field snapshots, no animation."))
                continue
            paths = write_animation(r, Path(tmp) / f"{r.label.replace('/', '_')}_growth", fps=fps)
            mp4 = next(p for p in paths if p.suffix == ".mp4")
            gif = next(p for p in paths if p.suffix == ".gif")
            who = f"{r.label}: " if len(runs) > 1 else ""
            blocks.append(
                Video(
                    file_uri(mp4, "video/mp4"),
                    poster=_poster(gif),
                    caption=f"{who}growth over {len(r.index.entries)} outputs; colour limits fixed "
                    "over the run.",
                    downloads=[
                        Link("MP4", file_uri(mp4, "video/mp4"), mp4.name),
                        Link("GIF", file_uri(gif, "image/gif"), gif.name),
                    ],
                )
            )
    return Section("animation", "Animation", blocks, columns=1 if len(runs) == 1 else 2)


def _poster(gif: Path) -> str:
    """The last frame of the GIF as a PNG data URI (shown before the video plays)."""
    import io

    import imageio.v3 as iio

    from zndeposit.report.html import data_uri

    frame = iio.imread(gif, index=None)[-1]
    buf = io.BytesIO()
    iio.imwrite(buf, frame, extension=".png")
    return data_uri(buf.getvalue(), "image/png")


def build_report(
    run_dirs: Sequence[str | os.PathLike[str]],
    out_path: str | os.PathLike[str] | None = None,
    *,
    title: str | None = None,
    time: float | None = None,
    movie: bool = True,
    vector: str | None = "pdf",
) -> Path:
    """Write the HTML report of one or several runs.

    Args:
        run_dirs: run directories (``zndeposit run -o``); several are compared side by side.
        out_path: the HTML file (default: ``RUN_DIR/report.html`` for one run,
            ``comparison.html`` in the working directory for several).
        title: page title (default: the case title, or "Comparison of N runs").
        time: output time (s) of the field figures (default: last output).
        movie: embed the growth animation.
        vector: offer figures as ``"pdf"``/``"svg"`` downloads (None: PNG only).

    Returns:
        The written file.
    """
    runs = load_runs(run_dirs)
    if not runs:
        raise ValueError("build_report needs at least one run directory")
    if out_path is None:
        out_path = runs[0].path / "report.html" if len(runs) == 1 else Path("comparison.html")
    single = len(runs) == 1
    sections = [glance_section(runs), case_section(runs), derived_section(runs)]
    sections += figure_sections(runs, time=time, vector=vector)
    if movie:
        sections.append(animation_section(runs))
    sections += [metrics_section(runs), checks_section(runs), run_info_section(runs)]
    add_chemistry(sections, runs)  # runs with [chemistry] only; others unchanged
    page_title = title or (runs[0].title if single else f"Comparison of {len(runs)} runs")
    subtitle = str(runs[0].path) if single else ", ".join(r.label for r in runs)
    return write_page(out_path, page_title, sections, subtitle=subtitle)


def add_report_arguments(p: Any) -> None:
    """Options of ``zndeposit report`` on an argparse parser."""
    p.add_argument(
        "run_dirs",
        nargs="+",
        metavar="RUN_DIR",
        help="run directories; several are compared side by side",
    )
    p.add_argument(
        "-o",
        "--output",
        help="HTML file (default: RUN_DIR/report.html for one run, comparison.html for several)",
    )
    p.add_argument("--title", help="page title (default: the case title)")
    text = "output time in s of the field figures (default: last output)"
    add_time_argument(p, text, repeat=False)
    add_format_argument(p, "vector download offered with every figure")
    p.add_argument("--no-movie", action="store_true", help="leave out the animation")


def report_command(args: Any) -> int:
    """Run ``zndeposit report`` from parsed arguments."""
    path = build_report(
        args.run_dirs,
        args.output,
        title=args.title,
        time=args.time,
        movie=not args.no_movie,
        vector=vector_format(args),
    )
    size = path.stat().st_size / 1e6
    print(f"report written to {path} ({size:.1f} MB, self-contained: open it in any browser)")
    return 0
