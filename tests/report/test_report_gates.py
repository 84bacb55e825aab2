"""Gates: every kind passing and failing, `where` filtering, the baseline notes, float edges."""

from __future__ import annotations

import dataclasses

import pytest
from report_fixtures import GATES, fixture_lock, fixture_report

from evalspec.plan.plan import gates_digest
from evalspec.report.checktext import check_lines
from evalspec.report.gates import evaluate_gates, with_gates
from evalspec.report.values import CHANGED, NEW, UNCHANGED, CellRow, Verdict
from evalspec.spec.schema_models import Gate, GateWhere


def cell(key: str = "c/p/r", **changes: object) -> CellRow:
    base = CellRow(
        key=key, collection=key.split("/")[0], pipeline=key.split("/")[1], rubric=key.split("/")[2],
        overrides="", change=UNCHANGED, status="completed", run_id=1, score=0.9, baseline_score=0.9,
        total_files=10, completed_files=10, failed_files=0, files=(),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]  # test-only field overrides


def verdicts(gate: Gate, *cells: CellRow, has_baseline: bool = True) -> list[Verdict]:
    (result,) = evaluate_gates([gate], cells, has_baseline)
    return list(result.verdicts)


def only(gate: Gate, one: CellRow, has_baseline: bool = True) -> Verdict:
    (verdict,) = verdicts(gate, one, has_baseline=has_baseline)
    return verdict


@pytest.mark.parametrize(("score", "passed", "reason"), [
    (0.8, True, "score 0.800 >= 0.8"),
    (0.8 - 1e-12, True, "score 0.800 >= 0.8"),  # float noise from JSON must not fail a bar
    (0.79, False, "score 0.790 < 0.8"),
])
def test_min_score(score: float, passed: bool, reason: str) -> None:
    verdict = only(Gate(name="g", min_score=0.8), cell(score=score))
    assert (verdict.passed, verdict.reason, verdict.rule) == (passed, reason, "min_score >= 0.8")


def test_min_score_fails_a_cell_without_a_score() -> None:
    running = only(Gate(name="g", min_score=0.1), cell(score=None, status="running", run_id=7))
    assert (running.passed, running.reason) == (False, "not finished: running")
    unapplied = only(Gate(name="g", min_score=0.1), cell(score=None, status=None, run_id=None))
    assert (unapplied.passed, unapplied.reason) == (False, "not applied")


@pytest.mark.parametrize(("score", "baseline", "passed"), [
    (0.88, 0.9, True),  # a drop of 0.020000000000000018 is a drop of 0.02
    (0.87, 0.9, False),
    (0.95, 0.9, True),
])
def test_max_drop(score: float, baseline: float, passed: bool) -> None:
    verdict = only(Gate(name="g", max_drop=0.02), cell(score=score, baseline_score=baseline))
    assert verdict.passed is passed
    assert (verdict.reason == "dropped 0.030 (0.900 -> 0.870) > 0.02") is (not passed)


def test_max_drop_names_changed_inputs() -> None:
    verdict = only(Gate(name="g", max_drop=0.0), cell(score=0.5, change=CHANGED))
    assert not verdict.passed and verdict.reason.endswith("; inputs changed")


def test_max_drop_without_a_baseline_passes_with_a_note() -> None:
    assert only(Gate(name="g", max_drop=0.0), cell(score=0.1), has_baseline=False).reason == (
        "no baseline given: passes"
    )
    new = only(Gate(name="g", max_drop=0.0), cell(score=0.1, baseline_score=None, change=NEW))
    assert (new.passed, new.reason) == (True, "new cell (not in the baseline): passes")
    unscored = only(Gate(name="g", max_drop=0.0), cell(score=0.1, baseline_score=None))
    assert (unscored.passed, unscored.reason) == (True, "the baseline has no score for this cell: passes")


def test_max_drop_fails_a_cell_that_lost_its_score() -> None:
    verdict = only(Gate(name="g", max_drop=0.5), cell(score=None, status="failed", run_id=3))
    assert (verdict.passed, verdict.reason) == (False, "no score (run 3 is failed)")


