"""The diff of cells against the lock: what apply would do to each cell, and why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from evalspec.lock.lockfile import LockCell
from evalspec.plan.cells import Cell
from evalspec.plan.explain import Cause

Action = Literal["create", "replace", "keep", "poll", "remove"]
ACTIONS: tuple[Action, ...] = ("create", "replace", "poll", "keep", "remove")


@dataclass(frozen=True)
class Change:
    """One cell's planned action. `cell` is None for a removal, `locked` for a creation."""

    key: str
    action: Action
    reason: str
    cell: Cell | None
    locked: LockCell | None
    causes: tuple[Cause, ...] = ()  # for a replacement: each input that forced it

    @property
    def needs_lookups(self) -> bool:
        """Whether apply will submit this cell (and so needs the ids of references by name)."""
        return self.action in ("create", "replace") or (self.action == "poll" and self.locked is not None
                                                       and self.locked.run_id is None)


def diff_cells(
    cells: Iterable[Cell], locked: Mapping[str, LockCell], *, retry_failed: bool = False
) -> tuple[Change, ...]:
    """Compare the wanted cells with the lock's, sorted by key."""
    changes: list[Change] = []
    wanted = {cell.key: cell for cell in cells}
    for key, cell in wanted.items():
        previous = locked.get(key)
        action, reason = _action(cell, previous, retry_failed)
        changes.append(Change(key, action, reason, cell, previous))
    for key, previous in locked.items():
        if key not in wanted:
            changes.append(Change(key, "remove", "no longer in the specs", None, previous))
    return tuple(sorted(changes, key=lambda change: change.key))


def _action(cell: Cell, previous: LockCell | None, retry_failed: bool) -> tuple[Action, str]:
    if previous is None:
        return "create", "new cell"
    if previous.fingerprint != cell.request.fingerprint:
        return "replace", _why_replaced(cell, previous)
    if previous.run_id is None:
        return "poll", "submitted, run id not recorded yet: apply adopts or resubmits it"
    if not previous.is_finished:
        return "poll", f"run {previous.run_id} is {previous.status or 'pending'}"
    if previous.error is not None:
        return "poll", f"run {previous.run_id}'s scores could not be taken ({previous.error}): read again"
    if previous.is_failed and retry_failed:
        return "replace", f"run {previous.run_id} ended {previous.status}; retrying"
    return "keep", _finished(previous)


def _why_replaced(cell: Cell, previous: LockCell) -> str:
    now = cell.request.lock_form()
    changed = sorted(
        field for field, value in now.items()
        if value != previous.request.get(field) and field not in cell.request.lookups
    )
    if changed:
        return "changed: " + ", ".join(changed)
    return "inputs changed (collection files, rubric definition or a reference)"


def _finished(previous: LockCell) -> str:
    score = f", avg_score {previous.avg_score:.3f}" if previous.avg_score is not None else ""
    return f"run {previous.run_id} {previous.status}{score}"


def count_actions(changes: Iterable[Change]) -> dict[str, int]:
    """How many changes of each action, every action present."""
    counts: dict[str, int] = dict.fromkeys(("create", "replace", "keep", "poll", "remove"), 0)
    for change in changes:
        counts[change.action] += 1
    return counts


def _fingerprint(change: Change) -> str | None:
    if change.cell is not None:
        return change.cell.request.fingerprint
    return change.locked.fingerprint if change.locked is not None else None


def as_json(change: Change, known: Mapping[tuple[str, str], int] | None = None) -> dict[str, Any]:
    """A change in plan JSON form: the request is the exact body apply will POST (ids that
    still need a lookup are null, and named under `lookups`)."""
    body, lookups = change.cell.request.with_known(known or {}) if change.cell else (None, {})
    lookups = lookups if change.needs_lookups else {}
    item: dict[str, Any] = {
        "key": change.key,
        "action": change.action,
        "reason": change.reason,
        "fingerprint": _fingerprint(change),
        "request": body,
    }
    if lookups:
        item["lookups"] = lookups
    if change.causes:
        item["causes"] = [cause.to_json() for cause in change.causes]
    return item
