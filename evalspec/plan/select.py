"""Narrowing a plan: `--select key=value` filters and `--shard I/N` splits."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evalspec.errors import UsageError
from evalspec.lock.lockfile import Lockfile

SELECTABLE = ("collection", "pipeline", "rubric")


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    def owns(self, key: str) -> bool:
        """Whether this shard owns the cell `key`: a stable hash, so a cell never moves."""
        value = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
        return value % self.count == self.index - 1


@dataclass(frozen=True)
class Selection:
    """Which cells a command works on."""

    where: Mapping[str, frozenset[str]]
    shard: Shard | None = None

    def includes(self, key: str) -> bool:
        """Whether the cell `key` is selected."""
        parts = key_parts(key)
        if any(parts[axis] not in values for axis, values in self.where.items()):
            return False
        return self.shard is None or self.shard.owns(key)


EVERYTHING = Selection({})


def narrowed(lock: Lockfile, selection: Selection) -> Lockfile:
    """The lock with only the selected cells."""
    if selection == EVERYTHING:
        return lock
    cells = {key: cell for key, cell in lock.cells.items() if selection.includes(key)}
    return lock.model_copy(update={"cells": cells})


def key_parts(key: str) -> dict[str, str]:
    """`invoices/md/fields[...]` -> {collection: invoices, pipeline: md, rubric: fields}."""
    base = key.split("[", 1)[0]
    collection, pipeline, rubric = [*base.split("/"), "", "", ""][:3]
    return {"collection": collection, "pipeline": pipeline, "rubric": rubric}


def parse_selection(selects: Sequence[str], shard: str | None) -> Selection:
    """Parse `--select` values (`axis=name`, repeatable, comma lists allowed) and `--shard`."""
    where: dict[str, set[str]] = {}
    for select in selects:
        axis, sep, value = select.partition("=")
        if not sep or axis not in SELECTABLE or not value:
            raise UsageError(f"--select {select!r}: expected one of {', '.join(SELECTABLE)}=NAME")
        where.setdefault(axis, set()).update(v.strip() for v in value.split(","))
    return Selection({k: frozenset(v) for k, v in where.items()}, parse_shard(shard) if shard else None)


def parse_shard(text: str) -> Shard:
    """`I/N` with 1 <= I <= N."""
    index, sep, count = text.partition("/")
    if not (sep and index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise UsageError(f"--shard {text!r}: expected I/N with 1 <= I <= N, e.g. 2/4")
    return Shard(int(index), int(count))
