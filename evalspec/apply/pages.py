"""Pages in flight: submissions scheduled under the team's page limit, and refusals never scored.

Past its limit (5,000 pages in flight a team) Datalab does not answer 429: it fails the file
inside the run, `success: false`, "Page rate limit exceeded ...". So apply keeps the pages of
its unfinished runs under `settings.pages_in_flight` (a cell bigger than the whole limit goes
alone), and a finished run with any file refused that way (or marked as a rate or concurrency
refusal in another shape: the docs leave it open) is not a result. Its cell is submitted again
once pages are free, at most `RESUBMITS` times; the lock never records such a run as completed.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from typing import Any

from evalspec.api.shapes import FileResult, RunResults
from evalspec.base.runstatus import PAGE_LIMITED
from evalspec.lock.lockfile import RunFields
from evalspec.plan.cost import CellCost

DEFAULT_PAGES_IN_FLIGHT = 5000
RESUBMITS = 3
_REFUSAL_TEXT = re.compile(r"page rate limit|rate limit exceeded|concurrency limit|too many (pages|requests)",
                           re.IGNORECASE)
_REFUSAL_WORDS = frozenset({"rate_limited", "page_limited", "throttled", "concurrency_limited",
                            "page_rate_limit", "rate_limit_exceeded"})


def is_refusal(result: FileResult) -> bool:
    """Whether a file's result is the service refusing it (a limit), not a score."""
    if result.status.strip().lower() in _REFUSAL_WORDS:
        return True
    return any(_refuses(value) for value in result.eval_results.values()) or any(
        str(key).lower() in _REFUSAL_WORDS and bool(value) for key, value in result.eval_results.items())


def _refuses(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _REFUSAL_WORDS or _REFUSAL_TEXT.search(value) is not None
    if isinstance(value, dict):
        return any(_refuses(v) for v in value.values())
    return False


def refused_files(results: RunResults) -> list[str]:
    """The files of a run that a page, rate or concurrency limit refused."""
    return [r.filename for r in results.file_results if is_refusal(r)]


def shard_share(pages: int, shards: int) -> int:
    """A shard's share of the team's pages in flight (at least one page)."""
    return max(1, pages // max(1, shards))


class PageScheduler:
    """Admits submissions while the pages of unfinished runs stay under `capacity`.

    A cell's pages are held from its admission until its run's verdict (`finished`); a cell
    of unknown pages holds none until its run says how many files it has (one page each, at
    least). `verdict(key)` waits for that run's verdict: True when the limit refused files.
    """

    def __init__(self, capacity: int, costs: Iterable[CellCost] = ()) -> None:
        self.capacity = capacity
        self.costs = {c.key: c for c in costs}
        self.pages = {c.key: c.pages for c in self.costs.values()}
        self.held: dict[str, int] = {}
        self._changed = asyncio.Condition()
        self._verdicts: dict[str, asyncio.Future[bool]] = {}
        self.ends = 0  # verdicts so far: a refused cell waits for another run's end
        self._refused_at: dict[str, int] = {}

    @property
    def in_flight(self) -> int:
        """Pages held now."""
        return sum(self.held.values())

    def hold(self, key: str, pages: int | None = None) -> None:
        """Count a run already in flight (followed from the lock) against the limit."""
        self.held[key] = pages if pages is not None else self.pages.get(key) or 0

    async def admit(self, key: str) -> None:
        """Wait until the cell's pages fit (or nothing else is in flight), then hold them. A cell
        the limit refused waits, besides, for another run to end (its pages are free then)."""
        need = self.pages.get(key) or 0
        refused_at = self._refused_at.pop(key, None)

        def ready() -> bool:
            freed = refused_at is None or self.ends > refused_at or not self.held
            return freed and (not self.held or self.in_flight + need <= self.capacity)

        async with self._changed:
            await self._changed.wait_for(ready)
            self.held[key] = need
            self._verdicts[key] = asyncio.get_running_loop().create_future()

    def sized(self, key: str, total_files: int | None) -> None:
        """A cell of unknown pages: its run's files, a page each at least, now count."""
        if self.pages.get(key) is None and key in self.held and total_files:
            self.held[key] = max(self.held[key], total_files)

    async def finished(self, key: str, refused: bool) -> None:
        """The run's verdict: its pages are free again; `verdict(key)` learns it."""
        async with self._changed:
            self.held.pop(key, None)
            self.ends += 1
            if refused:
                self._refused_at[key] = self.ends
            self._changed.notify_all()
        future = self._verdicts.pop(key, None)
        if future is not None and not future.done():
            future.set_result(refused)

    async def release(self, key: str) -> None:
        """No run to wait for (a submission that failed, or `--no-wait`)."""
        await self.finished(key, False)

    def awaited(self, key: str) -> bool:
        """Whether a submission of this apply waits for the cell's verdict."""
        return key in self._verdicts

    async def verdict(self, key: str, stop: asyncio.Event) -> bool | None:
        """True when the limit refused the run's files, False when it is a result; None when
        apply stopped first."""
        future = self._verdicts.get(key)
        if future is None:
            return False
        stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
        waiting: list[asyncio.Future[Any]] = [future, stopping]
        try:
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        return future.result() if future.done() else None


def lock_fields(cost: CellCost | None) -> RunFields:
    """What the lock records of a submitted cell's pages and cost."""
    if cost is None:
        return {"pages": None, "usd": None}
    return {"pages": cost.pages, "usd": None if cost.cents is None else cost.cents / 100}


def refusal_fields(files: list[str]) -> RunFields:
    """The lock's record of a run the limit refused: never completed, never a score."""
    shown = ", ".join(files[:3]) + (", ..." if len(files) > 3 else "")
    return {"status": PAGE_LIMITED, "completed_at": None, "avg_score": None, "files": None,
            "error": f"{len(files)} file(s) refused by the service's page or rate limit ({shown}): "
                     "not a score; apply submits the cell again"}
