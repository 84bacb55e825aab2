"""`evalspec lock init` and `evalspec lock merge`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evalspec.console import out
from evalspec.errors import EXIT_OK, LockfileError, UsageError
from evalspec.lock.filelock import LockfileGuard
from evalspec.lock.io import read_lock, write_lock
from evalspec.lock.merge import merge_locks
from evalspec.lock.model import Lockfile


def init(lock_path: Path) -> int:
    """Write an empty lock with a fresh lineage (for shard jobs to start from)."""
    with LockfileGuard(lock_path):
        if read_lock(lock_path) is not None:
            raise UsageError(f"{lock_path} exists already")
        lock = Lockfile.new()
        write_lock(lock_path, lock)
    out(f"Created {lock_path} (lineage {lock.lineage}); commit it so that shard jobs share it.")
    return EXIT_OK


def merge(inputs: Sequence[Path], output: Path) -> int:
    """Merge shard locks into `output`."""
    named = []
    for path in inputs:
        lock = read_lock(path)
        if lock is None:
            raise LockfileError(f"{path}: no such lockfile")
        named.append((str(path), lock))
    merged = merge_locks(named)
    with LockfileGuard(output):
        write_lock(output, merged)
    out(f"Merged {len(inputs)} lock(s) into {output}: {len(merged.cells)} cell(s).")
    return EXIT_OK
