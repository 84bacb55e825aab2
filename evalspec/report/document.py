"""The report as plain data: the `json` format (versioned) and the context of every template.

Templates, built-in and the user's own (`--template`), all render from this one document, so a
user can start from a copy of a built-in template. Bump FORMAT_VERSION on any incompatible change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalspec import __version__
from evalspec.base.clock import parse_timestamp
from evalspec.report.values import CHANGED, NEW, REMOVED, UNCHANGED, CellRow, FileRow, GateResult, Report

FORMAT_VERSION = 1
TOP_MOVERS = 10


def report_document(report: Report) -> dict[str, Any]:
    """The whole report as JSON-ready data: deterministic (no time of writing), sorted by key."""
    verdicts = _verdicts_by_key(report)
    return {
        "format_version": FORMAT_VERSION,
        "generator": f"evalspec {__version__}",
        "lock": {"path": report.lock_name, "lineage": report.lineage, "serial": report.serial},
        "baseline": _baseline(report),
        "gates_changed": report.gates_changed,
        "summary": headline_counts(report),
        "gates": [gate_json(gate) for gate in report.gates],
        "cells": [cell_json(cell, verdicts.get(cell.key, [])) for cell in report.cells],
    }


def _baseline(report: Report) -> dict[str, Any] | None:
    if report.baseline_name is None:
        return None
    return {"name": report.baseline_name, "empty": report.baseline_empty}


def headline_counts(report: Report) -> dict[str, int]:
    """Counts a reader wants first."""
    changes = [cell.change for cell in report.cells]
    deltas = [cell.delta for cell in report.current_cells if cell.delta is not None]
    checks = [v for gate in report.gates for v in gate.verdicts]
    return {
        "cells": len(report.current_cells),
        "new": changes.count(NEW), "removed": changes.count(REMOVED),
        "changed": changes.count(CHANGED), "unchanged": changes.count(UNCHANGED),
        "regressed": sum(1 for d in deltas if d < 0), "improved": sum(1 for d in deltas if d > 0),
        "gates": len(report.gates), "gates_failed": sum(1 for gate in report.gates if not gate.passed),
        "checks": len(checks), "checks_failed": sum(1 for v in checks if not v.passed),
    }


def gate_json(gate: GateResult) -> dict[str, Any]:
    """One gate and its verdicts."""
    return {
        "name": gate.name, "where": gate.where, "rules": list(gate.rules), "passed": gate.passed,
        "verdicts": [
            {"key": v.key, "rule": v.rule, "passed": v.passed, "reason": v.reason} for v in gate.verdicts
        ],
    }


def _verdicts_by_key(report: Report) -> dict[str, list[dict[str, Any]]]:
    by_key: dict[str, list[dict[str, Any]]] = {}
    for gate in report.gates:
        for v in gate.verdicts:
            entry = {"gate": v.gate, "rule": v.rule, "passed": v.passed, "reason": v.reason}
            by_key.setdefault(v.key, []).append(entry)
    return by_key


def cell_json(cell: CellRow, verdicts: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """One cell with its files and the verdicts of the gates that apply to it."""
    return {
        "key": cell.key, "collection": cell.collection, "pipeline": cell.pipeline, "rubric": cell.rubric,
        "column": cell.pipeline + cell.overrides, "change": cell.change, "status": cell.status,
        "run_id": cell.run_id, "score": cell.score, "baseline_score": cell.baseline_score,
        "delta": cell.delta, "total_files": cell.total_files, "completed_files": cell.completed_files,
        "failed_files": cell.failed_files, "submitted_at": cell.submitted_at,
        "completed_at": cell.completed_at, "duration_seconds": duration(cell),
        "verdicts": list(verdicts), "gates_failed": sum(1 for v in verdicts if not v["passed"]),
        "files": [file_json(row) for row in cell.files],
    }


def file_json(row: FileRow) -> dict[str, Any]:
    """One file of a cell's run."""
    return {
        "filename": row.filename, "status": row.status, "score": row.score,
        "baseline_score": row.baseline_score, "delta": row.delta, "failed": row.failed,
    }


def duration(cell: CellRow) -> float | None:
    """Seconds from submission to completion, when both timestamps parse (JUnit's `time`)."""
    start, end = parse_timestamp(cell.submitted_at), parse_timestamp(cell.completed_at)
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def grids(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A score grid per rubric: rows are collections, columns pipelines (with their overrides)."""
    by_rubric: dict[str, list[dict[str, Any]]] = {}
    for cell in document["cells"]:  # one pass: 10,000 cells under 20 rubrics
        if cell["change"] != REMOVED:
            by_rubric.setdefault(cell["rubric"], []).append(cell)
    result = []
    for rubric in sorted(by_rubric):
        cells = by_rubric[rubric]
        columns = sorted({cell["column"] for cell in cells})
        placed = {(cell["collection"], cell["column"]): cell for cell in cells}
        rows = [
            {"collection": name, "cells": [placed.get((name, column)) for column in columns]}
            for name in sorted({cell["collection"] for cell in cells})
        ]
        result.append({"rubric": rubric, "columns": columns, "rows": rows})
    return result


def movers(document: dict[str, Any], limit: int = TOP_MOVERS) -> tuple[list[Any], list[Any]]:
    """The biggest regressions (most negative delta first) and improvements (largest first)."""
    moved = [cell for cell in document["cells"] if cell["delta"] is not None and cell["delta"] != 0]
    down = sorted((c for c in moved if c["delta"] < 0), key=lambda c: (c["delta"], c["key"]))
    up = sorted((c for c in moved if c["delta"] > 0), key=lambda c: (-c["delta"], c["key"]))
    return down[:limit], up[:limit]
