"""The executor follows runs with one list request per poll round and fetches each run's results
as soon as that run finishes, not when the last one does.

The local service runs in-process behind `Holding`, an httpx transport (the client's seam) that
shows chosen runs as still running, whatever the service says, until the test lets them go.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from apply_helpers import write_spec

from evalspec.api import BatchRun, DatalabClient
from evalspec.apply.events import SilentEvents
from evalspec.apply.executor import CHECKPOINT_EVERY, ApplyOptions, ApplyOutcome, Executor
from evalspec.backend.connect import Backend, open_backend
from evalspec.backend.results_cache import results_path, run_directory
from evalspec.local import LocalService
from evalspec.lock.store import LockStore
from evalspec.plan.plan import make_plan
from evalspec.plan.select import parse_selection
from evalspec.spec.load import load_spec

RUNS = "/api/v1/eval_batch_runs"
DEADLINE = 30.0


class Holding(httpx.AsyncBaseTransport):
    """The local app, with the runs in `held` shown as running in every list and GET answer."""

    def __init__(self, app: Any, held: set[int]) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.held = held

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        path = request.url.path
        if request.method != "GET" or not path.startswith(RUNS) or path.endswith("/results"):
            return response
        body = json.loads(await response.aread())
        for run in body.get("batch_runs", [body]) if isinstance(body, dict) else []:
            if run.get("id") in self.held:
                run.update(status="running", completed_at=None, completed_files=0, avg_score=None)
        return httpx.Response(response.status_code, json=body)


class Recorder(SilentEvents):
    """Apply's events: poll rounds counted, finished runs in order, a signal per round and finish."""

    def __init__(self) -> None:
        self.rounds = 0
        self.finished: list[int] = []
        self.first_finished = asyncio.Event()
        self.round_seen = asyncio.Event()

    def on_round(self, runs: list[BatchRun]) -> None:
        self.rounds += 1
        self.round_seen.set()

    def on_finished(self, key: str, run: BatchRun) -> None:
        self.finished.append(run.id)
        self.first_finished.set()


async def _apply_holding_the_second_run(root: Path) -> dict[str, Any]:
    spec = load_spec([write_spec(root, pipelines=3, collections=2)], root=root)
    held = {2}  # a fresh service numbers the runs 1..6
    state = root / "state"
    with LocalService(root / "server", api_key=None) as service:
        client = DatalabClient("test-key", "http://holding.test", transport=Holding(service.app, held))
        async with client:
            store = LockStore.open(root / "evalspec.lock")
            plan = make_plan(spec, store.lock, parse_selection((), None))
            events = Recorder()
            options = ApplyOptions(poll_first_wait=0.01, poll_ceiling=0.05, state_dir=state)
            executor = Executor(Backend("local", client), spec, store, options, events)
            applying = asyncio.create_task(executor.run(plan))
            await asyncio.wait_for(_all_but_held_finished(events, held, 6), DEADLINE)
            lineage = store.lineage
            cache = run_directory(lineage, executor.place, state)
            seen = {run_id: results_path(cache, run_id).exists() for run_id in range(1, 7)}
            still_tracked = sorted(executor.tracked)
            held.clear()  # the held run may finish now
            outcome = await asyncio.wait_for(applying, DEADLINE)
            store.close()
            return {"seen": seen, "still_tracked": still_tracked, "outcome": outcome,
                    "finished": events.finished, "rounds": events.rounds, "stats": client.stats.snapshot(),
                    "held_cached": results_path(run_directory(lineage, executor.place, state), 2).exists()}


async def _all_but_held_finished(events: Recorder, held: set[int], runs: int) -> None:
    while len(events.finished) < runs - len(held):
        events.first_finished.clear()
        await events.first_finished.wait()


