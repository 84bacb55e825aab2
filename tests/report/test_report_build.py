"""The report model: cells new / removed / changed / unchanged, deltas, files matched by name."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from report_fixtures import STATE_DIR, fixture_lock, fixture_report

from evalspec.api.shapes import RunResults
from evalspec.backend.results_cache import (
    read_results,
    read_rows,
    results_path,
    run_directory,
    write_results,
)
from evalspec.backend.results_rows import RecentChecks, RunRows
from evalspec.lock.lockfile import Lockfile
from evalspec.report.build import Side, build_report
from evalspec.report.results import finished_runs, load_results, read_cached, results_on_demand
from evalspec.report.values import CHANGED, NEW, REMOVED, UNCHANGED

CURRENT_LINEAGE = "11111111-1111-4111-8111-111111111111"


def test_changes_against_the_baseline() -> None:
    changes = {cell.key: cell.change for cell in fixture_report().cells}
    assert changes == {
        "invoices/invoice/invoice-fields": UNCHANGED,
        "invoices/markdown/report-quality": NEW,
        "receipts/md/report-quality": REMOVED,
        "reports/markdown/report-quality": CHANGED,
        "reports/rich/report-quality[output_format=markdown+html]": NEW,
        "reports/sections/report-sections": UNCHANGED,
    }


def test_without_a_baseline_nothing_is_compared() -> None:
    report = fixture_report(baseline=False)
    assert {cell.change for cell in report.cells} == {None}
    assert all(cell.delta is None and cell.baseline_score is None for cell in report.cells)
    assert "receipts/md/report-quality" not in {cell.key for cell in report.cells}


def test_cell_scores_deltas_and_key_parts() -> None:
    cells = {cell.key: cell for cell in fixture_report().cells}
    invoice = cells["invoices/invoice/invoice-fields"]
    assert (invoice.score, invoice.baseline_score, invoice.delta) == (0.85, 0.9, -0.05)
    rich = cells["reports/rich/report-quality[output_format=markdown+html]"]
    assert (rich.collection, rich.pipeline, rich.rubric) == ("reports", "rich", "report-quality")
    assert rich.overrides == "[output_format=markdown+html]"
    assert cells["reports/markdown/report-quality"].inputs_changed
    assert cells["reports/sections/report-sections"].delta == -0.02  # not -0.019999999999999907


def test_failed_files_counted_from_cached_results_only() -> None:
    cells = {cell.key: cell for cell in fixture_report().cells}
    assert cells["reports/sections/report-sections"].failed_files == 1
    assert cells["invoices/invoice/invoice-fields"].failed_files == 0
    # run 14 finished but its results are not cached; run 15 has not finished
    assert cells["reports/rich/report-quality[output_format=markdown+html]"].failed_files is None
    assert cells["invoices/markdown/report-quality"].failed_files is None


def test_files_matched_by_name_with_the_baseline_run() -> None:
    cells = {cell.key: cell for cell in fixture_report().cells}
    rows = {row.filename: row for row in cells["invoices/invoice/invoice-fields"].files}
    assert rows["inv-001.pdf"].delta == 0
    assert rows["inv-002.pdf"].delta == -0.1
    assert rows["inv-003.pdf"].baseline_score is None and rows["inv-003.pdf"].delta is None
    assert rows["inv-004.pdf"].status is None and rows["inv-004.pdf"].baseline_score == 0.9
    # baseline results not cached for this cell: cell-level delta only, no per-file deltas
    sections = cells["reports/sections/report-sections"]
    assert sections.delta is not None and all(row.delta is None for row in sections.files)


def test_spec_cells_not_in_the_lock_are_listed_unapplied() -> None:
    current = fixture_lock("current")
    report = build_report(Side("evalspec.lock", current, {}), extra_keys=["new/cell/-"])
    cell = {c.key: c for c in report.cells}["new/cell/-"]
    assert (cell.run_id, cell.score, cell.status, cell.rubric) == (None, None, None, "-")


def test_fetch_seam_is_asked_for_missing_finished_runs_only(tmp_path: Path) -> None:
    shutil.copytree(STATE_DIR, tmp_path / "state")
    state = tmp_path / "state"
    calls: list[list[str]] = []
    document = read_results(run_directory(CURRENT_LINEAGE, None, state), 12)
    assert document is not None

    def fetch(lock: Lockfile, keys: list[str]) -> None:
        calls.append(keys)
        write_results(run_directory(lock.lineage, None, state), 14,
                      RunResults.model_validate({**document, "file_results": []}))

    results = load_results(fixture_lock("current"), state, fetch)
    assert calls == [[key_of_run(14)]]  # 15 is still running, 11-13 are cached
    assert "reports/rich/report-quality[output_format=markdown+html]" in results


def run_rows(lineage: str, run_id: int, state: Path) -> RunRows:
    """A run's cached rows, read directly."""
    rows = read_rows(os.fspath(run_directory(lineage, None, state)), run_id)
    assert rows is not None
    return rows


def key_of_run(run_id: int) -> str:
    """The key of the fixture lock's cell with this run."""
    return next(key for key, found in finished_runs(fixture_lock("current")).items() if found == run_id)


def write_corrupt(lineage: str, run_id: int, state: Path) -> None:
    """A cached results document that does not validate, and no rows beside it."""
    path = results_path(run_directory(lineage, None, state), run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".rows").unlink(missing_ok=True)
    path.write_text(json.dumps({"batch_run": "not a run"}))


def test_a_corrupt_cache_file_counts_as_missing(tmp_path: Path) -> None:
    write_corrupt(CURRENT_LINEAGE, 11, tmp_path)
    assert load_results(fixture_lock("current"), tmp_path) == {}


