"""JSON text exactly as `json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)` writes it, faster.

With an indent, the standard library encodes in pure Python, one generator step per value:
seconds for a report of 10,000 cells of 20 files. Here a container whose values are all scalars
(a file row, a verdict), or a list of such dicts (a cell's files), goes through the C encoder
in one call, with the indentation passed as its item separator; a dict that also holds
containers (a file row and its checks, a cell and its files) in one call for its own items,
with a hole for each container filled in after. Only lists of containers are walked in Python.
The report's json format promises byte-identical output: tests compare the two on the report
fixtures and on random documents.
"""

from __future__ import annotations

import json
import math
from _json import make_encoder  # the C encoder json.dumps itself uses when not indenting
from collections.abc import Iterable, Iterator
from functools import cache
from json.encoder import encode_basestring
from typing import Any

INDENT = "  "
_CONTAINERS = (dict, list, tuple)
_SCALAR_TYPES = frozenset((str, int, float, bool, type(None)))
_CONSTANTS = {None: "null", True: "true", False: "false"}
HOLE = "\x00"  # stands in for a nested container in a dict's C encoding (see _encode_with_holes)
_HOLE_TEXT = encode_basestring(HOLE)


def dumps(value: Any) -> str:
    """`json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)`."""
    parts: list[str] = []
    _encode(value, 0, parts)
    return "".join(parts)


def iter_dumps(head: dict[str, Any], key: str, items: Iterable[Any]) -> Iterator[str]:
    """`dumps({**head, key: list(items)})` in chunks, one per item of `items`: the list (a
    report's cells) is never whole in memory, nor is the text."""
    for n, name in enumerate(sorted({*head, key})):
        yield ("{" if n == 0 else ",") + "\n" + INDENT + _key(name) + ": "
        yield from (_items(items) if name == key else _chunk(head[name], 1))
    yield "\n}"


def _items(items: Iterable[Any]) -> Iterator[str]:
    """A list at level 1, item by item: each item is encoded as the whole list's encoding would
    (either way, exactly as json.dumps writes it)."""
    n = -1
    for n, item in enumerate(items):
        yield ("[" if n == 0 else ",") + "\n" + INDENT * 2
        yield from _chunk(item, 2)
    yield "[]" if n < 0 else "\n" + INDENT + "]"


def _chunk(value: Any, level: int) -> Iterator[str]:
    parts: list[str] = []
    _encode(value, level, parts)
    yield "".join(parts)


def _encode(value: Any, level: int, parts: list[str]) -> None:
    kind = type(value)
    if kind is str:
        parts.append(encode_basestring(value))
    elif value is None or kind is bool:
        parts.append(_CONSTANTS[value])
    elif kind is int:
        parts.append(int.__repr__(value))
    elif kind is float and math.isfinite(value):
        parts.append(float.__repr__(value))
    elif not isinstance(value, _CONTAINERS) or not value or _flat(value):
        parts.append(_flat_encoder(level).encode(value))  # the rest of the scalars, too
    elif isinstance(value, (list, tuple)) and all(type(row) is dict and row and _flat(row) for row in value):
        parts.append(_rows(value, level))
    elif type(value) is dict and _holes_fit(value):
        _encode_with_holes(value, level, parts)
    else:
        _encode_nested(value, level, parts)


def _encode_nested(value: dict[Any, Any] | list[Any] | tuple[Any, ...], level: int, parts: list[str]) -> None:
    inner = "\n" + INDENT * (level + 1)
    if isinstance(value, dict):
        parts.append("{")
        for n, (key, item) in enumerate(sorted(value.items())):
            parts.append(("" if n == 0 else ",") + inner + _key(key) + ": ")
            _encode(item, level + 1, parts)
        parts.append("\n" + INDENT * level + "}")
        return
    parts.append("[")
    for n, item in enumerate(value):
        parts.append(("" if n == 0 else ",") + inner)
        _encode(item, level + 1, parts)
    parts.append("\n" + INDENT * level + "]")


