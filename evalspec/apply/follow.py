"""Following runs to the end in as few requests as the API allows.

The rate limit is shared by submissions and polls, so runs are not polled one by one: a round
reads the team's run list (`listing.py`: usually one page of 200 for every run in flight) and
fetches only the runs missing from it one by one. Rounds come often at first and then further
apart: the wait is at least a fixed share of the time already spent following, so apply ends
at most that share after the last run does, and the number of rounds grows with the logarithm
of a run's length, not with the length. It also grows while nothing changes, and snaps back to
that floor when something does.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from evalspec.api import BatchRun, DatalabClient
from evalspec.api.paging import MAX_PAGE
from evalspec.apply.listing import RunLister
from evalspec.base.polling import POLL_CEILING, POLL_FIRST_WAIT


@dataclass
class PollSchedule:
    """The wait before the next poll round.

    At least `share` of the time since the schedule started (and at least `first_wait`), so the last
    run's end is seen at most that share late; grows by `factor` while nothing changes; never
    above `ceiling`.
    """

    first_wait: float = POLL_FIRST_WAIT
    ceiling: float = POLL_CEILING
    factor: float = 1.5
    share: float = 0.08
    clock: Callable[[], float] = time.monotonic
    current: float = field(init=False)
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.current = self.first_wait
        self.started = self.clock()

    def next(self, changed: bool) -> float:
        """The wait after a round that did (or did not) see a change."""
        floor = max(self.first_wait, self.share * (self.clock() - self.started))
        grown = floor if changed else max(floor, self.current * self.factor)
        self.current = min(self.ceiling, grown)
        return self.current


@dataclass(frozen=True)
class Tracked:
    """A run we follow: its id, the cell it is the run of, its collection and its last state."""

    run_id: int
    key: str
    collection_id: int | None
    last: BatchRun | None = None

    @classmethod
    def from_request(
        cls, run_id: int, key: str, request: Mapping[str, Any], last: BatchRun | None = None,
    ) -> Tracked:
        """A run as the lock or a submission knows it: its collection is in the request."""
        collection_id = request.get("collection_id")
        return cls(run_id, key, collection_id if isinstance(collection_id, int) else None, last)


async def poll_round(
    client: DatalabClient, tracked: Mapping[int, Tracked], page_size: int = MAX_PAGE,
    lister: RunLister | None = None,
) -> list[BatchRun]:
    """The current state of every tracked run: from the team's run list, GETs for the rest.

    Pass the same `lister` every round, so that it starts where our runs were found last time.
    A single run is fetched directly: one GET costs what one list page does and is exact.
    """
    wanted = set(tracked)
    lister = lister if lister is not None else RunLister(page_size)
    found = await lister.listed(client, wanted) if len(wanted) > 1 else {}
    for run_id in sorted(wanted - set(found)):
        found[run_id] = await client.runs.get(run_id)
    return [found[run_id] for run_id in sorted(found)]


def changed(before: BatchRun | None, after: BatchRun) -> bool:
    """Whether a poll told us anything new about a run."""
    if before is None:
        return True
    return (before.status, before.completed_files, before.completed_at) != (
        after.status, after.completed_files, after.completed_at,
    )


async def wait_unless(event: asyncio.Event, seconds: float, wake: asyncio.Event | None = None) -> None:
    """Wait `seconds` for the next poll round, or less if `event` (a stop) is set meanwhile, or
    `wake` (a run ended, as an in-process service says)."""
    if wake is None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=seconds)
        return
    waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
