"""Safe YAML loading that remembers where every value came from.

We compose the document with PyYAML's safe loader and build plain Python values ourselves, so
that we can (a) keep the line and column of every key and value for error messages, (b) refuse
duplicate keys, which PyYAML silently lets the last one win, and (c) bound the work done on
aliases: a "billion laughs" document is small as a node graph but explodes when expanded, and
(d) refuse what would otherwise surface as a crash: recursive aliases, nesting deeper than
`MAX_DEPTH`, malformed explicit tags (`!!int x`), control characters, bytes that are not UTF-8.
Every refusal is a `YamlLoadError` with the file, line and column.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evalspec.base.textfile import LocatedError, Mark, located, read_text_file
from evalspec.errors import Diagnostic, shorten

MAX_FILE_BYTES = 1 << 20
MAX_NODES = 100_000  # values expanded through aliases
# Far beyond any spec, rubric or lock, far below Python's recursion limit: without a bound, a
# few KB of `[[[[...` crash the loader (RecursionError) instead of being refused.
MAX_DEPTH = 64

KeyPath = tuple[str | int, ...]
_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass
class Marks:
    """Positions of the values (and mapping keys) of one document, by key path."""

    file: str
    values: dict[KeyPath, Mark] = field(default_factory=dict)
    keys: dict[KeyPath, Mark] = field(default_factory=dict)

    def locate(self, path: KeyPath, *, prefer_key: bool = False) -> Mark | None:
        """The mark of `path`, or of its nearest ancestor we know."""
        while True:
            table = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            for marks in table:
                if path in marks:
                    return marks[path]
            if not path:
                return None
            path = path[:-1]

    def diagnostic(self, path: KeyPath, message: str, *, prefer_key: bool = False) -> Diagnostic:
        """A diagnostic pointing at `path` in this file."""
        mark = self.locate(path, prefer_key=prefer_key)
        return Diagnostic(
            file=self.file,
            line=mark.line if mark else None,
            col=mark.col if mark else None,
            key_path=format_key_path(path),
            message=message,
        )


def format_key_path(path: KeyPath) -> str:
    """`('matrix', 'include', 0, 'rubric')` -> `matrix.include[0].rubric`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class YamlLoadError(LocatedError):
    """A document that cannot be loaded; carries a located diagnostic."""


def load_yaml(path: Path, display_name: str | None = None) -> tuple[Any, Marks]:
    """Load one YAML file into plain values plus the marks of every value."""
    name = display_name or str(path)
    try:
        text = read_text_file(path, name, max_bytes=MAX_FILE_BYTES)
    except LocatedError as exc:
        raise YamlLoadError(exc.diagnostic) from None
    return load_yaml_text(text, name)


