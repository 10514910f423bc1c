"""Starting gmsh leaves this process's signal dispositions as they were (in C, not only in Python)."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys

SCRIPT = """
import ctypes, signal
class SigAction(ctypes.Structure):
    _fields_ = [("handler", ctypes.c_void_p), ("flags", ctypes.c_ulong),
                ("restorer", ctypes.c_void_p), ("mask", ctypes.c_ulong * 16)]
def handler(sig):
    sa = SigAction()
    ctypes.CDLL(None).sigaction(sig, None, ctypes.byref(sa))
    return sa.handler or 0
from zndeposit.geometry.mesh import gmsh_initialize
before = [handler(s) for s in (signal.SIGPIPE, signal.SIGINT, signal.SIGTERM)]
gmsh_initialize()
after = [handler(s) for s in (signal.SIGPIPE, signal.SIGINT, signal.SIGTERM)]
print(before == after, before, after)
"""


def test_gmsh_keeps_sigpipe_ignored_in_c() -> None:
    """Python ignores SIGPIPE (BrokenPipeError instead of death); gmsh used to reset it.

    Without the fix the C-level SIGPIPE handler went from SIG_IGN (1) to SIG_DFL (0) and a
    process that had meshed died with exit 141 on a write to a closed pipe or socket.
    """
    assert ctypes.sizeof(ctypes.c_void_p) == 8
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True
    ).stdout.strip()
    assert out.startswith("True"), out
    assert out.split("[", 1)[1].startswith(str(int(signal.SIG_IGN))), out  # SIGPIPE ignored
