"""Checks read when first used (`lazy_checks_of`) are the checks `checks_of` reads, and count alike."""

from __future__ import annotations

from typing import Any

from evalspec.report.reasons import LazyChecks, checks_of, lazy_checks_of
from evalspec.report.values import FileRow

ITEMS: list[Any] = [
    {"kind": "text_contains", "passed": False, "weight": 1, "score": 0.0, "reason": "missing"},
    {"name": "order", "pass": True, "score": 1, "explanation": "in order", "field": "x"},
    {"type": "regex", "success": False, "params": {"pattern": "^PO-\\d+"}},
    {"kind": "no_verdict", "passed": "yes", "weight": True},
    "not a check",
    {"passed": None, "pass": False},
]


def test_lazy_checks_are_the_checks_and_count_the_failed_ones_alike() -> None:
    for results in ({"checks": ITEMS}, {"evaluations": ITEMS[:2]}, {"results": "no list"}, {}):
        eager, lazy = checks_of(results), lazy_checks_of(results)
        assert isinstance(lazy, LazyChecks)
        assert len(lazy) == len(eager) and lazy == eager and tuple(lazy) == eager and lazy[1:] == eager[1:]
        assert hash(lazy) == hash(eager)
        row = FileRow("a.pdf", "completed", 0.5, None, False, checks=lazy)
        assert row.failing_count == len(row.failing_checks) == sum(c.passed is False for c in eager)
    assert lazy_checks_of({"checks": ITEMS}).failing_count() == 3


def test_counting_the_failed_checks_reads_no_check() -> None:
    lazy = lazy_checks_of({"checks": ITEMS})
    assert lazy.failing_count() == 3 and len(lazy) == 5
    assert lazy._rows is None  # nothing read yet: a report that shows no reasons pays for none
    assert lazy[0].reason == "missing" and lazy._rows is not None
