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

from evalspec.backend.evidence import unique_names
from evalspec.backend.results_rows import FILENAME, REQUEST_ID, RunRows
from evalspec.backend.which import planned_target
from evalspec.base.suggest import closest
from evalspec.commands.report import backend_fetcher
from evalspec.console import out, paint_verdicts
from evalspec.errors import EXIT_OK, InputError, RemoteError
from evalspec.lock import places
from evalspec.lock.journal import read_current_lock
from evalspec.lock.lockfile import Lockfile
from evalspec.report.assemble import baseline_side
from evalspec.report.build import Side, build_report
from evalspec.report.document import cell_json, file_json
from evalspec.report.results import cached_rows, read_cached
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
        _show_file(request, lock, row, _file(row, lock, request.file))
    return EXIT_OK


def _unknown(kind: str, name: str, known: Any, where: str = "the lock") -> str:
    names = closest(name, known)
    hint = f"; closest: {', '.join(names)}" if names else ""
    return f"no {kind} {name!r} in {where}{hint}"


def _cell_row(request: ShowRequest, lock: Lockfile) -> CellRow:
    """The cell as the report sees it: its files (committed, cached, or fetched for this run)
    and baseline."""
    key, cell = request.cell, lock.cells[request.cell]
    results: dict[str, RunRows] = {}
    if cell.run_id is not None and cell.is_finished:
        # One cell: its run's cached rows when this machine has them (the same results the
        # lock's evidence was made of, with request ids and every check's reason), else the evidence.
        detailed = cached_rows(lock, key, request.state_dir)
        results = {key: detailed} if detailed is not None else read_cached(lock, [key], request.state_dir)
        if not results and request.fetch:
            backend_fetcher(request.backend, request.state_dir)(lock, [key])
            results = read_cached(lock, [key], request.state_dir)
    baseline = baseline_side(request.baseline, request.lock_path, request.state_dir, True)
    report = build_report(Side(str(request.lock_path), lock, results), baseline)
    return next(row for row in report.cells if row.key == key)


def _file(row: CellRow, lock: Lockfile, name: str) -> FileRow:
    found = {f.filename: f for f in row.files}
    if name in found:
        return found[name]
    if not found:
        cell = lock.cells[row.key]
        status = row.status or "not submitted"
        why = f"cell {row.key} has no per-file results (run {row.run_id}: {status})"
        if cell.is_finished and cell.files is None:
            why += (": the lock holds no evidence of its files (written before evidence was kept), "
                    "nor does this machine's results cache; "
                    f"`evalspec apply --replace {row.key}` evaluates it again here")
        raise InputError(why)
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
    output, elsewhere = _output(request, lock, row, file)
    if request.as_json:
        document = {"cell": row.key, "run_id": row.run_id, **file_json(file), "output": output}
        if elsewhere is not None:
            document["output_lives_in"] = elsewhere
        out(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))
        return
    where = None if elsewhere is None else (
        f"lives in {places.short(elsewhere)}, where the run was made; "
        f"`evalspec apply --replace {row.key}` evaluates the cell again here")
    out("\n".join(paint_verdicts(file_lines(row.key, file, row.run_id, output, where))))


def _output(request: ShowRequest, lock: Lockfile, row: CellRow,
            file: FileRow) -> tuple[dict[str, Any] | None, str | None]:
    """The file's output, asked of the local service (the only backend known to keep it), and
    the place the run lives in when that is not this machine's local state."""
    cell = lock.cells[row.key]
    if places.cell_backend(cell, lock) != places.LOCAL or row.run_id is None or not request.fetch:
        return None, None
    here = planned_target(places.LOCAL, request.state_dir).place
    if here is None or not places.readable_at(cell, lock, here):
        return None, cell.state or places.LOCAL
    detailed = cached_rows(lock, row.key, request.state_dir)
    request_id = file.request_id or _request_id(detailed, file.filename)
    if request_id is None:
        return None, None
    try:
        return asyncio.run(_fetch_output(request, row.run_id, request_id)), None
    except RemoteError:
        return None, None


def _request_id(rows: RunRows | None, name: str) -> str | None:
    """The file's request id in the run's cached rows (committed evidence keeps none)."""
    if rows is None:
        return None
    names = unique_names(line[FILENAME] for line in rows.files)
    return next((line[REQUEST_ID] for n, line in zip(names, rows.files, strict=True) if n == name), None)


async def _fetch_output(request: ShowRequest, run_id: int, request_id: str) -> dict[str, Any] | None:
    from evalspec.backend.connect import open_backend

    async with open_backend("local", state_dir=request.state_dir) as opened:
        return await opened.client.runs.file_output(run_id, request_id)
