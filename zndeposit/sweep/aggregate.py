"""Collect a sweep: summary table (CSV + Parquet) and figures of every metric against every axis.

The table has one row per member: ``member``, ``hash``, ``status``, ``error``,
the swept keys in lab units (``control.current_density [mA/cm^2]``), the last
row of the member's ``metrics.csv`` with the units of its header
(``dendrite_height [um]``), a few extremes over the run
(``c_interface_min_min [mol/L]``, ``current_focusing_max [-]``,
``faraday_error_max_abs [-]``), the number of outputs, the wall time and the
unknowns. Labels, display units and factors of the figures come from
:mod:`zndeposit.metrics.registry`. Everything is read from ``DIR/sweep.json`` and the member
directories, so ``zndeposit sweep collect DIR`` works anywhere, any time.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from zndeposit.io.metrics_csv import read_metrics
from zndeposit.metrics.registry import Metric, lookup
from zndeposit.sweep.members import MEMBERS_DIR, load_plan, read_json, run_state
from zndeposit.units import unit_factor

SUMMARY_CSV = "summary.csv"
SUMMARY_PARQUET = "summary.parquet"
FIGURES_DIR = "figures"

#: metric column -> (extreme, suffix): extra columns over the whole run
EXTREMES = {
    "c_min_interface": ("min", "min"),
    "c_interface_min": ("min", "min"),
    "focusing_factor": ("max", "max"),
    "current_focusing": ("max", "max"),
    "growth_focusing": ("max", "max"),
    "dendrite_height": ("max", "max"),
    "tip_lead": ("max", "max"),
    "faraday_error": ("maxabs", "max_abs"),
}
#: label text of each extreme suffix
_SUFFIX_LABELS = {
    "min": "min over the run",
    "max": "max over the run",
    "max_abs": "max |x| over the run",
}
#: metrics plotted by default (final values unless suffixed); labels from the registry
DEFAULT_METRICS: tuple[str, ...] = (
    "dendrite_height",
    "tip_lead",
    "roughness_rms",
    "growth_focusing_max",
    "length_ratio",
    "E",
    "eta",
    "c_interface_min_min",
    "thickness_mean",
)
_UNIT = re.compile(r"^(?P<name>.*?) \[(?P<unit>[^\]]*)\]$")


def split_column(column: str) -> tuple[str, str | None]:
    """``"dendrite_height [um]"`` -> ``("dendrite_height", "um")``; no unit -> None."""
    m = _UNIT.match(column)
    return (m["name"], m["unit"]) if m else (column, None)


def summary_metric(name: str) -> tuple[Metric, str] | None:
    """Registry metric of a summary column name and its label, None for other columns.

    ``"dendrite_height"`` -> (its metric, "Dendrite height"); an extreme such as
    ``"current_focusing_max"`` -> (the metric, "Current focusing, max over the run").
    """
    for suffix, text in _SUFFIX_LABELS.items():
        base = name.removesuffix(f"_{suffix}")
        if base != name and EXTREMES.get(base, ("", ""))[1] == suffix:
            metric = lookup(base)
            return metric, f"{metric.label}, {text}"
    try:
        metric = lookup(name)
    except KeyError:
        return None
    return metric, metric.label


def _metric_values(run_dir: Path) -> dict[str, float]:
    """Final metrics (``name [unit]``) and extremes of a run; {} without metrics rows."""
    path = run_dir / "metrics.csv"
    if not path.is_file():
        return {}
    try:
        table = read_metrics(path)
    except (OSError, ValueError):
        return {}
    if len(table["t"]) == 0:
        return {}
    out: dict[str, float] = {}
    for name, values in table.items():
        out[f"{name} [{table.units[name]}]"] = float(values[-1])
    for name, (kind, suffix) in EXTREMES.items():
        if name not in table:
            continue
        v = table[name][np.isfinite(table[name])]
        if v.size == 0:
            continue
        x = {"min": v.min(), "max": v.max(), "maxabs": np.abs(v).max()}[kind]
        out[f"{name}_{suffix} [{table.units[name]}]"] = float(x)
    out["outputs [-]"] = float(len(table["t"]))
    return out


def _run_info(run_dir: Path) -> dict[str, Any]:
    manifest = read_json(run_dir / "manifest.json")
    solver = manifest.get("solver", {})
    return {
        "wall_time [s]": manifest.get("wall_time_s"),
        "dofs [-]": manifest.get("mesh", {}).get("dofs"),
        "mpi_size [-]": manifest.get("mpi_size"),
        "newton_per_step [-]": solver.get("newton_per_step"),
    }


def summary_rows(directory: str | os.PathLike[str]) -> tuple[list[dict[str, Any]], dict]:
    """One dict per member (see the module docstring) and the plan of ``DIR/sweep.json``."""
    directory = Path(directory)
    plan = load_plan(directory)
    columns = plan["columns"]
    rows = []
    for m in plan["members"]:
        row: dict[str, Any] = {"member": m["index"], "hash": m["hash"]}
        if m["hash"] is None:
            row |= {"status": "invalid", "error": "; ".join(m["issues"])}
        else:
            run_dir = directory / MEMBERS_DIR / m["hash"]
            state = run_state(run_dir, m["hash"])
            row |= {"status": state.status, "error": state.error}
        for col in columns:
            name = f"{col['key']} [{col['unit']}]" if col["unit"] is not None else col["key"]
            value = m["values"].get(col["key"], m["given"].get(col["key"]))
            row[name] = value if isinstance(value, (int, float, str, bool)) else str(value)
        if m["hash"] is not None:
            run_dir = directory / MEMBERS_DIR / m["hash"]
            row |= _metric_values(run_dir)
            row |= _run_info(run_dir)
            row["run_dir"] = f"{MEMBERS_DIR}/{m['hash']}"
        rows.append(row)
    return rows, plan


def summary_table(directory: str | os.PathLike[str]) -> tuple[Any, dict]:
    """The summary as a pandas DataFrame (one row per member) and the sweep plan."""
    import pandas as pd

    rows, plan = summary_rows(directory)
    df = pd.DataFrame(rows)
    if "error" in df:
        df["error"] = df["error"].astype("string")
    return df, plan


def write_summary(df: Any, directory: str | os.PathLike[str]) -> list[Path]:
    """Write ``summary.csv`` and ``summary.parquet`` (atomically); returns both paths."""
    directory = Path(directory)
    csv, parquet = directory / SUMMARY_CSV, directory / SUMMARY_PARQUET
    tmp_csv, tmp_pq = csv.with_name(".summary.csv.tmp"), parquet.with_name(".summary.parquet.tmp")
    df.to_csv(tmp_csv, index=False)
    table = df.copy()
    for col in table.columns:  # mixed columns (numbers and text) as text in Parquet
        if table[col].dtype == object:
            table[col] = table[col].map(lambda v: None if v is None else str(v)).astype("string")
    table.to_parquet(tmp_pq, index=False)
    os.replace(tmp_csv, csv)
    os.replace(tmp_pq, parquet)
    return [csv, parquet]


# --- figures -------------------------------------------------------------------------------------
def slug(text: str) -> str:
    """``"control.current_density"`` -> ``"control_current_density"`` (for file names)."""
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def _numeric(series: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)


def _plot_unit(name: str, unit: str | None) -> tuple[str | None, float]:
    """Display unit of a summary column (registry) and the factor from its file unit."""
    found = summary_metric(name)
    if found is None or unit is None:
        return unit, 1.0
    shown = found[0].display_unit
    return shown, unit_factor(unit, shown)


def _log_axis(values: np.ndarray, scale: str) -> bool:
    v = values[np.isfinite(values)]
    if scale == "log":
        return bool(v.size and (v > 0).all())
    return bool(v.size > 2 and (v > 0).all() and v.max() / v.min() >= 50)


def _log_ticks(ax: Any, values: np.ndarray) -> None:
    """Log scale with plain labels at the swept values (up to 8 of them)."""
    from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter

    ax.set_xscale("log")
    ticks = np.unique(values[np.isfinite(values)])
    if ticks.size <= 8:
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(ScalarFormatter())


def _flat_limits(ax: Any, values: np.ndarray) -> None:
    """A metric equal in every member (to 1e-6) is drawn flat in a +-1 % window, not as noise."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return
    mid, scale = float(v.mean()), float(np.abs(v).max())
    if scale > 0 and float(v.max() - v.min()) <= 1e-6 * scale:
        ax.set_ylim(mid - 0.01 * scale, mid + 0.01 * scale)


