"""The report as plain data: the `json` format (versioned) and the context of every template.

Templates, built-in and the user's own (`--template`), all render from this one document, so a
user can start from a copy of a built-in template. Bump FORMAT_VERSION on any incompatible change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar, overload

from evalspec import __version__
from evalspec.base.clock import parse_timestamp
from evalspec.plan.explain import Cause
from evalspec.report.jsontypes import Json, JsonView
from evalspec.report.paired import DEFAULT_CONFIDENCE, paired_json
from evalspec.report.repeat_groups import summary_json
from evalspec.report.values import (
    CHANGED,
    NEW,
    REMOVED,
    UNCHANGED,
    CellRow,
    CheckDocument,
    FileChecks,
    FileRow,
    GateResult,
    Report,
)

FORMAT_VERSION = 1
T = TypeVar("T")
TOP_MOVERS = 10


def report_document(report: Report, *, lazy: bool = False) -> Json:
    """The whole report as JSON-ready data: deterministic (no time of writing), sorted by key.

    `lazy`: each cell's `files`, and each file's `checks`, is a sequence made when first used, not
    a list (for the built-in templates: markdown shows a few of 200,000 files, and making the
    documents of all of them was most of its time).
    """
    return {**document_head(report), "cells": list(cell_documents(report, lazy=lazy))}


def document_head(report: Report) -> Json:
    """The report document but its `cells`: what the json format writes around the cells."""
    return {
        "format_version": FORMAT_VERSION,
        "generator": f"evalspec {__version__}",
        "lock": {"path": report.lock_name, "lineage": report.lineage, "serial": report.serial},
        "baseline": _baseline(report),
        "commit": report.commit,
        "gates_changed": report.gates_changed,
        "gate_moves": list(report.gate_moves),
        "without_evidence": list(report.without_evidence),
        "repeats": [repeated_json(row, report.confidence) for row in report.repeated],
        "summary": headline_counts(report),
        "gates": [gate_json(gate) for gate in report.gates],
        **({"spent": report.spent} if report.spent else {}),
    }


def cell_documents(report: Report, *, lazy: bool = False) -> Iterator[Json]:
    """The document's `cells`, one at a time."""
    verdicts = _verdicts_by_key(report)
    changes = report.input_changes or {}
    for cell in report.cells:
        yield cell_json(cell, verdicts.get(cell.key, []), changes.get(cell.key, ()), lazy=lazy,
                        confidence=report.confidence)


def repeated_json(row: CellRow, confidence: float = DEFAULT_CONFIDENCE) -> Json:
    """A repeated cell: its repeats' keys, mean score, run-to-run spread and flaky files."""
    return {
        "key": row.key, "repeat_keys": list(row.repeat_keys), "score": row.score,
        "baseline_score": row.baseline_score, "delta": row.delta,
        **(summary_json(row.repeats) if row.repeats is not None else {"repeats": len(row.repeat_keys)}),
        "paired": paired_json(row.paired, confidence) if row.paired is not None else None,
    }


def _baseline(report: Report) -> Json | None:
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


def gate_json(gate: GateResult) -> Json:
    """One gate and its verdicts."""
    return {
        "name": gate.name, "where": gate.where, "rules": list(gate.rules), "passed": gate.passed,
        "verdicts": [
            {"key": v.key, "rule": v.rule, "passed": v.passed, "reason": v.reason} for v in gate.verdicts
        ],
    }


def _verdicts_by_key(report: Report) -> dict[str, list[Json]]:
    by_key: dict[str, list[Json]] = {}
    for gate in report.gates:
        for v in gate.verdicts:
            entry = {"gate": v.gate, "rule": v.rule, "passed": v.passed, "reason": v.reason}
            by_key.setdefault(v.key, []).append(entry)
    return by_key


def cell_json(
    cell: CellRow, verdicts: Sequence[Json] = (), changed_inputs: Sequence[Cause] = (),
    *, lazy: bool = False, confidence: float = DEFAULT_CONFIDENCE,
) -> Json:
    """One cell with its files, the verdicts of the gates that apply to it and, when its inputs
    changed against the baseline, which ones (as the plan names them); `paired`: the cell against
    its baseline on the files both share (None without evidence on both sides)."""
    shared = cell.paired
    paired: JsonView | None = None
    if shared is not None:
        paired = _MadeOnFirstUse(lambda: paired_json(shared, confidence)) if lazy else paired_json(
            shared, confidence)
    return {
        "key": cell.key, "collection": cell.collection, "pipeline": cell.pipeline, "rubric": cell.rubric,
        "column": cell.pipeline + cell.overrides, "change": cell.change, "status": cell.status,
        "run_id": cell.run_id, "score": cell.score, "baseline_score": cell.baseline_score,
        "delta": cell.delta, "total_files": cell.total_files, "completed_files": cell.completed_files,
        "failed_files": cell.failed_files, "submitted_at": cell.submitted_at,
        "completed_at": cell.completed_at, "duration_seconds": duration(cell), "error": cell.error,
        "verdicts": list(verdicts), "gates_failed": sum(1 for v in verdicts if not v["passed"]),
        "changed_inputs": [cause.to_json() for cause in changed_inputs], "paired": paired,
        "not_evaluated": not_evaluated(cell.not_evaluated),
        "files": _FileDocuments(cell.files) if lazy else [file_json(row) for row in cell.files],
    }


def not_evaluated(kinds: Sequence[str]) -> Json | None:
    """`{"checks": 2, "kinds": ["text_contain"]}`: the checks a backend skipped (None: none)."""
    return {"checks": len(kinds), "kinds": sorted(set(kinds))} if kinds else None


