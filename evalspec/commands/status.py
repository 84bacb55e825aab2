"""`evalspec status`: what the lock holds, and with --refresh what the server says now."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

from evalspec.apply.follow import Tracked, poll_round
from evalspec.apply.submit import run_fields
from evalspec.backend.connect import backend_for_lock, check_same_backend, open_backend
from evalspec.backend.fetch import fetch_results
from evalspec.commands.guard import holding
from evalspec.console import err, out
from evalspec.errors import EXIT_OK
from evalspec.lock.journal import read_current_lock
from evalspec.lock.lockfile import Lockfile
from evalspec.lock.store import LockStore


@dataclass(frozen=True)
class StatusRequest:
    """The status command's arguments."""

    lock_path: Path
    as_json: bool = False
    refresh: bool = False
    backend: str | None = None
    state_dir: Path | None = None


def run(request: StatusRequest) -> int:
    """Show the lock's cells (after refreshing unfinished runs from the server, if asked)."""
    if request.refresh:
        with holding(request.lock_path):
            store = LockStore.open(request.lock_path)
            try:
                asyncio.run(_refresh(store, request.backend, request.state_dir))
            finally:
                store.close()
    lock = read_current_lock(request.lock_path)
    if lock is None:
        err(f"No lockfile at {request.lock_path}: nothing applied yet (`evalspec apply` creates it).")
        return EXIT_OK
    out(json.dumps(status_json(lock), indent=2, sort_keys=True) if request.as_json else render_status(lock))
    return EXIT_OK


async def _refresh(store: LockStore, backend: str | None, state_dir: Path | None) -> None:
    lock = store.lock
    unfinished = {
        cell.run_id: key for key, cell in lock.cells.items()
        if cell.run_id is not None and not cell.is_finished
    }
    if not unfinished:
        return
    tracked = {
        run_id: Tracked.from_request(run_id, lock.cells[key].request)
        for run_id, key in unfinished.items()
    }
    name = backend or backend_for_lock(lock.backend)
    async with open_backend(name, state_dir=state_dir) as opened:
        check_same_backend(lock, opened, store.path)
        for run in await poll_round(opened.client, tracked):
            store.update_run(unfinished[run.id], run_fields(run, lock.score_scale or 1.0))
            if run.is_finished:
                await fetch_results(opened.client, store.lineage, [run.id], state_dir)
    store.checkpoint()


def status_json(lock: Lockfile) -> dict[str, object]:
    """The lock as status --json shows it."""
    return {
        "format_version": 1, "lineage": lock.lineage, "serial": lock.serial,
        "cells": {key: cell.model_dump(mode="json", exclude={"request"}) for key, cell in lock.cells.items()},
    }


def render_status(lock: Lockfile) -> str:
    """One line per cell: key, status, run, files and score."""
    width = max((len(key) for key in lock.cells), default=4)
    lines = [f"{'cell':<{width}}  {'status':<10} {'run':>7} {'files':>9}  score"]
    for key, cell in lock.cells.items():
        files = f"{cell.completed_files or 0}/{cell.total_files or 0}"
        score = f"{cell.avg_score:.3f}" if cell.avg_score is not None else "-"
        if cell.error is not None:
            score = f"invalid: {cell.error}"
        status = cell.status or ("submitting" if cell.run_id is None else "?")
        lines.append(f"{key:<{width}}  {status:<10} {cell.run_id or '-':>7} {files:>9}  {score}")
    finished = sum(cell.is_finished for cell in lock.cells.values())
    lines.append(f"{len(lock.cells)} cell(s), {finished} finished (lock serial {lock.serial}).")
    return "\n".join(lines)