def column_name(axis: dict) -> str:
    """Summary column of a swept key (``key [unit]``, or the key for text values)."""
    return f"{axis['key']} [{axis['unit']}]" if axis["unit"] is not None else axis["key"]


def _axis_label(quantity: str, unit: str | None) -> str:
    """``"Quantity (unit)"`` in the project style; values without a unit (text) -> the quantity."""
    from zndeposit.viz.style import axis_label

    return quantity if unit is None else axis_label(quantity, unit)


def _sequential_colours(n: int) -> list[Any]:
    """``n`` colours along viridis (lines ordered by a numeric value)."""
    import matplotlib

    cmap = matplotlib.colormaps["viridis"]
    return [cmap(0.1 + 0.75 * i / max(n - 1, 1)) for i in range(n)]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _group_label(group_axes: list[dict], key: Any) -> str:
    key = key if isinstance(key, tuple) else (key,)
    parts = []
    for b, v in zip(group_axes, key, strict=False):
        unit = f" {b['unit']}" if b["unit"] not in (None, "-") else ""
        value = f"{v:.4g}" if isinstance(v, float) else str(v)
        parts.append(f"{b['label']} = {value}{unit}")
    return ", ".join(parts)


def _grouping(plan: dict, axis: dict) -> list[dict]:
    """One axis per other dimension (keys of one dimension move together)."""
    out, dims = [], {axis["dimension"]}
    for b in plan["columns"]:
        if b["dimension"] not in dims:
            dims.add(b["dimension"])
            out.append(b)
    return out


