"""The diff of cells against the lock: what apply would do to each cell, and why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from evalspec.base import runstatus
from evalspec.lock import places
from evalspec.lock.lockfile import LockCell
from evalspec.lock.threeway import MERGE_CONFLICT
from evalspec.plan.cells import Cell
from evalspec.plan.explain import Cause

Action = Literal["create", "replace", "keep", "poll", "remove"]
ACTIONS: tuple[Action, ...] = ("create", "replace", "poll", "keep", "remove")
REPLACE_ASKED = "evaluated again on request (--replace)"


@dataclass(frozen=True)
class Target:
    """The backend a plan is for: its identity (`local` or a URL) and, when known, the place its
    runs live (see lock/places.py). `place_known` is False offline against a remote service,
    whose state only it can tell; for the local backend it is read from the state directory
    (None there: a state not made yet, where no recorded run lives)."""

    backend: str
    place: str | None = None
    place_known: bool = False


@dataclass(frozen=True)
class Rules:
    """What decides each cell's action beyond its fingerprint."""

    retry_failed: bool = False
    replace: frozenset[str] = frozenset()  # `apply --replace`: cell keys to evaluate again
    target: Target | None = None  # None: every run is taken to be where the lock says
    lock_backend: str | None = None  # the lock's `backend`, for cells that record no place


@dataclass(frozen=True)
class Change:
    """One cell's planned action. `cell` is None for a removal, `locked` for a creation."""

    key: str
    action: Action
    reason: str
    cell: Cell | None
    locked: LockCell | None
    causes: tuple[Cause, ...] = ()  # for a replacement: each input that forced it

    # `poll` (the plan's word, a contract) covers two things apply does: follow a run the lock
    # names, or settle a submission whose run id was never recorded (adopt the run, or submit
    # again). These two say which.
    @property
    def follows_run(self) -> bool:
        """Whether apply follows up this cell's recorded run (unfinished, or its scores to read again)."""
        return self.action == "poll" and self.locked is not None and self.locked.run_id is not None

    @property
    def submits(self) -> bool:
        """Whether apply submits this cell (or adopts the run of a submission whose answer was lost),
        and so needs the ids of references by name."""
        return self.action in ("create", "replace") or (self.action == "poll" and not self.follows_run)


def diff_cells(
    cells: Iterable[Cell], locked: Mapping[str, LockCell], rules: Rules = Rules(),
) -> tuple[Change, ...]:
    """Compare the wanted cells with the lock's, sorted by key."""
    changes: list[Change] = []
    wanted = {cell.key: cell for cell in cells}
    for key, cell in wanted.items():
        previous = locked.get(key)
        action, reason = _action(cell, previous, rules)
        changes.append(Change(key, action, reason, cell, previous))
    for key, previous in locked.items():
        if key not in wanted:
            changes.append(Change(key, "remove", "no longer in the specs", None, previous))
    return tuple(sorted(changes, key=lambda change: change.key))


def _action(cell: Cell, previous: LockCell | None, rules: Rules) -> tuple[Action, str]:
    if previous is None:
        return "create", "new cell"
    if previous.fingerprint != cell.request.fingerprint:
        return "replace", _with_conflict(previous, _why_replaced(cell, previous))
    if cell.key in rules.replace:
        return "replace", REPLACE_ASKED
    if previous.conflict is not None:
        return "replace", MERGE_CONFLICT
    if previous.run_id is None:
        return "poll", "submitted, run id not recorded yet: apply adopts or resubmits it"
    if previous.status == runstatus.PAGE_LIMITED:
        return "replace", f"run {previous.run_id}'s files were refused by the page limit: submitted again"
    moved = _backend_move(previous, rules)
    if moved is not None:
        return "replace", moved
    if not previous.is_finished or previous.error is not None:
        return _follow_up(previous, rules)
    if previous.is_failed and rules.retry_failed:
        return "replace", f"run {previous.run_id} ended {previous.status}; retrying"
    return "keep", _finished(previous)


def _with_conflict(previous: LockCell, reason: str) -> str:
    """A reason that also says when the lock's cell came out of a merge in conflict."""
    return f"{MERGE_CONFLICT}; {reason}" if previous.conflict is not None else reason


def _backend_move(previous: LockCell, rules: Rules) -> str | None:
    """`backend local -> https://...` when the run was made on another backend than the target."""
    recorded = places.backend_of(previous.state) if previous.state is not None else rules.lock_backend
    if rules.target is None or recorded is None or recorded == rules.target.backend:
        return None
    return f"backend {recorded} -> {rules.target.backend}"


def _follow_up(previous: LockCell, rules: Rules) -> tuple[Action, str]:
    """An unfinished run, or one whose scores could not be taken, is read again where it lives;
    a run of another state cannot be, so the cell is evaluated again here."""
    target = rules.target
    if target is not None and target.place_known and not _lives_at(previous, rules, target.place):
        where = places.short(previous.state) if previous.state else "a local state this lock does not name"
        return "replace", f"run {previous.run_id} lives in {where}, not here: evaluated again here"
    if not previous.is_finished:
        return "poll", f"run {previous.run_id} is {previous.status or 'pending'}"
    return "poll", f"run {previous.run_id}'s scores could not be taken ({previous.error}): read again"


def _lives_at(previous: LockCell, rules: Rules, here: str | None) -> bool:
    if here is None:
        return False  # a state not made yet holds no run
    if previous.state is not None:
        return previous.state == here
    return rules.lock_backend not in (None, places.LOCAL) and rules.lock_backend == places.backend_of(here)


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
    lookups = lookups if change.submits else {}
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
