"""The fault injector itself, and the client's behaviour through it, in-process."""

from __future__ import annotations

import pytest
from faults import Fault, FaultInjector, after_500, before, drop, matching
from test_api_endpoints import FakeDatalab, build_app, make_client

from evalspec.api import ApiNetworkError, ApiServerError

pytestmark = pytest.mark.anyio
RUNS = "/api/v1/eval_batch_runs"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def wrapped() -> tuple[FakeDatalab, FaultInjector]:
    state = FakeDatalab()
    injector = FaultInjector(build_app(state), match=matching("POST", RUNS))
    return state, injector


async def test_faults_before_the_app_are_retried_and_leave_one_run() -> None:
    state, injector = wrapped()
    injector.faults = {1: before(429, "0"), 2: before(503), 3: before(529)}
    async with make_client(injector) as client:
        run = await client.runs.start({"collection_id": 1})
    assert run.id == 1 and len(state.runs) == 1
    assert [n for n, *_ in injector.injected] == [1, 2, 3] and injector.seen == 4


@pytest.mark.parametrize("fault", [after_500(), drop()])
async def test_faults_after_the_app_acted_are_raised_as_maybe_acted(fault: Fault) -> None:
    state, injector = wrapped()
    injector.faults = {1: fault}
    async with make_client(injector) as client:
        with pytest.raises((ApiServerError, ApiNetworkError)) as info:
            await client.runs.start({"collection_id": 1})
        assert info.value.may_have_acted is True
        assert len(state.runs) == 1  # the app acted once; the client did not act again
        # A poll is idempotent: retried through the same faults kinds until it gets through.
        injector.match = lambda method, path: True
        injector.faults = {injector.seen + 1: drop(), injector.seen + 2: after_500()}
        assert (await client.runs.get(1)).id == 1
    assert client.stats["runs.get"] == 3


async def test_only_matching_requests_are_counted() -> None:
    _, injector = wrapped()
    injector.faults = {1: before(503)}
    async with make_client(injector) as client:
        await client.collections.create("c")
        await client.runs.start({"collection_id": 1})
    assert injector.seen == 2 and [(m, p) for _, m, p, _ in injector.injected] == [("POST", RUNS)]


async def test_random_faults_never_duplicate_a_run() -> None:
    state = FakeDatalab()
    injector = FaultInjector.randomly(
        build_app(state), seed=7, rate=0.4, match=matching("POST", RUNS)
    )
    async with make_client(injector) as client:
        unacted = []
        for cell in range(30):
            try:
                await client.runs.start({"collection_id": cell})
            except (ApiServerError, ApiNetworkError) as exc:
                if not exc.may_have_acted:
                    unacted.append(cell)
    per_cell = [r["collection_id"] for r in state.runs.values()]
    assert len(per_cell) == len(set(per_cell))  # never twice
    assert not set(unacted) & set(per_cell)  # "did not act" is a promise
    kinds = {(f.when, f.status) for *_, f in injector.injected}
    assert kinds == {("before", 429), ("before", 503), ("after", 500), ("after", None)}
