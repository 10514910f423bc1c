"""Self-contained HTML pages from sections of blocks (Jinja2 templates shipped with the package).

A page is a list of :class:`Section`; a section is a list of blocks
(:class:`Figure`, :class:`Table`, :class:`KeyValues`, :class:`Text`,
:class:`Pre`, :class:`Video`, :class:`Downloads`). Images, videos and
downloadable files are embedded as ``data:`` URIs, the CSS is inlined, and no
script or font is loaded from anywhere, so the file opens offline and can be
mailed. Other reports (e.g. sweeps) build their own sections and call
:func:`render_page` / :func:`write_page`.
"""

from __future__ import annotations

import base64
import datetime as _dt
import io
import mimetypes
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zndeposit.io.manifest import atomic_write_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

__all__ = [
    "Downloads",
    "Figure",
    "KeyValues",
    "Link",
    "Pre",
    "Section",
    "Table",
    "Text",
    "Video",
    "data_uri",
    "figure_block",
    "file_uri",
    "render_page",
    "write_page",
]

#: resolution of figures embedded in reports (PNG), dots per inch
REPORT_DPI = 200


def data_uri(data: bytes, mime: str) -> str:
    """``data:<mime>;base64,...`` of ``data``."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def file_uri(path: str | os.PathLike[str], mime: str | None = None) -> str:
    """A file's content as a data URI (MIME type from the extension unless given)."""
    path = Path(path)
    mime = mime or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return data_uri(path.read_bytes(), mime)


@dataclass
class Link:
    """A link; ``href`` is a data URI (downloads) or ``#section-id``; ``filename`` for downloads."""

    text: str
    href: str
    filename: str = ""


@dataclass
class Figure:
    """An embedded image with a caption (``src`` is a data URI)."""

    src: str
    caption: str = ""
    alt: str = ""
    name: str = ""
    downloads: list[Link] = field(default_factory=list)
    wide: bool = True
    kind: str = "figure"


@dataclass
class Table:
    """A table of text cells; ``numeric`` right-aligns all but the first column."""

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    numeric: bool = True
    collapsed: bool = False
    kind: str = "table"


@dataclass
class KeyValues:
    """A two-column table of names and values."""

    items: list[tuple[str, str]]
    caption: str = ""
    kind: str = "keyvalues"


@dataclass
class Text:
    """A paragraph of plain text (escaped); ``tone`` ``"ok"``/``"warn"`` colours it."""

    text: str
    tone: str = ""
    kind: str = "text"


@dataclass
class Pre:
    """Preformatted text (e.g. a TOML file), optionally folded under ``summary``."""

    text: str
    summary: str = ""
    kind: str = "pre"


@dataclass
class Video:
    """An embedded MP4 (data URI) with a poster image and downloads (e.g. the GIF)."""

    src: str
    poster: str = ""
    caption: str = ""
    downloads: list[Link] = field(default_factory=list)
    kind: str = "video"


@dataclass
class Downloads:
    """A row of download links (data URIs)."""

    links: list[Link]
    caption: str = ""
    kind: str = "downloads"


@dataclass
class Section:
    """A titled part of a page; ``id`` is its anchor."""

    id: str
    title: str
    blocks: list[Any] = field(default_factory=list)
    intro: str = ""
    columns: int = 1


def figure_block(
    fig: MplFigure,
    caption: str = "",
    *,
    name: str = "",
    dpi: int = REPORT_DPI,
    vector: str | None = "pdf",
    wide: bool = True,
) -> Figure:
    """Embed a matplotlib figure as PNG (and offer it as PDF/SVG) and close it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    block = Figure(
        data_uri(buf.getvalue(), "image/png"), caption, alt=caption or name, name=name, wide=wide
    )
    if vector:
        vec = io.BytesIO()
        fig.savefig(vec, format=vector)
        mime = "application/pdf" if vector == "pdf" else "image/svg+xml"
        block.downloads.append(
            Link(vector.upper(), data_uri(vec.getvalue(), mime), f"{name or 'figure'}.{vector}")
        )
    return block


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("zndeposit.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env


def render_page(
    title: str,
    sections: Sequence[Section],
    *,
    subtitle: str = "",
    meta: Sequence[tuple[str, str]] = (),
    template: str = "report.html.j2",
) -> str:
    """The HTML text of a page.

    Args:
        title: the page title (``<h1>`` and ``<title>``).
        sections: the sections in order (a table of contents links them).
        subtitle: one line under the title.
        meta: (name, value) pairs shown under the title (e.g. generated, version).
        template: a template of ``zndeposit/report/templates`` extending ``base.html.j2``.
    """
    from zndeposit import __version__

    env = _environment()
    generated = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return env.get_template(template).render(
        title=title,
        subtitle=subtitle,
        sections=list(sections),
        meta=[*meta, ("generated", generated), ("zndeposit", __version__)],
        css=env.loader.get_source(env, "report.css")[0],
    )


def write_page(path: str | os.PathLike[str], title: str, sections: Sequence[Section], **kw) -> Path:
    """Render a page and write it atomically; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, render_page(title, sections, **kw))
    return path
