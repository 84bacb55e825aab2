"""Fetching finished runs' per-file results into the cache (once per run), and judging their scores."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from evalspec.api import DatalabClient
from evalspec.api.shapes import RunResults
from evalspec.backend.connect import Backend
from evalspec.backend.results_cache import read_results, run_directory, write_results
from evalspec.base.scores import read_score
from evalspec.lock import places
from evalspec.lock.lockfile import Lockfile


async def fetch_results(client: DatalabClient, directory: Path, run_ids: Iterable[int]) -> int:
    """Fetch the results of the runs not cached in `directory` yet (the directory of the place
    `client` serves: results_cache.run_directory); returns how many were fetched."""
    fetched = 0
    for run_id in run_ids:
        if read_results(directory, run_id) is not None:
            continue
        results = await client.runs.results(run_id)
        write_results(directory, run_id, results)
        fetched += 1
    return fetched


async def fetch_cell_results(
    backend: Backend, lock: Lockfile, keys: Iterable[str], state_dir: Path | None = None,
) -> list[str]:
    """Fetch the results of these cells' finished runs that live where `backend` is (never a
    run id of another state: lock/places.py) into the cache; the keys fetched or already cached."""
    here = await backend.place()
    done = []
    for key in keys:
        cell = lock.cells[key]
        if cell.run_id is None or not places.readable_at(cell, lock, here):
            continue
        await fetch_results(backend.client, run_directory(lock.lineage, cell.state, state_dir), [cell.run_id])
        done.append(key)
    return done


def cached_results(directory: Path, run_id: int) -> RunResults | None:
    """The cached results of a run, or None when not cached (or not readable)."""
    document = read_results(directory, run_id)
    try:
        return RunResults.model_validate(document) if document is not None else None
    except ValidationError:
        return None


def file_score_error(results: RunResults, scale: float) -> str | None:
    """Why the run's per-file scores cannot be trusted on this scale (the first such file), or None."""
    for result in results.file_results:
        reading = read_score(result.eval_score, scale, f"eval_score of {result.filename!r}")
        if reading.error is not None:
            return reading.error
    return None
