"""The `convert` renderings of a Document: markdown, html, json (blocks per page) and chunks."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from evalspec.local.engine.blocks import Block
from evalspec.local.engine.documents import Document, Page

FORMATS = ("markdown", "json", "html", "chunks")


def parse_output_format(value: str | None) -> tuple[str, ...]:
    """The requested formats in canonical order; markdown when none is asked for."""
    asked = {f.strip().lower() for f in (value or "").split(",") if f.strip()}
    unknown = asked - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown output_format {sorted(unknown)}; expected some of {FORMATS}")
    return tuple(f for f in FORMATS if f in asked) or ("markdown",)


def convert(doc: Document, formats: tuple[str, ...]) -> dict[str, Any]:
    """One entry per requested format."""
    renderers = {"markdown": to_markdown, "html": to_html, "json": to_json, "chunks": to_chunks}
    return {f: renderers[f](doc) for f in formats}


def to_markdown(doc: Document) -> str:
    """Headings as ATX headings, table rows as a pipe table, text lines as paragraphs."""
    return "\n\n".join(_page_markdown(p) for p in doc.pages if p.blocks).strip() + "\n"


def _page_markdown(page: Page) -> str:
    parts: list[str] = []
    for group in _groups(page.blocks):
        first = group[0]
        if first.is_heading:
            parts.append("#" * first.level + " " + first.text)
        elif first.cells:
            parts.append(_markdown_table(group))
        else:
            parts.append("\n".join(b.text for b in group))
    return "\n\n".join(parts)


def _markdown_table(rows: list[Block]) -> str:
    lines = ["| " + " | ".join(r.cells) + " |" for r in rows]
    lines.insert(1, "|" + "---|" * len(rows[0].cells))
    return "\n".join(lines)


def _groups(blocks: tuple[Block, ...]) -> Iterator[list[Block]]:
    """Runs of blocks of one kind: each heading alone, consecutive table rows, consecutive text."""
    group: list[Block] = []
    for block in blocks:
        if group and (block.is_heading or _kind(block) != _kind(group[0])):
            yield group
            group = []
        group.append(block)
    if group:
        yield group


def _kind(block: Block) -> str:
    return "heading" if block.is_heading else "table" if block.cells else "text"


def to_html(doc: Document) -> str:
    """A minimal HTML body, one <div class="page"> per page."""
    pages = [f'<div class="page" data-page="{p.number}">{_page_html(p)}</div>' for p in doc.pages]
    return "<html><body>" + "".join(pages) + "</body></html>"


def _page_html(page: Page) -> str:
    parts: list[str] = []
    for group in _groups(page.blocks):
        first = group[0]
        if first.is_heading:
            parts.append(f"<h{first.level}>{html.escape(first.text)}</h{first.level}>")
        elif first.cells:
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r.cells) + "</tr>"
                for r in group
            )
            parts.append(f"<table>{rows}</table>")
        else:
            parts.append("".join(f"<p>{html.escape(b.text)}</p>" for b in group))
    return "".join(parts)


def to_json(doc: Document) -> dict[str, Any]:
    """Blocks per page, each with its type and text (and level or cells)."""
    return {"pages": [{"page": p.number, "blocks": [_block_json(b) for b in p.blocks]}
                      for p in doc.pages]}


def _block_json(block: Block) -> dict[str, Any]:
    if block.is_heading:
        return {"type": "heading", "level": block.level, "text": block.text}
    if block.cells:
        return {"type": "table_row", "cells": list(block.cells), "text": block.text}
    return {"type": "text", "text": block.text}


def to_chunks(doc: Document) -> list[dict[str, Any]]:
    """One chunk per heading-led section of each page (text before any heading is its own)."""
    chunks: list[dict[str, Any]] = []
    for page in doc.pages:
        heading: str | None = None
        lines: list[str] = []
        for block in (*page.blocks, Block("", 1)):  # the sentinel heading flushes the last chunk
            if block.is_heading:
                if lines:
                    chunks.append({"id": len(chunks), "page": page.number, "heading": heading,
                                   "text": "\n".join(lines)})
                heading, lines = block.text or None, [block.text] if block.text else []
            else:
                lines.append(block.text)
    return chunks
