"""A headless-Chromium screenshot of the report shows its figures (the page renders offline)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

pytestmark = pytest.mark.fem
CHROMIUM = next(
    (c for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)), None
)


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="no headless browser: install the Debian package `chromium` (.ci/run does)",
)
def test_screenshot_of_the_report_shows_the_figures(report_html, tmp_path):
    from PIL import Image

    shot = tmp_path / "report.png"
    cmd = [
        shutil.which(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1200,3000",
        f"--screenshot={shot}",
        report_html.resolve().as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    with Image.open(shot) as im:
        rgb = np.asarray(im.convert("RGB")).astype(int)
        hsv = np.asarray(im.convert("HSV")).astype(int)
    assert rgb.shape[:2] == (3000, 1200)
    ink = (rgb < 235).any(axis=-1)
    colourful = (hsv[..., 1] > 100) & (hsv[..., 2] > 60)
    assert ink.mean() > 0.1, f"almost blank page ({ink.mean():.1%} non-white)"
    assert colourful.mean() > 0.03, f"no figure colours ({colourful.mean():.1%} saturated)"
    # the figures' colours, not only the blue links: cividis yellow of the deposit
    yellow = (rgb[..., 0] > 200) & (rgb[..., 1] > 180) & (rgb[..., 2] < 120)
    assert yellow.mean() > 0.005, f"no deposit in the screenshot ({yellow.mean():.2%})"
