"""`segment`: find a segmentation schema's sections by their headings, with page ranges.

A section is found at the first heading (or, failing that, the first short line) whose text,
without a leading number like `2.` or `3.1`, equals the section's name or description. A section
runs to the page where the next found section starts, or to the page before it when the next
heading opens its page.
"""

from __future__ import annotations

import re
from typing import Any

from evalspec.local.engine.documents import Document
from evalspec.local.engine.labels import norm_label

NUMBERING_RE = re.compile(r"^\s*(?:section\s+)?[\dIVXivx]+(?:\.\d+)*[.)]?\s+")


def segment(doc: Document, schema: dict[str, Any]) -> dict[str, Any]:
    """`{"segments": [{name, description, heading, page_range: [first, last]}]}` (1-based pages)."""
    starts = []
    for section in schema.get("sections") or []:
        hit = _find(doc, section)
        if hit is not None:
            starts.append((*hit, section))
    starts.sort(key=lambda s: (s[0], s[1]))
    segments = []
    for i, (page, _, heading, section) in enumerate(starts):
        end = _end_page(doc, starts[i + 1][:2] if i + 1 < len(starts) else None)
        segments.append({"name": section.get("name"), "description": section.get("description"),
                         "heading": heading, "page_range": [page, end]})
    return {"segments": segments}


def _end_page(doc: Document, next_start: tuple[int, int] | None) -> int:
    """The last page of a section, given where the next one starts (page, block on page)."""
    if next_start is None:
        return len(doc.pages) or 1
    page, position = next_start
    return page if position > 0 else max(1, page - 1)


def _find(doc: Document, section: dict[str, Any]) -> tuple[int, int, str] | None:
    """(page, position on the page, heading text) of the section's start, if found."""
    wanted = {norm_label(str(section.get(k) or "")) for k in ("name", "description")} - {""}
    for headings_only in (True, False):
        for page in doc.pages:
            for position, block in enumerate(page.blocks):
                if headings_only and not block.is_heading:
                    continue
                text = NUMBERING_RE.sub("", block.text)
                if len(block.text) <= 80 and norm_label(text) in wanted:
                    return page.number, position, block.text
    return None
