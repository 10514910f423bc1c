"""Which files of a run folder zndeposit wrote, and whether it may write or delete there.

A run folder carries the marker ``.zndeposit-run.json``: the list of every
file zndeposit wrote under it (relative paths), rewritten after every output
and at the end of the run. Rules (:func:`prepare_run_folder`):

- a new or empty folder is used;
- a folder holding a zndeposit run (marker, or the ``manifest.json`` of a
  zndeposit older than the marker) is refused unless ``overwrite``, and
  always while the run's process is alive (heartbeat, :func:`liveness`);
- ``overwrite`` deletes exactly the files listed in the marker (a folder older
  than the marker: its five fixed outputs), then the folders left empty;
- any other non-empty folder is refused: zndeposit never mixes its files
  with someone else's.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

from zndeposit.errors import OutputDirError
from zndeposit.io.manifest import atomic_write_text, liveness

MARKER = ".zndeposit-run.json"
#: what a run writes at its top level (the marker lists what is below them)
RUN_ENTRIES = (
    "case.resolved.toml",
    "manifest.json",
    "metrics.csv",
    "run.log",
    "fields",
    "checkpoints",
)
#: files a sweep puts into a member folder before the run (zndeposit's, never deleted here)
SWEEP_FILES = ("member.json", "member.toml", "stdout.log", ".member.lock")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def written_files(folder: Path) -> list[str]:
    """Relative paths of every file now under the run's own entries of ``folder``."""
    out = []
    for name in RUN_ENTRIES:
        top = folder / name
        if top.is_file():
            out.append(name)
        elif top.is_dir():
            out += [str(p.relative_to(folder)) for p in sorted(top.rglob("*")) if p.is_file()]
    return out


def write_marker(folder: Path) -> None:
    """Record the files written so far (merged with those already recorded)."""
    old = _read_json(folder / MARKER).get("files", [])
    files = sorted(set(old if isinstance(old, list) else []) | set(written_files(folder)))
    atomic_write_text(folder / MARKER, json.dumps({"written_by": "zndeposit", "files": files}))


def _is_legacy_run(folder: Path) -> bool:
    """A run of a zndeposit older than the marker: its manifest names zndeposit."""
    versions = _read_json(folder / "manifest.json").get("versions")
    return isinstance(versions, dict) and "zndeposit" in versions


def _listing(entries: list[str], n: int = 5) -> str:
    more = f", ... ({len(entries)} entries)" if len(entries) > n else ""
    return ", ".join(entries[:n]) + more


def _delete_recorded(folder: Path, files: list[str]) -> list[str]:
    """Delete the listed files (never outside ``folder``); returns files left behind."""
    root = folder.resolve()
    for rel in files:
        target = (folder / rel).resolve()
        if root not in target.parents or not (target.is_file() or target.is_symlink()):
            continue
        target.unlink(missing_ok=True)
    left = []
    for name in RUN_ENTRIES:  # remove the folders emptied, deepest first
        top = folder / name
        if top.is_dir() and not top.is_symlink():
            for d in sorted((p for p in top.rglob("*") if p.is_dir()), reverse=True):
                if not any(d.iterdir()):
                    d.rmdir()
            if not any(top.iterdir()):
                top.rmdir()
            else:
                left += [str(p.relative_to(folder)) for p in top.rglob("*") if p.is_file()]
    return left