def _holes_fit(value: dict[Any, Any]) -> bool:
    """Whether `_encode_with_holes` can take this dict: string keys, and values that are exact
    scalars or exact containers, none of whose strings could be taken for a hole."""
    for key, item in value.items():
        kind = type(item)
        if type(key) is not str or HOLE in key:
            return False
        if kind is str:
            if HOLE in item:
                return False
        elif kind not in _SCALAR_TYPES and kind not in _CONTAINERS:
            return False
    return True


def _encode_with_holes(value: dict[str, Any], level: int, parts: list[str]) -> None:
    """A dict of scalars and containers (a file row and its checks, a cell and its files) in
    one C call for its own items, a hole left for each container and filled in after.

    A hole is the string HOLE, which the encoder writes as `"\\u0000"`; no other text of this
    dict can read so (no key or string holds HOLE, and an escaped backslash or quote in a
    string never leaves a bare quote before `\\u0000`), and the encoder puts the holes in the
    order of the sorted keys.
    """
    nested = sorted(key for key, item in value.items() if type(item) in _CONTAINERS)
    text = _flat_encoder(level).encode({**value, **dict.fromkeys(nested, HOLE)})
    pieces = text.split(_HOLE_TEXT)
    parts.append(pieces[0])
    for key, piece in zip(nested, pieces[1:], strict=True):
        _encode(value[key], level + 1, parts)
        parts.append(piece)


def _flat(value: dict[Any, Any] | list[Any] | tuple[Any, ...]) -> bool:
    # Exact types: a subclass of str or int (an enum) takes the general path, which is exact too.
    return _SCALAR_TYPES.issuperset(map(type, value.values() if isinstance(value, dict) else value))


def _rows(rows: list[Any] | tuple[Any, ...], level: int) -> str:
    """A list of non-empty dicts of scalars, in one C call for the whole list.

    Encoded with the separator of the dicts' items, the list comes out with `},<newline>{`
    between rows; a raw newline appears nowhere else (strings escape theirs), so those are the
    only places to re-indent, besides the brackets at both ends.
    """
    outer, middle, inner = ("\n" + INDENT * n for n in (level, level + 1, level + 2))
    text = _flat_encoder(level + 1).encode_compact(rows)
    body = text[2:-2].replace("}," + inner + "{", middle + "}," + middle + "{" + inner)
    return "[" + middle + "{" + inner + body + middle + "}" + outer + "]"


def _key(key: Any) -> str:
    if isinstance(key, str):
        return encode_basestring(key)
    # json.dumps turns other scalar keys into strings (True -> "true", 1.5 -> "1.5") first.
    return json.dumps({key: 0}, ensure_ascii=False)[1:-4]


@cache
def _flat_encoder(level: int) -> _FlatEncoder:
    """The encoder for a container of scalars at `level`."""
    return _FlatEncoder("\n" + INDENT * (level + 1), "\n" + INDENT * level)


class _FlatEncoder:
    """C encoding with ",<newline><indent>" between items, and the brackets re-spaced.

    The C encoder is made once per level and called directly: `JSONEncoder.encode` makes a new
    one at every call, which was most of the cost of the 40,000 small containers of a report.
    Its text is json.dumps's (floats by float.__repr__, NaN and Infinity allowed).
    """

    def __init__(self, inner: str, outer: str) -> None:
        self.inner, self.outer = inner, outer
        self._encoder = make_encoder(
            None, _unserializable, encode_basestring, None, ": ", "," + inner, True, False, True,
        )

    def encode_compact(self, o: Any) -> str:
        """The C encoder's text as it is: items separated, brackets not re-spaced."""
        return "".join(self._encoder(o, 0))

    def encode(self, o: Any) -> str:
        text = self.encode_compact(o)
        if not isinstance(o, _CONTAINERS) or not o:
            return text
        return text[0] + self.inner + text[1:-1] + self.outer + text[-1]


def _unserializable(o: Any) -> Any:
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")
