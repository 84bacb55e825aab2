"""Batch runs and their per-file results.

A run keeps what it was started with (the request, the rubric's definition, the documents and
their sidecars) so that resuming it after a restart processes exactly what was accepted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any, Protocol

from evalspec.local.problems import not_found
from evalspec.local.store.db import Database, now

RUN_COLUMNS = ("id", "collection_id", "eval_rubric_id", "pipeline_id", "pipeline_type", "status",
               "started_at", "completed_at", "total_files", "completed_files", "avg_score",
               "created")
UNFINISHED = ("queued", "running")


class FileOutcome(Protocol):
    """What is recorded of one file (the engine's FileOutcome; the store imports no engine)."""

    @property
    def file_id(self) -> int: ...
    @property
    def filename(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def results(self) -> dict[str, Any]: ...


class RunRepo:
    """Rows of `runs` and `file_results`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, request: dict[str, Any], definition: dict[str, Any],
               documents: list[dict[str, Any]]) -> dict[str, Any]:
        run_id = self.db.write(
            "INSERT INTO runs (collection_id, eval_rubric_id, pipeline_id, pipeline_type, "
            "request, eval_definition, documents, status, total_files, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
            (request["collection_id"], request.get("eval_rubric_id"), request.get("pipeline_id"),
             request["pipeline_type"], json.dumps(request), json.dumps(definition),
             json.dumps(documents), len(documents), now()))
        return self.get(run_id)

    def get(self, run_id: int) -> dict[str, Any]:
        row = self.db.one(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs WHERE id = ?", (run_id,))
        if row is None:
            raise not_found("batch run", run_id)
        return row

    def internals(self, run_id: int) -> dict[str, Any]:
        """The stored request, definition and documents of a run, parsed."""
        row = self.db.one("SELECT request, eval_definition, documents FROM runs WHERE id = ?",
                          (run_id,))
        if row is None:
            raise not_found("batch run", run_id)
        return {k: json.loads(v) for k, v in row.items()}

    def page(self, filters: dict[str, Any], limit: int, offset: int) -> tuple[list[Any], int]:
        given = {k: v for k, v in filters.items() if v is not None}
        where = " AND ".join(f"{k} = ?" for k in given) or "1 = 1"
        params = list(given.values())
        total = int(self.db.scalar(f"SELECT COUNT(*) FROM runs WHERE {where}", params))
        rows = self.db.all(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs WHERE {where} "
                           "ORDER BY id DESC LIMIT ? OFFSET ?", [*params, limit, offset])
        return rows, total

    def results(self, run_id: int) -> list[dict[str, Any]]:
        self.get(run_id)
        rows = self.db.all("SELECT request_id, filename, status, eval_score, eval_results, "
                           "created, lookup_key FROM file_results WHERE run_id = ? "
                           "ORDER BY request_id", (run_id,))
        return [{**r, "eval_results": json.loads(r["eval_results"])} for r in rows]

    def unfinished(self) -> list[int]:
        rows = self.db.all("SELECT id FROM runs WHERE status IN ('queued', 'running') "
                           "ORDER BY id")
        return [r["id"] for r in rows]

    def done_file_ids(self, run_id: int) -> set[int]:
        rows = self.db.all("SELECT file_id FROM file_results WHERE run_id = ?", (run_id,))
        return {r["file_id"] for r in rows}

    def mark_running(self, run_id: int) -> None:
        self.db.write("UPDATE runs SET status = 'running', started_at = COALESCE(started_at, ?) "
                      "WHERE id = ?", (now(), run_id))

    def record_many(self, run_id: int, outcomes: Sequence[FileOutcome]) -> None:
        """A batch of files' results and the run's progress, in one transaction (one commit).

        A result is recorded once per run and file (a file scored again after a crash keeps
        its first row), so a resumed run never counts a file twice; any other refusal is an
        error, never a row dropped in silence.
        """
        stamp = now()
        rows = [(run_id, o.file_id, o.filename, *_recordable(o), stamp,
                 f"{run_id}:{o.file_id}:{o.filename}") for o in outcomes]
        with self.db.transaction() as conn:
            conn.executemany(
                "INSERT INTO file_results (run_id, file_id, filename, status, eval_score, "
                "eval_results, created, lookup_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (run_id, file_id) DO NOTHING",
                rows)
            conn.execute("UPDATE runs SET completed_files = (SELECT COUNT(*) FROM file_results "
                         "WHERE run_id = ?) WHERE id = ?", (run_id, run_id))

    def finish(self, run_id: int, status: str = "completed", error: str | None = None) -> None:
        avg = self.db.scalar("SELECT AVG(eval_score) FROM file_results WHERE run_id = ?",
                             (run_id,))
        self.db.write("UPDATE runs SET status = ?, completed_at = ?, avg_score = ?, error = ?, "
                      "started_at = COALESCE(started_at, ?) WHERE id = ?",
                      (status, now(), avg, error, now(), run_id))


def _recordable(outcome: FileOutcome) -> tuple[str, float, str]:
    """Status, score and results JSON as stored. A score that is not a number is a failed file
    with that reason: sqlite stores NaN as NULL, which the NOT NULL score column refuses."""
    if math.isfinite(outcome.score):
        return outcome.status, outcome.score, json.dumps(outcome.results)
    error = (f"the score is {outcome.score!r}, not a number from 0 to 1 "
             "(are the rubric's weights too large?)")
    return "failed", 0.0, json.dumps({**outcome.results, "error": error})
