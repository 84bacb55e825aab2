"""How many pages Datalab bills for one document, counted from its bytes.

Datalab bills each PDF page, each image (one page), each TIFF frame and each page of an Office
document. PDFs and TIFFs are counted exactly; an Office file by what its own metadata says (the
page or slide count Word and PowerPoint write), marked estimated since Datalab renders it itself;
text, HTML, Markdown and unknown kinds are estimated from their size (Datalab does not document
how it pages them).

A PDF's count is read cheaply when the file allows it: the root `/Pages` node's `/Count`, found
by a byte search, when the file has a single revision, no object streams and no encryption
(where that search is exact). Any other PDF is opened with pypdf.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

# Bump when a counting rule changes: cached counts of an older version are counted again.
COUNTING_VERSION = 1
TEXT_CHARS_PER_PAGE = 3000  # the estimate for kinds Datalab does not say how it pages
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"})
TIFF_SUFFIXES = frozenset({".tif", ".tiff"})
_PAGES_NODE = re.compile(rb"/Type\s*/Pages(?![A-Za-z])")
_COUNT = re.compile(rb"/Count\s+(\d+)")
_OFFICE_COUNT = {".docx": rb"<Pages>(\d+)</Pages>", ".pptx": rb"<Slides>(\d+)</Slides>"}


@dataclass(frozen=True)
class PageCount:
    """A document's billed pages; `estimated` when Datalab's own count may differ."""

    pages: int
    estimated: bool = False


def count_pages(name: str, data: bytes) -> PageCount:
    """The pages Datalab would bill for a document called `name` with these bytes."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".pdf" or data.startswith(b"%PDF-"):
        return _pdf(data)
    if suffix in TIFF_SUFFIXES:
        return _tiff(data)
    if suffix in IMAGE_SUFFIXES:
        return PageCount(1)
    if suffix in (".docx", ".pptx", ".xlsx"):
        return _office(suffix, data)
    return PageCount(max(1, -(-len(data) // TEXT_CHARS_PER_PAGE)), estimated=True)


def _pdf(data: bytes) -> PageCount:
    fast = _pdf_fast(data)
    if fast is not None:
        return PageCount(fast)
    # Imported here: most PDFs are counted by the byte search, and an offline `plan` should not
    # wait for pypdf to load (it is about a sixth of the plan command's imports).
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return PageCount(len(PdfReader(io.BytesIO(data)).pages))
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return PageCount(1, estimated=True)  # Datalab may still read what pypdf cannot


def _pdf_fast(data: bytes) -> int | None:
    """The root page count by byte search, or None where that search could be wrong."""
    if data.count(b"startxref") != 1 or b"/ObjStm" in data or b"/Encrypt" in data:
        return None
    counts = []
    for node in _PAGES_NODE.finditer(data):
        start = data.rfind(b"obj", 0, node.start())
        end = data.find(b"endobj", node.end())
        found = _COUNT.search(data, max(start, 0), end if end >= 0 else len(data))
        if found is not None:
            counts.append(int(found.group(1)))
    return max(counts) if counts else None  # the root counts every leaf below it


def _tiff(data: bytes) -> PageCount:
    """One page per image file directory (frame), following the IFD chain."""
    order = {b"II": "<", b"MM": ">"}.get(data[:2])
    if order is None or len(data) < 8 or struct.unpack(order + "H", data[2:4])[0] != 42:
        return PageCount(1, estimated=True)  # BigTIFF or not a TIFF
    offset, frames, seen = struct.unpack(order + "I", data[4:8])[0], 0, set()
    while offset and offset not in seen and offset + 2 <= len(data):
        seen.add(offset)
        entries = struct.unpack(order + "H", data[offset:offset + 2])[0]
        after = offset + 2 + 12 * entries
        if after + 4 > len(data):
            break
        frames += 1
        offset = struct.unpack(order + "I", data[after:after + 4])[0]
    return PageCount(max(frames, 1), estimated=frames == 0)


def _office(suffix: str, data: bytes) -> PageCount:
    """What the document's metadata says: Word's page count, PowerPoint's slides, one page a sheet."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if suffix == ".xlsx":
                sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
                return PageCount(max(1, len(sheets)), estimated=True)
            found = re.search(_OFFICE_COUNT[suffix], archive.read("docProps/app.xml"))
    except (zipfile.BadZipFile, KeyError, OSError):
        found = None
    if found is None:
        return PageCount(max(1, -(-len(data) // (TEXT_CHARS_PER_PAGE * 10))), estimated=True)
    return PageCount(max(1, int(found.group(1))), estimated=True)
