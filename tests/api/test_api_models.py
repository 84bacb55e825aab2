"""Response models: tolerant of what the docs leave open, strict about what they promise."""

from __future__ import annotations

import pydantic
import pytest

from evalspec.api.shapes import BatchRun, FileResult, Rubric, RunResults

RUN = {
    "id": 9,
    "collection_id": 101,
    "eval_rubric_id": None,
    "pipeline_id": "cp_abc",
    "pipeline_type": "extract",
    "status": "running",
    "started_at": "2026-11-28T10:00:00Z",
    "completed_at": None,
    "total_files": 3,
    "completed_files": 1,
    "avg_score": None,
    "created": "2026-11-28T09:59:59.123456+00:00",
}


def test_batch_run_keeps_timestamps_verbatim_and_ignores_new_keys() -> None:
    run = BatchRun.model_validate({**RUN, "brand_new_field": [1, 2]})
    assert run.created == RUN["created"]
    assert not run.is_finished and not run.is_failed


@pytest.mark.parametrize(
    ("status", "finished", "failed"),
    [
        ("completed", True, False),
        ("COMPLETE", True, False),
        ("completed_with_errors", True, False),
        ("failed", True, True),
        ("Error", True, True),
        ("canceled", True, True),
        ("queued", False, False),
        ("something_new", False, False),
    ],
)
def test_terminal_status_words(status: str, finished: bool, failed: bool) -> None:
    run = BatchRun.model_validate({**RUN, "status": status})
    assert (run.is_finished, run.is_failed, run.status) == (finished, failed, status)


def test_completed_at_alone_means_finished() -> None:
    run = BatchRun.model_validate({**RUN, "status": "weird", "completed_at": "2026-11-28T11:00Z"})
    assert run.is_finished


def test_models_are_frozen() -> None:
    run = BatchRun.model_validate(RUN)
    with pytest.raises(pydantic.ValidationError):
        run.status = "completed"  # type: ignore[misc]  # the point: assignment must fail


def test_a_run_without_its_id_is_rejected() -> None:
    with pytest.raises(pydantic.ValidationError):
        BatchRun.model_validate({k: v for k, v in RUN.items() if k != "id"})


def test_file_result_tolerates_nulls_and_string_ids() -> None:
    result = FileResult.model_validate(
        {"request_id": "req_1", "filename": "a.pdf", "eval_results": None, "eval_score": None}
    )
    assert result.eval_results == {} and result.request_id == "req_1"


def test_run_results_and_rubric_parse() -> None:
    results = RunResults.model_validate(
        {"batch_run": RUN, "file_results": [{"filename": "a.pdf", "eval_score": 0.5}]}
    )
    assert results.file_results[0].eval_score == 0.5
    rubric = Rubric.model_validate(
        {"id": 7, "name": "r", "eval_definition": None, "version_history": None, "version": 2}
    )
    assert rubric.eval_definition == {} and rubric.version == 2
