"""Merging two branches' locks like code: cell by cell against their common ancestor.

Git's line merge of two locks that both applied conflicts on the serial and, worse, can splice
half a cell from each side. `evalspec lock merge-driver %O %A %B` (configured as a git merge
driver) merges what each side changed instead: a cell changed on one side takes that side,
evidence and all; a cell changed on both sides keeps ours, marked `conflict`, so that the next
plan evaluates it again ("conflicting results from a merge"). The same rule holds for the
gates and each entry of the inputs. The merged lock keeps our lineage and a serial past both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from evalspec.lock.lockfile import Inputs, LockCell, Lockfile

MERGE_CONFLICT = "conflicting results from a merge"
T = TypeVar("T")


@dataclass(frozen=True)
class Merged:
    """The merged lock and the cells both sides changed (kept as ours, marked)."""

    lock: Lockfile
    conflicts: tuple[str, ...]


def merge_three_way(base: Lockfile | None, ours: Lockfile, theirs: Lockfile) -> Merged:
    """`ours` and `theirs` merged against their common ancestor `base` (None: there was none)."""
    ours_cells, theirs_cells = _placed(ours), _placed(theirs)
    base_cells = _placed(base) if base is not None else {}
    cells: dict[str, LockCell] = {}
    conflicts = []
    for key in sorted(set(base_cells) | set(ours_cells) | set(theirs_cells)):
        cell, conflicted = _pick(base_cells.get(key), ours_cells.get(key), theirs_cells.get(key))
        if conflicted:
            conflicts.append(key)
            kept = ours_cells.get(key) or theirs_cells.get(key)
            assert kept is not None  # a conflict has a changed side
            cell = kept.model_copy(update={"conflict": MERGE_CONFLICT})
        if cell is not None:
            cells[key] = cell
    old = base if base is not None else ours
    gates, _ = _pick(old.gates, ours.gates, theirs.gates)
    rules, _ = _pick(old.gate_rules, ours.gate_rules, theirs.gate_rules)
    merged = ours.model_copy(update={
        "serial": max(ours.serial, theirs.serial),  # with_cells bumps it past both
        "gates": gates if gates is not None else ours.gates,
        "gate_rules": rules if rules is not None else ours.gate_rules,
        "inputs": _merged_inputs(old.inputs if base is not None else None, ours.inputs, theirs.inputs),
    })
    return Merged(merged.with_cells(cells), tuple(conflicts))


def _placed(lock: Lockfile) -> dict[str, LockCell]:
    """The lock's cells, each run bound to its place: a cell of an older lock records none, and
    the two sides may follow different backends."""
    if lock.backend is None:
        return dict(lock.cells)
    return {key: _with_place(cell, lock.backend) for key, cell in lock.cells.items()}


def _with_place(cell: LockCell, backend: str) -> LockCell:
    return cell.model_copy(update={"state": backend}) if cell.state is None and cell.run_id else cell


def _pick(base: T | None, ours: T | None, theirs: T | None) -> tuple[T | None, bool]:
    """The merged value of one thing, and whether both sides changed it differently."""
    if ours == theirs or theirs == base:
        return ours, False
    if ours == base:
        return theirs, False
    return ours, True


def _merged_inputs(
    base: Inputs | None, ours: Inputs | None, theirs: Inputs | None,
) -> Inputs | None:
    """Each entry of each section merged on its own; both changed: ours (its cells are marked)."""
    if ours is None and theirs is None:
        return None
    merged: Inputs = {}
    for section in sorted(set(ours or {}) | set(theirs or {})):
        old, a, b = ((side or {}).get(section) or {} for side in (base, ours, theirs))
        entries = {}
        for name in sorted(set(old) | set(a) | set(b)):
            value, _ = _pick(old.get(name), a.get(name), b.get(name))
            if value is not None:
                entries[name] = value
        merged[section] = entries
    return merged


def conflict_summary(merged: Merged) -> str:
    """One line for the driver to print."""
    lock = merged.lock
    line = f"evalspec: merged the lock cell by cell ({len(lock.cells)} cells)"
    if merged.conflicts:
        shown = ", ".join(merged.conflicts[:5]) + (" ..." if len(merged.conflicts) > 5 else "")
        line += (f"; {len(merged.conflicts)} changed on both sides kept ours and will be evaluated "
                 f"again by the next apply: {shown}")
    return line

