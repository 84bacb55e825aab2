"""The crash journal: an append-only, fsynced log of what the lock does not hold yet.

Rewriting the whole lock for every submission would cost O(cells) per write; instead each
state change that must survive a crash (an intent before a POST, the run id right after it) is
one JSON line appended and fsynced here. The lock is rewritten at checkpoints, after which the
journal keeps only the intents still waiting for their run id (the lock file keeps such a cell
as it was before the intent, so the run it replaces stays on record). On start the journal is
replayed onto the lock, so kill -9 at any instant loses nothing: a torn last line (the crash hit
mid-append) is ignored, since the POST it announced cannot have been sent yet. Every other line
is validated before anything is replayed: a journal that is not one evalspec wrote is a
LockfileError at its line, and never reaches the lock.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from evalspec.base.atomic import write_atomic
from evalspec.base.yamlsource import format_key_path
from evalspec.errors import Diagnostic, LockfileError
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
        if self._handle.tell() > 0 and not path.read_bytes().endswith(b"\n"):
            self._handle.write("\n")  # end a torn line, or the next entry would be torn with it

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


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(min_length=1)


class _Intent(_Entry):
    op: Literal["intent"]
    fingerprint: str
    request: dict[str, Any]
    at: str


class _Run(_Entry):
    op: Literal["run"]
    fields: dict[str, Any]

    @field_validator("fields")
    @classmethod
    def _lock_fields(cls, fields: dict[str, Any]) -> dict[str, Any]:
        # Checked against the lock's own cell model: what replay writes must be a valid cell.
        if {"fingerprint", "request"} & set(fields):
            raise ValueError("a run entry cannot change a cell's fingerprint or request")
        cell = LockCell.model_validate({"fingerprint": "", "request": {}, **fields})
        return cell.model_dump(include=set(fields))


class _Remove(_Entry):
    op: Literal["remove"]


_ENTRY: TypeAdapter[_Intent | _Run | _Remove] = TypeAdapter(
    Annotated[_Intent | _Run | _Remove, Field(discriminator="op")]
)


def read_entries(path: Path) -> list[dict[str, Any]]:
    """The complete entries of a journal, in order, each validated (a torn line is skipped);
    LockfileError at the first line evalspec cannot have written."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise LockfileError(f"{path}: cannot read the journal: {exc}") from None
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            raw = json.loads(line)
        except ValueError:
            continue  # torn by a crash mid-append: its POST was never sent
        entries.append(_validated(raw, path, number))
    return entries


def _validated(raw: Any, path: Path, number: int) -> dict[str, Any]:
    try:
        return _ENTRY.validate_python(raw).model_dump()
    except ValidationError as exc:
        error = exc.errors()[0]
        where = format_key_path(tuple(p for p in error["loc"] if p not in ("intent", "run", "remove")))
        message = str(error["msg"]).removeprefix("Value error, ")
        diagnostic = Diagnostic(str(path), number, None, where, message)
        raise LockfileError(
            f"{diagnostic}\n(the journal holds what a crashed apply had not written to the lock yet; "
            "evalspec alone writes it: restore it, or remove it knowing that a run it recorded "
            "may be submitted again)"
        ) from None


def apply_entry(cells: dict[str, LockCell], pending: dict[str, Pending], entry: dict[str, Any]) -> None:
    """Apply one journal entry to a lock's cells, and to its open intents (`pending`): an intent
    opens one, remembering the cell as it was before; any other entry of the key closes it."""
    key = entry.get("key")
    if not isinstance(key, str):
        return
    op = entry.get("op")
    if op == "intent":
        before = pending[key].previous if key in pending else cells.get(key)
        pending[key] = Pending(entry, before)
        cells[key] = LockCell(
            fingerprint=entry["fingerprint"], request=entry["request"], submitted_at=entry["at"]
        )
        return
    pending.pop(key, None)
    if op == "run" and key in cells:
        cells[key] = cells[key].model_copy(update=entry["fields"])
    elif op == "remove":
        cells.pop(key, None)


def replay_entries(
    cells: dict[str, LockCell], pending: dict[str, Pending], entries: Iterable[dict[str, Any]]
) -> int:
    """Apply `entries` to `cells` and `pending` (see `apply_entry`); how many there were."""
    count = 0
    for entry in entries:
        apply_entry(cells, pending, entry)
        count += 1
    return count


def replay(lock: Lockfile, path: Path) -> tuple[Lockfile, int]:
    """The lock with the journal's entries applied, and how many there were."""
    cells = dict(lock.cells)
    count = replay_entries(cells, {}, read_entries(path))
    return (lock.with_cells(cells) if count else lock), count


def read_current_lock(lock_path: Path) -> Lockfile | None:
    """The lock as it stands, journal included: what a crashed apply left is not hidden."""
    lock = read_lock(lock_path)
    path = journal_path(lock_path)
    if not path.exists():
        return lock
    current, count = replay(lock or Lockfile.new(), path)
    return current if count or lock is not None else None
