"""The report model: per cell and per file, what the lock's runs scored and how that moved.

Values only; building them is `build.py`, judging them is `gates.py`, drawing them `render.py`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, overload

from evalspec.backend.results_rows import CheckDocument as CheckDocument  # the report's check
from evalspec.backend.results_rows import RunRows, failing_count
from evalspec.base import runstatus
from evalspec.lock.lockfile import FileEvidence
from evalspec.plan.explain import Cause
from evalspec.report.paired import DEFAULT_CONFIDENCE, SharedFiles, shared_files, standing_score
from evalspec.report.stats import RepeatsSummary

# How a cell relates to the baseline. None on a cell means there was no baseline to compare with.
NEW = "new"  # not in the baseline
REMOVED = "removed"  # in the baseline, gone from the lock (and spec)
CHANGED = "changed"  # in both, but the request's fingerprint differs: the inputs moved
UNCHANGED = "unchanged"  # in both with the same fingerprint


def difference(score: float | None, baseline: float | None) -> float | None:
    """score - baseline when both exist; rounded so 0.91 - 0.89 reads 0.02, not 0.020000000000000018."""
    if score is None or baseline is None:
        return None
    return round(score - baseline, 9)


class FileChecks(Sequence[CheckDocument]):
    """A file's checks, read from its run's rows when first used: most reports show the checks
    of a few files of many (and how many failed is in the file's row)."""

    __slots__ = ("_index", "_run")

    def __init__(self, run: RunRows, index: int) -> None:
        self._run, self._index = run, index

    def documents(self) -> list[CheckDocument]:
        """The checks as a list (the run's own: not to be changed)."""
        return self._run.checks(self._index)

    def __len__(self) -> int:
        return len(self.documents())

    @overload
    def __getitem__(self, index: int) -> CheckDocument: ...
    @overload
    def __getitem__(self, index: slice) -> list[CheckDocument]: ...
    def __getitem__(self, index: int | slice) -> CheckDocument | list[CheckDocument]:
        return self.documents()[index]

    def __iter__(self) -> Iterator[CheckDocument]:
        return iter(self.documents())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and self.documents() == list(other)

    def __hash__(self) -> int:
        return hash(tuple(tuple(check.items()) for check in self.documents()))

    def __repr__(self) -> str:
        return repr(self.documents())


class FileRow(NamedTuple):
    """One file of a cell's run, matched by filename to the same file of the baseline run.

    A named tuple, not a frozen dataclass: a report of 10,000 cells makes 200,000, and a tuple
    is made in a fifth of the time.
    """

    filename: str
    status: str | None  # None: the file is only in the baseline run
    score: float | None
    baseline_score: float | None
    failed: bool
    checks: Sequence[CheckDocument] = ()  # a tuple, or FileChecks read when first used
    error: str | None = None  # why the backend could not score the file at all
    request_id: str | None = None  # the ids the backend gave the file's result
    lookup_key: str | None = None
    failing: int | None = None  # how many checks did not pass, when the row knows (else counted)

    @property
    def delta(self) -> float | None:
        """Score minus baseline score, when both runs scored the file."""
        return difference(self.score, self.baseline_score)

    @property
    def failing_checks(self) -> tuple[CheckDocument, ...]:
        """The checks that did not pass."""
        return tuple(check for check in self.checks if check["passed"] is False)

    @property
    def failing_count(self) -> int:
        """How many checks did not pass (without reading the checks, when the row knows)."""
        return self.failing if self.failing is not None else failing_count(self.checks)


@dataclass(frozen=True)
class CellRow:
    """One cell: its run as the lock records it, its baseline, and its files when cached."""

    key: str
    collection: str
    pipeline: str
    rubric: str  # "-" for none, as in the key
    overrides: str  # the key's "[k=v,...]" suffix, or ""
    change: str | None
    status: str | None
    run_id: int | None
    score: float | None
    baseline_score: float | None
    total_files: int | None
    completed_files: int | None
    failed_files: int | None  # None when the per-file results are not cached
    files: tuple[FileRow, ...]
    submitted_at: str | None = None
    completed_at: str | None = None
    error: str | None = None  # why the cell's numbers cannot be trusted (the lock's `error`)
    ok_files: int | None = None  # files with a success status, when the per-file results are cached
    # The committed evidence of the run and of the baseline's (None: a lock entry without it, or
    # one whose numbers cannot be trusted), read by `file_scores` and `paired` when first asked.
    evidence: Mapping[str, FileEvidence] | None = None
    baseline_evidence: Mapping[str, FileEvidence] | None = None
    # A repeated cell's row (repeat_groups.py): its repeats' keys and their summary.
    repeats: RepeatsSummary | None = None
    repeat_keys: tuple[str, ...] = ()
    # The kinds of the checks the backend did not evaluate, once per file (the lock's evidence):
    # a misspelt kind is skipped, and so raises the score instead of failing.
    not_evaluated: tuple[str, ...] = ()

    @property
    def finished(self) -> bool:
        """The run ended (successfully or not) and will change no more."""
        return self.run_id is not None and runstatus.is_finished(self.status, self.completed_at)

    @property
    def unusable(self) -> str | None:
        """Why no gate may pass on this cell ("not finished: running", "no score"), or None."""
        if self.run_id is None:
            return "not applied"
        if self.error is not None:
            return self.error
        if not self.finished:
            return f"not finished: {self.status or 'pending'}"
        if self.score is None:
            return f"no score (run {self.run_id} is {self.status or 'pending'})"
        return None

    @property
    def delta(self) -> float | None:
        """Score minus baseline score, when both exist."""
        return difference(self.score, self.baseline_score)

    # Made on first use (a report of 10,000 cells shows the paired delta of a few): functools'
    # cached_property writes the instance's __dict__, which a frozen dataclass leaves open.
    @functools.cached_property
    def file_scores(self) -> tuple[float, ...] | None:
        """The scores of the files the run scored, by file name (None without evidence)."""
        if self.evidence is None:
            return None
        scores = (standing_score(item) for _, item in sorted(self.evidence.items()))
        return tuple(score for score in scores if score is not None)

    @functools.cached_property
    def paired(self) -> SharedFiles | None:
        """The files against the baseline's, split into shared and apart (gates with confidence
        read it); None without evidence on both sides."""
        if self.evidence is None or self.baseline_evidence is None:
            return None
        return shared_files(self.evidence, self.baseline_evidence)

    @property
    def inputs_changed(self) -> bool:
        """The baseline ran this cell with a different request (a reason for its delta)."""
        return self.change == CHANGED


@dataclass(frozen=True)
class Verdict:
    """One rule of one gate on one cell."""

    gate: str
    rule: str  # e.g. "min_score >= 0.8"
    key: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class GateResult:
    """A gate of the spec and its verdicts on the cells it applies to."""

    name: str
    where: str  # "pipeline=invoice", or "all cells"
    rules: tuple[str, ...]
    verdicts: tuple[Verdict, ...]

    @property
    def passed(self) -> bool:
        """No verdict failed (a gate that applies to no cell passes; check warns about it)."""
        return all(verdict.passed for verdict in self.verdicts)


@dataclass(frozen=True)
class Report:
    """Everything every output format shows."""

    lock_name: str
    lineage: str
    serial: int
    baseline_name: str | None  # None: no baseline asked for
    baseline_empty: bool  # a baseline was asked for but holds no lock (e.g. none at that git ref)
    cells: tuple[CellRow, ...]
    gates: tuple[GateResult, ...] = ()
    gates_changed: bool = False  # the spec's gates differ from the ones the baseline lock was applied with
    gate_moves: tuple[str, ...] = ()  # `gate md-floor: min_score 0.8 -> 0.95`, one per moved bar
    commit: str | None = None  # the git commit the lock was read at, when it is in a repository
    input_changes: Mapping[str, tuple[Cause, ...]] | None = None  # cell key -> the inputs that moved it
    # Finished cells whose lock entry holds no per-file evidence (locks written before it was
    # kept): their files come from this machine's results cache, which another checkout lacks.
    without_evidence: tuple[str, ...] = ()
    confidence: float = DEFAULT_CONFIDENCE  # of the paired deltas shown (settings.confidence)
    repeated: tuple[CellRow, ...] = ()  # one row per cell run more than once (`repeat: N`)
    spent: str | None = None  # pages (and cost) of the lock's runs new since the baseline (plan/cost.py)

    @property
    def has_baseline(self) -> bool:
        """A baseline was given (possibly empty)."""
        return self.baseline_name is not None

    @property
    def current_cells(self) -> tuple[CellRow, ...]:
        """Cells of the lock (and spec): every cell but the removed ones."""
        return tuple(cell for cell in self.cells if cell.change != REMOVED)

    @property
    def gated_cells(self) -> tuple[CellRow, ...]:
        """What gates judge: each current cell, a repeated one once (its repeats' row)."""
        members = {key for row in self.repeated for key in row.repeat_keys}
        return (*(cell for cell in self.current_cells if cell.key not in members), *self.repeated)

    @property
    def failed_verdicts(self) -> tuple[Verdict, ...]:
        """Every failed verdict, gate by gate."""
        return tuple(v for gate in self.gates for v in gate.verdicts if not v.passed)
