"""Figures and renders: mesh previews, field plots, animations."""

from __future__ import annotations

import os


def offscreen_pyvista():
    """Import PyVista for off-screen rendering, choosing EGL when there is no X display.

    VTK otherwise tries an X window first and warns before falling back.
    """
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    import pyvista as pv

    pv.OFF_SCREEN = True
    return pv
