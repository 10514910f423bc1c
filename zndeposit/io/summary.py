"""A few-line summary of a finished (or interrupted) run, read back from its metrics CSV."""

from __future__ import annotations

import math
import os

import numpy as np

from zndeposit.io.metrics_csv import read_metrics
from zndeposit.metrics.registry import lookup

#: metrics of the summary lines, in order (label, unit and format from the registry)
SUMMARY_METRICS = (
    "charge",
    "E",
    "eta",
    "thickness_mean",
    "dendrite_height",
    "tip_rise",
    "front_advance",
    "tip_lead",
    "roughness_rms",
    "current_focusing",
    "c_interface_min",
    "c_interface_mean",
)
_WIDTH = 44


def run_summary(metrics_path: str | os.PathLike[str]) -> str:
    """Lines describing the last output of a run and its checks (display units).

    Args:
        metrics_path: the run's ``metrics.csv``.

    Returns:
        Text of a few lines (empty rows give a one-line notice). Columns the
        file lacks (older runs) and NaN values are left out.
    """
    m = read_metrics(metrics_path)
    if len(m["t"]) == 0:
        return "no output was written"
    lines = [f"t = {m['t'][-1]:.5g} s after {int(m['steps_accepted'][-1])} steps:"]
    for key in SUMMARY_METRICS:
        if key not in m:
            continue
        metric = lookup(key)
        value = metric.to_display(float(m[key][-1]))
        if math.isfinite(value):
            lines.append(f"  {metric.label:<{_WIDTH}s} {metric.text(value)}")
    lines += protocol_lines(m)
    faraday = np.nanmax(np.abs(m["faraday_error"])) if len(m["t"]) > 1 else 0.0
    label = f"{lookup('faraday_error').label}, max |deposited/passed - 1|"
    lines.append(f"  {label:<{_WIDTH}s} {faraday:.2e}")
    return "\n".join(lines)


def protocol_lines(m: dict[str, np.ndarray]) -> list[str]:
    """One line per protocol step of a run's metrics: end time, charge passed, end potential.

    Read from the last row of each step (a protocol writes a row at every step's end);
    nothing for a run of one step or without the ``step`` column.
    """
    steps = m.get("step")
    if steps is None or not np.any(np.isfinite(steps)) or np.nanmax(steps) <= 1:
        return []
    charge, e = lookup("step_charge"), lookup("E")
    lines = ["  protocol steps (end time, charge passed in the step, E at its end):"]
    for k in sorted({int(v) for v in steps if math.isfinite(v)}):
        last = int(np.flatnonzero(steps == k)[-1])
        q = charge.to_display(float(m["step_charge"][last]))
        v = e.to_display(float(m["E"][last]))
        lines.append(
            f"    step {k:<3d} t = {m['t'][last]:<10.6g} s  {charge.text(q, '+.4g'):<20s} "
            f"E = {e.text(v)}"
        )
    return lines
