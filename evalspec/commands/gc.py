"""`evalspec gc`: list (and with --apply archive) managed objects that no kept lock references."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evalspec.apply.gc import Garbage, archive, find_garbage, referenced_ids
from evalspec.backend.connect import check_same_backend, open_backend
from evalspec.backend.which import backend_for_lock
from evalspec.console import err, out
from evalspec.errors import EXIT_OK, InputError
from evalspec.lock.journal import read_current_lock
from evalspec.lock.lockfile import Lockfile
from evalspec.report.baseline import load_baseline


@dataclass(frozen=True)
class GcRequest:
    """The gc command's arguments: `keeps` are `git:REF`s (or lockfile paths) whose locks to keep."""

    lock_path: Path
    keeps: Sequence[str] = ()
    apply: bool = False
    backend: str | None = None
    state_dir: Path | None = None


def run(request: GcRequest) -> int:
    """Print the garbage; archive it with `apply`. Refuses to run with no lock to keep at all."""
    current = read_current_lock(request.lock_path)
    kept = [lock for lock in [current, *_kept_locks(request)] if lock is not None]
    if not kept:
        raise InputError(
            f"no lock to keep: {request.lock_path} does not exist and no --keep names one; "
            "gc would call every managed object garbage"
        )
    garbage = asyncio.run(_collect(request, current, referenced_ids(kept)))
    for item in garbage:
        out(f"  {item.kind:<10} {item.id:>7}  {item.name}")
    verb = "Archived" if request.apply else "Would archive"
    out(f"{verb} {len(garbage)} managed object(s) that none of {len(kept)} kept lock(s) references."
        + ("" if request.apply or not garbage else " Run with --apply to archive them."))
    return EXIT_OK


def _kept_locks(request: GcRequest) -> list[Lockfile | None]:
    locks: list[Lockfile | None] = []
    for keep in request.keeps:
        lock = load_baseline(keep, request.lock_path)
        if lock is None:
            err(f"note: {keep} holds no lock at {request.lock_path}; it keeps nothing")
        locks.append(lock)
    return locks


async def _collect(request: GcRequest, current: Lockfile | None, kept: set[tuple[str, int]]) -> list[Garbage]:
    name = backend_for_lock(current, request.backend)
    async with open_backend(name, state_dir=request.state_dir) as opened:
        check_same_backend(current, opened, request.lock_path)
        garbage = await find_garbage(opened.client, kept)
        if request.apply:
            for item in garbage:
                await archive(opened.client, item)
    return garbage
