"""A lazy report document (the built-in templates') says what the eager one (json, --template) does."""

from __future__ import annotations

import json
import random

from report_fixtures import check_document, fixture_report

from evalspec.report.document import explained_files, report_document
from evalspec.report.environment import make_environment
from evalspec.report.formats import TEMPLATES, context, render
from evalspec.report.values import UNCHANGED, CellRow, FileRow, Report

SCORES = [None, 0.0, 0.25, 0.5, 0.5, 1.0, float("nan")]


def random_report(rng: random.Random, cells: int) -> Report:
    """Cells of files in every state that ranks differently: failed, regressed, failing checks,
    errors, only in the baseline, equal ranks, scores that are NaN."""
    def row(n: int) -> FileRow:
        checks = tuple(check_document("text_contains", "", rng.choice([True, False, None]), 1.0, 0.5, "why")
                       for _ in range(rng.randint(0, 2)))
        return FileRow(f"doc-{n}.pdf", rng.choice(["completed", "failed", None]), rng.choice(SCORES),
                       rng.choice(SCORES), rng.random() < 0.2, checks, rng.choice([None, "", "boom"]))
    return Report(
        lock_name="evalspec.lock", lineage="l", serial=1, baseline_name="b.lock", baseline_empty=False,
        cells=tuple(
            CellRow(key=f"c{i % 3}/p{i}/r", collection=f"c{i % 3}", pipeline=f"p{i}", rubric="r",
                    overrides="", change=UNCHANGED, status="completed", run_id=i, score=0.5,
                    baseline_score=0.6, total_files=4, completed_files=4, failed_files=0,
                    files=tuple(row(n) for n in range(rng.randint(0, 6))))
            for i in range(cells)
        ),
    )


def as_text(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=list)  # lazy sequences as the lists they stand for


def test_lazy_documents_explain_the_same_files_in_the_same_order() -> None:
    rng = random.Random(3)
    randoms = [random_report(rng, 8) for _ in range(300)]
    for report in [fixture_report(), fixture_report(baseline=False), *randoms]:
        eager = explained_files(report_document(report))
        lazy = explained_files(report_document(report, lazy=True))
        assert len(lazy) == len(eager)
        assert as_text(list(lazy)) == as_text(eager)
        assert as_text(lazy[1:3]) == as_text(eager[1:3])
        if eager:
            assert as_text(lazy[-1]) == as_text(eager[-1])


def test_lazy_documents_render_as_the_eager_ones() -> None:
    rng = random.Random(5)
    for report in [fixture_report(), *(random_report(rng, 6) for _ in range(40))]:
        for fmt in ("html", "junit"):
            template = make_environment().get_template(TEMPLATES[fmt])
            assert render(report, fmt) == template.render(context(report_document(report)))
        markdown = make_environment().get_template(TEMPLATES["markdown"])
        assert render(report, "markdown") == markdown.render(context(report_document(report), limit=60_000))


def test_a_lazy_document_makes_the_files_it_shows_only() -> None:
    report = random_report(random.Random(9), 50)
    document = report_document(report, lazy=True)
    explained = explained_files(document)
    assert explained and len(explained) == len(explained_files(report_document(report)))
    made = [cell["files"] for cell in document["cells"] if cell["files"]._documents is not None]
    assert made == []  # ranked by their rows: no file document made yet
    assert explained[0]["file"]["filename"]
