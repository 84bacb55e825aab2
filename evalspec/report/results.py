"""Per-file results for a report: from the results cache, fetching the missing ones through a seam.

Results of a finished run never change, so the cache is the source; `fetch_missing` is how a
command with a backend fills the gaps (apply normally has already cached them). A report reads
each run's rows (results_rows.py), not its whole document.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from evalspec.backend.results_cache import read_rows, results_directory
from evalspec.backend.results_rows import RecentChecks, RunRows
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
) -> dict[str, RunRows]:
    """Cell key -> rows of its finished run, for every one cached (after fetching misses)."""
    found = results_on_demand(lock, state_dir, fetch_missing)
    return {key: rows for key in found if (rows := found.get(key)) is not None}


def results_on_demand(
    lock: Lockfile, state_dir: Path | None, fetch_missing: FetchMissing | None = None,
) -> ResultsOnDemand:
    """`load_results`, each run's rows read when asked for: a report of 10,000 cells holds the
    rows of one run at a time. A run cached with results that do not validate is found so only
    when read: it counts as missing, without being fetched again."""
    runs = finished_runs(lock)
    found = ResultsOnDemand(lock.lineage, runs, state_dir)
    missing = sorted({run_id for key, run_id in runs.items() if key not in found})
    if missing and fetch_missing is not None:
        fetch_missing(lock.lineage, missing)
        found = ResultsOnDemand(lock.lineage, runs, state_dir)
    return found


class ResultsOnDemand(Mapping[str, RunRows]):
    """Cell key -> its finished run's rows, read from the cache at each lookup and not kept.
    Its keys are the runs with a cached document; looking up one whose document does not
    validate raises KeyError (`get` answers None), as for a run with none."""

    def __init__(self, lineage: str, runs: Mapping[str, int], state_dir: Path | None) -> None:
        self._directory = results_directory(lineage, state_dir)
        self._recent = RecentChecks()  # one side's runs share it: a report reads them cell by cell
        try:  # one listing, not a stat per run
            names = set(os.listdir(self._directory))
        except OSError:
            names = set()
        self._runs = {key: run_id for key, run_id in runs.items() if f"{run_id}.json" in names}

    def __getitem__(self, key: str) -> RunRows:
        rows = read_rows(self._directory, self._runs[key], self._recent)
        if rows is None:
            raise KeyError(key)
        return rows

    def __contains__(self, key: object) -> bool:
        return key in self._runs  # without reading: a malformed document is found so when read

    def __iter__(self) -> Iterator[str]:
        return iter(self._runs)

    def __len__(self) -> int:
        return len(self._runs)


def read_cached(lineage: str, runs: Mapping[str, int], state_dir: Path | None) -> dict[str, RunRows]:
    """The cached rows of these runs; a run not cached, or whose document does not validate, is missing."""
    directory = results_directory(lineage, state_dir)
    found = {key: read_rows(directory, run_id) for key, run_id in runs.items()}
    return {key: rows for key, rows in found.items() if rows is not None}
