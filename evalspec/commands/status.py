"""`evalspec status`: what the lock holds, and with --refresh what the server says now."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evalspec.apply.follow import Tracked
from evalspec.apply.record import record_end, record_round
from evalspec.backend.connect import open_backend
from evalspec.backend.results_cache import run_directory
from evalspec.backend.which import backend_for_lock
from evalspec.base.text import plural
from evalspec.commands.guard import holding
from evalspec.console import err, out
from evalspec.errors import EXIT_OK, SpecError
from evalspec.lock import places
from evalspec.lock.journal import read_current_lock
from evalspec.lock.lockfile import Lockfile
from evalspec.lock.store import LockStore
from evalspec.plan.cells import expand_spec
from evalspec.plan.cost import spent_text
from evalspec.plan.select import Selection, narrowed, parse_selection
from evalspec.spec.load import load_spec


@dataclass(frozen=True)
class StatusRequest:
    """The status command's arguments."""

    lock_path: Path
    as_json: bool = False
    refresh: bool = False
    backend: str | None = None
    state_dir: Path | None = None
    paths: Sequence[Path] = ()  # specs whose cells the lock lacks are listed as not applied
    specs_optional: bool = False  # `paths` is the implicit specs/: when it does not load, say so and go on
    selects: Sequence[str] = ()
    shard: str | None = None


def run(request: StatusRequest) -> int:
    """Show the lock's cells (after refreshing unfinished runs from the server, if asked)."""
    if request.refresh:
        with holding(request.lock_path):
            store = LockStore.open(request.lock_path)
            try:
                asyncio.run(_refresh(store, request.backend, request.state_dir))
            finally:
                store.close()
    selection = parse_selection(request.selects, request.shard)
    lock = read_current_lock(request.lock_path)
    if lock is None:
        err(f"No lockfile at {request.lock_path}: nothing applied yet (`evalspec apply` creates it).")
        return EXIT_OK
    lock = narrowed(lock, selection)
    try:
        missing = not_applied(request.paths, lock, selection)
    except SpecError:
        if not request.specs_optional:
            raise
        err("note: specs/ does not load (see `evalspec validate`): cells not applied yet are not listed")
        missing = []
    if request.as_json:
        out(json.dumps({**status_json(lock), "not_applied": missing}, indent=2, sort_keys=True))
    else:
        out(render_status(lock) + "".join(f"\n{key}  not applied" for key in missing))
    return EXIT_OK


def not_applied(paths: Sequence[Path], lock: Lockfile, selection: Selection) -> list[str]:
    """Selected cells of the specs at `paths` (none when no paths) that the lock does not hold."""
    if not paths:
        return []
    keys = [cell.key for cell in expand_spec(load_spec(paths))]
    return [key for key in keys if selection.includes(key) and key not in lock.cells]


async def _refresh(store: LockStore, backend: str | None, state_dir: Path | None) -> None:
    lock = store.lock
    scale = lock.score_scale or 1.0
    async with open_backend(backend_for_lock(lock, backend), state_dir=state_dir) as opened:
        here = await opened.place()
        unfinished = {key: cell for key, cell in lock.cells.items() if cell.run_id is not None
                      and not cell.is_finished}
        tracked = {cell.run_id: Tracked.from_request(cell.run_id, key, cell.request)
                   for key, cell in unfinished.items()
                   if cell.run_id is not None and places.readable_at(cell, lock, here)}
        elsewhere = len(unfinished) - len(tracked)
        if elsewhere:
            err(f"note: {plural(elsewhere, 'unfinished run')} of another backend or state not asked about "
                "(`evalspec apply` evaluates those cells again here)")
        for followed in tracked.values():
            if lock.cells[followed.key].state is None:
                store.update_run(followed.key, {"state": here})  # an older lock's cell gets its place
        directory = run_directory(lock.lineage, here, state_dir)
        polled = await record_round(opened.client, store, tracked, scale) if tracked else None
        for followed in polled.finished if polled else []:
            assert followed.last is not None  # a finished run was just polled
            ended = await record_end(opened.client, directory, store, followed.key, followed.last, scale)
            if ended.fetch_error is not None:
                raise ended.fetch_error  # as before: status --refresh reports a failed fetch
    store.checkpoint()


def status_json(lock: Lockfile) -> dict[str, object]:
    """The lock as status --json shows it."""
    return {
        "format_version": 1, "lineage": lock.lineage, "serial": lock.serial, "backend": lock.backend,
        "cells": {key: cell.model_dump(mode="json", exclude={"request", "files"})
                  for key, cell in lock.cells.items()},
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
    lines.append(f"{plural(len(lock.cells), 'cell')}, {finished} finished (lock serial {lock.serial}).")
    spent = spent_text(((c.pages, c.usd) for c in lock.cells.values() if c.run_id is not None), change=False)
    lines += [f"Spent: {spent.removeprefix('this lock evaluated ')}."] if spent else []
    return "\n".join(lines)
