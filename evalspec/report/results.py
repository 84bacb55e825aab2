"""Per-file results for a report: from the results cache, fetching the missing ones through a seam.

Results of a finished run never change, so the cache is the source; `fetch_missing` is how a
command with a backend fills the gaps (apply normally has already cached them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from pydantic import ValidationError

from evalspec.api.shapes import RunResults
from evalspec.backend.results_cache import read_results
from evalspec.lock.lockfile import Lockfile

FetchMissing = Callable[[str, list[int]], None]
"""fetch_missing(lineage, run_ids): put the results of these finished runs into the cache."""


def finished_runs(lock: Lockfile) -> dict[str, int]:
    """Cell key -> run id, for the cells whose run ended (unfinished results would still change)."""
    return {
        key: cell.run_id for key, cell in lock.cells.items()
        if cell.run_id is not None and cell.is_finished
    }


def load_results(
    lock: Lockfile, state_dir: Path | None, fetch_missing: FetchMissing | None = None,
) -> dict[str, RunResults]:
    """Cell key -> results of its finished run, for every one cached (after fetching misses)."""
    runs = finished_runs(lock)
    found = read_cached(lock.lineage, runs, state_dir)
    missing = sorted({run_id for key, run_id in runs.items() if key not in found})
    if missing and fetch_missing is not None:
        fetch_missing(lock.lineage, missing)
        found = read_cached(lock.lineage, runs, state_dir)
    return found


def read_cached(lineage: str, runs: Mapping[str, int], state_dir: Path | None) -> dict[str, RunResults]:
    """The cached results of these runs; an unreadable or malformed cache file counts as missing."""
    found: dict[str, RunResults] = {}
    for key, run_id in runs.items():
        document = read_results(lineage, run_id, state_dir)
        if document is None:
            continue
        try:
            found[key] = RunResults.model_validate(document)
        except ValidationError:
            continue
    return found
