"""Size limits: a PR comment under 60 KB (per-file part cut first, with a note); job summary under 1 MiB."""

from __future__ import annotations

from pathlib import Path

from report_fixtures import big_report, check_document, fixture_report

from evalspec.report.document import report_document
from evalspec.report.environment import make_environment
from evalspec.report.formats import MARKDOWN_LEVELS, PR_COMMENT_LIMIT, TEMPLATES, context, render
from evalspec.report.step_summary import STEP_SUMMARY_LIMIT, append_step_summary
from evalspec.report.values import UNCHANGED, CellRow, FileRow, Report

MIB = 1 << 20
FILES_NOTE = "Per-file results were left out to keep this report under 60 KB"


def test_a_small_report_keeps_its_files() -> None:
    text = render(fixture_report(), "markdown")
    assert "### Files" in text and FILES_NOTE not in text


def test_markdown_drops_the_per_file_part_first() -> None:
    text = render(big_report(64, 100), "markdown")
    assert len(text.encode("utf-8")) <= PR_COMMENT_LIMIT
    assert "### Files" not in text and FILES_NOTE in text
    assert text.count("| collection-") >= 64  # every cell row (and the grid) is still there


def test_markdown_then_cuts_cell_rows_with_a_note() -> None:
    # 256 cells: about 29 KB without files, 15 KB with 100 cell rows, 6 KB without the cell table
    text = render(big_report(256, 1), "markdown", limit=20_000)
    assert len(text.encode("utf-8")) <= 20_000
    assert "> 156 more cells left out to fit the size limit" in text
    text = render(big_report(256, 1), "markdown", limit=10_000)
    assert "### Cells" not in text and "The cell table was left out to fit the size limit" in text
    assert "### Scores: rubric rubric" in text  # the grid stays


def test_markdown_truncates_as_a_last_resort() -> None:
    text = render(big_report(256, 1), "markdown", limit=2_000)
    assert len(text.encode("utf-8")) <= 2_000
    assert text.endswith("see the full report in the CI artifacts.\n")


def test_step_summary_is_appended_and_stays_under_a_mebibyte(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    report = big_report(256, 400)  # tens of MB with every file
    assert append_step_summary(report, {"GITHUB_STEP_SUMMARY": str(summary)}) == summary
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## evalspec report")
    appended = len(text.encode("utf-8")) - len("earlier step\n")
    assert appended <= STEP_SUMMARY_LIMIT < MIB
    assert "Per-file results were left out to keep this report under 1000 KB" in text


def test_step_summary_keeps_files_that_fit_in_it_but_not_in_a_comment(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    append_step_summary(big_report(64, 100), {"GITHUB_STEP_SUMMARY": str(summary)})
    assert "### Files" in summary.read_text(encoding="utf-8")


def test_no_step_summary_without_the_variable() -> None:
    assert append_step_summary(fixture_report(), {}) is None


def reasons_report(files: int) -> Report:
    """One cell whose every file fails two checks, with long reasons."""
    rows = tuple(
        FileRow(
            f"document-{n:05d}.pdf", "completed", 0.5 - n / 100_000, 0.6, False,
            checks=(
                check_document("field_present", "field='po_number'", False, 1.0, 0.0,
                               "po_number missing " * 8),
                check_document("text_contains", "text='Total'", True, 1.0, 1.0, "found 'Total'"),
                check_document("field_matches", "field='total'", False, 1.0, 0.0,
                               "total='12,00' does not match"),
            ),
        )
        for n in range(files)
    )
    cell = CellRow(
        key="docs/md/words", collection="docs", pipeline="md", rubric="words", overrides="",
        change=UNCHANGED, status="completed", run_id=1, score=0.5, baseline_score=0.6,
        total_files=files, completed_files=files, failed_files=0, files=rows,
    )
    return Report(
        lock_name="evalspec.lock", lineage="l", serial=1, baseline_name="b", baseline_empty=False,
        cells=(cell,),
    )


def test_markdown_keeps_the_most_important_reasons_within_the_budget() -> None:
    text = render(reasons_report(2_000), "markdown")
    assert len(text.encode("utf-8")) <= PR_COMMENT_LIMIT
    assert "### Why files scored low" in text
    # Largest drop first: the last documents dropped most, so they are the ones kept.
    assert "document-01999.pdf" in text and "document-00000.pdf" not in text
    assert "more files with failing checks left out to fit the size limit" in text
    assert "`field_present` `field='po_number'` (weight 1): po_number missing" in text
    assert "found 'Total'" not in text  # passing checks are not listed in the comment


def test_markdown_lists_every_failing_check_when_it_fits() -> None:
    text = render(reasons_report(3), "markdown")
    assert text.count("❌ `field_matches`") == 3
    assert "left out" not in text


def reference_markdown(report: Report, limit: int) -> str:
    """The size ladder rendered the plain way: every level in full, the first that fits wins."""
    document = report_document(report)
    template = make_environment().get_template(TEMPLATES["markdown"])
    text = ""
    for files, cell_limit, explain_limit in MARKDOWN_LEVELS:
        text = template.render(context(document, files=files, cell_limit=cell_limit, limit=limit,
                                       explain_limit=explain_limit))
        if len(text.encode("utf-8")) <= limit:
            return text
    note = "\n\n> Report truncated to fit the size limit; see the full report in the CI artifacts.\n"
    return text.encode("utf-8")[: limit - len(note.encode("utf-8"))].decode("utf-8", "ignore") + note


def test_the_streamed_ladder_writes_what_full_renders_would() -> None:
    report = big_report(256, 3)
    for limit in (PR_COMMENT_LIMIT, 90_000, 40_000, 20_000, 10_000, 2_000, 300):
        assert render(report, "markdown", limit=limit) == reference_markdown(report, limit), limit
