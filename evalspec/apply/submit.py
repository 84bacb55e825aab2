"""Submitting one cell: intent in the journal, POST, run id in the journal; never twice.

The API has no idempotency key, so a submission whose answer was lost, or that a crash cut
short, is resolved by *adoption*: a run with the same parameters, created after our intent and
claimed by no other cell, is taken to be ours. A run's answer does not echo the schemas or the
output format, so two cells that differ only in those would be indistinguishable; submissions
with the same (collection, rubric, pipeline type, pipeline id) signature are therefore never in
the intent-to-run-id window at the same time, and at most one intent per signature is open.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from evalspec.api import BatchRun, DatalabClient, may_have_acted
from evalspec.base.clock import parse_timestamp, utc_now
from evalspec.base.scores import read_score
from evalspec.errors import RemoteError
from evalspec.lock.lockfile import LockCell, Request, RunFields, round_score
from evalspec.lock.store import LockStore

# Server clocks may run behind ours: a run created this long before our intent still counts.
# Kept short, because a run of the same signature made just before (the run a replaced cell
# had) must not be mistaken for ours.
CLOCK_SKEW = timedelta(seconds=60)
Body = Mapping[str, Any]
"""A request body as POSTed: exactly `StartBatchRunRequest` (plan/request.py builds it)."""
Signature = tuple[object, ...]


def lock_fields_of(run: BatchRun, scale: float = 1.0) -> RunFields:
    """The lock fields of a cell that its run's answer tells us, its score divided by `scale`.

    A score outside 0..1 after that is kept raw, with the error that says why it is not valid.
    """
    score = read_score(run.avg_score, scale, f"avg_score of run {run.id}")
    return {
        "run_id": run.id, "status": run.status, "total_files": run.total_files,
        "completed_files": run.completed_files,
        "avg_score": round_score(score.value) if score.error is None else score.raw,
        "completed_at": run.completed_at, "error": score.error,
    }


def lock_fields_of_new(run: BatchRun, scale: float, place: str | None) -> RunFields:
    """`lock_fields_of` a run just made (or adopted): where it lives, and no evidence yet."""
    return {**lock_fields_of(run, scale), "state": place, "files": None}


def signature(body: Body) -> Signature:
    """What a run's answer lets us match a request by."""
    return (body["collection_id"], body["eval_rubric_id"], body["pipeline_type"], body["pipeline_id"])


class Submitter:
    """Submits cells one signature at a time, adopting runs that a lost answer hid."""

    def __init__(self, client: DatalabClient, store: LockStore, submit_slots: asyncio.Semaphore | None = None,
                 stop: asyncio.Event | None = None, scale: float = 1.0, place: str | None = None) -> None:
        self.client = client
        self.scale = scale
        self.place = place
        self.store = store
        self._stop = stop or asyncio.Event()
        # Taken inside the signature lock: a cell waiting for its signature's turn must not
        # hold a slot that a cell of another signature could use.
        self._slots = submit_slots or asyncio.Semaphore(1)
        self._locks: dict[Signature, asyncio.Lock] = {}

    def claimed(self) -> set[int]:
        """Run ids already recorded for some cell, or replaced by a newer submission."""
        recorded = {c.run_id for c in self.store.lock.cells.values() if c.run_id is not None}
        return recorded | self.store.superseded()

    async def submit(
        self, key: str, fingerprint: str, body: Body, lock_form: Request
    ) -> tuple[BatchRun, bool] | None:
        """Start (or adopt) the run for `key`: it and whether it was adopted; None once stopped."""
        async with self._locks.setdefault(signature(body), asyncio.Lock()), self._slots:
            if self._stop.is_set():
                return None  # a stop (Ctrl-C, a fatal error) came while this cell waited its turn
            previous = self.store.cell(key)
            if previous is not None and previous.run_id is None and previous.fingerprint == fingerprint:
                adopted = await self.find_adoptable(body, previous.submitted_at)
                if adopted is not None:
                    self.store.record_run(key, lock_fields_of_new(adopted, self.scale, self.place))
                    return adopted, True
            self.store.record_intent(key, fingerprint, lock_form, utc_now())
            run, adopted_now = await self._post(body, self.store.cell(key))
            self.store.record_run(key, lock_fields_of_new(run, self.scale, self.place))
            return run, adopted_now

    async def _post(self, body: Body, intent: LockCell | None) -> tuple[BatchRun, bool]:
        try:
            return await self.client.runs.start(body), False
        except RemoteError as exc:
            if not may_have_acted(exc):
                raise
            adopted = await self.find_adoptable(body, intent.submitted_at if intent else None)
            if adopted is None:
                raise
            return adopted, True

    async def find_adoptable(self, body: Body, intent_at: str | None) -> BatchRun | None:
        """The earliest unclaimed run matching `body`, created after the intent."""
        since = parse_timestamp(intent_at)
        claimed = self.claimed()
        wanted = signature(body)
        best: BatchRun | None = None
        async for run in self.client.runs.iter(
            collection_id=body["collection_id"], eval_rubric_id=body["eval_rubric_id"],
            pipeline_id=body["pipeline_id"],
        ):
            if run.id in claimed or _signature_of(run) != wanted or not _after(run, since):
                continue
            if best is None or run.id < best.id:
                best = run
        return best


def _signature_of(run: BatchRun) -> Signature:
    return (run.collection_id, run.eval_rubric_id, run.pipeline_type, run.pipeline_id)


def _after(run: BatchRun, since: datetime | None) -> bool:
    created = parse_timestamp(run.created)
    return since is None or created is None or created >= since - CLOCK_SKEW
