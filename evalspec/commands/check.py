"""`evalspec check`: evaluate the spec's gates on the lock (and baseline); exit 1 on any failure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evalspec.console import out
from evalspec.errors import EXIT_GATES_FAILED, EXIT_OK
from evalspec.report.assemble import assemble
from evalspec.report.checktext import check_lines


@dataclass(frozen=True)
class CheckRequest:
    """The check command's arguments."""

    paths: Sequence[Path]
    lock_path: Path
    baseline: str | None = None
    state_dir: Path | None = None


def run(request: CheckRequest) -> int:
    """Print every gate's verdict per cell and a summary; 1 when any gate failed, else 0."""
    # Per-file results are read from the cache when apply left them (never fetched): they tell
    # completed files from failed ones for min_completed_ratio.
    report = assemble(request.paths, request.lock_path, request.baseline, state_dir=request.state_dir)
    for line in check_lines(report):
        out(line)
    return EXIT_GATES_FAILED if report.failed_verdicts else EXIT_OK