def test_results_are_fetched_as_runs_finish_and_each_round_lists_once(tmp_path: Path) -> None:
    result = asyncio.run(_apply_holding_the_second_run(tmp_path))
    # While run 2 was held, the five others finished and their results were already cached.
    assert result["still_tracked"] == [2]
    assert result["seen"] == {1: True, 2: False, 3: True, 4: True, 5: True, 6: True}
    assert result["finished"][-1] == 2 and sorted(result["finished"]) == [1, 2, 3, 4, 5, 6]
    assert result["held_cached"]
    outcome = result["outcome"]
    assert outcome.submitted == 6 and not outcome.failed_runs and outcome.fatal is None
    stats = result["stats"]
    # Runs of two collections, yet one request per round: a list page while several runs are in
    # flight (all six fit one), a GET once the held run is the only one left.
    assert stats["runs.start"] == 6 and stats["runs.results"] == 6
    assert stats["runs.list"] + stats.get("runs.get", 0) == result["rounds"]
    assert stats["runs.list"] >= 1


async def _apply_with_an_hour_between_polls(root: Path) -> tuple[ApplyOutcome, int, list[int]]:
    """Apply on the in-process backend with polls an hour apart: only its run-ended signal can
    end the follow within the deadline."""
    spec = load_spec([write_spec(root, pipelines=2)], root=root)
    async with open_backend("local", state_dir=root / "state") as backend:
        assert backend.run_ended is not None
        store = LockStore.open(root / "evalspec.lock")
        events = Recorder()
        options = ApplyOptions(poll_first_wait=3600.0, poll_ceiling=3600.0, state_dir=root / "state")
        executor = Executor(backend, spec, store, options, events)
        try:
            outcome = await asyncio.wait_for(
                executor.run(make_plan(spec, store.lock, parse_selection((), None))), DEADLINE)
        finally:
            store.close()
        return outcome, events.rounds, sorted(events.finished)


def test_the_in_process_service_wakes_the_follower_when_a_run_ends(tmp_path: Path) -> None:
    outcome, rounds, finished = asyncio.run(_apply_with_an_hour_between_polls(tmp_path))
    assert outcome.submitted == 2 and not outcome.failed_runs and outcome.fatal is None
    assert finished == [1, 2]
    # A round per wake-up, never one per poll interval: one when the first run is tracked (which
    # may be before either run ends), then one per run end at most (both may end before it).
    assert 1 <= rounds <= 3


class CountingStore(LockStore):
    """A LockStore that counts the checkpoints that wrote the lock."""

    writes = 0

    def checkpoint(self) -> None:
        self.writes += self._dirty
        super().checkpoint()


async def _lock_writes_while_following(root: Path, step: float) -> tuple[int, int]:
    """(lock writes during apply, poll rounds) with a clock that moves `step` per reading."""
    spec = load_spec([write_spec(root, pipelines=2)], root=root)
    ticks = iter(range(1_000_000))
    held = {1}  # held until the follower has polled a few times, so rounds repeat
    with LocalService(root / "server", api_key=None) as service:
        client = DatalabClient("test-key", "http://holding.test", transport=Holding(service.app, held))
        async with client:
            store = CountingStore.open(root / "evalspec.lock")
            writes_at_open, events = store.writes, Recorder()
            options = ApplyOptions(poll_first_wait=0.01, poll_ceiling=0.01, state_dir=root / "state",
                                   clock=lambda: next(ticks) * step)
            executor = Executor(Backend("local", client), spec, store, options, events)
            plan = make_plan(spec, store.lock, parse_selection((), None))
            applying = asyncio.create_task(executor.run(plan))
            await asyncio.wait_for(_rounds_seen(events, 5), DEADLINE)
            held.clear()
            await asyncio.wait_for(applying, DEADLINE)
            writes = store.writes - writes_at_open
            store.close()
            return writes, events.rounds


async def _rounds_seen(events: Recorder, rounds: int) -> None:
    while events.rounds < rounds:
        events.round_seen.clear()
        await events.round_seen.wait()


def test_poll_rounds_write_the_lock_at_most_once_a_checkpoint_interval(tmp_path: Path) -> None:
    # A clock that never moves: the lock is written once, when apply ends, however many rounds.
    writes, rounds = asyncio.run(_lock_writes_while_following(tmp_path / "still", 0.0))
    assert rounds >= 5 and writes == 1
    # A clock that moves a whole interval per reading: a round that changed something (the
    # first one sees the runs) writes it, and so does the end.
    writes, rounds = asyncio.run(_lock_writes_while_following(tmp_path / "moving", CHECKPOINT_EVERY))
    assert rounds >= 5 and writes >= 2, (writes, rounds)
