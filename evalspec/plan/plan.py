"""A plan: the cells of a spec diffed against a lock, narrowed to a selection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evalspec.base.canonical import canonical_json, digest
from evalspec.lock.lockfile import Lockfile
from evalspec.plan.cells import Cell, expand_spec
from evalspec.plan.diff import Change, as_json, count_actions, diff_cells
from evalspec.plan.managed import ManagedObject, managed_objects
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
    # Ids looked up online (`plan --refresh`), by (request field, server name).
    known_ids: Mapping[tuple[str, str], int] = field(default_factory=dict)
    # Managed collections and rubrics the submissions use, by their content-addressed names.
    managed: tuple[ManagedObject, ...] = ()

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
            "cells": [as_json(change, self.known_ids) for change in self.changes],
            "managed": [obj.to_json() for obj in self.managed],
        }


def gates_digest(gates: Sequence[Gate]) -> str:
    """Digest of the spec's gates, stored in the lock so a moved bar shows in the next plan."""
    return digest(canonical_json([gate.model_dump(mode="json") for gate in gates]))


def make_plan(
    spec: Spec,
    lock: Lockfile | None,
    selection: Selection = EVERYTHING,
    *,
    retry_failed: bool = False,
    cells: Sequence[Cell] | None = None,
) -> Plan:
    """Expand the spec (unless `cells` are given) and diff the selected cells against the lock."""
    all_cells = expand_spec(spec) if cells is None else cells
    chosen = [cell for cell in all_cells if selection.includes(cell.key)]
    locked = {k: v for k, v in (lock.cells if lock else {}).items() if selection.includes(k)}
    gates = gates_digest(spec.gates)
    changes = diff_cells(chosen, locked, retry_failed=retry_failed)
    return Plan(
        changes=changes,
        lineage=lock.lineage if lock else None,
        serial=lock.serial if lock else None,
        gates_digest=gates,
        gates_changed=bool(lock and lock.gates is not None and lock.gates != gates),
        managed=managed_objects(spec, changes),
    )
