"""The executor: submit what the plan says, follow every run to the end, keep the lock current.

Submissions run with bounded concurrency while one follower polls every run in flight; both
stop promptly when asked (Ctrl-C), after which the lock is saved and a later apply resumes:
cells with a run id are followed, cells with only an intent are adopted or resubmitted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from evalspec.api import BatchRun
from evalspec.apply.events import ApplyEvents
from evalspec.apply.follow import PollSchedule, Tracked, wait_unless
from evalspec.apply.ledger import UploadLedger
from evalspec.apply.listing import RunLister
from evalspec.apply.pages import DEFAULT_PAGES_IN_FLIGHT, RESUBMITS, PageScheduler, lock_fields
from evalspec.apply.record import record_end, record_evidence, record_results, record_round
from evalspec.apply.resolve import ResolvedIds, resolve_ids
from evalspec.apply.submit import Submitter, lock_fields_of
from evalspec.apply.watch import STALL_AFTER, Watch
from evalspec.backend.connect import Backend, evaluates_truth
from evalspec.backend.fetch import cached_results
from evalspec.backend.results_cache import run_directory, write_results
from evalspec.base.polling import POLL_CEILING, POLL_FIRST_WAIT
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
    poll_first_wait: float = POLL_FIRST_WAIT
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
                 events: ApplyEvents, place: str | None = None) -> None:
        self.backend = backend
        # Where the runs made here live (lock/places.py); by default as the backend knows it
        # without asking (a remote service's own word is `Backend.place()`).
        self.place = place or places.place(backend.identity, backend.state_id)
        self.results_directory = run_directory(store.lineage, self.place, options.state_dir)
        self.client = backend.client
        self.spec = spec
        self.store = store
        self.options = options
        self.events = events
        self.outcome = ApplyOutcome()
        self.stop = asyncio.Event()
        self.submissions_done = False
        self.tracked: dict[int, Tracked] = {}  # by run id
        self.lister = RunLister()  # kept across rounds: it remembers where our runs were listed
        self.submitter = Submitter(self.client, store, asyncio.Semaphore(options.concurrency), self.stop,
                                   options.score_scale, place)
        self.watch = Watch(events.note, options.clock, options.timeout, options.stall_after)
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
        to_submit = [c for c in plan.changes if c.submits]
        self.pages = PageScheduler(self.options.pages_in_flight, plan.cost.cells if plan.cost else ())
        self._track_locked(plan)
        ledger = UploadLedger(self.client.base_url, self.options.state_dir)
        cells = [c.cell for c in to_submit if c.cell]
        ids = await resolve_ids(
            self.client, self.spec, cells, ledger, self.events.note,
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
            if change.follows_run and locked is not None and locked.run_id is not None:
                self._track(Tracked.from_request(locked.run_id, change.key, locked.request))
                self.pages.hold(change.key, locked.pages)

    def _track(self, tracked: Tracked) -> None:
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
            self.events.note(f"error     {cell.key}: {exc}")
            return False
        if submitted is None:
            return False
        run, adopted = submitted
        self.store.update_run(cell.key, lock_fields(self.pages.costs.get(cell.key)))
        self.pages.sized(cell.key, run.total_files)
        self.outcome.submitted += 1
        self.outcome.adopted += adopted
        self.events.on_submitted(cell.key, run, adopted)
        self.watch.saw(run)
        self._track(Tracked.from_request(run.id, cell.key, body, run))
        return True

    async def _follow(self) -> None:
        schedule = PollSchedule(self.options.poll_first_wait, self.options.poll_ceiling)
        while not self.stop.is_set() and (self.tracked or not self.submissions_done):
            remaining = self.watch.remaining()
            wait = schedule.current if remaining is None else max(0.0, min(schedule.current, remaining))
            # With nothing to follow, what can change that is a new run or the submissions' end.
            await wait_unless(self.stop, wait, self.backend.run_ended if self.tracked else self._idle_wake)
            self._idle_wake.clear()
            if self.backend.run_ended is not None:
                self.backend.run_ended.clear()  # before the round: an end after it wakes the next wait
            self._stop_at_timeout()
            if self.stop.is_set() or not self.tracked:
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
            self._stop_at_timeout()

    def _checkpoint_now_and_then(self) -> None:
        """Write the lock after a round if the last write is CHECKPOINT_EVERY old."""
        now = self.options.clock()
        if now - self._checkpointed >= CHECKPOINT_EVERY:
            self.store.checkpoint()
            self._checkpointed = now

    def _stop_at_timeout(self) -> None:
        """At the timeout: stop submitting and polling; the lock keeps the runs as they are."""
        if self.watch.expired and not self.stop.is_set():
            self.outcome.timed_out = True
            self.stop.set()

    def interrupt(self) -> None:
        """Ctrl-C: stop submitting and polling; the lock keeps what was recorded, and apply
        ends as interrupted."""
        self.outcome.interrupted = True
        self.stop.set()

    async def _poll_once(self) -> bool:
        polled = await record_round(self.client, self.store, self.tracked, self.options.score_scale,
                                    self.lister)
        for run in polled.runs:
            self.watch.saw(run)
        for followed in polled.finished:
            assert followed.last is not None  # a finished run was just polled
            self._on_finished(followed.key, followed.last)
        self.events.on_round([t.last for t in self.tracked.values() if t.last is not None])
        return polled.changed

    def _on_finished(self, key: str, run: BatchRun) -> None:
        if run.is_failed:
            self.outcome.failed_runs.append(f"{key} (run {run.id}, {run.status})")
        self._score_error(key, lock_fields_of(run, self.options.score_scale)["error"])
        task = asyncio.create_task(self._fetch(key, run))
        self._fetches.add(task)
        task.add_done_callback(self._fetches.discard)

    async def _fetch(self, key: str, run: BatchRun) -> None:
        async with self._fetch_slots:
            ended = await record_end(self.client, self.results_directory, self.store, key, run,
                                     self.options.score_scale)
            if ended.fetch_error is not None:
                self.events.note(f"warning: results of run {run.id} not fetched ({ended.fetch_error}); "
                                 "`evalspec apply` fetches them again")
            if ended.refusal is not None and not self.pages.awaited(key):
                # Followed from the lock, so no submission waits for it: the next apply submits it.
                self.outcome.cell_errors.append(f"{key}: {ended.refusal}")
            self._score_error(key, ended.score_error)
        await self.pages.finished(key, ended.refusal is not None)
        if ended.refusal is None:
            self.events.on_finished(key, self._as_read(run))

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
                    error = await record_evidence(self.client, self.results_directory, self.store, key,
                                                  cell.run_id, self.options.score_scale)
                except RemoteError as exc:
                    self.events.note(f"warning: results of run {cell.run_id} not fetched ({exc})")
                    continue
                self._adopt_place(key, cell)
                self._score_error(key, error)
            elif cell.state is None and lock.backend == self.backend.identity:
                older = run_directory(lock.lineage, None, self.options.state_dir)
                legacy = cached_results(older, cell.run_id)
                if legacy is not None:
                    write_results(self.results_directory, cell.run_id, legacy)
                    self._adopt_place(key, cell)
                    self._score_error(key, record_results(self.store, key, legacy, self.options.score_scale))

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
