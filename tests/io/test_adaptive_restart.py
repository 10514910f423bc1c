"""An adaptive run killed with SIGKILL after a few adaptations continues to the same metrics.

The tiny sweep case (a nucleus on a 2 um strip) with ``adapt = true`` and an
adaptation every 4 steps: the checkpoint holds the segment mesh its state lives
on and the adaptor's counters, so the restarted run adapts at the same steps onto
the same meshes (gmsh is deterministic) and ends with the uninterrupted metrics.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_restart import TINY, _compare, _killed_run, _run

pytestmark = pytest.mark.fem


def test_adaptive_run_restarts_after_sigkill(tmp_path: Path) -> None:
    """Kill after checkpoint 5 (past two adaptations), restart: metrics to 1e-6."""
    import signal

    text = TINY.read_text().replace('duration = "0.5 s"', 'duration = "2 s"')
    text = text.replace('dt_max = "0.25 s"', 'dt_max = "0.05 s"')
    text = text.replace(
        "elements_across_interface = 3",
        "elements_across_interface = 3\nadapt = true\nadapt_interval = 4",
    )
    case = tmp_path / "case.toml"
    case.write_text(text + "checkpoint_steps = 5\n")
    cache = tmp_path / "cache"
    ref = _run(str(case), "-o", str(tmp_path / "ref"), "--cache", str(cache))
    assert ref.returncode == 0, ref.stderr
    manifest = json.loads((tmp_path / "ref" / "manifest.json").read_text())
    assert manifest["adaptation"]["count"] >= 5
    assert manifest["adaptation"]["deposit_error_max"] < 1e-12
    out = tmp_path / "killed"
    _killed_run(case, out, cache, ranks=1, after=5, sig=signal.SIGKILL)
    meta = sorted((out / "checkpoints").glob("ckpt_*/meta.json"))[-1]
    assert json.loads(meta.read_text())["stepper"]["extras"]["adaptivity"]["segment"] >= 2
    again = _run("--restart", str(out))
    assert again.returncode == 0, again.stderr
    assert _compare(tmp_path / "ref", out) < 1e-6
