"""Per-file evidence for the committed record, from a finished run's results; and rows from it.

The lock keeps, per file of each finished cell, what a baseline, a gate, a paired comparison
and a history need (lockfile.FileEvidence), so that any checkout reads them from git without
the backend that made the run. Here evidence is made from a run's results when apply (or
`status --refresh`) fetches them, and turned back into the rows reports read (results_rows.py),
their checks named by kind only: the reasons and the outputs stay in the results cache of the
state that ran them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from evalspec.api.shapes import RunResults
from evalspec.backend.results_rows import (
    FILENAME,
    KIND_KEYS,
    CheckDocument,
    FileLine,
    RunRows,
    checks_of,
    error_of,
)
from evalspec.base.scores import read_score
from evalspec.lock.lockfile import FileEvidence, round_score

DIGEST_HEX = 16  # `sha256:` and 16 hex digits: enough to tell documents apart, short in a diff
ERROR_LIMIT = 160  # an error message is kept in short: the record is not a log
SKIPPED_KEY = "skipped"
COMMITTED_REASON = "(committed evidence: the check's reason stays with the run's results)"


def short_digest(sha256_hex: str) -> str:
    """A document digest as the lock keeps it."""
    return f"sha256:{sha256_hex.removeprefix('sha256:')[:DIGEST_HEX]}"


def unique_names(filenames: Iterable[str]) -> list[str]:
    """Each file's name in its run, a repeated one suffixed ` (2)`, ` (3)`: a collection may
    hold two files of one name, and the nth of each run pair up."""
    named: set[str] = set()
    unique = []
    for filename in filenames:
        name, n = filename, 1
        while name in named:
            n += 1
            name = f"{filename} ({n})"
        named.add(name)
        unique.append(name)
    return unique


def evidence_of(results: RunResults, digests: Mapping[str, str], scale: float) -> dict[str, FileEvidence]:
    """Each file's evidence by unique name; `digests` maps a managed collection's file names to
    their sha256 (empty for an unmanaged collection, whose bytes evalspec never sees)."""
    files = results.file_results
    evidence = {}
    for name, result in zip(unique_names(f.filename for f in files), files, strict=True):
        checks = checks_of(result.eval_results)
        score, score_error = _score(result.eval_score, scale, result.filename)
        error = error_of(result.eval_results) or score_error
        digest = digests.get(result.filename)
        evidence[name] = FileEvidence(
            digest=short_digest(digest) if digest else None, status=result.status, score=score,
            failing=tuple(c["kind"] for c in checks if c["passed"] is False),
            skipped=tuple(_skipped_kinds(result.eval_results)),
            error=_cut(error) if error else None,
        )
    return evidence


def _score(raw: float | None, scale: float, filename: str) -> tuple[float | None, str | None]:
    """The score on the lock's scale; one off that scale is kept raw (when finite) with why."""
    reading = read_score(raw, scale, f"eval_score of {filename!r}")
    if reading.error is None:
        return round_score(reading.value), None
    finite = reading.raw is not None and math.isfinite(reading.raw)
    return (reading.raw if finite else None), reading.error


def _skipped_kinds(eval_results: Mapping[str, Any]) -> list[str]:
    """Kinds the backend says it did not evaluate (the local engine: `skipped`, each with a kind)."""
    items = eval_results.get(SKIPPED_KEY)
    if not isinstance(items, list):
        return []
    kinds = []
    for item in items:
        kind = next((item.get(k) for k in KIND_KEYS if item.get(k)), None) if isinstance(item, Mapping) \
            else item
        if isinstance(kind, str) and kind:
            kinds.append(kind)
    return kinds


def _cut(text: str) -> str:
    return text if len(text) <= ERROR_LIMIT else text[: ERROR_LIMIT - 1] + "…"


def rows_of_evidence(evidence: Mapping[str, FileEvidence],
                     details: Callable[[], RunRows | None] | None = None) -> RunRows:
    """The rows a report reads, from committed evidence: scores already on the 0..1 scale
    (`scale_applied`), no request ids or outputs. Checks are asked of `details` (the run's cached
    rows, in the state that ran it) when first shown, and otherwise named by kind only."""
    names = sorted(evidence)
    files: list[FileLine] = [
        [name, item.status, item.score, len(item.failing), item.error, None, None]
        for name, item in ((name, evidence[name]) for name in names)
    ]

    def checks() -> list[list[CheckDocument]]:
        detailed = details() if details is not None else None
        if detailed is None:
            return [_committed_checks(evidence[name]) for name in names]
        at = {name: i for i, name in enumerate(unique_names(line[FILENAME] for line in detailed.files))}
        return [detailed.checks(at[name]) if name in at else _committed_checks(evidence[name])
                for name in names]

    return RunRows(files, checks, scale_applied=True)


def _committed_checks(item: FileEvidence) -> list[CheckDocument]:
    return ([_committed_check(kind, False, COMMITTED_REASON) for kind in item.failing]
            + [_committed_check(kind, None, "not evaluated") for kind in item.skipped])


def _committed_check(kind: str, passed: bool | None, reason: str) -> CheckDocument:
    return {"kind": kind, "params": "", "passed": passed, "weight": None, "score": None, "reason": reason}
