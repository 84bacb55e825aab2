"""The crash journal: an append-only, fsynced log of what the lock does not hold yet.

Rewriting the whole lock for every submission would cost O(cells) per write; instead each
state change that must survive a crash (an intent before a POST, the run id right after it) is
one JSON line appended and fsynced here. The lock is rewritten at checkpoints, after which the
journal keeps only the intents still waiting for their run id (the lock file keeps such a cell
as it was before the intent, so the run it replaces stays on record). On start the journal is
replayed onto the lock, so kill -9 at any instant loses nothing: a torn last line (the crash hit
mid-append) is ignored, since the POST it announced cannot have been sent yet.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalspec.base.atomic import write_atomic
from evalspec.lock.io import read_lock
from evalspec.lock.lockfile import LockCell, Lockfile


def journal_path(lock_path: Path) -> Path:
    """The journal beside a lockfile."""
    return lock_path.with_name(lock_path.name + ".journal")


class Journal:
    """Appends entries durably; replays them onto a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 (kept open for appends)

    def close(self) -> None:
        """Close the file (entries already appended stay)."""
        self._handle.close()

    def append(self, entry: dict[str, Any]) -> None:
        """Write one entry and make it durable before returning."""
        self._handle.write(_line(entry))
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def rewrite(self, entries: list[dict[str, Any]]) -> None:
        """Replace the journal by `entries` (those the lock does not hold), atomically."""
        self._handle.close()
        write_atomic(self.path, "".join(_line(entry) for entry in entries))
        self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115


def _line(entry: dict[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n"


@dataclass(frozen=True)
class Pending:
    """An intent without its run id yet, and the cell as it was before the intent."""

    entry: dict[str, Any]
    previous: LockCell | None


def read_entries(path: Path) -> Iterator[dict[str, Any]]:
    """The complete entries of a journal, in order (a torn last line is skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            yield entry


def apply_entry(cells: dict[str, LockCell], entry: dict[str, Any]) -> None:
    """Apply one journal entry to a lock's cells."""
    key = entry.get("key")
    if not isinstance(key, str):
        return
    op = entry.get("op")
    if op == "intent":
        cells[key] = LockCell(
            fingerprint=entry["fingerprint"], request=entry["request"], submitted_at=entry["at"]
        )
    elif op == "run" and key in cells:
        cells[key] = cells[key].model_copy(update=entry["fields"])
    elif op == "remove":
        cells.pop(key, None)


def replay_pending(
    cells: dict[str, LockCell], entries: Iterator[dict[str, Any]]
) -> tuple[dict[str, Pending], int]:
    """Apply `entries` to `cells`; the intents still waiting for a run id, and the entry count."""
    pending: dict[str, Pending] = {}
    count = 0
    for entry in entries:
        key = entry.get("key")
        if entry.get("op") == "intent" and isinstance(key, str):
            before = pending[key].previous if key in pending else cells.get(key)
            pending[key] = Pending(entry, before)
        elif isinstance(key, str):
            pending.pop(key, None)
        apply_entry(cells, entry)
        count += 1
    return pending, count


def replay(lock: Lockfile, path: Path) -> tuple[Lockfile, int]:
    """The lock with the journal's entries applied, and how many there were."""
    cells = dict(lock.cells)
    _, count = replay_pending(cells, read_entries(path))
    return (lock.with_cells(cells) if count else lock), count


def read_current_lock(lock_path: Path) -> Lockfile | None:
    """The lock as it stands, journal included: what a crashed apply left is not hidden."""
    lock = read_lock(lock_path)
    path = journal_path(lock_path)
    if not path.exists():
        return lock
    replayed, count = replay(lock or Lockfile.new(), path)
    return replayed if count or lock is not None else None
