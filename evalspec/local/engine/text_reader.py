"""Markdown and plain-text readers."""

from __future__ import annotations

import re

from evalspec.local.engine.blocks import PAGEBREAK_RE, Block, decode, table_cells

HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
SEPARATOR_RE = re.compile(r"^\s*\|?[\s:-]*-[\s|:-]*$")


def read_markdown(data: bytes) -> list[list[Block]]:
    """ATX headings become heading blocks; table rows keep their cells; other lines are text."""
    return [_markdown_page(chunk) for chunk in PAGEBREAK_RE.split(decode(data))]


def _markdown_page(text: str) -> list[Block]:
    blocks: list[Block] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or SEPARATOR_RE.match(line):
            continue
        heading = HEADING_RE.match(line)
        if heading:
            blocks.append(Block(heading.group(2), len(heading.group(1))))
        else:
            line = re.sub(r"^[-*+]\s+", "", line)
            cells = table_cells(line)
            blocks.append(Block(" | ".join(cells) if cells else line, 0, cells))
    return blocks


def read_text(data: bytes) -> list[list[Block]]:
    """Plain text: one block per non-empty line, pages split on form feeds."""
    pages = []
    for chunk in PAGEBREAK_RE.split(decode(data)):
        lines = (ln.strip() for ln in chunk.splitlines())
        pages.append([Block(ln, 0, table_cells(ln)) for ln in lines if ln])
    return pages
