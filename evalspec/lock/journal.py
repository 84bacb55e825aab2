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
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from evalspec.base.atomic import write_atomic
from evalspec.base.yamlsource import format_key_path
from evalspec.errors import Diagnostic, LockfileError
from evalspec.lock.io import read_lock
from evalspec.lock.lockfile import LockCell, Lockfile, Request, RunFields, round_score


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

    def append(self, entry: Entry) -> None:
        """Write one entry and make it durable before returning."""
        self._handle.write(_line(entry))
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def rewrite(self, entries: Iterable[Entry]) -> None:
        """Replace the journal by `entries` (those the lock does not hold), atomically."""
        self._handle.close()
        write_atomic(self.path, "".join(_line(entry) for entry in entries))
        self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115


def _line(entry: Entry) -> str:
    return json.dumps(entry.model_dump(mode="json"), sort_keys=True, separators=(",", ":")) + "\n"


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(min_length=1)


class IntentEntry(_Entry):
    """`key` is about to be submitted with this fingerprint and request (before the POST)."""

    op: Literal["intent"] = "intent"
    fingerprint: str
    request: Request
    at: str


class RunEntry(_Entry):
    """The run a submission of `key` created or adopted (right after the POST)."""

    op: Literal["run"] = "run"
    fields: RunFields  # typed as the lock's cell model types them: replay writes a valid cell

    @field_validator("fields", mode="before")
    @classmethod
    def _not_the_request(cls, fields: object) -> object:
        if isinstance(fields, dict) and {"fingerprint", "request"} & set(fields):
            raise ValueError("a run entry cannot change a cell's fingerprint or request")
        return fields

    @field_validator("fields")
    @classmethod
    def _score_as_kept(cls, fields: RunFields) -> RunFields:
        if "avg_score" in fields:  # as LockCell reads it
            return {**fields, "avg_score": round_score(fields["avg_score"])}
        return fields


class RemoveEntry(_Entry):
    """`key` left the specs."""

    op: Literal["remove"] = "remove"


Entry = IntentEntry | RunEntry | RemoveEntry
_ENTRY: TypeAdapter[Entry] = TypeAdapter(Annotated[Entry, Field(discriminator="op")])


@dataclass(frozen=True)
class Pending:
    """An intent without its run id yet, and the cell as it was before the intent."""

    entry: IntentEntry
    previous: LockCell | None


def read_entries(path: Path) -> list[Entry]:
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


def _validated(raw: object, path: Path, number: int) -> Entry:
    try:
        return _ENTRY.validate_python(raw)
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


def apply_entry(cells: dict[str, LockCell], pending: dict[str, Pending], entry: Entry) -> None:
    """Apply one journal entry to a lock's cells, and to its open intents (`pending`): an intent
    opens one, remembering the cell as it was before; any other entry of the key closes it."""
    key = entry.key
    if isinstance(entry, IntentEntry):
        before = pending[key].previous if key in pending else cells.get(key)
        pending[key] = Pending(entry, before)
        cells[key] = LockCell(fingerprint=entry.fingerprint, request=entry.request, submitted_at=entry.at)
        return
    pending.pop(key, None)
    if isinstance(entry, RunEntry):
        if key in cells:
            cells[key] = cells[key].model_copy(update=entry.fields)
    else:
        cells.pop(key, None)


def replay_entries(cells: dict[str, LockCell], pending: dict[str, Pending], entries: Iterable[Entry]) -> int:
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
