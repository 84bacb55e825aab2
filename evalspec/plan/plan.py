"""A plan: the cells of a spec diffed against a lock, narrowed to a selection."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evalspec.base.canonical import canonical_json, digest
from evalspec.base.suggest import closest
from evalspec.errors import UsageError
from evalspec.lock.lockfile import Lockfile
from evalspec.lock.threeway import MERGE_CONFLICT
from evalspec.plan.cells import Cell, expand_spec
from evalspec.plan.cost import PlanCost
from evalspec.plan.diff import Change, Rules, Target, as_json, count_actions, diff_cells
from evalspec.plan.explain import gate_moves, input_causes
from evalspec.plan.inputs import Inputs, applied_inputs, gate_rules, merged_inputs
from evalspec.plan.managed import ManagedObject, managed_objects
from evalspec.plan.request import SCHEMA_FIELDS
from evalspec.plan.select import EVERYTHING, Selection
from evalspec.spec.schema_models import Gate
from evalspec.spec.spec import Spec

PLAN_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Plan:
    """What apply would do, cell by cell, starting from the lock it was made against."""

    changes: tuple[Change, ...]
    lineage: str | None
    serial: int | None
    gates_digest: str
    gates_changed: bool
    # What the lock keeps of this plan's inputs and gates, and what moved since the lock's.
    inputs: Inputs = field(default_factory=dict)
    gate_rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    gate_moves: tuple[str, ...] = ()
    # Ids looked up online (`plan --refresh`), by (request field, server name).
    known_ids: Mapping[tuple[str, str], int] = field(default_factory=dict)
    # Managed collections and rubrics the submissions use, by their content-addressed names,
    # each with what changed in it since the lock.
    managed: tuple[ManagedObject, ...] = ()
    # Pages and cost of the cells apply would submit (None: not counted).
    cost: PlanCost | None = None

    @property
    def action_counts(self) -> dict[str, int]:
        """Counts per action."""
        return count_actions(self.changes)

    @property
    def pending(self) -> bool:
        """Whether apply has anything to do."""
        counts = self.action_counts
        return counts["keep"] < sum(counts.values())

    def to_json(self) -> dict[str, Any]:
        """Plan JSON (a contract: format_version, summary, cells)."""
        return {
            "format_version": PLAN_FORMAT_VERSION,
            "summary": self.action_counts,
            "gate_moves": list(self.gate_moves),
            "cells": [as_json(change, self.known_ids) for change in self.changes],
            "managed": [obj.to_json() for obj in self.managed],
            "pages": self.cost.to_json() if self.cost is not None else None,
        }


def gates_digest(gates: Sequence[Gate]) -> str:
    """Digest of the spec's gates, stored in the lock so a moved bar shows in the next plan."""
    return digest(canonical_json([gate.model_dump(mode="json", exclude=_unset_later_fields(gate))
                                  for gate in gates]))


# Gate fields added after locks recorded this digest: left out while unset, so a spec that does
# not use them keeps its digest (and its lock no note that "a bar was moved").
_LATER_FIELDS = ("confidence", "correction")


def _unset_later_fields(gate: Gate) -> set[str]:
    return {name for name in _LATER_FIELDS if getattr(gate, name) is None}


def make_plan(
    spec: Spec,
    lock: Lockfile | None,
    selection: Selection = EVERYTHING,
    *,
    retry_failed: bool = False,
    cells: Sequence[Cell] | None = None,
    replace: Sequence[str] = (),
    target: Target | None = None,
) -> Plan:
    """Expand the spec (unless `cells` are given) and diff the selected cells against the lock.

    `replace` names cells to evaluate again whatever the lock holds (`all`: every selected
    cell); `target` is the backend apply will use (None: wherever the lock says)."""
    all_cells = expand_spec(spec) if cells is None else cells
    chosen = [cell for cell in all_cells if selection.includes(cell.key)]
    locked = {k: v for k, v in (lock.cells if lock else {}).items() if selection.includes(k)}
    gates = gates_digest(spec.gates)
    inputs = applied_inputs(spec, chosen)
    rules = gate_rules(spec.gates)
    known_inputs = lock.inputs if lock else {}
    changes = diff_cells(chosen, locked, Rules(
        retry_failed=retry_failed, replace=replaced_keys(replace, [cell.key for cell in chosen]),
        target=target, lock_backend=lock.backend if lock else None,
    ))
    return Plan(
        changes=tuple(_explained(change, known_inputs, inputs) for change in changes),
        lineage=lock.lineage if lock else None,
        serial=lock.serial if lock else None,
        gates_digest=gates,
        gates_changed=bool(lock and lock.gates is not None and lock.gates != gates),
        managed=managed_objects(spec, changes, known_inputs, inputs),
        inputs=inputs, gate_rules=rules,
        gate_moves=gate_moves(lock.gate_rules, rules) if lock else (),
    )


REPLACE_ALL = "all"


def replaced_keys(asked: Sequence[str], keys: Sequence[str]) -> frozenset[str]:
    """The cells `--replace` names among `keys` (`all`: every one); UsageError for a key that
    is not a selected cell, with the closest ones."""
    if REPLACE_ALL in asked:
        return frozenset(keys)
    unknown = [key for key in asked if key not in keys]
    if unknown:
        near = closest(unknown[0], keys)
        hint = f"; closest: {', '.join(near)}" if near else ""
        raise UsageError(f"--replace {unknown[0]}: no such cell among those planned{hint}")
    return frozenset(asked)


def inputs_after_apply(lock: Lockfile, plan: Plan) -> Inputs:
    """The lock's `inputs` once `plan` is applied: the plan's over the lock's; schemas that no
    cell of either uses any more are dropped."""
    requests = [cell.request for cell in lock.cells.values()]
    in_use = {value for request in requests for f in SCHEMA_FIELDS
              if isinstance(value := request.get(f), str)}
    in_use |= {d for c in plan.changes if c.cell for d in c.cell.request.schema_digests.values()}
    return merged_inputs(lock.inputs, plan.inputs, in_use)


def _explained(change: Change, old_inputs: Inputs | None, new_inputs: Inputs) -> Change:
    """A replacement with the inputs that forced it named (its reason lists them)."""
    cell, locked = change.cell, change.locked
    if cell is None or locked is None or locked.fingerprint == cell.request.fingerprint:
        return change
    causes = input_causes(
        change.key, (locked.request, old_inputs), (cell.request.lock_form(), new_inputs),
        skip=tuple(cell.request.lookups),
    )
    if not causes:
        return change
    reason = "changed: " + ", ".join(cause.input for cause in causes)
    if locked.conflict is not None:
        reason = f"{MERGE_CONFLICT}; {reason}"
    return dataclasses.replace(change, reason=reason, causes=causes)