def test_the_current_side_needs_a_lock() -> None:
    with pytest.raises(ValueError):
        build_report(Side("x", None, {}))


def whole(rows: RunRows) -> tuple[list[Any], list[Any]]:
    """A run's rows with every file's checks, for comparing."""
    return rows.files, [rows.checks(i) for i in range(len(rows.files))]


def test_rows_written_with_the_results_are_the_rows_of_the_document(tmp_path: Path) -> None:
    lock = fixture_lock("current")
    runs = finished_runs(lock)
    derived = read_cached(lock, list(runs), STATE_DIR)  # the fixture has documents only
    assert derived and not list(STATE_DIR.rglob("*.rows"))
    for run_id in runs.values():
        document = read_results(run_directory(lock.lineage, None, STATE_DIR), run_id)
        if document is not None:
            results = RunResults.model_validate(document)
            write_results(run_directory(lock.lineage, None, tmp_path), run_id, results)
    written = read_cached(lock, list(runs), tmp_path)
    assert len(list(tmp_path.rglob("*.rows"))) == len(derived)
    assert {k: whole(r) for k, r in written.items()} == {k: whole(r) for k, r in derived.items()}
    assert any(check["reason"] for r in written.values() for i in range(len(r.files))
               for check in r.checks(i))


def test_a_damaged_rows_file_gives_way_to_the_document(tmp_path: Path) -> None:
    state = tmp_path / "state"
    shutil.copytree(STATE_DIR, state)
    document = read_results(run_directory(CURRENT_LINEAGE, None, state), 11)
    assert document is not None
    write_results(run_directory(CURRENT_LINEAGE, None, state), 11, RunResults.model_validate(document))
    rows_file = results_path(run_directory(CURRENT_LINEAGE, None, state), 11).with_suffix(".rows")
    good = whole(run_rows(CURRENT_LINEAGE, 11, state))
    for damage in (b"", b'["evalspec-rows",2]\n[]\n[]\n', b'["evalspec-rows",1]\n[["a.pdf"]]\n[]\n',
                   rows_file.read_bytes().replace(b'"completed"', b'true', 1)):
        rows_file.write_bytes(damage)
        assert whole(run_rows(CURRENT_LINEAGE, 11, state)) == good


def cache_with_rows(lock: Lockfile, state: Path) -> None:
    """The fixture's cached documents written again into `state`, so each has its rows file."""
    for run_id in finished_runs(lock).values():
        document = read_results(run_directory(lock.lineage, None, STATE_DIR), run_id)
        if document is not None:
            results = RunResults.model_validate(document)
            write_results(run_directory(lock.lineage, None, state), run_id, results)


def test_a_report_without_checks_shown_parses_no_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = fixture_lock("current")
    cache_with_rows(lock, tmp_path)
    results = results_on_demand(lock, tmp_path)
    parsed: list[RunRows] = []
    monkeypatch.setattr(RunRows, "parse_checks", lambda rows: parsed.append(rows) or [[] for _ in rows.files])
    report = build_report(Side("evalspec.lock", lock, results))
    assert sum(f.failing_count for cell in report.cells for f in cell.files) > 0
    assert parsed == []  # counted from the rows alone
    assert report.cells[0].files[0].checks == [] and len(parsed) == 1  # read when shown


def test_parsed_checks_are_kept_for_the_last_few_runs_only(tmp_path: Path) -> None:
    lock = fixture_lock("current")
    cache_with_rows(lock, tmp_path)
    recent = RecentChecks(runs=1)
    directory = os.fspath(run_directory(lock.lineage, None, tmp_path))
    runs = [read_rows(directory, run_id, recent) for run_id in finished_runs(lock).values()]
    found = [rows for rows in runs if rows is not None]
    assert len(found) >= 2
    first = [found[0].checks(i) for i in range(len(found[0].files))]
    assert found[0].checks(0) is first[0]  # kept while it is the last run read
    [found[1].checks(i) for i in range(len(found[1].files))]
    again = [found[0].checks(i) for i in range(len(found[0].files))]
    assert again == first and again[0] is not first[0]  # parsed again: not kept past one run


def test_results_read_on_demand_are_the_cached_results(tmp_path: Path) -> None:
    lock = fixture_lock("current")
    eager = read_cached(lock, list(finished_runs(lock)), STATE_DIR)
    lazy = results_on_demand(lock, STATE_DIR)
    assert set(lazy) == set(eager) and len(lazy) == len(eager) and eager
    assert all(whole(lazy[key]) == whole(rows) for key, rows in eager.items())
    assert results_on_demand(lock, tmp_path / "nothing cached") == {}


def test_a_corrupt_cache_file_read_on_demand_counts_as_missing_and_is_not_fetched(tmp_path: Path) -> None:
    state = tmp_path / "state"
    shutil.copytree(STATE_DIR, state)
    lock = fixture_lock("current")
    key = next(key for key, run_id in finished_runs(lock).items() if run_id == 11)
    write_corrupt(CURRENT_LINEAGE, 11, state)
    calls: list[list[str]] = []
    results = results_on_demand(lock, state, lambda _lock, keys: calls.append(keys))
    assert calls == [[key_of_run(14)]]  # the one not cached at all (15 is still running)
    assert key in results and results.get(key) is None
    with pytest.raises(KeyError):
        results[key]
    report = build_report(Side("evalspec.lock", lock, results))
    cell = {c.key: c for c in report.cells}[key]
    assert cell.files == () and cell.failed_files is None  # cell-level numbers only
