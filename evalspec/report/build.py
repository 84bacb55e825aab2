"""Building the report model from a lock, its cached results and an optional baseline."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from evalspec.backend.evidence import unique_names
from evalspec.backend.results_rows import (
    ERROR,
    FAILING,
    FILENAME,
    LOOKUP_KEY,
    REQUEST_ID,
    SCORE,
    STATUS,
    FileLine,
    RunRows,
)
from evalspec.base import runstatus
from evalspec.base.scores import score_value
from evalspec.lock.lockfile import FileEvidence, LockCell, Lockfile
from evalspec.plan.cost import spent_text
from evalspec.plan.explain import Cause, input_causes
from evalspec.plan.select import key_parts
from evalspec.report.repeat_groups import repeat_rows
from evalspec.report.values import CHANGED, NEW, REMOVED, UNCHANGED, CellRow, FileChecks, FileRow, Report


@dataclass(frozen=True)
class Side:
    """One side of the comparison: a named lock and the per-file results found for its cells."""

    name: str  # the lock's path, or the baseline as the user wrote it (`git:HEAD~1`)
    lock: Lockfile | None  # None only for an empty baseline (no lock at that git ref)
    results: Mapping[str, RunRows]


def build_report(current: Side, baseline: Side | None = None, extra_keys: Iterable[str] = ()) -> Report:
    """The report of `current` against `baseline`; `extra_keys` are spec cells not in the lock yet."""
    lock = current.lock
    if lock is None:
        raise ValueError("the current side of a report needs a lock")
    base_cells = baseline.lock.cells if baseline is not None and baseline.lock is not None else {}
    keys = sorted(set(lock.cells) | set(extra_keys) | set(base_cells))
    cells = tuple(_cell(key, lock, current.results, baseline) for key in keys)
    base_lock = baseline.lock if baseline is not None else None
    return Report(
        lock_name=current.name, lineage=lock.lineage, serial=lock.serial,
        baseline_name=baseline.name if baseline is not None else None,
        baseline_empty=baseline is not None and baseline.lock is None,
        cells=cells, repeated=repeat_rows(cells, lock, base_lock),
        input_changes=_input_changes(lock, baseline.lock if baseline is not None else None),
        without_evidence=tuple(sorted(key for key, cell in lock.cells.items()
                                      if cell.is_finished and cell.files is None)),
        spent=spent_text(_new_runs(lock, base_cells), change=baseline is not None),
    )


Spent = tuple[int | None, float | None]


def _new_runs(lock: Lockfile, base_cells: Mapping[str, LockCell]) -> Iterator[Spent]:
    """(pages, usd) of each run of the lock that the baseline does not hold."""
    for key, cell in lock.cells.items():
        then = base_cells.get(key)
        if cell.run_id is not None and (then is None or then.run_id != cell.run_id):
            yield cell.pages, cell.usd


def _input_changes(lock: Lockfile, base: Lockfile | None) -> dict[str, tuple[Cause, ...]]:
    """For each cell whose fingerprint moved against the baseline, the inputs that moved it,
    named as the plan names them."""
    if base is None:
        return {}
    found = {}
    for key, now in lock.cells.items():
        then = base.cells.get(key)
        if then is not None and then.fingerprint != now.fingerprint:
            found[key] = input_causes(key, (then.request, base.inputs), (now.request, lock.inputs))
    return found


def _cell(key: str, lock: Lockfile, results_by_key: Mapping[str, RunRows], base: Side | None) -> CellRow:
    now = lock.cells.get(key)
    then = base.lock.cells.get(key) if base is not None and base.lock is not None else None
    results = results_by_key.get(key)
    base_results = base.results.get(key) if base is not None and then is not None else None
    parts = key_parts(key)
    return CellRow(
        key=key, collection=parts["collection"], pipeline=parts["pipeline"], rubric=parts["rubric"],
        overrides=key[len(key.split("[", 1)[0]):], change=_change(now, then, base is not None),
        status=now.status if now else None, run_id=now.run_id if now else None,
        score=_trusted(now), baseline_score=_trusted(then),
        total_files=now.total_files if now else None, completed_files=now.completed_files if now else None,
        failed_files=_count(results, runstatus.FILE_FAILED),
        files=file_rows(results, base_results, lock.score_scale or 1.0),
        submitted_at=now.submitted_at if now else None, completed_at=now.completed_at if now else None,
        error=now.error if now else None,
        ok_files=_count(results, runstatus.FILE_COMPLETED),
        evidence=_evidence(now), baseline_evidence=_evidence(then), not_evaluated=_not_evaluated(now),
    )


def _evidence(cell: LockCell | None) -> Mapping[str, FileEvidence] | None:
    """The cell's per-file evidence, unless the lock says its numbers cannot be trusted."""
    return cell.files if cell is not None and cell.error is None else None


