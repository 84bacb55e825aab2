"""The executor: submit what the plan says, follow every run to the end, keep the lock current.

Submissions run with bounded concurrency while one follower polls every run in flight; both
stop promptly when asked (Ctrl-C), after which the lock is saved and a later apply resumes:
cells with a run id are followed, cells with only an intent are adopted or resubmitted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from evalspec.api import BatchRun
from evalspec.api.shapes import RunResults
from evalspec.apply.events import ApplyEvents
from evalspec.apply.follow import PollSchedule, Tracked, changed, poll_round, wait_unless
from evalspec.apply.ledger import UploadLedger
from evalspec.apply.listing import RunLister
from evalspec.apply.pages import (
    DEFAULT_PAGES_IN_FLIGHT,
    RESUBMITS,
    PageScheduler,
    lock_fields,
    refusal_fields,
    refused_files,
)
from evalspec.apply.record import record_results
from evalspec.apply.resolve import ResolvedIds, resolve_ids
from evalspec.apply.submit import Submitter, run_fields
from evalspec.apply.watch import STALL_AFTER, Watch
from evalspec.backend.connect import Backend, evaluates_truth
from evalspec.backend.fetch import cached_results, fetch_results
from evalspec.backend.results_cache import run_directory, write_results
from evalspec.base.polling import POLL_BASE, POLL_CEILING
from evalspec.base.scores import read_score
from evalspec.errors import AuthError, NetworkError, RemoteError
from evalspec.lock import places
from evalspec.lock.lockfile import LockCell
from evalspec.lock.store import LockStore
from evalspec.plan.cells import Cell
from evalspec.plan.diff import Change
from evalspec.plan.plan import Plan, inputs_after_apply
from evalspec.spec.spec import Spec

DEFAULT_CONCURRENCY = 8
# Poll rounds write the lock at most this often. What a round learns (progress, a run's end, its
# score) the server can tell again, so a crash loses nothing: resume follows the journalled run
# ids. The lock on disk just lags by this much for readers such as `status`.
CHECKPOINT_EVERY = 1.0


@dataclass(frozen=True)
class ApplyOptions:
    """How apply behaves."""

    wait: bool = True
    concurrency: int = DEFAULT_CONCURRENCY
    poll_base: float = POLL_BASE
    poll_ceiling: float = POLL_CEILING
    state_dir: Path | None = None
    timeout: float | None = None  # seconds to wait for runs; None waits for them all
    score_scale: float = 1.0
    stall_after: float = STALL_AFTER
    pages_in_flight: int = DEFAULT_PAGES_IN_FLIGHT  # pages of unfinished runs to stay under
    clock: Callable[[], float] = time.monotonic


@dataclass
class ApplyOutcome:
    """What happened, for the closing message and the exit code."""

    submitted: int = 0
    adopted: int = 0
    removed: int = 0
    failed_runs: list[str] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    score_errors: list[str] = field(default_factory=list)
    in_flight: int = 0
    interrupted: bool = False
    timed_out: bool = False
    fatal: RemoteError | None = None

    @property
    def succeeded(self) -> bool:
        """Apply went through (runs may have failed or still run): the lock takes the plan's
        gates and inputs. After a fatal error or Ctrl-C it keeps only what runs were recorded."""
        return self.fatal is None and not self.interrupted


class Executor:
    """Runs one plan against one backend, writing through one LockStore."""

    def __init__(self, backend: Backend, spec: Spec, store: LockStore, options: ApplyOptions,
                 progress: ApplyEvents, place: str | None = None) -> None:
        self.backend = backend
        # Where the runs made here live (lock/places.py); by default as the backend knows it
        # without asking (a remote service's own word is `Backend.place()`).
        self.place = place or places.place(backend.identity, backend.state_id)
        self.results_directory = run_directory(store.lineage, self.place, options.state_dir)
        self.client = backend.client
        self.spec = spec
        self.store = store
        self.options = options
        self.progress = progress
        self.outcome = ApplyOutcome()
        self.stop = asyncio.Event()
        self.submissions_done = False
        self.tracked: dict[int, Tracked] = {}
        self.keys: dict[int, str] = {}
        self.lister = RunLister()  # kept across rounds: it remembers where our runs were listed
        self.submitter = Submitter(self.client, store, asyncio.Semaphore(options.concurrency), self.stop,
                                   options.score_scale, place)
        self.watch = Watch(progress.note, options.clock, options.timeout, options.stall_after)
        # Results are fetched beside the polling, not in its way: one round may finish 200 runs.
        self._fetches: set[asyncio.Task[None]] = set()
        self._fetch_slots = asyncio.Semaphore(options.concurrency)
        self._checkpointed = options.clock()  # LockStore.open has just written the lock
        self.pages = PageScheduler(options.pages_in_flight)
        self._idle_wake = asyncio.Event()  # a run to follow, or no more submissions (see _follow)

    async def run(self, plan: Plan) -> ApplyOutcome:
        """Apply the plan; the lock is checkpointed whatever happens."""
        try:
            await self._run(plan)
        finally:
            self.outcome.in_flight = len(self.tracked)
            self.store.checkpoint()
        return self.outcome

    async def _run(self, plan: Plan) -> None:
        for change in plan.changes:
            if change.action == "remove":
                self.store.remove(change.key)
                self.outcome.removed += 1
        self.store.set_gates(plan.gates_digest, plan.gate_rules)
        self.store.set_inputs(inputs_after_apply(self.store.lock, plan))
        self.store.set_score_scale(self.options.score_scale)
        to_submit = [c for c in plan.changes if _needs_submission(c)]
        self.pages = PageScheduler(self.options.pages_in_flight, plan.cost.cells if plan.cost else ())
        self._track_locked(plan)
        ledger = UploadLedger(self.client.base_url, self.options.state_dir)
        cells = [c.cell for c in to_submit if c.cell]
        ids = await resolve_ids(
            self.client, self.spec, cells, ledger, self.progress.note,
            sidecars=await self._sends_sidecars(cells),
        )
        follower = asyncio.create_task(self._follow()) if self.options.wait else None
        try:
            await self._submit_all(to_submit, ids)
        finally:
            self.submissions_done = True
            self._idle_wake.set()
            if follower is not None:
                await follower
            await asyncio.gather(*self._fetches)
        if self.options.wait and not self.stop.is_set():
            await self._record_missing_evidence()

    def _track_locked(self, plan: Plan) -> None:
        for change in plan.changes:
            locked = change.locked
            if change.action == "poll" and locked is not None and locked.run_id is not None:
                self._track(change.key, Tracked.from_request(locked.run_id, locked.request))
                self.pages.hold(change.key, locked.pages)

    def _track(self, key: str, tracked: Tracked) -> None:
        self.keys[tracked.run_id] = key
        self.tracked[tracked.run_id] = tracked
        self._idle_wake.set()

    async def _sends_sidecars(self, cells: list[Cell]) -> bool:
        """Whether managed collections carry their truth sidecars to this backend (probed only
        when a collection about to be used has any)."""
        used = {cell.collection for cell in cells}
        has_truth = any(
            f.is_truth for name in used for f in self.spec.collections[name].files or ()
        )
        return has_truth and await evaluates_truth(self.backend)

    async def _submit_all(self, changes: list[Change], ids: ResolvedIds) -> None:
        async def one(change: Change) -> None:
            for _ in range(1 + RESUBMITS):  # again while the page limit refuses its files
                if self.stop.is_set():
                    return
                await self.pages.admit(change.key)
                if not await self._submit(change, ids) or not self.options.wait:
                    await self.pages.release(change.key)
                    return
                if not await self.pages.verdict(change.key, self.stop):
                    return
            self.outcome.cell_errors.append(
                f"{change.key}: the service's page limit refused its files {1 + RESUBMITS} times; "
                "lower settings.pages_in_flight (or --pages-in-flight) and apply again")

        # The submitter bounds concurrency itself, once a cell's signature is its turn.
        await asyncio.gather(*(one(change) for change in changes))
        if self.outcome.fatal is not None:
            raise self.outcome.fatal

    async def _submit(self, change: Change, ids: ResolvedIds) -> bool:
        cell = change.cell
        assert cell is not None  # removals are not submitted
        cell_ids = ids.for_cell(cell)
        body = cell.request.resolved(cell_ids)
        try:
            submitted = await self.submitter.submit(
                cell.key, cell.request.fingerprint, body, cell.request.lock_form(cell_ids),
            )
        except (AuthError, NetworkError) as exc:
            self.outcome.fatal = self.outcome.fatal or exc
            self.stop.set()  # the service is unreachable or refuses us: stop everything
            return False
        except RemoteError as exc:
            self.outcome.cell_errors.append(f"{cell.key}: {exc}")
            self.progress.note(f"error     {cell.key}: {exc}")
            return False
        if submitted is None:
            return False
        run, adopted = submitted
        self.store.update_run(cell.key, lock_fields(self.pages.costs.get(cell.key)))
        self.pages.sized(cell.key, run.total_files)
        self.outcome.submitted += 1
        self.outcome.adopted += adopted
        self.progress.on_submitted(cell.key, run, adopted)
        self.watch.saw(run)
        self._track(cell.key, Tracked.from_request(run.id, body, run))
        return True

    async def _follow(self) -> None:
        schedule = PollSchedule(self.options.poll_base, self.options.poll_ceiling)
        while not self.stop.is_set() and (self.tracked or not self.submissions_done):
            remaining = self.watch.remaining()
            wait = schedule.current if remaining is None else max(0.0, min(schedule.current, remaining))
            # With nothing to follow, what can change that is a new run or the submissions' end.
            await wait_unless(self.stop, wait, self.backend.run_ended if self.tracked else self._idle_wake)
            self._idle_wake.clear()
            if self.backend.run_ended is not None:
                self.backend.run_ended.clear()  # before the round: an end after it wakes the next wait
            if self._timed_out() or self.stop.is_set() or not self.tracked:
                continue
            try:
                any_change = await self._poll_once()
            except RemoteError as exc:
                self.outcome.fatal = self.outcome.fatal or exc
                self.stop.set()
                return
            self._checkpoint_now_and_then()
            self.watch.after_round(any_change, len(self.tracked))
            schedule.next(any_change)
            self._timed_out()

    def _checkpoint_now_and_then(self) -> None:
        """Write the lock after a round if the last write is CHECKPOINT_EVERY old."""
        now = self.options.clock()
        if now - self._checkpointed >= CHECKPOINT_EVERY:
            self.store.checkpoint()
            self._checkpointed = now

    def _timed_out(self) -> bool:
        """At the timeout: stop submitting and polling; the lock keeps the runs as they are."""
        if self.watch.expired and not self.stop.is_set():
            self.outcome.timed_out = True
            self.stop.set()
        return self.outcome.timed_out

    async def _poll_once(self) -> bool:
        any_change = False
        runs = await poll_round(self.client, dict(self.tracked), lister=self.lister)
        for run in runs:
            key = self.keys[run.id]
            self.watch.saw(run)
            if changed(self.tracked[run.id].last, run):
                any_change = True
                if not run.is_finished:  # an end is recorded once its results are read (_fetch)
                    self.store.update_run(key, run_fields(run, self.options.score_scale))
            if run.is_finished:
                self._on_finished(key, run)
            else:
                self.tracked[run.id] = replace(self.tracked[run.id], last=run)
        self.progress.on_round([t.last for t in self.tracked.values() if t.last is not None])
        return any_change

    def _on_finished(self, key: str, run: BatchRun) -> None:
        del self.tracked[run.id]
        if run.is_failed:
            self.outcome.failed_runs.append(f"{key} (run {run.id}, {run.status})")
        self._score_error(key, run_fields(run, self.options.score_scale)["error"])
        task = asyncio.create_task(self._fetch(key, run))
        self._fetches.add(task)
        task.add_done_callback(self._fetches.discard)

    async def _fetch(self, key: str, run: BatchRun) -> None:
        async with self._fetch_slots:
            try:
                await fetch_results(self.client, self.results_directory, [run.id])
            except RemoteError as exc:
                self.progress.note(f"warning: results of run {run.id} not fetched ({exc}); "
                                   "`evalspec apply` fetches them again")
            results = cached_results(self.results_directory, run.id)
            refused = refused_files(results) if results is not None else []
            # A run whose files a limit refused is never recorded as completed, nor scored.
            ended = refusal_fields(refused) if refused else run_fields(run, self.options.score_scale)
            self.store.update_run(key, ended)
            if not refused:
                self._take_results(key, results)
            elif not self.pages.awaited(key):  # followed from the lock: the next apply submits it
                self.outcome.cell_errors.append(f"{key}: {refusal_fields(refused)['error']}")
        await self.pages.finished(key, bool(refused))
        if not refused:
            self.progress.on_finished(key, self._as_read(run))

    def _take_results(self, key: str, results: RunResults | None) -> None:
        """Record a finished run's per-file evidence in the lock (and any score it cannot trust)."""
        if results is not None:
            self._score_error(key, record_results(self.store, key, results, self.options.score_scale))

    async def _record_missing_evidence(self) -> None:
        """Finished cells of this place whose lock entry lacks evidence (a crash between a run's
        end and its fetch, `--no-wait`, a lock written before evidence was kept) get it now; a
        cell of an older lock whose results this machine cached is taken to be of this place."""
        lock = self.store.lock
        for key, cell in lock.cells.items():
            if cell.files is not None or not cell.is_finished or cell.run_id is None:
                continue
            if places.readable_at(cell, lock, self.place):
                try:
                    await fetch_results(self.client, self.results_directory, [cell.run_id])
                except RemoteError as exc:
                    self.progress.note(f"warning: results of run {cell.run_id} not fetched ({exc})")
                    continue
                self._adopt_place(key, cell)
                self._take_results(key, cached_results(self.results_directory, cell.run_id))
            elif cell.state is None and lock.backend == self.backend.identity:
                older = run_directory(lock.lineage, None, self.options.state_dir)
                legacy = cached_results(older, cell.run_id)
                if legacy is not None:
                    write_results(self.results_directory, cell.run_id, legacy)
                    self._adopt_place(key, cell)
                    self._take_results(key, legacy)

    def _adopt_place(self, key: str, cell: LockCell) -> None:
        if cell.state is None:
            self.store.update_run(key, {"state": self.place})

    def _as_read(self, run: BatchRun) -> BatchRun:
        """The run with its score as the lock takes it (divided by the scale; None when invalid)."""
        reading = read_score(run.avg_score, self.options.score_scale)
        return run.model_copy(update={"avg_score": reading.value})

    def _score_error(self, key: str, error: str | None) -> None:
        """A score that cannot be trusted: the cell keeps it with the error, and apply exits 3."""
        if error is not None:
            self.outcome.score_errors.append(f"{key}: {error}")


def _needs_submission(change: Change) -> bool:
    if change.action in ("create", "replace"):
        return True
    return change.action == "poll" and change.locked is not None and change.locked.run_id is None
