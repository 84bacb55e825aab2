"""The bodies evalspec plans (and apply posts) are exactly Datalab's StartBatchRunRequest."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_shapes import SCHEMAS, assert_shape

from evalspec.plan.cells import expand_spec
from evalspec.spec.load import load_spec

REPO_ROOT = Path(__file__).parents[2]


def test_every_example_cell_posts_exactly_a_start_batch_run_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    cells = expand_spec(load_spec([Path("specs")]))
    fields = set(SCHEMAS["StartBatchRunRequest"]["properties"])
    assert len(cells) == 5
    for cell in cells:
        body = cell.request.resolved({"collection_id": 11, "eval_rubric_id": 22})
        assert set(body) == fields, cell.key
        assert_shape(body, "StartBatchRunRequest")
        allowed = SCHEMAS["StartBatchRunRequest"]["properties"]["pipeline_type"]["enum"]
        assert body["pipeline_type"] in allowed


def test_a_body_with_a_lookup_still_pending_is_not_a_valid_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """An offline plan leaves ids of names as null: such a body must never be posted as is."""
    monkeypatch.chdir(REPO_ROOT)
    cell = expand_spec(load_spec([Path("specs")]))[0]
    assert cell.request.body["collection_id"] is None
    with pytest.raises(AssertionError):
        assert_shape(dict(cell.request.body), "StartBatchRunRequest")
