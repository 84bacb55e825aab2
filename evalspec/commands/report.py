"""`evalspec report`: render the lock's results and their deltas against a baseline."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from evalspec.console import err
from evalspec.errors import EXIT_OK
from evalspec.lock.io import write_atomic
from evalspec.report.assemble import assemble
from evalspec.report.render import render, render_template
from evalspec.report.results import FetchMissing
from evalspec.report.summary import append_step_summary


def run(
    paths: Sequence[Path], lock_path: Path, *, baseline: str | None, fmt: str, out_file: Path | None,
    template: Path | None = None, state_dir: Path | None = None, fetch_missing: FetchMissing | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Write the report to `out_file` or stdout; append markdown to GitHub's job summary when set."""
    report = assemble(paths, lock_path, baseline, state_dir=state_dir, fetch_missing=fetch_missing)
    text = render_template(report, template) if template is not None else render(report, fmt)
    if out_file is not None:
        write_atomic(out_file, text)
        err(f"Wrote the {'templated' if template else fmt} report to {out_file}.")
    else:
        sys.stdout.write(text)
    summary = append_step_summary(report, os.environ if environ is None else environ)
    if summary is not None:
        err(f"Appended the markdown report to the job summary ({summary}).")
    return EXIT_OK
