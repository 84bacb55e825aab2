"""`evalspec check`: evaluate the spec's gates on the lock (and baseline); exit 1 on any failure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evalspec.console import out, paint_verdicts
from evalspec.errors import EXIT_GATES_FAILED, EXIT_OK
from evalspec.plan.select import parse_selection
from evalspec.report.assemble import assemble
from evalspec.report.checktext import check_json, check_lines


@dataclass(frozen=True)
class CheckRequest:
    """The check command's arguments."""

    paths: Sequence[Path]
    lock_path: Path
    baseline: str | None = None
    selects: Sequence[str] = ()
    shard: str | None = None
    as_json: bool = False
    state_dir: Path | None = None


def run(request: CheckRequest) -> int:
    """Print every gate's verdict per cell and a summary (or JSON); 1 when any gate failed, else 0."""
    selection = parse_selection(request.selects, request.shard)
    # Per-file results are read from the cache when apply left them (never fetched): they tell
    # completed files from failed ones for min_completed_ratio.
    report = assemble(request.paths, request.lock_path, request.baseline, state_dir=request.state_dir,
                      selection=selection)
    if request.as_json:
        out(json.dumps(check_json(report), indent=2, sort_keys=True))
    else:
        for line in paint_verdicts(check_lines(report)):
            out(line)
    return EXIT_GATES_FAILED if report.failed_verdicts else EXIT_OK
