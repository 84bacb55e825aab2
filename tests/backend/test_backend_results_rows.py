"""A run's rows: checks read tolerantly from `eval_results`, written and read back unchanged."""

from __future__ import annotations

from typing import Any

from evalspec.api.shapes import RunResults
from evalspec.backend.results_rows import checks_of, failing_count, parse_rows, rows_of, rows_text
from evalspec.report.values import FileRow

ITEMS: list[Any] = [
    {"kind": "text_contains", "passed": False, "weight": 1, "score": 0.0, "reason": "missing"},
    {"name": "order", "pass": True, "score": 1, "explanation": "in order", "field": "x"},
    {"type": "regex", "success": False, "params": {"pattern": "^PO-\\d+"}},
    {"kind": "no_verdict", "passed": "yes", "weight": True},
    "not a check",
    {"passed": None, "pass": False},
]


def test_checks_are_read_in_any_of_the_shapes_a_backend_may_send() -> None:
    assert checks_of({"checks": ITEMS}) == [
        {"kind": "text_contains", "params": "", "passed": False, "weight": 1.0, "score": 0.0,
         "reason": "missing"},
        {"kind": "order", "params": "field='x'", "passed": True, "weight": None, "score": 1.0,
         "reason": "in order"},
        {"kind": "regex", "params": "pattern='^PO-\\d+'", "passed": False, "weight": None, "score": None,
         "reason": ""},
        {"kind": "no_verdict", "params": "", "passed": None, "weight": None, "score": None, "reason": ""},
        {"kind": "check", "params": "", "passed": False, "weight": None, "score": None, "reason": ""},
    ]
    assert checks_of({"evaluations": ITEMS[:1]}) == checks_of({"checks": ITEMS[:1]})
    assert checks_of({"results": "no list"}) == checks_of({}) == []
    assert failing_count(checks_of({"checks": ITEMS})) == 3
    row = FileRow("a.pdf", "completed", 0.5, None, False, checks=checks_of({"checks": ITEMS}))
    assert row.failing_count == len(row.failing_checks) == 3


def test_rows_come_back_as_written_with_checks_parsed_only_when_asked() -> None:
    results = RunResults.model_validate({
        "batch_run": {"id": 7, "collection_id": 1, "status": "completed"},
        "file_results": [
            {"filename": "a.pdf", "status": "completed", "eval_score": 0.25, "request_id": 2**70,
             "eval_results": {"checks": ITEMS}, "lookup_key": "k-1"},
            {"filename": "b\n\u00e9.pdf", "status": "failed", "eval_score": None,
             "eval_results": {"error": "unreadable PDF"}},
        ],
    })
    rows = rows_of(results)
    assert rows.files == [["a.pdf", "completed", 0.25, 3, None, str(2**70), "k-1"],
                          ["b\n\u00e9.pdf", "failed", None, 0, "unreadable PDF", None, None]]
    read = parse_rows(rows_text(rows))
    assert read is not None and read.files == rows.files
    assert read._checks is None  # not parsed yet
    assert [read.checks(0), read.checks(1)] == [rows.checks(0), rows.checks(1)]


def test_anything_but_rows_is_not_read_as_rows() -> None:
    good = rows_text(rows_of(RunResults.model_validate({
        "batch_run": {"id": 1, "collection_id": 1},
        "file_results": [{"filename": "a.pdf", "status": "completed", "eval_score": 1}],
    })))
    assert parse_rows(good) is not None
    for text in (b"", b"{}", good.replace(b"1]", b"2]", 1), good.replace(b'"a.pdf"', b"3"),
                 good.replace(b'"completed"', b"true"), good.split(b"\n")[0] + b"\n[{]\n[]\n"):
        assert parse_rows(text) is None, text
