"""Fixed inputs for the report tests: two locks and cached results under tests/fixtures/report/.

current.lock (lineage 1111...) against baseline.lock (lineage 2222...):
  invoices/invoice/invoice-fields          0.85 vs 0.90, same inputs   (a regression)
  invoices/markdown/report-quality         running, no score           (new)
  reports/markdown/report-quality          0.95 vs 0.90, inputs changed (an improvement): annual.pdf
  ...                                       (the baseline's `floor` gate was min_score 0.75: a moved bar)
  reports/rich/report-quality[...]         0.80                        (new)
  reports/sections/report-sections         0.60 vs 0.62, 2/3 files, hostile file names
  receipts/md/report-quality               only in the baseline        (removed)
"""

from __future__ import annotations

from pathlib import Path

from evalspec.lock.io import read_lock
from evalspec.lock.lockfile import Lockfile
from evalspec.report.build import Side, build_report
from evalspec.report.gates import with_gates
from evalspec.report.results import finished_runs, load_results, read_cached
from evalspec.report.values import CheckDocument, Report
from evalspec.spec.schema_models import Gate, GateWhere

REPORT_FIXTURES = Path(__file__).parent / "fixtures" / "report"
STATE_DIR = REPORT_FIXTURES / "state"
GOLDEN = REPORT_FIXTURES / "golden"

GATES = (
    Gate(name="floor", min_score=0.8),
    Gate(name="no-regression", max_drop=0.02),
    Gate(name="sections-complete", where=GateWhere(rubric="report-sections"), min_completed_ratio=1.0),
)


def fixture_lock(name: str) -> Lockfile:
    """`current` or `baseline`."""
    lock = read_lock(REPORT_FIXTURES / f"{name}.lock")
    assert lock is not None
    return lock


def fixture_report(*, baseline: bool = True) -> Report:
    """The fixed report, with gate verdicts, as every format renders it."""
    current = fixture_lock("current")
    base = None
    if baseline:
        lock = fixture_lock("baseline")
        base = Side("baseline.lock", lock, read_cached(lock, list(finished_runs(lock)), STATE_DIR))
    report = build_report(Side("evalspec.lock", current, load_results(current, STATE_DIR)), base)
    against = base.lock if base is not None and base.lock is not None else current
    return with_gates(report, GATES, against.gates, against.gate_rules)


def check_document(kind: str, params: str, passed: bool | None, weight: float | None,
                   score: float | None, reason: str) -> CheckDocument:
    """One check as the report holds it."""
    return {"kind": kind, "params": params, "passed": passed, "weight": weight, "score": score,
            "reason": reason}
