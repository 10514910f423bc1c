"""A few-line summary of a finished (or interrupted) run, read back from its metrics CSV."""

from __future__ import annotations

import math
import os

import numpy as np

from zndeposit.io.metrics_csv import read_metrics

#: (column, label, format) of the summary lines, in the CSV's own units
_FINAL = (
    ("charge", "passed charge", "{:.4g} mAh/cm^2"),
    ("E", "electrode potential", "{:.2f} mV", 1e3),
    ("eta", "mean interfacial overpotential", "{:.2f} mV", 1e3),
    ("thickness_mean", "mean deposit thickness", "{:.4g} um"),
    ("dendrite_height", "dendrite height (above the initial surface)", "{:.4g} um"),
    ("roughness_rms", "RMS roughness", "{:.3g} um"),
    ("focusing_factor", "current focusing factor", "{:.3f}"),
    ("c_min_interface", "min Zn2+ at the interface", "{:.4g} mol/L"),
)


def run_summary(metrics_path: str | os.PathLike[str]) -> str:
    """Lines describing the last output of a run and its checks (lab units).

    Args:
        metrics_path: the run's ``metrics.csv``.

    Returns:
        Text of a few lines (empty rows give a one-line notice).
    """
    m = read_metrics(metrics_path)
    if len(m["t"]) == 0:
        return "no output was written"
    lines = [f"t = {m['t'][-1]:.5g} s after {int(m['steps_accepted'][-1])} steps:"]
    for key, label, fmt, *scale in _FINAL:
        value = float(m[key][-1]) * (scale[0] if scale else 1.0)
        if math.isfinite(value):
            lines.append(f"  {label:<44s} {fmt.format(value)}")
    faraday = np.nanmax(np.abs(m["faraday_error"])) if len(m["t"]) > 1 else 0.0
    lines.append(f"  {'Faraday check, max |deposited/passed - 1|':<44s} {faraday:.2e}")
    return "\n".join(lines)
