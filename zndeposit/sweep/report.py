"""Collect a sweep into its outputs, and the self-contained HTML sweep report.

:func:`collect` is what ``zndeposit sweep collect DIR`` (and the end of every
``zndeposit sweep`` run) does: summary table, figures, morphology map and
``DIR/report.html``. The report embeds its figures (PNG, with the PDF as a
download) and the summary files, so the one file opens offline and can be
mailed; it also links the member run directories next to it.

The page is built with the project's report machinery
(:mod:`zndeposit.report.html`): sections of blocks (key-value tables, tables,
figures, downloads), one self-contained HTML file with the same look as the
run reports of ``zndeposit report``.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zndeposit.metrics.registry import lookup
from zndeposit.report.html import (
    Downloads,
    Figure,
    KeyValues,
    Link,
    Pre,
    Section,
    Table,
    Text,
    file_uri,
    write_page,
)
from zndeposit.sweep.aggregate import (
    SUMMARY_CSV,
    SUMMARY_PARQUET,
    column_name,
    plot_metrics,
    slug,
    split_column,
    summary_table,
    write_summary,
)
from zndeposit.sweep.morphology import MAP_METRIC, plot_morphology

REPORT_FILE = "report.html"
#: metric columns shown in the report's table (all columns are in the CSV/Parquet files)
TABLE_METRICS = (
    "t",
    "E",
    "dendrite_height",
    "tip_lead",
    "roughness_rms",
    "current_focusing_max",
    "c_interface_min_min",
    "faraday_error_max_abs",
    "wall_time",
)
STATUS_ORDER = ("finished", "failed", "interrupted", "invalid", "stale", "running", "pending")


@dataclass
class Collected:
    """What :func:`collect` wrote: the table, status counts and the files."""

    directory: Path
    table: Any
    counts: dict[str, int]
    files: list[Path] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    morphology: list[Path] = field(default_factory=list)
    report: Path | None = None


def collect(directory: str | os.PathLike[str], *, figures: bool = True) -> Collected:
    """Summary table (CSV + Parquet), figures, morphology map and HTML report of a sweep.

    Args:
        directory: the sweep directory (holds ``sweep.json``).
        figures: also draw the figures (the table and the report are always written).

    Raises:
        FileNotFoundError: ``directory`` holds no sweep.
    """
    directory = Path(directory)
    df, plan = summary_table(directory)
    files = write_summary(df, directory)
    figs = plot_metrics(df, plan, directory) if figures else []
    morph = plot_morphology(directory, plan, df) if figures else []
    counts = Counter(df["status"])
    ordered = {s: counts[s] for s in STATUS_ORDER if counts.get(s)}
    ordered |= {s: c for s, c in counts.items() if s not in ordered}
    out = Collected(directory, df, ordered, files, figs, morph)
    out.report = write_report(out, plan)
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return f"{value:.4g}"
    return str(value)


def _figure(path: Path, caption: str) -> Figure:
    """A saved PNG embedded, with the PDF beside it as a download."""
    block = Figure(file_uri(path), caption, alt=caption, name=path.stem)
    pdf = path.with_suffix(".pdf")
    if pdf.is_file():
        block.downloads.append(Link("PDF", file_uri(pdf), pdf.name))
    return block


def _overview(collected: Collected, plan: dict) -> Section:
    dims = " x ".join(str(d["size"]) for d in plan["dimensions"])
    counts = ", ".join(f"{s}: {n}" for s, n in collected.counts.items())
    items = [
        ("sweep", plan["name"]),
        ("base case", plan["base"]),
        ("members", f"{len(plan['members'])} ({dims})"),
        ("status", counts),
    ]
    items += [(f"fixed: {k}", _cell(v)) for k, v in plan.get("fixed", {}).items()]
    blocks: list[Any] = [KeyValues(items)]
    if plan.get("description"):
        blocks.insert(0, Text(plan["description"]))
    bad = sum(n for s, n in collected.counts.items() if s != "finished")
    if bad:
        blocks.append(Text(f"{bad} member(s) did not finish: see Problems.", "warn"))
    else:
        blocks.append(Text("Every member finished.", "ok"))
    summary = [collected.directory / SUMMARY_CSV, collected.directory / SUMMARY_PARQUET]
    links = [
        Link(p.name, file_uri(p, "text/csv" if p.suffix == ".csv" else None), p.name)
        for p in summary
        if p.is_file()
    ]
    blocks.append(
        Downloads(
            links,
            "Summary table (one row per member; swept values in lab units, final "
            "metrics with the units of each run's metrics.csv):",
        )
    )
    return Section("overview", "Overview", blocks)


def _axes_section(plan: dict) -> Section:
    kinds = {i: d["kind"] for i, d in enumerate(plan["dimensions"])}
    rows = []
    for a in plan["columns"]:
        seen: list[str] = []
        for m in plan["members"]:
            text = str(m.get("texts", {}).get(a["key"], m["given"].get(a["key"])))
            if text not in seen:
                seen.append(text)
        shown = ", ".join(seen[:12]) + (f", ... ({len(seen)} values)" if len(seen) > 12 else "")
        unit = a["unit"] if a["unit"] is not None else "(text)"
        rows.append([str(a["dimension"]), a["key"], a["label"], unit, kinds[a["dimension"]], shown])
    table = Table(["dimension", "key", "label", "unit", "kind", "values"], rows, numeric=False)
    intro = "Keys of one dimension advance together (zip, random); dimensions form a full grid."
    return Section("axes", "Swept axes", [table], intro=intro)


def _members_section(df: Any, plan: dict) -> Section:
    """A readable subset of the summary table, and links to the member run directories."""
    axes = [column_name(a) for a in plan["columns"]]
    present = {split_column(c)[0]: c for c in df.columns}
    metrics = [present[m] for m in TABLE_METRICS if m in present]
    cols = [c for c in ["member", "status", "hash", *axes, *metrics] if c in df.columns]
    rows = [[_cell(rec[c]) for c in cols] for rec in df[cols].to_dict("records")]
    links = [
        Link(f"#{rec['member']} {rec['hash']}", f"{rec['run_dir']}/")
        for rec in df.to_dict("records")
        if isinstance(rec.get("run_dir"), str)
    ]
    blocks: list[Any] = [Table(cols, rows, caption="Final values of every member")]
    if links:
        blocks.append(Downloads(links, "Run directories (next to this file):"))
    return Section("members", "Members", blocks)


def _problems_section(df: Any, plan: dict) -> Section | None:
    axes = [column_name(a) for a in plan["columns"]]
    rows = []
    for rec in df.to_dict("records"):
        if rec["status"] in ("finished", "pending", "running"):
            continue
        values = ", ".join(f"{a} = {_cell(rec.get(a))}" for a in axes)
        error = _cell(rec.get("error")) or "(no message)"
        rows.append([str(rec["member"]), rec["status"], values, error])
    if not rows:
        return None
    table = Table(["member", "status", "values", "error"], rows, numeric=False)
    intro = (
        "Failed and interrupted members are run again by the next 'zndeposit sweep' "
        "(unless member.retry_failed = false); invalid ones need a change of the sweep file."
    )
    return Section("problems", "Problems", [table], intro=intro)


def write_report(collected: Collected, plan: dict) -> Path:
    """Write ``DIR/report.html`` from what :func:`collect` gathered."""
    axes = plan["columns"]
    figs = [
        _figure(
            p,
            f"Final metrics against {a['label']} ({a['key']}); lines join members "
            "that share the other swept values; finished members only.",
        )
        for p in collected.figures
        for a in axes
        if p.stem == f"metrics_vs_{slug(a['key'])}"
    ]
    morph = [
        _figure(
            p,
            "Final xi field (cividis, 0 electrolyte to 1 Zn) and its xi = 0.5 contour "
            "(white) of every member, all at the same scale; "
            f"h = {lookup(MAP_METRIC).label.lower()}.",
        )
        for p in collected.morphology
    ]
    sections = [_overview(collected, plan), _axes_section(plan)]
    if figs:
        sections.append(Section("metrics", "Metrics against each axis", figs))
    if morph:
        sections.append(Section("morphology", "Morphology map", morph))
    sections.append(_members_section(collected.table, plan))
    problems = _problems_section(collected.table, plan)
    if problems is not None:
        sections.append(problems)
    sweep_file = collected.directory / "sweep.toml"
    if sweep_file.is_file():
        text = sweep_file.read_text(encoding="utf-8")
        sections.append(Section("sweep-file", "Sweep file", [Pre(text, "sweep.toml as given")]))
    title = plan.get("title") or plan["name"]
    subtitle = f"Parameter sweep {plan['name']} of {Path(plan['base']).name}"
    return write_page(collected.directory / REPORT_FILE, title, sections, subtitle=subtitle)
