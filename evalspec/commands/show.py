"""`evalspec show CELL [FILE]`: one cell of the lock, or one file of its run with every check.

Per-file results come from the cache, fetched for this one run when missing (through the backend
the lock was applied with, unless `--no-fetch`). A file's pipeline output is asked of the local
service, which keeps it; Datalab's results carry only ids (`request_id`, `lookup_key`).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalspec.backend.results_rows import RunRows
from evalspec.base.suggest import closest
from evalspec.commands.report import backend_fetcher
from evalspec.console import out, paint_verdicts
from evalspec.errors import EXIT_OK, InputError, RemoteError
from evalspec.lock.journal import read_current_lock
from evalspec.lock.lockfile import Lockfile
from evalspec.report.assemble import baseline_side
from evalspec.report.build import Side, build_report
from evalspec.report.document import cell_json, file_json
from evalspec.report.results import read_cached
from evalspec.report.showtext import cell_lines, file_lines
from evalspec.report.values import CellRow, FileRow


@dataclass(frozen=True)
class ShowRequest:
    """The show command's arguments."""

    cell: str
    file: str | None
    lock_path: Path
    as_json: bool = False
    baseline: str | None = None
    backend: str | None = None
    fetch: bool = True
    state_dir: Path | None = None


def run(request: ShowRequest) -> int:
    """Print the cell (or the file) view; exit 2 with the closest names when either is unknown."""
    lock = read_current_lock(request.lock_path)
    if lock is None:
        raise InputError(f"no lockfile at {request.lock_path}: run `evalspec apply` first (or pass --lock)")
    if request.cell not in lock.cells:
        raise InputError(_unknown("cell", request.cell, lock.cells))
    row = _cell_row(request, lock)
    if request.file is None:
        _show_cell(request, lock, row)
    else:
        _show_file(request, lock, row, _file(row, request.file))
    return EXIT_OK


def _unknown(kind: str, name: str, known: Any, where: str = "the lock") -> str:
    names = closest(name, known)
    hint = f"; closest: {', '.join(names)}" if names else ""
    return f"no {kind} {name!r} in {where}{hint}"


def _cell_row(request: ShowRequest, lock: Lockfile) -> CellRow:
    """The cell as the report sees it: its files (cached, or fetched for this run) and baseline."""
    key, cell = request.cell, lock.cells[request.cell]
    results: dict[str, RunRows] = {}
    if cell.run_id is not None and cell.is_finished:
        runs = {key: cell.run_id}
        results = read_cached(lock.lineage, runs, request.state_dir)
        if not results and request.fetch:
            fetch = backend_fetcher(request.backend, request.lock_path, request.state_dir)
            fetch(lock.lineage, [cell.run_id])
            results = read_cached(lock.lineage, runs, request.state_dir)
    base = baseline_side(request.baseline, request.lock_path, request.state_dir, True)
    report = build_report(Side(str(request.lock_path), lock, results), base)
    return next(row for row in report.cells if row.key == key)


def _file(row: CellRow, name: str) -> FileRow:
    found = {f.filename: f for f in row.files}
    if name in found:
        return found[name]
    if not found:
        status = row.status or "not submitted"
        raise InputError(f"cell {row.key} has no per-file results (run {row.run_id}: {status})")
    raise InputError(_unknown("file", name, found, f"cell {row.key}"))


def _show_cell(request: ShowRequest, lock: Lockfile, row: CellRow) -> None:
    schemas = (lock.inputs or {}).get("schemas") or {}
    if request.as_json:
        document = {**cell_json(row), "request": lock.cells[row.key].request,
                    "schemas": {d: v.get("name") for d, v in schemas.items()}}
        out(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))
        return
    out("\n".join(paint_verdicts(cell_lines(row, lock.cells[row.key], schemas))))


def _show_file(request: ShowRequest, lock: Lockfile, row: CellRow, file: FileRow) -> None:
    output = _output(request, lock, row, file)
    if request.as_json:
        document = {"cell": row.key, "run_id": row.run_id, **file_json(file), "output": output}
        out(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))
        return
    out("\n".join(paint_verdicts(file_lines(row.key, file, row.run_id, output))))


def _output(request: ShowRequest, lock: Lockfile, row: CellRow, file: FileRow) -> dict[str, Any] | None:
    """The file's output, asked of the local service (the only backend known to keep it)."""
    if lock.backend != "local" or row.run_id is None or file.request_id is None or not request.fetch:
        return None
    try:
        return asyncio.run(_fetch_output(request, lock, row.run_id, file.request_id))
    except RemoteError:
        return None


async def _fetch_output(
    request: ShowRequest, lock: Lockfile, run_id: int, request_id: str,
) -> dict[str, Any] | None:
    from evalspec.backend.connect import check_same_backend, open_backend

    async with open_backend(request.backend or "local", state_dir=request.state_dir) as opened:
        check_same_backend(lock, opened, request.lock_path)
        return await opened.client.runs.file_output(run_id, request_id)