@pytest.mark.parametrize(("completed", "total", "passed", "reason"), [
    (10, 10, True, "10/10 files completed (100%) >= 90%"),
    (9, 10, True, "9/10 files completed (90%) >= 90%"),
    (8, 10, False, "8/10 files completed (80%) < 90%"),
    (0, 0, False, "the run had no files"),
    (None, None, False, "no file counts (the service did not report them)"),
])
def test_min_completed_ratio(completed: int | None, total: int | None, passed: bool, reason: str) -> None:
    gate = Gate(name="g", min_completed_ratio=0.9)
    verdict = only(gate, cell(completed_files=completed, total_files=total))
    assert (verdict.passed, verdict.reason) == (passed, reason)


def test_where_selects_by_collection_pipeline_and_rubric() -> None:
    cells = [cell("a/p/r"), cell("a/q/r"), cell("b/p/-"), cell("b/p/s")]
    gate = Gate(name="g", where=GateWhere(collection="b", pipeline="p"), min_score=0.5)
    assert [v.key for v in verdicts(gate, *cells)] == ["b/p/-", "b/p/s"]
    no_rubric = Gate(name="g", where=GateWhere(rubric="-"), min_score=0.5)
    assert [v.key for v in verdicts(no_rubric, *cells)] == ["b/p/-"]


def test_a_gate_with_several_rules_judges_each() -> None:
    gate = Gate(name="g", min_score=0.95, max_drop=0.1, min_completed_ratio=1.0)
    rules = [(v.rule, v.passed) for v in verdicts(gate, cell())]
    assert rules == [
        ("min_score >= 0.95", False), ("max_drop <= 0.1", True), ("min_completed_ratio >= 1", True),
    ]


def test_removed_cells_are_not_judged() -> None:
    report = fixture_report()
    keys = {v.key for gate in report.gates for v in gate.verdicts}
    assert "receipts/md/report-quality" not in keys and len(keys) == 5


def test_check_lines_for_the_fixture() -> None:
    lines = check_lines(fixture_report())
    assert lines[:3] == [
        "note: the gates differ from the ones the baseline was applied with (a bar was moved)",
        "  gate floor: min_score 0.75 -> 0.8",
        "gate floor (all cells): min_score >= 0.8",
    ]
    drop = "dropped 0.050 (0.900 -> 0.850) > 0.02"
    assert f"  FAIL invoices/invoice/invoice-fields: max_drop <= 0.02: {drop}" in lines
    assert "  PASS reports/markdown/report-quality: min_score >= 0.8: score 0.950 >= 0.8" in lines
    assert lines[-1] == "FAILED: 3 of 3 gates failed (5 of 11 checks)."


def test_check_lines_warn_about_an_idle_gate_and_a_missing_baseline() -> None:
    report = with_gates(fixture_report(baseline=False), [
        Gate(name="typo", where=GateWhere(pipeline="nope"), min_score=0.5),
        Gate(name="drop", max_drop=0.01),
    ])
    lines = check_lines(report)
    assert lines[0] == "note: no --baseline given: max_drop gates pass without comparing"
    assert "  warning: applies to no cell (check its `where`)" in lines
    # The running cell fails even a max_drop gate that has no baseline to compare with.
    assert "  FAIL invoices/markdown/report-quality: max_drop <= 0.01: not finished: running" in lines
    assert lines[-1] == "FAILED: 1 of 2 gates failed (1 of 5 checks)."


def test_a_moved_bar_is_noted() -> None:
    # A lock of before the gates were kept has only their digest: the move is noted, unnamed.
    moved = with_gates(fixture_report(), GATES, gates_digest(GATES[:1]))
    same = with_gates(fixture_report(), GATES, gates_digest(GATES))
    assert moved.gates_changed and not same.gates_changed and moved.gate_moves == ()
    assert check_lines(moved)[0].startswith("note: the gates differ")
    # The fixture compares with the baseline lock, which kept its gates: the bar is named.
    assert fixture_lock("current").gate_rules is None
    assert fixture_report().gate_moves == ("gate floor: min_score 0.75 -> 0.8",)
    assert not fixture_report(baseline=False).gates_changed  # the current lock: never applied with gates


def test_changed_inputs_are_named_as_the_plan_names_them() -> None:
    report = fixture_report()
    assert report.input_changes is not None
    [cause] = report.input_changes["reports/markdown/report-quality"]
    assert str(cause) == "collection reports: changed annual.pdf"
    assert "invoices/invoice/invoice-fields" not in report.input_changes  # same fingerprint
