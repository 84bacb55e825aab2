"""Garbage of content-addressed objects: managed collections and rubrics no kept lock uses.

Since a change of content makes a new `name@digest` object, old ones pile up on the server.
An object is kept while any lock that is kept (the current one, those at the git refs named)
records its id; the rest can be archived (a soft delete: their runs stay readable). Objects
whose name is not content-addressed (unmanaged, referenced by id or plain name) are never
candidates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from evalspec.api import DatalabClient
from evalspec.lock.lockfile import Lockfile
from evalspec.spec.spec import is_content_addressed

FIELDS = {"collection": "collection_id", "rubric": "eval_rubric_id"}


@dataclass(frozen=True)
class Garbage:
    """One managed server object that no kept lock references."""

    kind: str  # "collection" or "rubric"
    id: int
    name: str


def referenced_ids(locks: Iterable[Lockfile]) -> set[tuple[str, int]]:
    """(kind, id) of every collection and rubric the locks' cells were submitted with."""
    used: set[tuple[str, int]] = set()
    for lock in locks:
        for cell in lock.cells.values():
            for kind, field in FIELDS.items():
                value = cell.request.get(field)
                if isinstance(value, int):
                    used.add((kind, value))
    return used


async def find_garbage(client: DatalabClient, kept: set[tuple[str, int]]) -> list[Garbage]:
    """Unarchived content-addressed objects on the server whose ids no kept lock records."""
    found = [Garbage("collection", c.id, c.name) async for c in client.collections.list()]
    found += [Garbage("rubric", r.id, r.name) async for r in client.rubrics.list()]
    return [
        item for item in found
        if is_content_addressed(item.name) and (item.kind, item.id) not in kept
    ]


async def archive(client: DatalabClient, item: Garbage) -> None:
    """Archive one object (soft: it and its runs stay readable, and unarchiving restores it)."""
    if item.kind == "collection":
        await client.collections.delete(item.id)
    else:
        await client.rubrics.update(item.id, archived=True)
