"""The cache of finished runs' per-file results: per run, the document and its rows.

Results of a finished run never change, so they are fetched once (by apply, or by report when
missing) and kept under `<state dir>/results/<lock lineage>/`: `<run id>.json` holds the results
endpoint's document as the server sent it (`{"batch_run", "file_results"}`), the source of
truth; `<run id>.rows` the same results as reports read them (results_rows.py), derived from
the document when it is written. The lineage keeps runs of different locks (and so of
different backends, whose run ids overlap) apart.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evalspec.api.shapes import RunResults
from evalspec.backend.results_rows import RecentChecks, RunRows, parse_rows, rows_of, rows_text
from evalspec.base import paths
from evalspec.base.atomic import write_atomic

ROWS_SUFFIX = ".rows"


def results_path(lineage: str, run_id: int, state_dir: Path | None = None) -> Path:
    """Where the results of `run_id` (in the lock of `lineage`) are cached."""
    return paths.results_dir(state_dir) / lineage / f"{run_id}.json"


def read_results(lineage: str, run_id: int, state_dir: Path | None = None) -> dict[str, Any] | None:
    """The cached results document, or None when not cached (or unreadable: fetch it again)."""
    try:
        document = json.loads(results_path(lineage, run_id, state_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def results_directory(lineage: str, state_dir: Path | None = None) -> str:
    """The directory of the cached results of the lock of `lineage`, for `read_rows`."""
    return os.fspath(results_path(lineage, 0, state_dir).parent)


def read_rows(directory: str, run_id: int, recent: RecentChecks | None = None) -> RunRows | None:
    """A run's rows (None when its results are not cached, or do not validate).

    Rows are read from their file; a run cached without one (by an older version, or cut short
    between the two writes) has them derived from its document, in memory. The directory is
    resolved once by the caller, not per run: a report reads 20,000 of them. The checks are
    parsed when first used, and kept in `recent` if given.
    """
    base = os.path.join(directory, str(run_id))
    rows = _parsed_file(base + ROWS_SUFFIX, recent)
    return rows if rows is not None else _rows_of_document(base + ".json")


def write_results(lineage: str, run_id: int, results: RunResults, state_dir: Path | None = None) -> None:
    """Cache a finished run's results: its document, compact, and its rows.

    The old rows go first, so a crash between the writes never leaves rows of other results.
    """
    path = results_path(lineage, run_id, state_dir)
    rows_path = path.with_suffix(ROWS_SUFFIX)
    rows_path.unlink(missing_ok=True)
    document = results.model_dump(mode="json")
    write_atomic(path, json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n")
    write_atomic(rows_path, rows_text(rows_of(results)).decode("utf-8"))


def _parsed_file(path: str, recent: RecentChecks | None) -> RunRows | None:
    try:
        with open(path, "rb") as file:
            return parse_rows(file.read(), recent)
    except OSError:
        return None


def _rows_of_document(path: str) -> RunRows | None:
    try:
        with open(path, "rb") as file:
            return rows_of(RunResults.model_validate_json(file.read()))
    except (OSError, ValidationError):
        return None
