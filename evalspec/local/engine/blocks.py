"""What the document readers share, and all they depend on: the block they read lines into,
the error for bytes they cannot read, text decoding, table rows and page breaks.

`documents.py` dispatches to the readers and assembles their blocks into a `Document`; the
readers depend on this module only, not on `documents.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


class UnsupportedDocument(ValueError):
    """The bytes are not a document this engine can read."""


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
