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
from evalspec.report.values import UNCHANGED, CellRow, CheckDocument, FileRow, Report
from evalspec.spec.schema_models import Gate, GateWhere

REPORT_FIXTURES = Path(__file__).parent / "fixtures" / "report"
STATE_DIR = REPORT_FIXTURES / "state"
GOLDEN = REPORT_FIXTURES / "golden"

# Two cells the current lock holds, by id, and a `gates:` key for a test to complete.
GATES_SPEC = """\
version: 1
collections:
  invoices: {id: 101}
  reports: {id: 102}
rubrics:
  invoice-fields: {id: 7}
  report-sections: {id: 9}
pipelines:
  invoice: {type: convert}
  sections: {type: convert}
matrix:
  - {collection: [invoices], pipeline: [invoice], rubric: [invoice-fields]}
  - {collection: [reports], pipeline: [sections], rubric: [report-sections]}
gates:
"""

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


def big_report(cells: int, files: int) -> Report:
    """A synthetic report: `cells` cells of `files` files each, with long file names."""
    rows = tuple(
        FileRow(f"{'long-directory-name/' * 4}document-{n:05d}.pdf", "completed", 0.5, 0.6, False)
        for n in range(files)
    )
    return Report(
        lock_name="evalspec.lock", lineage="l", serial=1, baseline_name="git:HEAD~1", baseline_empty=False,
        cells=tuple(
            CellRow(
                key=f"collection-{i % 16:02d}/pipeline-{i // 16:02d}/rubric",
                collection=f"collection-{i % 16:02d}", pipeline=f"pipeline-{i // 16:02d}",
                rubric="rubric", overrides="", change=UNCHANGED,
                status="completed", run_id=i, score=0.5, baseline_score=0.6, total_files=files,
                completed_files=files, failed_files=0, files=rows,
            )
            for i in range(cells)
        ),
    )


RUBRIC_DIFF = ("@@ -3,3 +3,3 @@", '     {"kind": "text_contains",', '-      "text": "summary"',
               '+      "text": "Summary:"')
PIPELINES = ("markdown-with-tables", "extract-invoice-fields", "segment-sections", "html")


def changed_report() -> Report:
    """A pull request's report: a stricter rubric and a new document under two cells, a request
    field under a third, and a fourth whose backend skipped a misspelt check kind; two cells fail
    a gate at different scores. Four pipelines wide, with long keys (a phone's worst case)."""
    from evalspec.plan.explain import Cause
    from evalspec.report.values import CHANGED, GateResult, Verdict

    rubric = Cause("rubric checks", "definition changed (rubrics/checks.yaml)", RUBRIC_DIFF)
    files = Cause("collection invoices-2026-q3", "added gamma.md; removed old.md",
                  added=("gamma.md",), removed=("old.md",))
    moved = (FileRow("alpha.md", "completed", 1.0, 1.0, False),
             FileRow("gamma.md", "completed", 0.25, None, False), FileRow("old.md", None, None, 0.8, False))
    field = Cause("output_format", "markdown -> markdown,json")
    cells, changes = [], {}
    for i, pipeline in enumerate(PIPELINES):
        for j, collection in enumerate(("invoices-2026-q3", "receipts-archive")):
            key = f"{collection}/{pipeline}/checks"
            score = round(0.2 + 0.1 * i + 0.05 * j, 3)
            cause = (rubric, files) if j == 0 and i < 2 else (field,) if (i, j) == (2, 1) else ()
            if cause:
                changes[key] = cause
            cells.append(CellRow(
                key=key, collection=collection, pipeline=pipeline, rubric="checks", overrides="",
                change=CHANGED if cause else UNCHANGED, status="completed", run_id=100 + len(cells),
                score=score, baseline_score=round(score + 0.02, 3), total_files=3, completed_files=3,
                failed_files=0, files=moved if j == 0 and i < 2 else (),
                not_evaluated=("text_contain", "text_contain") if (i, j) == (3, 1) else (),
            ))
    verdicts = tuple(Verdict("floor", "min_score >= 0.5", c.key, (c.score or 0) >= 0.5,
                             f"score {c.score:.3f} vs 0.5") for c in cells)
    return Report(
        lock_name="evalspec.lock", lineage="l", serial=3, baseline_name="git:origin/main",
        baseline_empty=False,
        cells=tuple(cells), input_changes=changes,
        gates=(GateResult("floor", "all cells", ("min_score >= 0.5",), verdicts),),
    )