def load_yaml_text(text: str, name: str, *, fast: bool = False) -> tuple[Any, Marks]:
    """Load YAML text (named `name` in messages) into plain values plus marks.

    `fast` parses with libyaml when PyYAML has it: about 20 times faster on large machine-written
    files (the lockfile), with terser messages than the pure-Python parser that specs get.
    """
    # libyaml bounds nesting itself (1,000 levels); the pure-Python composer recurses unbounded.
    loader = getattr(yaml, "CSafeLoader", _DepthLimitedLoader) if fast else _DepthLimitedLoader
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else None
        raise _error(name, where, f"invalid YAML: {_one_line(exc.problem)}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses: located by its offset
        what = f"character #x{exc.character:04x}" if isinstance(exc.character, int) else "byte"
        raise YamlLoadError(located(name, text, exc.position, f"invalid YAML: {what} not allowed")) from None
    except yaml.YAMLError as exc:
        raise _error(name, None, f"invalid YAML: {_one_line(str(exc))}") from None
    marks = Marks(file=name)
    if node is None:
        return None, marks
    return _Builder(marks).build(node, ()), marks


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


class _DepthLimitedLoader(yaml.SafeLoader):
    """The pure-Python safe loader, refusing nesting deeper than MAX_DEPTH while composing."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]  # untyped in the stubs
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels", mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _error(name: str, where: Mark | None, message: str) -> YamlLoadError:
    line, col = (where.line, where.col) if where else (None, None)
    return YamlLoadError(Diagnostic(name, line, col, "", message))


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns a composed node graph into plain values, recording marks as it goes."""

    def __init__(self, marks: Marks) -> None:
        self.marks = marks
        # Values reached again through an alias: a "billion laughs" document multiplies these.
        # Values seen once are bounded by the size of the text, so they are not counted (a large
        # lockfile has far more than MAX_NODES of them).
        self.seen: set[int] = set()
        self.visited = 0
        self.open: set[int] = set()  # nodes being built: one met again inside itself is a cycle
        # Scalars go through PyYAML's own resolver-aware constructor (ints, bools, nulls...).
        self.scalars = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        if id(node) in self.seen:
            self.visited += 1
        else:
            self.seen.add(id(node))
        if self.visited > MAX_NODES:
            raise _error(
                self.marks.file, _mark(node),
                f"document expands to more than {MAX_NODES} values (alias bomb?)",
            )
        self.marks.values.setdefault(path, _mark(node))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        self._enter(node, path)
        try:
            if isinstance(node, yaml.MappingNode):
                self._check_tag(node, "tag:yaml.org,2002:map")
                return self._mapping(node, path)
            self._check_tag(node, "tag:yaml.org,2002:seq")
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def _enter(self, node: yaml.Node, path: KeyPath) -> None:
        # Depth counts aliases too: a chain of anchors nests deeper than the text does.
        if id(node) in self.open:
            raise _error(self.marks.file, _mark(node), "invalid YAML: an alias refers to itself")
        if len(path) >= MAX_DEPTH:
            raise _error(self.marks.file, _mark(node), f"invalid YAML: nested deeper than {MAX_DEPTH} levels")
        self.open.add(id(node))

    def _check_tag(self, node: yaml.Node, plain: str) -> None:
        # We build collections ourselves, so an explicit tag (`!!python/object`, `!!set`, `!x`)
        # would otherwise be silently dropped; refuse it as the safe loader would.
        if node.tag != plain:
            raise _error(self.marks.file, _mark(node), f"invalid YAML: unsupported tag {node.tag!r}")

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == _STR_TAG:  # most values: skip the constructor's dispatch (large locks)
            return node.value
        if node.tag == _NULL_TAG:
            return None
        try:
            value = self.scalars.construct_object(node, deep=True)
            # The constructor caches every object it built by node; we never look them up again,
            # and on a large file the cache alone made loading several times slower.
            self.scalars.constructed_objects.pop(node, None)
            return value
        except yaml.YAMLError as exc:  # an unknown or unsafe tag
            problem = getattr(exc, "problem", None) or str(exc)
            raise _error(self.marks.file, _mark(node), f"invalid YAML: {_one_line(problem)}") from None
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            # PyYAML's constructors trust the tag: `!!int x`, `!!bool maybe`, `!!timestamp x`
            # raise whatever Python raises on the text.
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise _error(
                self.marks.file, _mark(node), f"invalid YAML: {shorten(node.value)} is not a valid {tag}",
            ) from None

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[Any, Any]:
        try:
            self.scalars.flatten_mapping(node)  # resolves `<<` merge keys
        except yaml.MarkedYAMLError as exc:  # `<<: 1`: only mappings can be merged
            raise _error(self.marks.file, _mark(node), f"invalid YAML: {_one_line(exc.problem)}") from None
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _error(self.marks.file, _mark(key_node), "mapping keys must be scalars")
            key = self._scalar(key_node)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise _error(self.marks.file, _mark(key_node), "mapping keys must be scalars")
            child = (*path, _path_part(key))
            if key in result:
                first = self.marks.keys[child]
                raise _error(
                    self.marks.file, _mark(key_node),
                    f"duplicate key {shorten(key)} (first defined at line {first.line})",
                )
            self.marks.keys[child] = _mark(key_node)
            result[key] = self.build(value_node, child)
        return result


def _path_part(key: Any) -> str | int:
    # An int key stays an int (its mark is found by it); True, 1.5 and None are named as text.
    return key if isinstance(key, str) or type(key) is int else str(key)


def json_problem(value: Any, marks: Marks, path: KeyPath = ()) -> Diagnostic | None:
    """The first value YAML built that JSON cannot carry (a document sent as JSON, such as a
    rubric definition): a key that is not a string, a date, bytes, a float that is not finite."""
    if isinstance(value, dict):
        for key, item in value.items():
            child = (*path, _path_part(key))
            if not isinstance(key, str):
                hint = " (YAML reads yes/no/on/off as booleans, digits as numbers): quote it"
                return marks.diagnostic(child, f"key {shorten(key)} is not a string{hint}", prefer_key=True)
            problem = json_problem(item, marks, child)
            if problem is not None:
                return problem
        return None
    if isinstance(value, list):
        found = (json_problem(item, marks, (*path, i)) for i, item in enumerate(value))
        return next((problem for problem in found if problem is not None), None)
    return _json_scalar_problem(value, marks, path)


def _json_scalar_problem(value: Any, marks: Marks, path: KeyPath) -> Diagnostic | None:
    if isinstance(value, float) and not math.isfinite(value):
        return marks.diagnostic(path, f"{value} is not a finite number")
    if value is None or isinstance(value, (str, int, float)):
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return marks.diagnostic(path, f"{value} reads as a date in YAML: quote it to mean text")
    return marks.diagnostic(path, f"a {type(value).__name__} value cannot be sent as JSON")
