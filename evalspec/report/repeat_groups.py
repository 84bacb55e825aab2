"""A cell run N times (`repeat: N`) as one row: what reports aggregate and what gates judge.

The repeats of a cell are cells of their own in the lock (`c/p/r`, `c/p/r[repeat=2]`, ...), each
with its run and evidence. Here they become one row under the first repeat's key: its score the
mean of the repeats' scores, its files the per-file means over the repeats (so a gate with
confidence resamples files whose scores carry the repeats' noise averaged out), its baseline the
same of the baseline's repeats (one run when the baseline had no repeats), and the summary of
run-to-run spread and flaky files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from evalspec.lock.lockfile import FileEvidence, LockCell, Lockfile
from evalspec.plan.cells import repeat_of
from evalspec.report.paired import standing_score
from evalspec.report.stats import RepeatsSummary, file_means, summarize_repeats
from evalspec.report.values import CellRow


def repeat_members(keys: Sequence[str]) -> dict[str, list[str]]:
    """The keys of each repeated cell's repeats, in repeat order, by the first repeat's key
    (cells with one repeat left out)."""
    return {first: members for first, members in sorted(_by_first_repeat(keys).items()) if len(members) > 1}


def repeat_rows(rows: Sequence[CellRow], lock: Lockfile, baseline: Lockfile | None) -> tuple[CellRow, ...]:
    """One row per repeated cell of `lock` (see the module)."""
    by_key = {row.key: row for row in rows}
    base_groups = _by_first_repeat(baseline.cells) if baseline is not None else {}
    found = []
    for first, keys in repeat_members([key for key in lock.cells if key in by_key]).items():
        members = [by_key[key] for key in keys]
        then = [baseline.cells[key] for key in base_groups.get(first, [])] if baseline is not None else []
        found.append(_row(first, members, [lock.cells[key] for key in keys], then))
    return tuple(found)


def _by_first_repeat(keys: Iterable[str]) -> dict[str, list[str]]:
    """Every key under its first repeat's key, in repeat order (a group of one for most)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for key in keys:
        first, number = repeat_of(key)
        groups.setdefault(first, []).append((number, key))
    return {first: [key for _, key in sorted(members)] for first, members in groups.items()}


def _row(first: str, members: Sequence[CellRow], now: Sequence[LockCell],
         then: Sequence[LockCell]) -> CellRow:
    # The run that makes the row unusable, if one does: its status and error speak for the row.
    lead = next((row for row in members if row.unusable is not None), members[0])
    current = _mean_evidence(now)
    base = _mean_evidence(then) if then else None
    summary = None
    if current is not None:
        summary = summarize_repeats([_scores(cell.files) for cell in now if cell.files is not None])
    return dataclasses.replace(
        members[0], key=first, status=lead.status, run_id=lead.run_id, error=lead.error,
        completed_at=lead.completed_at, files=(),
        score=_mean([row.score for row in members]),
        baseline_score=_mean([cell.avg_score if cell.error is None else None for cell in then]),
        evidence=current, baseline_evidence=base,
        repeats=summary, repeat_keys=tuple(row.key for row in members),
    )


def _scores(files: Mapping[str, FileEvidence]) -> dict[str, float]:
    scored = {name: standing_score(item) for name, item in files.items()}
    return {name: score for name, score in scored.items() if score is not None}


def _mean_evidence(cells: Sequence[LockCell]) -> dict[str, FileEvidence] | None:
    """Each file's mean score over the repeats that scored it, as evidence (None when a repeat
    has no evidence, or cannot be trusted)."""
    if any(cell.files is None or cell.error is not None for cell in cells):
        return None
    evidence = [cell.files for cell in cells if cell.files is not None]
    means = file_means([_scores(files) for files in evidence])
    digests = {name: item.digest for files in evidence for name, item in files.items()}
    names = sorted({name for files in evidence for name in files})
    return {name: FileEvidence(digest=digests[name], status="completed" if name in means else "failed",
                               score=means.get(name)) for name in names}


def _mean(values: Sequence[float | None]) -> float | None:
    """The mean of scores; None when there are none, or one of them is missing."""
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present and len(present) == len(values) else None


def summary_json(summary: RepeatsSummary) -> dict[str, object]:
    """A cell's repeats as report data."""
    return {
        "repeats": summary.repeats, "mean": summary.mean, "spread": summary.spread,
        "repeat_means": list(summary.repeat_means),
        "flaky_files": [{"filename": f.name, "scores": list(f.scores), "spread": f.spread}
                        for f in summary.flaky],
    }
