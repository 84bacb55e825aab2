"""`Submitter`: one run per cell, whatever happened to the answer of its POST.

The local service runs in-process; tests/faults.py spoils chosen answers at the ASGI seam.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from faults import FaultInjector, after_500, before, drop, matching

from evalspec.api import ApiServerError, DatalabClient, RetryPolicy
from evalspec.apply.submit import Submitter, signature
from evalspec.base.clock import utc_now
from evalspec.local import LocalService
from evalspec.lock.store import LockStore

RUN_POST = matching("POST", "/api/v1/eval_batch_runs")
FAST_RETRY = RetryPolicy(base_delay=0.001, max_delay=0.01)
RUBRIC = {"evaluations": [{"kind": "text_contains", "text": "summary"}]}


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LocalService]:
    with LocalService(tmp_path / "server", api_key=None) as started:
        yield started


@dataclass
class Bench:
    """A submitter over a lock in tmp_path, and a fault injector in front of the service."""

    submitter: Submitter
    store: LockStore
    injector: FaultInjector
    client: DatalabClient

    async def runs(self) -> list[int]:
        return sorted([run.id async for run in self.client.runs.iter()])


def client_for(app: Any) -> DatalabClient:
    return DatalabClient("k", "http://local.test", transport=httpx.ASGITransport(app=app), retry=FAST_RETRY)


async def make_body(client: DatalabClient, output_format: str = "markdown") -> dict[str, Any]:
    collection = await client.collections.create(f"docs-{output_format}")
    rubric = await client.rubrics.create(f"checks-{output_format}", None, RUBRIC)
    return {"collection_id": collection.id, "eval_rubric_id": rubric.id, "pipeline_type": "convert",
            "pipeline_id": None, "page_schema": None, "segmentation_schema": None,
            "output_format": output_format}


@pytest.fixture
def bench(service: LocalService, tmp_path: Path) -> Iterator[Callable[..., Bench]]:
    """`bench(faults)`: a Bench with `faults` for the run POSTs; its lock is closed at the end."""
    stores: list[LockStore] = []

    def make(faults: dict[int, Any] | None = None) -> Bench:
        injector = FaultInjector(service.app, faults=faults or {}, match=RUN_POST)
        client = client_for(injector)
        stores.append(LockStore.open(tmp_path / "evalspec.lock"))
        return Bench(Submitter(client, stores[-1]), stores[-1], injector, client)

    yield make
    for store in stores:
        store.close()


def test_a_new_cell_is_posted_once_and_its_run_recorded(
    service: LocalService, bench: Callable[..., Bench]
) -> None:
    async def main() -> None:
        b = bench()
        body = await make_body(b.client)
        run, adopted = await b.submitter.submit("c/p/r", "sha256:f1", body, {"lock": "form"})
        assert not adopted and await b.runs() == [run.id]
        cell = b.store.cell("c/p/r")
        assert cell is not None and cell.run_id == run.id and cell.fingerprint == "sha256:f1"
        assert cell.request == {"lock": "form"} and cell.submitted_at is not None

    asyncio.run(main())


@pytest.mark.parametrize("fault", [drop(), after_500()], ids=["dropped", "500"])
def test_a_post_whose_answer_was_lost_adopts_the_run_it_made(
    service: LocalService, bench: Callable[..., Bench], fault: Any
) -> None:
    async def main() -> None:
        b = bench({1: fault})
        body = await make_body(b.client)
        run, adopted = await b.submitter.submit("c/p/r", "sha256:f1", body, {})
        assert b.injector.injected and adopted
        assert await b.runs() == [run.id]  # the app acted once, and nothing was posted again
        assert b.store.cell("c/p/r").run_id == run.id  # type: ignore[union-attr]  # just recorded

    asyncio.run(main())


def test_a_post_refused_before_the_server_acted_is_retried_not_adopted(
    service: LocalService, bench: Callable[..., Bench]
) -> None:
    async def main() -> None:
        b = bench({1: before(503)})
        run, adopted = await b.submitter.submit("c/p/r", "sha256:f1", await make_body(b.client), {})
        assert not adopted and b.injector.seen == 2 and await b.runs() == [run.id]

    asyncio.run(main())


def test_a_lost_answer_with_no_run_to_adopt_is_raised(
    service: LocalService, bench: Callable[..., Bench]
) -> None:
    async def main() -> None:
        b = bench({1: before(500)})  # a 500 that in truth did nothing
        with pytest.raises(ApiServerError):
            await b.submitter.submit("c/p/r", "sha256:f1", await make_body(b.client), {})
        cell = b.store.cell("c/p/r")
        assert cell is not None and cell.run_id is None  # the intent stays open for the next apply

    asyncio.run(main())


def test_an_open_intent_adopts_the_run_a_crash_hid_without_posting(
    service: LocalService, bench: Callable[..., Bench]
) -> None:
    async def main() -> None:
        b = bench()
        body = await make_body(b.client)
        b.store.record_intent("c/p/r", "sha256:f1", {}, utc_now())  # then the process died...
        hidden = await client_for(service.app).runs.start(body)  # ...after its POST had acted
        seen = b.injector.seen
        run, adopted = await b.submitter.submit("c/p/r", "sha256:f1", body, {})
        assert adopted and run.id == hidden.id and b.injector.seen == seen

    asyncio.run(main())


def test_adoption_skips_runs_claimed_by_cells_and_runs_of_other_signatures(
    service: LocalService, bench: Callable[..., Bench]
) -> None:
    async def main() -> None:
        b = bench()
        body = await make_body(b.client)
        other = await make_body(b.client, "html")
        claimed, _ = await b.submitter.submit("c/p/other-cell", "sha256:f0", body, {})
        intent_at = utc_now()
        await client_for(service.app).runs.start(other)  # another signature
        assert await b.submitter.find_adoptable(body, intent_at) is None
        mine = await client_for(service.app).runs.start(body)
        found = await b.submitter.find_adoptable(body, intent_at)
        assert found is not None and found.id == mine.id != claimed.id
        assert signature(body) != signature(other)

    asyncio.run(main())


def test_a_replaced_cell_never_adopts_its_old_run(
    service: LocalService, bench: Callable[..., Bench]
) -> None:
    async def main() -> None:
        b = bench({2: drop()})
        body = await make_body(b.client)
        old, _ = await b.submitter.submit("c/p/r", "sha256:old", body, {})
        new, adopted = await b.submitter.submit("c/p/r", "sha256:new", body, {})
        assert adopted and new.id != old.id and await b.runs() == [old.id, new.id]

    asyncio.run(main())


def test_nothing_is_posted_once_stopped(
    service: LocalService, bench: Callable[..., Bench]
) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        b = bench()
        submitter = Submitter(b.client, b.store, stop=stop)
        body = await make_body(b.client)
        stop.set()
        assert await submitter.submit("c/p/r", "sha256:f1", body, {}) is None
        assert b.injector.seen == 0 and b.store.cell("c/p/r") is None

    asyncio.run(main())


def test_cells_of_one_signature_are_submitted_one_at_a_time(
    service: LocalService, bench: Callable[..., Bench]
) -> None:
    async def main() -> None:
        b = bench()
        body = await make_body(b.client)
        in_window: list[int] = []
        record_intent = b.store.record_intent

        def traced(key: str, *args: Any) -> None:
            in_window.append(len([c for c in b.store.lock.cells.values() if c.run_id is None]))
            record_intent(key, *args)

        b.store.record_intent = traced  # type: ignore[method-assign]  # observe the window
        submitter = Submitter(b.client, b.store, submit_slots=asyncio.Semaphore(4))
        results = await asyncio.gather(*(submitter.submit(f"c/p{i}/r", "sha256:f", body, {})
                                         for i in range(4)))
        assert in_window == [0, 0, 0, 0]  # no intent was open when the next one was noted
        assert len({run.id for run, _ in results}) == 4  # type: ignore[misc]  # none stopped

    asyncio.run(main())