def _not_evaluated(cell: LockCell | None) -> tuple[str, ...]:
    """The kinds of the cell's checks its backend skipped, once per file that skipped them."""
    if cell is None or not cell.files:
        return ()
    return tuple(sorted(kind for item in cell.files.values() for kind in item.skipped))


def _trusted(cell: LockCell | None) -> float | None:
    """The cell's score, unless the lock says it cannot be trusted (then it is no score)."""
    return cell.avg_score if cell is not None and cell.error is None else None


def _change(now: LockCell | None, then: LockCell | None, compared: bool) -> str | None:
    if not compared:
        return None
    if then is None:
        return NEW
    if now is None:
        return REMOVED
    return UNCHANGED if now.fingerprint == then.fingerprint else CHANGED


def _count(results: RunRows | None, outcome: str) -> int | None:
    """How many files of the run have this outcome (None when the results are not cached)."""
    if results is None:
        return None
    return sum(1 for line in results.files if runstatus.file_outcome(line[STATUS]) == outcome)


def file_rows(results: RunRows | None, base: RunRows | None, scale: float = 1.0) -> tuple[FileRow, ...]:
    """The files of a cell's run matched by filename with the baseline run's (baseline-only files too).

    Scores are divided by the lock's score scale; one outside 0..1 after that is shown as no score.
    """
    now = _by_name(results)
    then = _by_name(base)
    now_scale, then_scale = _scale_of(results, scale), _scale_of(base, scale)
    scales = (now_scale, then_scale)
    rows = [_file_row(name, now.get(name), then.get(name), results, *scales) for name in now]
    if now:  # without the current run's files, "only in the baseline" would be a false claim
        rows += [_file_row(name, None, then[name], None, *scales) for name in then if name not in now]
    return tuple(sorted(rows, key=lambda row: row.filename))


def _scale_of(results: RunRows | None, scale: float) -> float:
    """What the scores of these rows are divided by: nothing for committed evidence (on 0..1)."""
    return 1.0 if results is not None and results.scale_applied else scale


def _by_name(results: RunRows | None) -> dict[str, tuple[int, FileLine]]:
    """Each file's place in its run and its row, by unique name (evidence.unique_names)."""
    lines = results.files if results is not None else []
    names = unique_names(line[FILENAME] for line in lines)
    return {name: (index, line) for index, (name, line) in enumerate(zip(names, lines, strict=True))}


def _file_row(name: str, now: tuple[int, FileLine] | None, then: tuple[int, FileLine] | None,
              run: RunRows | None, scale: float, base_scale: float) -> FileRow:
    base_score = score_value(then[1][SCORE], base_scale) if then else None
    if now is None or run is None:
        return FileRow(name, None, None, base_score, False)
    index, line = now
    status = line[STATUS]
    return FileRow(  # positional: 200,000 of them in a large report
        name, status, score_value(line[SCORE], scale), base_score,
        runstatus.file_outcome(status) == runstatus.FILE_FAILED, FileChecks(run, index),
        line[ERROR], line[REQUEST_ID], line[LOOKUP_KEY], line[FAILING],
    )
