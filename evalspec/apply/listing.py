"""Finding the runs we follow in the team's run list, in as few pages as its order allows.

`GET /api/v1/eval_batch_runs` without a filter lists every run of the team, other users' and
finished ones included, 200 to a page: one page usually holds every run in flight, whatever
collections they belong to. Datalab does not document the list's order, so the walk assumes
none. It reads pages from the end of the list where our runs were found last round (the head
at first), for as long as pages still hold runs we track (one page of other users' runs in
between is tolerated); when that end holds none it tries the other (an oldest-first list keeps
new runs at its tail). Whatever it does not find is left to the caller to fetch one by one, so
a list in any order, or one that changes while it is read, costs requests but never
correctness, and a long history is never read to the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evalspec.api import BatchRun, DatalabClient
from evalspec.api.paging import MAX_PAGE, past_last_page

# Pages in a row without any of our runs before a walk gives up: other users' runs may fill
# a page between ours (or ahead of them), and one more request is cheaper than a GET per run.
PATIENCE = 1


@dataclass
class RunLister:
    """Lists our runs round after round, remembering which end of the list they were found at."""

    page_size: int = MAX_PAGE
    tail_total: int | None = None  # the list's length when our runs were last found at its tail

    async def listed(self, client: DatalabClient, wanted: set[int]) -> dict[int, BatchRun]:
        """The runs of `wanted` found in the list (those missing are the caller's to GET)."""
        walk = _Walk(client, wanted, self.page_size)
        at_tail = self.tail_total is not None and await walk.tail(self.tail_total)
        if not at_tail and not await walk.forward(0) and walk.total is not None:
            at_tail = await walk.tail(walk.total)
        self.tail_total = walk.total if at_tail else None
        return walk.found


@dataclass
class _Walk:
    """One round's reading of the list: what it found, and which pages it already read."""

    client: DatalabClient
    wanted: set[int]
    page_size: int
    found: dict[int, BatchRun] = field(default_factory=dict)
    total: int | None = None
    read: set[int] = field(default_factory=set)

    async def forward(self, offset: int) -> bool:
        """Read pages from `offset` on while they hold our runs; whether any did."""
        held, misses = False, 0
        while offset not in self.read and not self.complete and misses <= PATIENCE:
            length, ours = await self._read(offset)
            held, misses = held or ours, 0 if ours else misses + 1
            offset += length
            if not length or past_last_page(offset, length, self.page_size, self.total):
                break
        return held

    async def backward(self, end: int) -> bool:
        """Read the pages before offset `end`, last first, while they hold our runs; whether any did."""
        held, misses = False, 0
        while end > 0 and not self.complete and misses <= PATIENCE:
            end = max(0, end - self.page_size)
            if end in self.read:
                break
            _, ours = await self._read(end)
            held, misses = held or ours, 0 if ours else misses + 1
        return held

    @property
    def complete(self) -> bool:
        """Every run we want was found."""
        return len(self.found) == len(self.wanted)

    async def tail(self, total: int) -> bool:
        """Read around the last page of a list `total` long; whether any page held our runs."""
        offset = max(0, total - self.page_size)
        ahead = await self.forward(offset)
        behind = await self.backward(offset)
        return ahead or behind

    async def _read(self, offset: int) -> tuple[int, bool]:
        """Read one page: its length, and whether it held any of our runs."""
        self.read.add(offset)
        page, total = await self.client.runs.list(limit=self.page_size, offset=offset)
        self.total = total if total is not None else self.total
        ours = {run.id: run for run in page if run.id in self.wanted}
        self.found.update(ours)
        return len(page), bool(ours)
