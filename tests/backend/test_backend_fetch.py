"""Judging a finished run's per-file scores on the spec's scale."""

from __future__ import annotations

from evalspec.api.shapes import BatchRun, FileResult, RunResults
from evalspec.backend.fetch import file_score_error

RUN = BatchRun(id=3, collection_id=1, status="completed", avg_score=0.5)


def results(*scores: float | None) -> RunResults:
    files = tuple(FileResult(filename=f"f{i}.pdf", status="completed", eval_score=s)
                  for i, s in enumerate(scores))
    return RunResults(batch_run=RUN, file_results=files)


def test_file_scores_in_range_after_the_scale_are_fine() -> None:
    assert file_score_error(results(0.5, None, 1.0), 1) is None
    assert file_score_error(results(50, 100), 100) is None


def test_a_file_score_outside_the_range_names_the_file_value_and_setting() -> None:
    error = file_score_error(results(0.5, 80), 1)
    assert error == ("eval_score of 'f1.pdf' 80 is outside 0..1 after dividing by "
                     "settings.score_scale 1 (set settings.score_scale: 100)")
