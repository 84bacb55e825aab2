"""PDF reader: the text layer through pypdf, one page per PDF page.

pypdf gives lines without structure, so headings are recovered from font sizes: a line drawn
larger than the document's body text (the size most characters have) is a heading, the largest
size being level 1.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from evalspec.local.engine.blocks import Block, UnsupportedDocument, table_cells


def read_pdf(data: bytes) -> list[list[Block]]:
    """Each page's text lines as blocks, large-font lines as headings."""
    try:
        reader = PdfReader(io.BytesIO(data))  # pypdf wants a seekable stream
        pages = [_page_text(page) for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as exc:
        raise UnsupportedDocument(f"unreadable PDF: {exc}") from exc
    sizes: dict[str, float] = {}
    for _, page_sizes in pages:
        for text, size in page_sizes.items():
            sizes[text] = max(size, sizes.get(text, 0.0))
    levels = _heading_levels(sizes)
    return [_blocks(text, levels) for text, _ in pages]


def _page_text(page: Any) -> tuple[str, dict[str, float]]:
    """The page's text and the font size each drawn string has."""
    sizes: dict[str, float] = {}

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        key = text.strip()
        if key:
            sizes[key] = max(sizes.get(key, 0.0), float(size) * abs(float(tm[3]) or 1.0))

    return page.extract_text(visitor_text=visit) or "", sizes


def _blocks(text: str, levels: dict[str, int]) -> list[Block]:
    blocks = []
    for raw in text.splitlines():
        line = raw.strip()
        if line:
            cells = table_cells(line)
            blocks.append(Block(line, 0 if cells else levels.get(line, 0), cells))
    return blocks


def _heading_levels(sizes: dict[str, float]) -> dict[str, int]:
    """Text drawn larger than the most common size, ranked: the largest size is level 1."""
    if not sizes:
        return {}
    weights: Counter[float] = Counter()
    for text, size in sizes.items():
        weights[round(size, 1)] += len(text)
    body = weights.most_common(1)[0][0]
    larger = sorted({round(s, 1) for s in sizes.values() if s > body * 1.1}, reverse=True)
    rank = {size: min(i + 1, 6) for i, size in enumerate(larger)}
    return {t: rank[round(s, 1)] for t, s in sizes.items() if round(s, 1) in rank}
