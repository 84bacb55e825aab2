"""Reading real documents into pages of blocks: PDF (text layer), HTML, Markdown, plain text.

Every pipeline works on the same `Document`, so a check scores a PDF and its HTML twin alike.
Page breaks: PDF pages as they are; in HTML and Markdown a form feed or a `<!-- pagebreak -->`
comment starts a new page (text has no pages of its own).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

PAGEBREAK_RE = re.compile(r"\f|<!--\s*pagebreak\s*-->", re.IGNORECASE)
# Control bytes text does not use (tab, newline, form feed, carriage return and escape are fine).
CONTROL_BYTES = [c for c in range(32) if c not in (9, 10, 12, 13, 27)]


@dataclass(frozen=True)
class Block:
    """A heading (level 1..6) or a line of body text (level 0); `cells` when it is a table row."""

    text: str
    level: int = 0
    cells: tuple[str, ...] = ()

    @property
    def is_heading(self) -> bool:
        return self.level > 0


@dataclass(frozen=True)
class Page:
    """One page of a document, 1-based."""

    number: int
    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


@dataclass(frozen=True)
class Document:
    """A parsed document: its name and pages."""

    filename: str
    pages: tuple[Page, ...]

    @property
    def lines(self) -> tuple[tuple[int, Block], ...]:
        """Every block with its page number, in reading order."""
        return tuple((p.number, b) for p in self.pages for b in p.blocks)

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)


class UnsupportedDocument(ValueError):
    """The bytes are not a document this engine can read."""


def kind_of(filename: str, content_type: str | None = None) -> str:
    """`pdf`, `html`, `markdown` or `text`, from the extension (then the content type)."""
    ext = PurePosixPath(filename.lower()).suffix
    by_ext = {".pdf": "pdf", ".html": "html", ".htm": "html", ".md": "markdown",
              ".markdown": "markdown", ".txt": "text", ".text": "text"}
    if ext in by_ext:
        return by_ext[ext]
    ctype = (content_type or "").split(";")[0].strip().lower()
    by_type = {"application/pdf": "pdf", "text/html": "html", "text/markdown": "markdown",
               "text/plain": "text"}
    if ctype in by_type:
        return by_type[ctype]
    raise UnsupportedDocument(f"unsupported document type for {filename!r} ({ctype or 'unknown'})")


def parse_document(filename: str, data: bytes, content_type: str | None = None) -> Document:
    """Parse `data` by its kind into a `Document`."""
    from evalspec.local.engine import html_reader, pdf_reader, text_reader

    readers: dict[str, Callable[[bytes], list[list[Block]]]] = {
        "pdf": pdf_reader.read_pdf,
        "html": html_reader.read_html,
        "markdown": text_reader.read_markdown,
        "text": text_reader.read_text,
    }
    pages = readers[kind_of(filename, content_type)](data)
    return Document(filename, tuple(Page(i + 1, tuple(bs)) for i, bs in enumerate(pages)))


def decode(data: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM), else Latin-1; binary data is refused."""
    if looks_binary(data):
        raise UnsupportedDocument("binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def looks_binary(data: bytes, sample: int = 65536) -> bool:
    """NUL bytes, or many control characters, in the first `sample` bytes: not a text file.

    Latin-1 decodes any bytes, so without this a random binary named `.md` would be scored.
    """
    head = data[:sample]
    if b"\0" in head:
        return True
    controls = sum(head.count(bytes([c])) for c in CONTROL_BYTES)
    return controls > len(head) // 10


def table_cells(line: str) -> tuple[str, ...]:
    """The cells of a `a | b | c` table row (markdown pipes optional at the ends), else ()."""
    if "|" not in line:
        return ()
    stripped = line.strip().strip("|")
    if re.fullmatch(r"[\s|:-]*", stripped):
        return ()  # a markdown separator row carries no cells
    return tuple(c.strip() for c in stripped.split("|"))


def as_pdf_stream(data: bytes) -> io.BytesIO:
    """pypdf wants a seekable stream."""
    return io.BytesIO(data)
