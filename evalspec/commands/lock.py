"""`evalspec lock init`, `evalspec lock merge` (shards) and `lock merge-driver` (git)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evalspec.base.text import plural
from evalspec.commands.guard import holding
from evalspec.console import err, out
from evalspec.errors import EXIT_OK, LockfileError, UsageError
from evalspec.lock.io import read_lock, write_lock
from evalspec.lock.lockfile import Lockfile
from evalspec.lock.merge import merge_locks
from evalspec.lock.threeway import conflict_summary, merge_three_way


@dataclass(frozen=True)
class LockInitRequest:
    """`lock init`'s arguments."""

    lock_path: Path


@dataclass(frozen=True)
class LockMergeRequest:
    """`lock merge`'s arguments."""

    inputs: Sequence[Path]
    output: Path


def init(request: LockInitRequest) -> int:
    """Write an empty lock with a fresh lineage (for shard jobs to start from)."""
    lock_path = request.lock_path
    with holding(lock_path):
        if read_lock(lock_path) is not None:
            raise UsageError(f"{lock_path} exists already")
        lock = Lockfile.new()
        write_lock(lock_path, lock)
    out(f"Created {lock_path} (lineage {lock.lineage}); commit it so that shard jobs share it.")
    return EXIT_OK


def merge(request: LockMergeRequest) -> int:
    """Merge shard locks into `request.output`."""
    inputs, output = request.inputs, request.output
    named = []
    for path in inputs:
        lock = read_lock(path)
        if lock is None:
            raise LockfileError(f"{path}: no such lockfile")
        named.append((str(path), lock))
    merged = merge_locks(named)
    with holding(output):
        write_lock(output, merged)
    out(f"Merged {plural(len(inputs), 'lock')} into {output}: {plural(len(merged.cells), 'cell')}.")
    return EXIT_OK


@dataclass(frozen=True)
class MergeDriverRequest:
    """`lock merge-driver %O %A %B`: git's common ancestor, ours (written), theirs."""

    base: Path
    ours: Path
    theirs: Path


def merge_driver(request: MergeDriverRequest) -> int:
    """Merge the three versions git gives a merge driver into `ours`, cell by cell; exit 0 (a
    clean merge) unless a version is not a lock evalspec can read (git then keeps the conflict)."""
    base = read_lock(request.base) if request.base.stat().st_size else None  # git: empty when none
    ours, theirs = read_lock(request.ours), read_lock(request.theirs)
    if ours is None or theirs is None:
        raise LockfileError(f"{request.ours if ours is None else request.theirs}: no lock to merge")
    merged = merge_three_way(base, ours, theirs)
    write_lock(request.ours, merged.lock)
    err(conflict_summary(merged))
    return EXIT_OK
