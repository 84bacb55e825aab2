"""Warnings about spec parts that do nothing: gates whose `where` selects no cell, unused pipelines.

Neither is an error (a gate may wait for cells to come), but both are usually a typo or a
leftover, and a gate that applies to nothing passes silently.
"""

from __future__ import annotations

from collections.abc import Sequence

from evalspec.plan.cells import Cell
from evalspec.spec.schema_models import Gate
from evalspec.spec.spec import Spec


def unused_warnings(spec: Spec, cells: Sequence[Cell]) -> list[str]:
    """One `file:line:col: warning: ...` line per gate that applies to no cell and per unused pipeline."""
    warnings = []
    for gate, where in zip(spec.gates, spec.gate_sites, strict=True):
        if not any(covers(gate, cell) for cell in cells):
            warnings.append(f"{where}: warning: gate {gate.name!r}: its `where` matches no cell")
    used = {cell.pipeline for cell in cells}
    for name, pdef in sorted(spec.pipelines.items()):
        if name not in used:
            warnings.append(f"{pdef.where}: warning: pipeline {name!r} is used by no cell")
    return warnings


def covers(gate: Gate, cell: Cell) -> bool:
    """Whether the gate's `where` (equality on collection, pipeline, rubric) selects the cell."""
    wanted = {k: v for k, v in gate.where.model_dump().items() if v is not None}
    return all(getattr(cell, axis) == value for axis, value in wanted.items())
