"""What a poll round and a finished run's results add to the cells of the lock: the runs'
progress, per-file evidence, and any score that cannot be trusted on the lock's scale. One
logic for apply and `status --refresh`, so that both record a run alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from evalspec.api import BatchRun, DatalabClient
from evalspec.api.shapes import RunResults
from evalspec.apply.follow import Tracked, changed, poll_round
from evalspec.apply.listing import RunLister
from evalspec.apply.pages import refusal_fields, refused_files
from evalspec.apply.submit import lock_fields_of
from evalspec.backend.evidence import evidence_of
from evalspec.backend.fetch import cached_results, fetch_results, file_score_error
from evalspec.errors import RemoteError
from evalspec.lock.store import LockStore
from evalspec.plan.select import key_parts


@dataclass(frozen=True)
class Round:
    """What one poll round saw: every run polled, whether any changed, the runs that finished."""

    runs: list[BatchRun]
    changed: bool
    finished: list[Tracked]  # each with its final state as `last`


async def record_round(
    client: DatalabClient, store: LockStore, tracked: dict[int, Tracked], scale: float,
    lister: RunLister | None = None,
) -> Round:
    """Poll every tracked run once and write what changed to its cell; finished runs leave
    `tracked`, the others keep their new state as `last`."""
    runs = await poll_round(client, tracked, lister=lister)
    any_change = False
    finished = []
    for run in runs:
        followed = replace(tracked[run.id], last=run)
        if changed(tracked[run.id].last, run):
            any_change = True
            if not run.is_finished:  # an end is recorded with its results (record_end)
                store.update_run(followed.key, lock_fields_of(run, scale))
        if run.is_finished:
            del tracked[run.id]
            finished.append(followed)
        else:
            tracked[run.id] = followed
    return Round(runs, any_change, finished)


@dataclass(frozen=True)
class Ended:
    """How a finished run was recorded: why its score cannot be trusted, why it is no result at
    all (a limit refused its files), and why its results could not be fetched (then its end is
    recorded without evidence, which the next apply fetches)."""

    score_error: str | None = None
    refusal: str | None = None
    fetch_error: RemoteError | None = None


async def record_end(
    client: DatalabClient, directory: Path, store: LockStore, key: str, run: BatchRun, scale: float,
) -> Ended:
    """Record a finished run: its end with its evidence, or, when a page, rate or concurrency
    limit refused files of it, a refusal that is never completed nor scored."""
    fetch_error = None
    try:
        await fetch_results(client, directory, [run.id])
    except RemoteError as exc:
        fetch_error = exc
    results = cached_results(directory, run.id)
    refused = refused_files(results) if results is not None else []
    if refused:
        fields = refusal_fields(refused)
        store.update_run(key, fields)
        return Ended(refusal=fields.get("error"), fetch_error=fetch_error)
    store.update_run(key, lock_fields_of(run, scale))
    error = record_results(store, key, results, scale) if results is not None else None
    return Ended(score_error=error, fetch_error=fetch_error)


async def record_evidence(
    client: DatalabClient, directory: Path, store: LockStore, key: str, run_id: int, scale: float,
) -> str | None:
    """Fetch a finished run's results into the cache (once) and record them in its cell; the
    error when a file's score cannot be trusted. RemoteError when they cannot be fetched."""
    await fetch_results(client, directory, [run_id])
    results = cached_results(directory, run_id)
    return None if results is None else record_results(store, key, results, scale)


def record_results(store: LockStore, key: str, results: RunResults, scale: float) -> str | None:
    """Record the evidence of the cell's finished run; the error when a file's score cannot be
    trusted (the cell then keeps it, and fails every gate)."""
    cell = store.cell(key)
    if cell is None:
        return None
    store.update_run(key, {"files": evidence_of(results, document_digests(store.inputs, key), scale)})
    if cell.error is not None:
        return None
    error = file_score_error(results, scale)
    if error is not None:
        store.update_run(key, {"error": error})
    return error


def document_digests(inputs: Mapping[str, Mapping[str, Any]] | None, key: str) -> dict[str, str]:
    """The sha256 of each document of the cell's managed collection, by file name, as the lock's
    inputs recorded them (none for an unmanaged collection)."""
    collection = ((inputs or {}).get("collections") or {}).get(key_parts(key)["collection"]) or {}
    files = collection.get("files") or {}
    return {name: digest for name, digest in files.items() if isinstance(digest, str)}
