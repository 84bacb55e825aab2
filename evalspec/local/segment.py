"""`segment`: find a segmentation schema's sections by their headings, with page ranges.

A section is found at the first heading (or, failing that, the first short line) whose text,
without a leading number like `2.` or `3.1`, equals the section's name or description. A section
runs to the page before the next found section starts (the same page when it starts there).
"""

from __future__ import annotations

import re
from typing import Any

from evalspec.local.documents import Document
from evalspec.local.labels import norm_label

NUMBERING_RE = re.compile(r"^\s*(?:section\s+)?[\dIVXivx]+(?:\.\d+)*[.)]?\s+")


def segment(doc: Document, schema: dict[str, Any]) -> dict[str, Any]:
    """`{"segments": [{name, description, heading, page_range: [first, last]}]}` (1-based pages)."""
    starts = []
    for section in schema.get("sections") or []:
        hit = _find(doc, section)
        if hit is not None:
            starts.append((hit[0], hit[1], section, hit[2]))
    starts.sort(key=lambda s: (s[0], s[1]))
    last_page = len(doc.pages) or 1
    segments = []
    for i, (page, _, section, heading) in enumerate(starts):
        end = last_page if i + 1 == len(starts) else max(page, starts[i + 1][0] - 1)
        segments.append({"name": section.get("name"), "description": section.get("description"),
                         "heading": heading, "page_range": [page, end]})
    return {"segments": segments}


def _find(doc: Document, section: dict[str, Any]) -> tuple[int, int, str] | None:
    wanted = {norm_label(str(section.get(k) or "")) for k in ("name", "description")} - {""}
    lines = list(enumerate(doc.lines))
    for headings_only in (True, False):
        for index, (page, block) in lines:
            if headings_only and not block.is_heading:
                continue
            if len(block.text) <= 80 and norm_label(NUMBERING_RE.sub("", block.text)) in wanted:
                return page, index, block.text
    return None