def plot_metrics(
    df: Any, plan: dict, directory: str | os.PathLike[str], metrics: list[str] | None = None
) -> list[Path]:
    """One figure per swept axis: a panel per metric against it, a line per other-axis value.

    Only finished members are plotted. Returns the PNG paths (a PDF is written beside each).
    """
    import matplotlib.pyplot as plt

    from zndeposit.viz import style

    out_dir = Path(directory) / FIGURES_DIR
    done = df[df["status"] == "finished"]
    chosen = metrics or plan.get("report", {}).get("metrics") or list(DEFAULT_METRICS)
    present = {split_column(c)[0]: c for c in df.columns}
    cols = [present[m] for m in chosen if m in present and _numeric(df[present[m]])]
    paths: list[Path] = []
    if done.empty or not cols:
        return paths
    for a in plan["columns"]:
        xname = column_name(a)
        if not _numeric(df[xname]):
            continue
        group_axes = _grouping(plan, a)
        gcols = [column_name(b) for b in group_axes]
        groups = list(done.groupby(gcols, sort=True)) if gcols else [((), done)]
        numeric_groups = len(gcols) == 1 and _numeric(df[gcols[0]]) and len(groups) > 1
        colours = (
            _sequential_colours(len(groups))
            if numeric_groups
            else [style.line_style(i)["color"] for i in range(len(groups))]
        )
        random = plan["dimensions"][a["dimension"]]["kind"] == "random"
        with style.journal_style():
            ncol = 2 if len(cols) > 1 else 1
            nrow = math.ceil(len(cols) / ncol)
            fig, grid = plt.subplots(
                nrow,
                ncol,
                figsize=(3.35 * ncol, 2.3 * nrow + 0.4),
                squeeze=False,
                layout="constrained",
            )
            for ax, col in zip(grid.flat, cols, strict=False):
                name, unit = split_column(col)
                unit, factor = _plot_unit(name, unit)
                for (key, sub), colour in zip(groups, colours, strict=True):
                    sub = sub.sort_values(xname)
                    label = _group_label(group_axes, key) if gcols else None
                    ax.plot(
                        sub[xname],
                        sub[col] * factor,
                        "o" if random else "o-",
                        color=colour,
                        ms=3.5,
                        lw=1.2,
                        label=label,
                    )
                ax.set_xlabel(_axis_label(_capital(a["label"]), a["unit"]))
                found = summary_metric(name)
                quantity = _capital(found[1] if found else name.replace("_", " "))
                ax.set_ylabel(_axis_label(quantity, unit))
                xs = df[xname].to_numpy(dtype=float)
                if _log_axis(xs, a["scale"]):
                    _log_ticks(ax, xs)
                ax.ticklabel_format(axis="y", useOffset=False)
                _flat_limits(ax, done[col].to_numpy(dtype=float) * factor)
            for ax in list(grid.flat)[len(cols) :]:
                ax.set_visible(False)
            if gcols:
                handles, labels = grid.flat[0].get_legend_handles_labels()
                fig.legend(
                    handles[:12],
                    labels[:12],
                    loc="outside upper center",
                    ncols=min(3, len(labels)),
                    frameon=False,
                )
            paths.append(style.save_figure(fig, out_dir / f"metrics_vs_{slug(a['key'])}")[0])
            plt.close(fig)
    return paths
