"""Per-file results for a report: from the results cache, fetching the missing ones through a seam.

Results of a finished run never change, so the cache is the source; `fetch_missing` is how a
command with a backend fills the gaps (apply normally has already cached them).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from evalspec.api.shapes import FileResult, RunResults
from evalspec.backend.results_cache import read_many_results, results_path
from evalspec.base.gcpause import gc_paused
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


def results_on_demand(
    lock: Lockfile, state_dir: Path | None, fetch_missing: FetchMissing | None = None,
    model: type[RunResults] = RunResults,
) -> ResultsOnDemand:
    """`load_results`, each run's results read when asked for: a report of 10,000 cells holds
    one parsed run at a time, not 200,000 parsed files. A file that is cached but malformed is
    found so only when read: it counts as missing, without being fetched again."""
    runs = finished_runs(lock)
    found = ResultsOnDemand(lock.lineage, runs, state_dir, model)
    missing = sorted({run_id for key, run_id in runs.items() if key not in found})
    if missing and fetch_missing is not None:
        fetch_missing(lock.lineage, missing)
        found = ResultsOnDemand(lock.lineage, runs, state_dir, model)
    return found


class ResultsOnDemand(Mapping[str, RunResults]):
    """Cell key -> its finished run's cached results as `model`, parsed from the cache file at
    each lookup and not kept. Its keys are the runs with a cache file; looking up one whose file
    does not parse raises KeyError (`get` answers None), as for a run with none."""

    def __init__(self, lineage: str, runs: Mapping[str, int], state_dir: Path | None,
                 model: type[RunResults]) -> None:
        self._lineage, self._state_dir, self._model = lineage, state_dir, model
        try:  # one listing, not a stat per run
            names = set(os.listdir(results_path(lineage, 0, state_dir).parent))
        except OSError:
            names = set()
        self._runs = {key: run_id for key, run_id in runs.items() if f"{run_id}.json" in names}

    def __getitem__(self, key: str) -> RunResults:
        [(_, document)] = read_many_results(self._lineage, [self._runs[key]], self._state_dir)
        parsed = _parsed(self._model, document)
        if parsed is None:
            raise KeyError(key)
        return parsed

    def __contains__(self, key: object) -> bool:
        return key in self._runs  # without reading: a malformed file is found so when read

    def __iter__(self) -> Iterator[str]:
        return iter(self._runs)

    def __len__(self) -> int:
        return len(self._runs)


def read_cached(
    lineage: str, runs: Mapping[str, int], state_dir: Path | None, model: type[RunResults] = RunResults,
) -> dict[str, RunResults]:
    """The cached results of these runs, as `model`; an unreadable or malformed file counts as missing."""
    found: dict[str, RunResults] = {}
    with gc_paused():
        documents = read_many_results(lineage, runs.values(), state_dir)
        for key, (_, document) in zip(runs, documents, strict=True):
            parsed = _parsed(model, document)
            if parsed is not None:
                found[key] = parsed
    return found


def _parsed(model: type[RunResults], document: bytes | None) -> RunResults | None:
    if document is None:
        return None
    try:  # parsed and validated in one step: no intermediate dicts for 20,000 files
        return model.model_validate_json(document)
    except ValidationError:
        return None


class FileScores(FileResult):
    """A file's result without its per-check details: they are never parsed."""

    # No input key maps to it, so the JSON's `eval_results` is skipped, not built and dropped;
    # a factory, since a default of `{}` would be deep-copied into each of 200,000 files.
    eval_results: dict[str, Any] = Field(default_factory=dict, validation_alias="-")


class RunScores(RunResults):
    """A run's results for the side of a report that needs scores only: the baseline's.

    The per-check details are half the cost of reading a results file, and a baseline of 10,000
    cells has 200,000 files.
    """

    file_results: tuple[FileScores, ...] = ()
