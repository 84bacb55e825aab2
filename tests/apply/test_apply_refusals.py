"""What counts as a limit's refusal in a file result, in the shapes Datalab's docs leave open."""

from __future__ import annotations

from typing import Any

import pytest

from evalspec.api.shapes import FileResult
from evalspec.apply.pages import is_refusal


@pytest.mark.parametrize(("status", "results"), [
    ("failed", {"success": False, "error": "Page rate limit exceeded: 5000 pages in flight"}),  # Datalab's
    ("failed", {"detail": {"message": "Concurrency limit reached, retry later"}}),  # nested, other words
    ("rate_limited", {}),  # a status word and nothing else
    ("failed", {"rate_limited": True}),  # a flag
    ("error", {"error_code": "page_limited"}),  # a code
])
def test_refusals_in_any_shape_are_not_scores(status: str, results: dict[str, Any]) -> None:
    assert is_refusal(FileResult(filename="a.pdf", status=status, eval_results=results))


@pytest.mark.parametrize(("status", "results"), [
    ("failed", {"success": False, "error": "unreadable PDF: EOF marker not found"}),
    ("completed", {"checks": [{"kind": "text_contains", "text": "rate limit", "passed": True}]}),
    ("failed", {"rate_limited": False}),
])
def test_ordinary_results_are_scores(status: str, results: dict[str, Any]) -> None:
    assert not is_refusal(FileResult(filename="a.pdf", status=status, eval_results=results))