def prepare_run_folder(folder: Path, overwrite: bool) -> list[str]:
    """Make ``folder`` ready for a new run (see the module docstring); returns files kept.

    Raises:
        OutputDirError: the folder cannot or must not be used, saying why and what to do.
        OSError: creating the folder failed (see :func:`folder_error`).
    """
    if folder.exists() and not folder.is_dir():
        raise OutputDirError(f"{folder} is a file, not a folder: choose a folder for the run")
    folder.mkdir(parents=True, exist_ok=True)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputDirError(f"cannot write into {folder}: permission denied")
    entries = sorted(p.name for p in folder.iterdir())
    marker = _read_json(folder / MARKER)
    ours = bool(marker.get("written_by") == "zndeposit") or _is_legacy_run(folder)
    foreign = [e for e in entries if e not in (*RUN_ENTRIES, *SWEEP_FILES, MARKER)]
    if not ours:
        sweep_member = (folder / "member.json").is_file()
        half_run = sweep_member and any(e in RUN_ENTRIES for e in entries)
        if (entries and not sweep_member) or half_run:
            raise OutputDirError(
                f"{folder} is not empty and holds no zndeposit run ({_listing(entries)}): "
                "zndeposit does not mix its files with others; choose a new or empty folder"
            )
        if foreign and sweep_member:
            raise OutputDirError(f"{folder} holds files of no zndeposit run ({_listing(foreign)})")
        write_marker(folder)
        return []
    manifest = _read_json(folder / "manifest.json")
    state, why = liveness(manifest)
    if state == "live" and manifest.get("heartbeat", {}).get("pid") != os.getpid():
        raise OutputDirError(f"{folder} holds a run that is still running: {why}")
    if not overwrite:
        status = manifest.get("status", "unknown")
        status = "dead (its process ended without a word)" if state == "dead" else status
        raise OutputDirError(
            f"{folder} already holds a run (status: {status}); use --overwrite to replace it "
            "(only the files zndeposit wrote there are deleted) or -o another folder"
        )
    files = marker.get("files")
    if not isinstance(files, list):  # older than the marker: its fixed outputs
        files = written_files(folder)
    # checkpoints being written when the run was killed (ours by their name, maybe unlisted)
    from zndeposit.io.checkpoint import CHECKPOINT_DIR, TMP_PREFIX

    files = [str(f) for f in files]
    for tmp in (folder / CHECKPOINT_DIR).glob(TMP_PREFIX + "*/*"):
        files.append(str(tmp.relative_to(folder)))
    kept = _delete_recorded(folder, files)
    (folder / MARKER).unlink(missing_ok=True)
    write_marker(folder)
    return kept + foreign


def restart_issue(folder: Path) -> str | None:
    """Why the run in ``folder`` cannot be continued with ``--restart`` (None: it can).

    Refused: no folder, no zndeposit run, a run whose process is alive, a run
    that finished, no resolved case, no intact checkpoint.
    """
    from zndeposit.io.checkpoint import latest_checkpoint

    if not folder.is_dir():
        return f"{folder} is not a folder holding a run: nothing to restart"
    marker = _read_json(folder / MARKER)
    if marker.get("written_by") != "zndeposit" and not _is_legacy_run(folder):
        return f"{folder} holds no zndeposit run: nothing to restart"
    manifest = _read_json(folder / "manifest.json")
    state, why = liveness(manifest)
    if state == "live" and manifest.get("heartbeat", {}).get("pid") != os.getpid():
        return (
            f"{folder} holds a run that is still running ({why}): stop it first "
            "(SIGTERM writes a checkpoint) or wait for it"
        )
    if manifest.get("status") == "finished":
        return (
            f"the run in {folder} completed (status finished): there is nothing to continue "
            "(to run it again: zndeposit run CASE -o DIR --overwrite)"
        )
    if not (folder / "case.resolved.toml").is_file():
        return f"{folder} has no case.resolved.toml: it cannot be continued"
    if latest_checkpoint(folder) is None:
        return (
            f"{folder} holds no complete checkpoint (checkpoints/ is missing, empty or holds "
            "only unfinished ones; see [output] checkpoint_* keys): it cannot be continued; "
            "run it again with --overwrite"
        )
    return None


def folder_error(folder: Path, exc: OSError) -> str:
    """One line for an OSError met while creating or writing a run folder."""
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        parent = next((p for p in folder.parents if p.exists() and not p.is_dir()), None)
        if parent is not None:
            return f"cannot create {folder}: {parent} is a file, not a folder"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot create or write {folder}: {exc.strerror.lower()}"
    if exc.errno == errno.ENOSPC:
        return f"no space left on the device of {folder}"
    return f"cannot use {folder} as the run folder: {exc.strerror or exc}"
