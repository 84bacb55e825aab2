"""JSON in native code (orjson), the one place evalspec imports it: the json report's text, and
the compact lines of the results cache's rows (which it reads back about twice as fast).

`dumps` lays text out as `json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)` does.
With an indent, the standard library encodes in pure Python, one generator step per value:
seconds for a report of 10,000 cells of 20 files. orjson writes the same layout (two-space
indent, sorted keys, `": "` and `","` separators, UTF-8 text) in native code. Its numbers are
the same values written shortest (`1e-7` where Python writes `1e-07`), and a NaN or an
infinity is `null`, valid JSON where Python writes `NaN`. An integer past 64 bits, which
orjson does not write, sends that value to the standard library.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
INDENT = "  "


def compact(value: Any) -> bytes:
    """`value` as compact UTF-8 JSON (no spaces), keys in their order."""
    return orjson.dumps(value)


def compact_sorted(value: Any) -> bytes:
    """`value` as compact UTF-8 JSON (no spaces), keys sorted."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def loads(text: bytes | str) -> Any:
    """The value of JSON text; a ValueError when it is not JSON."""
    return orjson.loads(text)


def dumps(value: Any, level: int = 0) -> str:
    """`value` as indented JSON text, keys sorted, its lines indented `level` steps further."""
    try:
        text = orjson.dumps(value, default=_plain, option=OPTIONS).decode("utf-8")
    except orjson.JSONEncodeError:  # an integer past 64 bits, or a key that is not a string
        text = json.dumps(value, default=_plain, indent=2, sort_keys=True, ensure_ascii=False)
    # Strings escape their newlines, so every raw newline starts a line of the layout.
    return text.replace("\n", "\n" + INDENT * level) if level else text


def iter_dumps(head: dict[str, Any], key: str, items: Iterable[Any]) -> Iterator[str]:
    """`dumps({**head, key: list(items)})` in chunks, one per item of `items`: the list (a
    report's cells) is never whole in memory, nor is the text."""
    for n, name in enumerate(sorted({*head, key})):
        yield ("{" if n == 0 else ",") + "\n" + INDENT + json.dumps(name, ensure_ascii=False) + ": "
        yield from (_items(items) if name == key else [dumps(head[name], 1)])
    yield "\n}"


def _items(items: Iterable[Any]) -> Iterator[str]:
    """A list at level 1, item by item, each indented as in the whole list's text."""
    n = -1
    for n, item in enumerate(items):
        yield ("[" if n == 0 else ",") + "\n" + INDENT * 2 + dumps(item, 2)
    yield "[]" if n < 0 else "\n" + INDENT + "]"


def _plain(value: Any) -> Any:
    """What orjson does not know: the report's lazy sequences and mappings, as lists and dicts."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
