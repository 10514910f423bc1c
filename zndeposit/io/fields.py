"""Field output: VTX (ADIOS2 BP5, ``.bp``) and/or XDMF (+HDF5), readable after every write.

VTX needs all functions of one writer to share an element, so the fields are
grouped by element (e.g. the P1 scalars ``xi, c, c_anion, phi, reaction_rate``
in one file and the DG0 or P1 vector ``current`` in another). A group of one
function is named after it (``current.bp``), a larger group after its element
(``P1.bp``). The mesh is static: it is written once (``VTXMeshPolicy.reuse``).

Crash safety, as verified with the DOLFINx 0.11 wheel (ADIOS2 2.12, HDF5 1.14):

* VTX/BP5: every ``write`` ends an ADIOS2 step, which writes ``data.0``,
  ``md.0`` and appends a 41-byte step record to ``md.idx``. After SIGKILL the
  directory holds every step written so far, and ADIOS2 2.12 (``bpls``,
  ``adios2.FileReader``) reads them. The index header still says "writer
  active", so *streaming* readers (``BeginStep`` loops) wait for more steps
  until they time out; :func:`mark_bp5_closed` clears that flag and makes the
  directory a normal closed file.
* XDMF: without a flush, the HDF5 file of a killed writer cannot be opened at
  all. :class:`FieldWriter` calls ``XDMFFile.flush()`` after every output time,
  after which a SIGKILL leaves a valid ``.h5`` and ``.xdmf`` with all steps.
  A kill *during* a write can still corrupt the HDF5 file (HDF5 has no
  journal); the VTX output does not have that weakness for earlier steps.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zndeposit.io.closing import Closing

if TYPE_CHECKING:
    from dolfinx.fem import Function

__all__ = ["Bp5Index", "FieldWriter", "bp5_index", "mark_bp5_closed"]

Format = str  # "vtx" | "xdmf"

# BP5 md.idx layout (ADIOS2 BP5Writer::MakeHeader / WriteMetadataFileIndex):
# 64-byte header, byte 39 = "writer active" flag; then records of
# 1 byte type + uint64 length + payload: 'w' (writer map) and one 's' per step.
_BP5_HEADER = 64
_BP5_ACTIVE_BYTE = 39
_BP5_MAGIC = b"ADIOS-BP"


@dataclass(frozen=True)
class Bp5Index:
    """What a BP5 ``md.idx`` says.

    Attributes:
        steps: number of complete steps recorded.
        active: the writer never closed the file (crash or still running).
        writers: number of writer ranks.
        complete: ``md.0`` holds the metadata of every recorded step and each
            ``data.<k>`` extends past the start of the last step's data (a
            consistency check, not a full read).
    """

    steps: int
    active: bool
    writers: int
    complete: bool


def bp5_index(path: str | os.PathLike[str]) -> Bp5Index:
    """Parse the step index of a BP5 directory (no ADIOS2 needed).

    Args:
        path: the ``.bp`` directory.

    Raises:
        ValueError: not a BP5 index.
    """
    path = Path(path)
    raw = (path / "md.idx").read_bytes()
    if len(raw) < _BP5_HEADER or not raw.startswith(_BP5_MAGIC) or raw[37] != 5:
        raise ValueError(f"{path}: not an ADIOS2 BP5 index")
    active = raw[_BP5_ACTIVE_BYTE] != 0
    pos, steps, writers = _BP5_HEADER, 0, 0
    md_end = 0
    data_start: dict[int, int] = {}
    subfile_of: list[int] = []
    while pos + 9 <= len(raw):
        kind = raw[pos : pos + 1]
        (length,) = struct.unpack_from("<Q", raw, pos + 1)
        body = raw[pos + 9 : pos + 9 + length]
        if len(body) < length:  # a record cut by a crash
            break
        pos += 9 + length
        if kind == b"w":
            writers, _aggregators, _subfiles = struct.unpack_from("<3Q", body, 0)
            subfile_of = list(struct.unpack_from(f"<{writers}Q", body, 24))
        elif kind == b"s":
            md_pos, md_size, _flushes = struct.unpack_from("<3Q", body, 0)
            md_end = max(md_end, md_pos + md_size)
            values = struct.unpack_from(f"<{(length - 24) // 8}Q", body, 24)
            stride = len(values) // max(writers, 1)
            for w in range(writers):  # last entry per writer: where its step data starts
                sub = subfile_of[w] if w < len(subfile_of) else 0
                data_start[sub] = max(data_start.get(sub, 0), values[(w + 1) * stride - 1])
            steps += 1
    md_size_on_disk = (path / "md.0").stat().st_size if (path / "md.0").exists() else 0
    complete = md_size_on_disk >= md_end and all(
        (path / f"data.{s}").exists() and (path / f"data.{s}").stat().st_size > start
        for s, start in data_start.items()
    )
    return Bp5Index(steps=steps, active=active, writers=writers, complete=complete)


def mark_bp5_closed(path: str | os.PathLike[str]) -> None:
    """Mark a BP5 directory left by a killed writer as closed.

    Streaming readers then stop at the last complete step instead of waiting
    for a writer that is gone. Harmless on a closed file.
    """
    idx = Path(path) / "md.idx"
    bp5_index(path)  # validates the format
    with idx.open("r+b") as fh:
        fh.seek(_BP5_ACTIVE_BYTE)
        fh.write(b"\x00")
        fh.flush()
        os.fsync(fh.fileno())


def _element_key(f: Function) -> tuple[str, int, bool, tuple[int, ...]]:
    e = f.function_space.ufl_element()
    shape = tuple(e.reference_value_shape)
    return (str(e.family_name), int(e.degree), bool(e.discontinuous), shape)


def _element_label(key: tuple[str, int, bool, tuple[int, ...]]) -> str:
    family, degree, disc, shape = key
    base = ("DG" if disc else "P") + str(degree) if family == "P" else f"{family}{degree}"
    return base + ("_" + "x".join(map(str, shape)) if shape else "")


class FieldWriter(Closing):
    """Write named fields at each output time to ``directory`` as VTX and/or XDMF.

    Args:
        directory: the output folder (created by rank 0).
        fields: name -> Function (the Functions are renamed to these names, which
            become the variable names in the files). All on one static mesh.
        formats: any of ``"vtx"`` (``<group>.bp`` per element group) and
            ``"xdmf"`` (one ``fields.xdmf`` + ``fields.h5``; P1 and DG0 only).
        engine: ADIOS2 engine for VTX (``"BP5"``).

    Every rank must construct, ``write`` and ``close`` (collective).
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        fields: Mapping[str, Function] | Sequence[Function],
        formats: Iterable[Format] = ("vtx",),
        *,
        engine: str = "BP5",
    ):
        from zndeposit.fem import dolfinx  # also loads dolfinx.io

        if not isinstance(fields, Mapping):
            fields = {f.name: f for f in fields}
        if not fields:
            raise ValueError("FieldWriter needs at least one field")
        self.formats = tuple(dict.fromkeys(formats))
        bad = set(self.formats) - {"vtx", "xdmf"}
        if bad:
            raise ValueError(f"unknown field formats {sorted(bad)} (known: vtx, xdmf)")
        self.directory = Path(directory)
        self.fields = dict(fields)
        for name, f in self.fields.items():
            f.name = name
        mesh = next(iter(self.fields.values())).function_space.mesh
        self.comm = mesh.comm
        if self.comm.rank == 0:
            self.directory.mkdir(parents=True, exist_ok=True)
        self.comm.Barrier()
        self.steps = 0
        self.files: list[Path] = []
        self._vtx: list[Any] = []
        self._xdmf: Any = None

        groups: dict[tuple[str, int, bool, tuple[int, ...]], list[Function]] = {}
        for f in self.fields.values():
            groups.setdefault(_element_key(f), []).append(f)
        if "vtx" in self.formats:
            for key, funcs in groups.items():
                stem = funcs[0].name if len(funcs) == 1 else _element_label(key)
                out = self.directory / f"{stem}.bp"
                self._vtx.append(
                    dolfinx.io.VTXWriter(
                        self.comm,
                        out,
                        funcs,
                        engine=engine,
                        mesh_policy=dolfinx.io.VTXMeshPolicy.reuse,
                    )
                )
                self.files.append(out)
        if "xdmf" in self.formats:
            out = self.directory / "fields.xdmf"
            self._xdmf = dolfinx.io.XDMFFile(self.comm, out, "w")
            self._xdmf.write_mesh(mesh)
            self._xdmf.flush()
            self.files.append(out)

    def write(self, t: float) -> None:
        """Append all fields at simulated time ``t`` (s) and make them durable."""
        if self._closed:
            raise RuntimeError("FieldWriter is closed")
        for w in self._vtx:
            w.write(float(t))
        if self._xdmf is not None:
            for f in self.fields.values():
                self._xdmf.write_function(f, float(t))
            self._xdmf.flush()
        self.steps += 1

    @property
    def _closed(self) -> bool:
        return self._vtx is None

    def close(self) -> None:
        """Close all files (collective, idempotent)."""
        if self._closed:
            return
        for w in self._vtx:
            w.close()
        if self._xdmf is not None:
            self._xdmf.close()
        self._vtx, self._xdmf = None, None  # type: ignore[assignment]
