"""Checkpoints of a run: the full state, written atomically, read on any number of ranks.

Layout (format ``zndeposit-checkpoint`` version 1, ``docs/restart.md``)::

    RUN_DIR/checkpoints/
      mesh_<sha256[:16]>.msh       the gmsh mesh the state lives on (copied once)
      ckpt_000007/                 the newest complete checkpoint
        state.npz                  nodal arrays, sorted by input node index
        meta.json                  time, counters, controller, outputs, ... (below)
      ckpt_000006/                 the one before (two are kept)
      .tmp_ckpt_000008_<pid>/      being written (ignored; removed by the next writer)

``state.npz`` holds ``node`` (int64: the gmsh input node index,
``mesh.geometry.input_global_indices``, of every mesh node, ascending) and one
float64 array per field, its value at that node: ``xi``, ``u`` (= ln(c/c_bulk)),
``psi`` (= F phi/(R T)) and the observer's ``growth_prev_xi`` (xi at the last
output). Keyed by input index, the state is independent of the partition, so a
run checkpointed on 2 ranks restarts on 1 or 4.

A checkpoint is written into a hidden temporary folder, every file fsynced,
then renamed to ``ckpt_NNNNNN`` (rename is atomic) and the parent folder
fsynced: a process killed at any moment leaves either the complete new
checkpoint or none, and the previous one intact. ``meta.json`` records the
SHA-256 of ``state.npz``; :func:`latest_checkpoint` skips any folder that
does not verify.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FORMAT, VERSION = "zndeposit-checkpoint", 1
CHECKPOINT_DIR = "checkpoints"
STATE_FILE, META_FILE = "state.npz", "meta.json"
PREFIX, TMP_PREFIX = "ckpt_", ".tmp_ckpt_"
#: complete checkpoints kept (the newest and the one before)
KEEP = 2


@dataclass(frozen=True)
class Checkpoint:
    """A complete checkpoint folder and its ``meta.json``."""

    path: Path
    meta: dict[str, Any]

    @property
    def sequence(self) -> int:
        """Its number (ckpt_NNNNNN)."""
        return int(self.path.name.removeprefix(PREFIX))

    @property
    def mesh_path(self) -> Path:
        """The mesh file the state lives on."""
        return self.path.parent / self.meta["mesh"]

    def arrays(self) -> dict[str, np.ndarray]:
        """The nodal arrays of ``state.npz`` (``node`` and one array per field)."""
        with np.load(self.path / STATE_FILE) as data:
            return {k: data[k] for k in data.files}


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _plain(value: Any) -> Any:
    """JSON form of NumPy scalars and arrays (floats keep every bit: repr round-trips)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def gather_nodal(comm: Any, node: np.ndarray, values: dict[str, np.ndarray]) -> dict | None:
    """Gather owned nodal values onto rank 0, one entry per node, sorted by node index.

    Args:
        comm: the communicator (collective).
        node: input node index of each local entry (ghosts may repeat owned ones).
        values: name -> local values at those entries.

    Returns:
        ``{"node": ..., name: ...}`` on rank 0, None elsewhere.
    """
    parts = comm.gather((node, values), root=0)
    if comm.rank != 0:
        return None
    all_nodes = np.concatenate([p[0] for p in parts])
    uniq, first = np.unique(all_nodes, return_index=True)
    out: dict[str, np.ndarray] = {"node": uniq.astype(np.int64)}
    for name in values:
        out[name] = np.concatenate([p[1][name] for p in parts]).astype(float)[first]
    return out


def mesh_copy(directory: Path, mesh_file: Path) -> str:
    """Copy ``mesh_file`` into ``directory`` once (by content hash); returns its name."""
    data = Path(mesh_file).read_bytes()
    name = f"mesh_{_sha256(data)[:16]}.msh"
    target = directory / name
    if not target.exists():
        tmp = directory / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(directory)
    return name


def write_checkpoint(
    run_dir: Path,
    arrays: dict[str, np.ndarray],
    meta: dict[str, Any],
    mesh_file: Path,
    keep: int = KEEP,
) -> Path:
    """Write one checkpoint atomically (rank 0 only) and prune older ones.

    Args:
        run_dir: the run folder.
        arrays: ``node`` + nodal fields (:func:`gather_nodal`).
        meta: JSON-serialisable description (time, counters, ...); ``format``,
            ``version``, ``mesh`` and ``state_sha256`` are added.
        mesh_file: the mesh the state lives on.
        keep: complete checkpoints kept.

    Returns:
        The new checkpoint folder.
    """
    root = Path(run_dir) / CHECKPOINT_DIR
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob(TMP_PREFIX + "*"):  # left by a killed writer
        shutil.rmtree(stale, ignore_errors=True)
    existing = _complete_dirs(root)
    seq = (int(existing[-1].name.removeprefix(PREFIX)) + 1) if existing else 1
    name = f"{PREFIX}{seq:06d}"
    tmp = root / f"{TMP_PREFIX}{seq:06d}_{os.getpid()}"
    tmp.mkdir()
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    blob = buffer.getvalue()
    (tmp / STATE_FILE).write_bytes(blob)
    full = {
        "format": FORMAT,
        "version": VERSION,
        "mesh": mesh_copy(root, mesh_file),
        "state_sha256": _sha256(blob),
        **meta,
    }
    text = json.dumps(full, indent=1, default=_plain) + "\n"
    (tmp / META_FILE).write_text(text, encoding="utf-8")
    for f in (STATE_FILE, META_FILE):
        _fsync_file(tmp / f)
    _fsync_dir(tmp)
    os.replace(tmp, root / name)
    _fsync_dir(root)
    _prune(root, keep)
    return root / name


def _complete_dirs(root: Path) -> list[Path]:
    """``ckpt_NNNNNN`` folders, oldest first (complete or not: see :func:`read_checkpoint`)."""
    if not root.is_dir():
        return []
    dirs = [p for p in root.iterdir() if p.is_dir() and p.name.startswith(PREFIX)]
    return sorted((p for p in dirs if p.name.removeprefix(PREFIX).isdigit()), key=lambda p: p.name)


def _prune(root: Path, keep: int) -> None:
    """Keep the newest ``keep`` checkpoints and the meshes they use."""
    dirs = _complete_dirs(root)
    for old in dirs[: max(len(dirs) - keep, 0)]:
        shutil.rmtree(old, ignore_errors=True)
    used = set()
    for d in _complete_dirs(root):
        try:
            used.add(json.loads((d / META_FILE).read_text(encoding="utf-8"))["mesh"])
        except (OSError, ValueError, KeyError):
            continue
    if used:
        for mesh in root.glob("mesh_*.msh"):
            if mesh.name not in used:
                mesh.unlink(missing_ok=True)


def read_checkpoint(path: Path) -> Checkpoint | None:
    """The checkpoint in ``path`` if complete and intact (format, state hash, mesh), else None."""
    try:
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or int(meta.get("version", 0)) > VERSION:
            return None
        blob = (path / STATE_FILE).read_bytes()
        if _sha256(blob) != meta.get("state_sha256"):
            return None
        if not (path.parent / meta["mesh"]).is_file():
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Checkpoint(path, meta)


def latest_checkpoint(run_dir: Path) -> Checkpoint | None:
    """The newest intact checkpoint of a run folder, or None."""
    for path in reversed(_complete_dirs(Path(run_dir) / CHECKPOINT_DIR)):
        if (ckpt := read_checkpoint(path)) is not None:
            return ckpt
    return None
