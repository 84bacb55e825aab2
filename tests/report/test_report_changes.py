"""What a pull request's comment says about why scores moved: each changed input once with its
cells (a rubric's diff folded, added and removed files with their scores), skipped checks, and a
Cells table narrow enough for a phone."""

from __future__ import annotations

import json

from report_fixtures import RUBRIC_DIFF, changed_report, fixture_report

from evalspec.report.formats import render


def _section(text: str, title: str) -> str:
    return text.split(f"### {title}\n", 1)[1].split("\n### ", 1)[0]


def test_a_rubric_diff_is_shown_once_with_every_cell_it_moved() -> None:
    text = render(changed_report(), "markdown")
    changed = _section(text, "What changed")
    assert text.count('-      "text": "summary"') == 1  # two cells, one diff
    assert ("**rubric checks**: definition changed (rubrics/checks.yaml); 2 cells "
            "(`invoices-2026-q3/markdown-with-tables/checks`, "
            "`invoices-2026-q3/extract-invoice-fields/checks`)") in changed
    diff = "\n".join(RUBRIC_DIFF)
    assert f"<details><summary>diff of rubric checks</summary>\n\n````diff\n{diff}" in changed
    assert ("**output_format**: markdown -> markdown,json; 1 cell "
            "(`receipts-archive/segment-sections/checks`)") in changed


def test_added_and_removed_files_come_with_their_scores() -> None:
    changed = _section(render(changed_report(), "markdown"), "What changed")
    assert "| invoices-2026-q3/markdown-with-tables/checks | added gamma.md | 0.250 |" in changed
    assert "| invoices-2026-q3/markdown-with-tables/checks | removed old.md | was 0.800 |" in changed


def test_skipped_checks_are_named_per_cell() -> None:
    report = changed_report()
    skipped = _section(render(report, "markdown"), "Checks not evaluated")
    assert "- receipts-archive/html/checks: 2 checks not evaluated: `text_contain`" in skipped
    page = render(report, "html")
    assert "receipts-archive/html/checks: 2 checks not evaluated: <code>text_contain</code>" in page
    cells = {c["key"]: c for c in json.loads(render(report, "json"))["cells"]}
    assert cells["receipts-archive/html/checks"]["not_evaluated"] == {"checks": 2, "kinds": ["text_contain"]}
    assert cells["receipts-archive/segment-sections/checks"]["not_evaluated"] is None
    assert "Checks not evaluated" not in render(fixture_report(), "markdown")  # none skipped: no section


def test_the_cells_table_has_what_a_reviewer_reads_first_and_folds_the_rest() -> None:
    cells = _section(render(changed_report(), "markdown"), "Cells")
    table = cells.strip().split("\n\n", 1)[0].splitlines()
    assert table[0] == "| cell | score | Δ | gates |"
    assert "| invoices-2026-q3/markdown-with-tables/checks ✱ | 0.200 | -0.020 | ❌ 1 |" in table
    assert max(len(line) for line in table) < 80  # the change column no longer wraps to 6 lines
    assert "<details><summary>Every column: status, baseline, files done, failed, change</summary>" in cells


def test_html_shows_the_diff_in_the_page_not_in_a_tooltip() -> None:
    page = render(changed_report(), "html")
    assert 'title="@@' not in page and "title=\"     {" not in page
    assert page.count("<summary>diff of rubric checks</summary>") == 1
    assert "<td>added gamma.md</td><td class=\"num\">0.250</td>" in page


def test_the_skipped_kinds_come_from_the_lock_evidence() -> None:
    from report_fixtures import fixture_lock

    from evalspec.lock.lockfile import FileEvidence
    from evalspec.report.build import Side, build_report

    lock = fixture_lock("current")
    key = "invoices/invoice/invoice-fields"
    evidence = {f"inv-00{n}.pdf": FileEvidence(status="completed", score=0.9, skipped=skipped)
                for n, skipped in ((1, ("text_contain",)), (2, ("text_contain", "feild_present")), (3, ()))}
    cell = lock.cells[key].model_copy(update={"files": evidence})
    lock = lock.model_copy(update={"cells": {**lock.cells, key: cell}})
    report = build_report(Side("evalspec.lock", lock, {}), None)
    (row,) = [c for c in report.cells if c.key == key]
    assert row.not_evaluated == ("feild_present", "text_contain", "text_contain")
    assert "invoices/invoice/invoice-fields: 3 checks not evaluated: `feild_present`, `text_contain`" in \
        render(report, "markdown")
