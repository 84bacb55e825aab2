"""`evalspec report`: render the lock's results and their deltas against a baseline."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from evalspec.base.atomic import write_atomic
from evalspec.base.gcpause import gc_paused
from evalspec.base.text import plural
from evalspec.console import err
from evalspec.errors import EXIT_OK, RemoteError
from evalspec.lock.lockfile import Lockfile
from evalspec.plan.select import parse_selection
from evalspec.report.assemble import assemble
from evalspec.report.formats import render_chunks, render_template
from evalspec.report.results import FetchMissing
from evalspec.report.step_summary import append_step_summary


@dataclass(frozen=True)
class ReportRequest:
    """The report command's arguments; `environ` is where GITHUB_STEP_SUMMARY is looked up."""

    paths: Sequence[Path]
    lock_path: Path
    baseline: str | None = None
    fmt: str = "markdown"
    out_file: Path | None = None
    template: Path | None = None
    backend: str | None = None
    fetch: bool = False
    state_dir: Path | None = None
    environ: Mapping[str, str] | None = None
    selects: Sequence[str] = ()
    shard: str | None = None


def run(request: ReportRequest) -> int:
    """Write the report to a file or stdout; append markdown to GitHub's job summary when set.

    With `fetch` (or a `backend` named), finished runs whose per-file results are not cached are
    fetched through `backend`, by default the one the lock was applied with; otherwise the report
    shows what is cached.
    """
    lock_path, state_dir, fmt = request.lock_path, request.state_dir, request.fmt
    out_file, template, environ = request.out_file, request.template, request.environ
    wants_fetch = request.fetch or request.backend is not None
    fetcher = backend_fetcher(request.backend, state_dir) if wants_fetch else None
    selection = parse_selection(request.selects, request.shard)
    with gc_paused():  # a report of 10,000 cells is millions of live objects and no cyclic garbage
        report = assemble(request.paths, lock_path, request.baseline, state_dir=state_dir,
                          fetch_missing=fetcher, selection=selection)
        chunks = [render_template(report, template)] if template is not None else render_chunks(report, fmt)
        if out_file is not None:  # json is rendered as it is written, cell by cell
            write_atomic(out_file, chunks)
        else:
            sys.stdout.writelines(chunks)
    if out_file is not None:
        err(f"Wrote the {'templated' if template else fmt} report to {out_file}.")
    summary = append_step_summary(report, os.environ if environ is None else environ)
    if summary is not None:
        err(f"Appended the markdown report to the job summary ({summary}).")
    return EXIT_OK


def backend_fetcher(backend: str | None, state_dir: Path | None) -> FetchMissing:
    """Fetch missing results through the backend (`--backend`, else the lock's), for the runs
    that live there. A report is still worth having without them, so a remote failure is a
    warning and those cells show cell-level numbers only."""

    def fetch(lock: Lockfile, keys: list[str]) -> None:
        try:
            asyncio.run(_fetch(backend, lock, keys, state_dir))
        except RemoteError as exc:
            err(f"warning: could not fetch the per-file results of {plural(len(keys), 'cell')}: {exc}")
            err("warning: those cells show cell-level numbers only")

    return fetch


async def _fetch(backend: str | None, lock: Lockfile, keys: list[str], state_dir: Path | None) -> None:
    from evalspec.backend.connect import open_backend
    from evalspec.backend.fetch import fetch_cell_results
    from evalspec.backend.which import backend_for_lock

    async with open_backend(backend_for_lock(lock, backend), state_dir=state_dir) as opened:
        await fetch_cell_results(opened, lock, keys, state_dir)
