"""Fetching finished runs' per-file results into the cache (once per run)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from evalspec.api import DatalabClient
from evalspec.backend.results_cache import read_results, write_results


async def fetch_results(
    client: DatalabClient, lineage: str, run_ids: Iterable[int], state_dir: Path | None = None
) -> int:
    """Fetch the results of the runs not cached yet; returns how many were fetched."""
    fetched = 0
    for run_id in run_ids:
        if read_results(lineage, run_id, state_dir) is not None:
            continue
        results = await client.runs.results(run_id)
        write_results(lineage, run_id, results.model_dump(mode="json"), state_dir)
        fetched += 1
    return fetched
