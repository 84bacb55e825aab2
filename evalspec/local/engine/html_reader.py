"""HTML reader on the standard library's html.parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from evalspec.local.engine.blocks import Block, decode

HEADINGS = {f"h{i}": i for i in range(1, 7)}
# Elements that end a line of text; cells of one <tr> are joined into one table row instead.
LINE_ENDS = {"p", "div", "li", "br", "title", "section", "article", "header", "footer", "dt", "dd",
             *HEADINGS}
SKIPPED = {"script", "style", "head"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pages: list[list[Block]] = [[]]
        self.buffer: list[str] = []
        self.level = 0
        self.row: list[str] | None = None
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skip += 1
        elif tag == "tr":
            self.flush()
            self.row = []
        elif tag in ("td", "th"):
            self.buffer = []
        elif tag in LINE_ENDS:
            self.flush()
            self.level = HEADINGS.get(tag, 0)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self.row is not None:
            self.row.append(_fold("".join(self.buffer)))
            self.buffer = []
        elif tag == "tr" and self.row is not None:
            cells, self.row = tuple(self.row), None
            if any(cells):
                self.pages[-1].append(Block(" | ".join(cells), 0, cells))
        elif tag in LINE_ENDS:
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.buffer.append(data)

    def handle_comment(self, data: str) -> None:
        if data.strip().lower() == "pagebreak":
            self.flush()
            self.pages.append([])

    def flush(self) -> None:
        text = _fold("".join(self.buffer))
        self.buffer = []
        if text and self.row is None:
            self.pages[-1].append(Block(text, self.level))
        self.level = 0


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def read_html(data: bytes) -> list[list[Block]]:
    """Headings h1..h6 become heading blocks, table rows keep their cells, the rest is text."""
    reader = _Reader()
    reader.feed(decode(data).replace("\f", "<!--pagebreak-->"))
    reader.close()
    reader.flush()
    return reader.pages
