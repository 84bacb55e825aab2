"""Combining shard locks (`evalspec lock merge`) from parallel CI jobs."""

from __future__ import annotations

from collections.abc import Sequence

from evalspec.errors import LockfileError
from evalspec.lock.lockfile import Inputs, LockCell, Lockfile


def merge_locks(named: Sequence[tuple[str, Lockfile]]) -> Lockfile:
    """One lock holding every input's cells; same lineage required, conflicting cells refused."""
    if not named:
        raise LockfileError("nothing to merge")
    lineages = {lock.lineage for _, lock in named}
    if len(lineages) > 1:
        listing = ", ".join(f"{name} ({lock.lineage})" for name, lock in named)
        raise LockfileError(
            f"the locks belong to different lineages: {listing}; shard jobs must start from "
            "the same committed lock (create one with `evalspec lock init`)"
        )
    backends = {lock.backend for _, lock in named if lock.backend is not None}
    if len(backends) > 1:
        raise LockfileError(f"the locks hold runs of different backends: {', '.join(sorted(backends))}")
    cells: dict[str, tuple[str, LockCell]] = {}
    for name, lock in named:
        for key, cell in lock.cells.items():
            if key in cells and cells[key][1] != cell:
                raise LockfileError(f"cell {key!r} differs between {cells[key][0]} and {name}; not merging")
            cells[key] = (name, cell)
    first = named[0][1]
    gates = {lock.gates for _, lock in named if lock.gates is not None}
    return first.model_copy(update={
        "serial": max(lock.serial for _, lock in named),
        "gates": gates.pop() if len(gates) == 1 else first.gates,
        "backend": backends.pop() if backends else None,
        "inputs": _merged_inputs([lock.inputs for _, lock in named]),
    }).with_cells({key: cell for key, (_, cell) in cells.items()})


def _merged_inputs(all_inputs: list[Inputs | None]) -> Inputs | None:
    """Shards each record the inputs of the cells they ran: the merged lock keeps them all."""
    known = [inputs for inputs in all_inputs if inputs is not None]
    if not known:
        return None
    merged: Inputs = {}
    for inputs in known:
        for section, entries in inputs.items():
            merged.setdefault(section, {}).update(entries)
    return merged
