"""Following runs to the end in as few requests as the API allows.

The rate limit is shared by submissions and polls, so runs are not polled one by one: one list
request filtered by collection returns up to 200 runs, and only runs missing from that page
(the list's order is not documented) are fetched one by one. The interval between rounds
grows while nothing changes and snaps back when something does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from evalspec.api import BatchRun, DatalabClient
from evalspec.api.runs import MAX_PAGE


@dataclass
class PollSchedule:
    """The wait before the next poll round: grows by `factor` while nothing changes."""

    base: float = 1.0
    ceiling: float = 15.0
    factor: float = 1.5
    current: float = field(init=False)

    def __post_init__(self) -> None:
        self.current = self.base

    def next(self, changed: bool) -> float:
        """The wait after a round that did (or did not) see a change."""
        self.current = self.base if changed else min(self.ceiling, self.current * self.factor)
        return self.current


@dataclass(frozen=True)
class Tracked:
    """A run we follow: its id, its collection (for the shared list poll) and its last state."""

    run_id: int
    collection_id: int | None
    last: BatchRun | None = None

    @classmethod
    def from_request(cls, run_id: int, request: Mapping[str, Any], last: BatchRun | None = None) -> Tracked:
        """A run as the lock or a submission knows it: its collection is in the request."""
        collection_id = request.get("collection_id")
        return cls(run_id, collection_id if isinstance(collection_id, int) else None, last)


async def poll_round(
    client: DatalabClient, tracked: dict[int, Tracked], page_size: int = MAX_PAGE
) -> list[BatchRun]:
    """The current state of every tracked run: list pages per collection, GETs for the rest."""
    by_collection: dict[int, set[int]] = {}
    for item in tracked.values():
        if item.collection_id is not None:
            by_collection.setdefault(item.collection_id, set()).add(item.run_id)
    found: dict[int, BatchRun] = {}
    for collection_id, run_ids in sorted(by_collection.items()):
        if len(run_ids) > 1:
            found.update(await _listed(client, collection_id, run_ids, page_size))
    for run_id in sorted(set(tracked) - set(found)):
        found[run_id] = await client.runs.get(run_id)
    return [found[run_id] for run_id in sorted(found)]


async def _listed(
    client: DatalabClient, collection_id: int, wanted: set[int], page_size: int
) -> dict[int, BatchRun]:
    """Our runs among the collection's list pages. The order is not documented (Datalab's and
    ours are newest first), so paging stops at a page without any of our runs, and after as many
    pages as our runs could fill plus one: a long history is never read to the end."""
    found: dict[int, BatchRun] = {}
    for page_number in range(len(wanted) // page_size + 2):
        page, _ = await client.runs.list(
            collection_id=collection_id, limit=page_size, offset=page_number * page_size,
        )
        ours = {run.id: run for run in page if run.id in wanted}
        found.update(ours)
        if not ours or len(page) < page_size or len(found) == len(wanted):
            break
    return found


def changed(before: BatchRun | None, after: BatchRun) -> bool:
    """Whether a poll told us anything new about a run."""
    if before is None:
        return True
    return (before.status, before.completed_files, before.completed_at) != (
        after.status, after.completed_files, after.completed_at,
    )


async def wait_unless(event: asyncio.Event, seconds: float) -> None:
    """Wait `seconds` for the next poll round, or less if `event` (a stop) is set meanwhile."""
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(event.wait(), timeout=seconds)
