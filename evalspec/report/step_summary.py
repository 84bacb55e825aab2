"""GitHub Actions' job summary: `report` appends its markdown when GITHUB_STEP_SUMMARY is set."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from evalspec.report.formats import render
from evalspec.report.values import Report

STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
# GitHub rejects a step's summary over 1 MiB (1,048,576 bytes); leave room for what else the step wrote.
STEP_SUMMARY_LIMIT = 1_000_000


def append_step_summary(report: Report, environ: Mapping[str, str]) -> Path | None:
    """Append the markdown report to the job summary file, if the environment names one."""
    name = environ.get(STEP_SUMMARY_ENV)
    if not name:
        return None
    path = Path(name)
    text = render(report, "markdown", limit=STEP_SUMMARY_LIMIT)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")
    return path
