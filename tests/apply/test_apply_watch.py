"""Watching the wait: the timeout, the ten-minute "no progress" warning, unknown status words.

The executor runs in-process against the local service behind a Variant whose runs never finish;
its clock is a fake that moves two minutes per reading, so ten quiet minutes pass in milliseconds.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from apply_helpers import write_spec
from datalab_variants import Variant

from evalspec.api import BatchRun, DatalabClient
from evalspec.apply.events import SilentEvents
from evalspec.apply.executor import ApplyOptions, ApplyOutcome, Executor
from evalspec.apply.watch import Watch
from evalspec.backend.connect import Backend
from evalspec.local import LocalService
from evalspec.lock.store import LockStore
from evalspec.plan.plan import make_plan
from evalspec.plan.select import parse_selection
from evalspec.spec.load import load_spec


class Events(SilentEvents):
    """ApplyEvents that keep the notes."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)


class Ticking:
    """A monotonic clock that moves `step` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def run(status: str) -> BatchRun:
    return BatchRun(id=1, collection_id=1, status=status)


def test_an_unknown_word_is_warned_about_once_and_known_ones_never() -> None:
    events = Events()
    watch = Watch(events.note, Ticking(1))
    for status in ("queued", "mystery", "MYSTERY", "in_progress", "mystery", "done", ""):
        watch.saw(run(status))
    assert len(events.notes) == 1 and "'mystery'" in events.notes[0]


def test_no_progress_for_ten_minutes_is_warned_once_per_quiet_stretch() -> None:
    events = Events()
    clock = Ticking(60)
    watch = Watch(events.note, clock, stall_after=600)
    for _ in range(9):
        watch.after_round(progressed=False, in_flight=2)
    assert events.notes == []
    watch.after_round(progressed=False, in_flight=2)
    assert events.notes == [
        "warning: no run has progressed for 10m (2 in flight); `--timeout` bounds the wait",
    ]
    watch.after_round(progressed=True, in_flight=2)
    watch.after_round(progressed=False, in_flight=2)
    assert len(events.notes) == 1


def test_the_timeout_counts_from_the_start() -> None:
    now = [1000.0]
    watch = Watch(lambda text: None, lambda: now[0], timeout=90)
    now[0] += 89
    assert not watch.expired and watch.remaining() == 1
    now[0] += 1
    assert watch.expired
    assert Watch(lambda text: None, lambda: now[0]).remaining() is None  # no timeout: never


async def _apply(root: Path, service: LocalService, events: Events) -> tuple[ApplyOutcome, LockStore]:
    app = Variant(service.app, stuck_status="processing")
    transport = httpx.ASGITransport(app=app)
    async with DatalabClient("test-key", "http://variant.test", transport=transport) as client:
        spec = load_spec([root / "specs"], root=root)
        store = LockStore.open(root / "evalspec.lock")
        try:
            plan = make_plan(spec, store.lock, parse_selection((), None))
            options = ApplyOptions(poll_first_wait=0.01, poll_ceiling=0.01, state_dir=root / "state",
                                   timeout=3600, clock=Ticking(120))
            outcome = await Executor(Backend("datalab", client), spec, store, options, events).run(plan)
        finally:
            store.close()
        return outcome, store


def test_apply_warns_about_stalled_runs_and_stops_at_the_timeout(tmp_path: Path) -> None:
    write_spec(tmp_path, pipelines=2)
    events = Events()
    with LocalService(tmp_path / "server", api_key="test-key") as service:
        outcome, store = asyncio.run(_apply(tmp_path, service, events))
    assert outcome.timed_out and outcome.in_flight == 2 and outcome.fatal is None
    stalls = [n for n in events.notes if "no run has progressed" in n]
    # An hour of fake time, two minutes a reading: a warning per ten quiet minutes, not per round.
    assert 2 <= len(stalls) <= 6, events.notes
    assert all(cell.run_id is not None and not cell.is_finished for cell in store.lock.cells.values())
