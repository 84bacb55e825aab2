"""The cache of finished runs' per-file results, one JSON file per run.

Results of a finished run never change, so they are fetched once (by apply, or by report when
missing) and kept under `<state dir>/results/<lock lineage>/<run id>.json`. The lineage keeps
runs of different locks (and so of different backends, whose run ids overlap) apart. Each file
holds the results endpoint's document as the server sent it: `{"batch_run", "file_results"}`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from evalspec.base import paths
from evalspec.base.atomic import write_atomic


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


def read_many_results(
    lineage: str, run_ids: Iterable[int], state_dir: Path | None = None
) -> Iterator[tuple[int, bytes | None]]:
    """Each run's cached results document as raw JSON (None when not cached), for parsing in one
    step; the directory is resolved once, not per run (a report reads 20,000 of them)."""
    directory = os.fspath(results_path(lineage, 0, state_dir).parent)
    for run_id in run_ids:
        try:
            with open(os.path.join(directory, f"{run_id}.json"), "rb") as file:
                yield run_id, file.read()
        except OSError:
            yield run_id, None


def write_results(lineage: str, run_id: int, document: dict[str, Any], state_dir: Path | None = None) -> None:
    """Cache a finished run's results document, compact: a report reads 20,000 of them, and
    indentation is a third of their bytes and of their parsing time."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"
    write_atomic(results_path(lineage, run_id, state_dir), text)
