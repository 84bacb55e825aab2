"""Per-file results for a report: the lock's committed evidence first, then the results cache.

A finished cell's files are read from the evidence the lock commits (backend/evidence.py), so
any checkout reports, gates and compares them without the backend that ran them; the checks'
reasons are taken from the results cache when it holds that run (in the state that ran it).
Cells of locks written before evidence was kept are read from the cache alone, and
`fetch_missing` is how a command with a backend fills its gaps: only with runs that live
where that backend is (lock/places.py), never by a run id of another state.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from evalspec.backend.evidence import rows_of_evidence
from evalspec.backend.results_cache import read_rows, run_directory
from evalspec.backend.results_rows import RecentChecks, RunRows
from evalspec.lock.lockfile import LockCell, Lockfile

FetchMissing = Callable[[Lockfile, list[str]], None]
"""fetch_missing(lock, keys): put the results of these cells' finished runs into the cache,
those that live where the fetcher's backend is."""


def finished_runs(lock: Lockfile) -> dict[str, int]:
    """Cell key -> run id, for the cells whose run ended (unfinished results would still change)."""
    return {
        key: cell.run_id for key, cell in lock.cells.items()
        if cell.run_id is not None and cell.is_finished
    }


def cell_directory(lock: Lockfile, cell: LockCell, state_dir: Path | None) -> Path:
    """Where the results of the cell's run are cached."""
    return run_directory(lock.lineage, cell.state, state_dir)


def load_results(
    lock: Lockfile, state_dir: Path | None, fetch_missing: FetchMissing | None = None,
) -> dict[str, RunRows]:
    """Cell key -> rows of its finished run, for every one with evidence or cached results."""
    found = results_on_demand(lock, state_dir, fetch_missing)
    return {key: rows for key in found if (rows := found.get(key)) is not None}


def results_on_demand(
    lock: Lockfile, state_dir: Path | None, fetch_missing: FetchMissing | None = None,
) -> ResultsOnDemand:
    """`load_results`, each run's rows made when asked for: a report of 10,000 cells holds the
    rows of one run at a time. A run cached with results that do not validate is found so only
    when read: it counts as missing, without being fetched again."""
    found = ResultsOnDemand(lock, state_dir)
    missing = [key for key in found.without_evidence() if key not in found]
    if missing and fetch_missing is not None:
        fetch_missing(lock, missing)
        found = ResultsOnDemand(lock, state_dir)
    return found


class ResultsOnDemand(Mapping[str, RunRows]):
    """Cell key -> its finished run's rows, made from the lock's evidence or read from the cache
    at each lookup, and not kept. Its keys are the cells with evidence or a cached document;
    looking up one whose document does not validate raises KeyError (`get` answers None)."""

    def __init__(self, lock: Lockfile, state_dir: Path | None) -> None:
        self._lock = lock
        self._state_dir = state_dir
        self._recent = RecentChecks()  # one side's runs share it: a report reads them cell by cell
        self._listings: dict[Path, set[str]] = {}
        runs = finished_runs(lock)
        self._with_evidence = dict.fromkeys(key for key in runs if lock.cells[key].files is not None)
        self._cached = {key: run_id for key, run_id in runs.items()
                        if key not in self._with_evidence and self._is_cached(lock.cells[key])}
        self._missing = [key for key in runs if key not in self._with_evidence]

    def without_evidence(self) -> list[str]:
        """The finished cells the lock holds no evidence for (cached or not)."""
        return self._missing

    def _is_cached(self, cell: LockCell) -> bool:
        directory = cell_directory(self._lock, cell, self._state_dir)
        if directory not in self._listings:  # one listing per directory, not a stat per run
            try:
                self._listings[directory] = set(os.listdir(directory))
            except OSError:
                self._listings[directory] = set()
        return f"{cell.run_id}.json" in self._listings[directory]

    def _cached_rows(self, cell: LockCell) -> RunRows | None:
        return cell_rows(self._lock, cell, self._state_dir, self._recent)

    def _details(self, cell: LockCell) -> RunRows | None:
        return self._cached_rows(cell) if self._is_cached(cell) else None

    def __getitem__(self, key: str) -> RunRows:
        cell = self._lock.cells.get(key)
        if cell is not None and key in self._with_evidence:
            assert cell.files is not None
            return rows_of_evidence(cell.files, lambda: self._details(cell))
        rows = self._cached_rows(cell) if cell is not None and key in self._cached else None
        if rows is None:
            raise KeyError(key)
        return rows

    def __contains__(self, key: object) -> bool:
        return key in self._with_evidence or key in self._cached  # a malformed document is found so when read

    def __iter__(self) -> Iterator[str]:
        yield from self._with_evidence
        yield from self._cached

    def __len__(self) -> int:
        return len(self._with_evidence) + len(self._cached)


def cached_rows(lock: Lockfile, key: str, state_dir: Path | None) -> RunRows | None:
    """The cell's run's rows as its results cache holds them (request ids, reasons), if it does."""
    return cell_rows(lock, lock.cells[key], state_dir)


def cell_rows(lock: Lockfile, cell: LockCell, state_dir: Path | None,
              recent: RecentChecks | None = None) -> RunRows | None:
    """The rows of the cell's run in the results cache (None: not cached, or not valid)."""
    if cell.run_id is None:
        return None
    return read_rows(os.fspath(cell_directory(lock, cell, state_dir)), cell.run_id, recent)


def read_cached(lock: Lockfile, keys: list[str], state_dir: Path | None) -> dict[str, RunRows]:
    """The rows of these cells (evidence, else cache); a cell with neither is missing."""
    found = ResultsOnDemand(lock, state_dir)
    return {key: rows for key in keys if (rows := found.get(key)) is not None}
