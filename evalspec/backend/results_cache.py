"""The cache of finished runs' per-file results: per run, the document and its rows.

Results of a finished run never change, so they are fetched once (by apply, or by report when
missing) and kept in a directory per place (lock/places.py: a backend and its state) under
`<state dir>/results/`: `<run id>.json` holds the results endpoint's document as the server
sent it (`{"batch_run", "file_results"}`), the source of truth; `<run id>.rows` the same
results as reports read them (results_rows.py), derived from the document when it is written.
Run ids of different states overlap, so their results never share a directory. Runs of cells
that record no place (locks written before places) are kept under the lock's lineage, as
they always were.
"""

from __future__ import annotations

import hashlib
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


def run_directory(lineage: str, run_place: str | None, state_dir: Path | None = None) -> Path:
    """Where the results of runs at `run_place` are cached (None: the lock of `lineage`'s older
    runs, which record no place)."""
    name = lineage if run_place is None else "at-" + hashlib.sha256(run_place.encode()).hexdigest()[:16]
    return paths.results_dir(state_dir) / name


def results_path(directory: Path, run_id: int) -> Path:
    """Where the results of `run_id` are cached in `directory` (see `run_directory`)."""
    return directory / f"{run_id}.json"


def read_results(directory: Path, run_id: int) -> dict[str, Any] | None:
    """The cached results document, or None when not cached (or unreadable: fetch it again)."""
    try:
        document = json.loads(results_path(directory, run_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


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


def write_results(directory: Path, run_id: int, results: RunResults) -> None:
    """Cache a finished run's results: its document, compact, and its rows.

    The old rows go first, so a crash between the writes never leaves rows of other results.
    """
    path = results_path(directory, run_id)
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
