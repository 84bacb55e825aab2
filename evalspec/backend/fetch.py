"""Fetching finished runs' per-file results into the cache (once per run), and judging their scores."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from evalspec.api import DatalabClient
from evalspec.api.shapes import RunResults
from evalspec.backend.results_cache import read_results, write_results
from evalspec.base.scores import read_score


async def fetch_results(
    client: DatalabClient, lineage: str, run_ids: Iterable[int], state_dir: Path | None = None
) -> int:
    """Fetch the results of the runs not cached yet; returns how many were fetched."""
    fetched = 0
    for run_id in run_ids:
        if read_results(lineage, run_id, state_dir) is not None:
            continue
        results = await client.runs.results(run_id)
        write_results(lineage, run_id, results, state_dir)
        fetched += 1
    return fetched


def cached_results(lineage: str, run_id: int, state_dir: Path | None = None) -> RunResults | None:
    """The cached results of a run, or None when not cached (or not readable)."""
    document = read_results(lineage, run_id, state_dir)
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
