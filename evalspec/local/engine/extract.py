"""`extract`: fill a page schema's properties from a document's text.

Scalars come from `Label: value` lines whose label matches the property's name or description;
objects from labels prefixed with the object's name or from the label lines under a line naming
the object; arrays of objects from table rows under a header whose cells name the item's
properties; arrays of scalars from a comma-separated labelled line.
"""

from __future__ import annotations

import re
from typing import Any

from evalspec.local.engine.blocks import Block
from evalspec.local.engine.documents import Document
from evalspec.local.engine.labels import coerce, labels_for, norm_label, split_label


def extract(doc: Document, schema: dict[str, Any]) -> dict[str, Any]:
    """The extraction: one key per schema property, None where the text has no value."""
    blocks = [b for _, b in doc.lines]
    return _object(blocks, schema, prefixes={""})


def _object(blocks: list[Block], schema: dict[str, Any], prefixes: set[str]) -> dict[str, Any]:
    props = schema.get("properties") or {}
    return {name: _property(blocks, name, spec, prefixes) for name, spec in props.items()}


def _property(blocks: list[Block], name: str, spec: dict[str, Any], prefixes: set[str]) -> Any:
    labels = {f"{p} {lab}".strip() for p in prefixes for lab in labels_for(name, spec)}
    kind = spec.get("type")
    if kind == "object" or "properties" in spec:
        region = _region_under(blocks, labels_for(name, spec))
        inner = _object(blocks, spec, labels) if not region else _object(region, spec, {""})
        return inner if any(v is not None for v in inner.values()) else None
    if kind == "array":
        return _array(blocks, labels, spec.get("items") or {})
    raw = _labelled(blocks, labels)
    return None if raw is None else coerce(raw, spec)


def _labelled(blocks: list[Block], labels: set[str]) -> str | None:
    for block in blocks:
        pair = None if block.cells else split_label(block.text)
        if pair and pair[0] in labels and pair[1]:
            return pair[1]
    return None


def _region_under(blocks: list[Block], labels: set[str]) -> list[Block]:
    """The label lines right after a line (heading or `Name:` alone) naming the object."""
    for i, block in enumerate(blocks):
        if norm_label(block.text.rstrip(":")) in labels:
            region = []
            for nxt in blocks[i + 1:]:
                if nxt.is_heading or nxt.cells or split_label(nxt.text) is None:
                    break
                region.append(nxt)
            if region:
                return region
    return []


def _array(blocks: list[Block], labels: set[str], items: dict[str, Any]) -> list[Any] | None:
    if items.get("type") == "object" or "properties" in items:
        rows = _table_items(blocks, items)
        return rows or None
    raw = _labelled(blocks, labels)
    if raw is None:
        return None
    values = [coerce(v, items) for v in re.split(r"[,;]", raw) if v.strip()]
    return [v for v in values if v is not None] or None


def _table_items(blocks: list[Block], items: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows under every header row that names the item properties (tables may span pages)."""
    props: dict[str, Any] = items.get("properties") or {}
    found: list[dict[str, Any]] = []
    columns: dict[int, str] | None = None
    for block in blocks:
        header = _header_columns(block, props)
        if header:
            columns = header
        elif columns and block.cells and len(block.cells) > max(columns):
            found.append({name: coerce(block.cells[i], props[name]) for i, name in columns.items()})
        elif not block.cells:
            columns = None
    for row in found:
        for name in props:
            row.setdefault(name, None)
    return found


def _header_columns(block: Block, props: dict[str, Any]) -> dict[int, str]:
    """Column index -> property name when at least half the properties name a cell."""
    columns = {}
    for i, cell in enumerate(block.cells):
        for name, spec in props.items():
            if norm_label(cell) in labels_for(name, spec):
                columns[i] = name
    return columns if props and len(columns) * 2 >= len(props) else {}
