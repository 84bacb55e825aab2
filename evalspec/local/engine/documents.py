"""Reading real documents into pages of blocks: PDF (text layer), HTML, Markdown, plain text.

Every pipeline works on the same `Document`, so a check scores a PDF and its HTML twin alike.
Page breaks: PDF pages as they are; in HTML and Markdown a form feed or a `<!-- pagebreak -->`
comment starts a new page (text has no pages of its own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from evalspec.local.engine.blocks import Block, UnsupportedDocument


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
    # Imported on first parse: a process that only looks at documents' kinds (the local
    # backend's, whose parser workers import pypdf on the other core) never loads pypdf.
    from evalspec.local.engine import html_reader, pdf_reader, text_reader

    readers: dict[str, Callable[[bytes], list[list[Block]]]] = {
        "pdf": pdf_reader.read_pdf,
        "html": html_reader.read_html,
        "markdown": text_reader.read_markdown,
        "text": text_reader.read_text,
    }
    pages = readers[kind_of(filename, content_type)](data)
    return Document(filename, tuple(Page(i + 1, tuple(bs)) for i, bs in enumerate(pages)))