def file_json(row: FileRow, *, lazy: bool = False) -> Json:
    """One file of a cell's run, with every check's verdict and reason (read on use if `lazy`)."""
    return {
        "filename": row.filename, "status": row.status, "score": row.score,
        "baseline_score": row.baseline_score, "delta": row.delta, "failed": row.failed,
        "error": row.error, "request_id": row.request_id, "lookup_key": row.lookup_key,
        "checks": row.checks if lazy else check_list(row.checks),
        "failing_checks": row.failing_count,
    }


def check_list(checks: Sequence[CheckDocument]) -> list[CheckDocument]:
    """A file's checks as a list (its run's own, when read from the run's rows: not to be changed)."""
    return checks.documents() if isinstance(checks, FileChecks) else list(checks)


class _MadeOnUse(Sequence[Json], Generic[T]):
    """A sequence of documents, each made from its item when used (a file's `checks`, the files
    explained), not kept: templates read a few of many."""

    def __init__(self, items: Sequence[T], make: Callable[[T], Json]) -> None:
        self._items, self._make = items, make

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Json: ...
    @overload
    def __getitem__(self, index: slice) -> list[Json]: ...
    def __getitem__(self, index: int | slice) -> Json | list[Json]:
        if isinstance(index, slice):
            return [self._make(item) for item in self._items[index]]
        return self._make(self._items[index])

    def __iter__(self) -> Iterator[Json]:
        return map(self._make, self._items)


def explained_files(document: Json) -> Sequence[Json]:
    """Files with something to explain (failed, or failing checks), most important first:
    failed, then regressed (largest drop first), then the rest (lowest score first).

    Each item is `{"cell": key, "file": file document}`. Of a lazy document (whose cells' files
    are made on use), the files are ranked by their rows, and an item made when it is used.
    """
    cells = document["cells"]
    if cells and all(isinstance(cell["files"], _FileDocuments) for cell in cells):
        return _explained_rows(cells)
    found = [
        {"cell": cell["key"], "file": f} for cell in cells for f in cell["files"]
        if f["status"] is not None and (f["failed"] or f["failing_checks"] or f["error"])
    ]
    return sorted(found, key=_importance)


def _importance(item: Json) -> tuple[int, float, float, str, str]:
    f = item["file"]
    return _rank(f["failed"], f["delta"], f["score"], item["cell"], f["filename"])


def _rank(failed: bool, delta: float | None, score: float | None, cell: str, filename: str,
          ) -> tuple[int, float, float, str, str]:
    rank = 0 if failed else 1 if (delta or 0) < 0 else 2
    return rank, delta or 0.0, score if score is not None else -1.0, cell, filename


def _explained_rows(cells: Sequence[Json]) -> Sequence[Json]:
    """`explained_files` of a lazy document: its files ranked by their rows (as `_importance`
    ranks their documents), each item made when used: markdown shows the first few."""
    found = [
        (cell["key"], row) for cell in cells for row in cell["files"].rows
        if row.status is not None and (row.failed or row.failing_count or row.error)
    ]
    ranked = sorted(found, key=lambda item: _rank(
        item[1].failed, item[1].delta, item[1].score, item[0], item[1].filename))
    return _MadeOnUse(ranked, _explained)


def _explained(item: tuple[str, FileRow]) -> Json:
    key, row = item
    return {"cell": key, "file": file_json(row, lazy=True)}


class _MadeOnFirstUse(JsonView):
    """A document made when first read (a cell's `paired` in a lazy document: resampling every
    cell's files costs more than the markdown that shows a few)."""

    def __init__(self, make: Callable[[], Json]) -> None:
        self._make: Callable[[], Json] | None = make
        self._document: Json = {}

    def _made(self) -> Json:
        if self._make is not None:
            self._document, self._make = self._make(), None
        return self._document

    def __getitem__(self, key: str) -> Any:
        return self._made()[key]

    def __len__(self) -> int:
        return len(self._made())

    def __iter__(self) -> Iterator[str]:
        return iter(self._made())


class _FileDocuments(Sequence[Json]):
    """A cell's `files` in a lazy document: each file's document made when the files are first
    used, then kept (a template may go through them twice)."""

    def __init__(self, rows: Sequence[FileRow]) -> None:
        self.rows = rows
        self._documents: list[Json] | None = None

    def _made(self) -> list[Json]:
        if self._documents is None:
            self._documents = [file_json(row, lazy=True) for row in self.rows]
        return self._documents

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: Any) -> Any:  # as the list's: a document, or a list of them
        return self._made()[index]

    def __iter__(self) -> Iterator[Json]:
        return iter(self._made())


def duration(cell: CellRow) -> float | None:
    """Seconds from submission to completion, when both timestamps parse (JUnit's `time`)."""
    start, end = parse_timestamp(cell.submitted_at), parse_timestamp(cell.completed_at)
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def grids(document: Json) -> list[Json]:
    """A score grid per rubric: rows are collections, columns pipelines (with their overrides)."""
    by_rubric: dict[str, list[Json]] = {}
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


def movers(document: Json, limit: int = TOP_MOVERS) -> tuple[list[Json], list[Json]]:
    """The biggest regressions (most negative delta first) and improvements (largest first)."""
    moved = [cell for cell in document["cells"] if cell["delta"] is not None and cell["delta"] != 0]
    down = sorted((c for c in moved if c["delta"] < 0), key=lambda c: (c["delta"], c["key"]))
    up = sorted((c for c in moved if c["delta"] > 0), key=lambda c: (-c["delta"], c["key"]))
    return down[:limit], up[:limit]
