"""Apply under injected faults: the local app in-process behind tests/faults.py's middleware.

Whatever the faults (429 and 503 before the server acts; a 500 or a dropped connection after it
has acted), the server must end up holding exactly one run per cell and one collection per name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from apply_helpers import assert_one_run_per_cell, write_spec
from faults import Fault, FaultInjector, after_500, before, drop, matching
from virtual_time import VirtualTime

from evalspec.api import DatalabClient
from evalspec.api.ratelimit import RateLimiter
from evalspec.api.retry import RetryPolicy
from evalspec.apply.executor import ApplyOptions, ApplyOutcome, Executor
from evalspec.backend.connect import Backend
from evalspec.commands.progress import Progress
from evalspec.local import LocalService
from evalspec.lock.lockfile import Lockfile
from evalspec.lock.store import LockStore
from evalspec.plan.plan import make_plan
from evalspec.plan.select import parse_selection
from evalspec.spec.load import load_spec

RUN_POST = matching("POST", "/api/v1/eval_batch_runs")
Match = Callable[[str, str], bool]


def collection_post(method: str, path: str) -> bool:
    return method == "POST" and path == "/api/v1/collections"


def any_post(method: str, path: str) -> bool:
    return method == "POST" and path in ("/api/v1/collections", "/api/v1/eval_batch_runs")


async def _apply(root: Path, injector: FaultInjector, time: VirtualTime) -> tuple[ApplyOutcome, Lockfile]:
    # The client's waits (backoff, a 429's wait for the next minute) pass on virtual time: a
    # 429 without Retry-After would otherwise hold the test until the wall clock's next minute.
    transport = httpx.ASGITransport(app=injector)
    retry = RetryPolicy(base_delay=0.01, max_delay=0.05, now=time.wall, sleep=time.sleep)
    limiter = RateLimiter(clock=time.monotonic, sleep=time.sleep)
    client = DatalabClient("test-key", "http://faults.test", transport=transport, retry=retry,
                           rate_limiter=limiter)
    async with client:
        spec = load_spec([root / "specs"], root=root)
        store = LockStore.open(root / "evalspec.lock")
        try:
            plan = make_plan(spec, store.lock, parse_selection((), None))
            options = ApplyOptions(poll_first_wait=0.02, poll_ceiling=0.1, state_dir=root / "state")
            progress = Progress(len(plan.changes), 0, live=False)
            outcome = await Executor(Backend("local", client), spec, store, options, progress).run(plan)
            progress.close()
        finally:
            store.close()
        return outcome, store.lock


async def _server_state(service: LocalService) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://check.test",
                                 headers={"X-API-Key": "test-key"}) as http:
        runs = (await http.get("/api/v1/eval_batch_runs", params={"limit": 200})).json()["batch_runs"]
        collections = (await http.get("/api/v1/collections", params={"limit": 200})).json()["collections"]
    return runs, collections


def apply_with_faults(root: Path, injector: FaultInjector,
                      time: VirtualTime | None = None) -> tuple[ApplyOutcome, Lockfile]:
    return asyncio.run(_apply(root, injector, time or VirtualTime()))


def assert_exactly_once(service: LocalService, lock: Lockfile, collections: int) -> None:
    runs, listed = asyncio.run(_server_state(service))
    assert_one_run_per_cell(lock, runs)
    names = sorted(c["name"] for c in listed)
    assert names == sorted(set(names)) and len(names) == collections, names


@pytest.fixture
def service(tmp_path: Path) -> Any:
    with LocalService(tmp_path / "server", api_key=None) as started:
        yield started


FIXED: dict[str, tuple[Match, dict[int, Fault]]] = {
    "run-post-before": (RUN_POST, {1: before(429, "0"), 2: before(503), 4: before(429)}),
    "run-post-after": (RUN_POST, {1: after_500(), 3: drop(), 4: drop(), 6: after_500()}),
    "collection-post": (collection_post, {1: after_500(), 2: before(503), 3: drop()}),
}


@pytest.mark.parametrize("case", sorted(FIXED))
def test_fixed_faults_leave_one_run_per_cell_and_one_collection_per_name(
    tmp_path: Path, service: LocalService, case: str
) -> None:
    write_spec(tmp_path, pipelines=3, collections=2)
    match, faults = FIXED[case]
    injector = FaultInjector(service.app, faults=faults, match=match)
    time = VirtualTime()
    outcome, lock = apply_with_faults(tmp_path, injector, time)
    assert {n for n, *_ in injector.injected} == set(faults)  # every fault was hit
    waited_a_minute = any(f.status == 429 and f.retry_after is None for f in faults.values())
    assert waited_a_minute == any(s >= 1.0 for s in time.slept), time.slept  # to the next minute
    assert not outcome.cell_errors and not outcome.failed_runs and outcome.fatal is None
    assert outcome.submitted == 6
    acted = sum(f.when == "after" for f in faults.values())
    if match is RUN_POST:
        assert outcome.adopted == acted  # each lost answer was resolved by adoption
    assert_exactly_once(service, lock, collections=2)


@pytest.mark.parametrize("seed", range(4))
def test_random_faults_on_every_request(tmp_path: Path, service: LocalService, seed: int) -> None:
    """Random faults on 30% of all requests (uploads and polls too): still exactly once."""
    write_spec(tmp_path, pipelines=3, collections=2)
    injector = FaultInjector.randomly(service.app, seed=seed, rate=0.3)
    outcome, lock = apply_with_faults(tmp_path, injector)
    assert injector.injected
    assert not outcome.cell_errors and outcome.fatal is None, outcome
    assert_exactly_once(service, lock, collections=2)


def test_a_replaced_cell_whose_answer_is_lost_adopts_the_new_run_not_the_old(
    tmp_path: Path, service: LocalService
) -> None:
    specs = write_spec(tmp_path, pipelines=1, collections=1)
    _, first = apply_with_faults(tmp_path, FaultInjector(service.app))
    spec_file = specs / "spec.yaml"
    spec_file.write_text(spec_file.read_text().replace('"markdown"', '"html"'))
    injector = FaultInjector(service.app, faults={1: drop()}, match=RUN_POST)
    outcome, second = apply_with_faults(tmp_path, injector)
    assert injector.injected and outcome.adopted == 1
    old, new = first.cells["c0/p0/checks"], second.cells["c0/p0/checks"]
    runs, _ = asyncio.run(_server_state(service))
    assert len(runs) == 2
    assert new.run_id != old.run_id and new.run_id == max(r["id"] for r in runs)
