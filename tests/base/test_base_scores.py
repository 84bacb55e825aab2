"""`score_value` is `read_score(...).value`, for every kind of raw score and scale."""

from __future__ import annotations

import math

import pytest

from evalspec.base.scores import TOLERANCE, read_score, score_value

RAW = [None, 0, 0.0, -0.0, 0.5, 1, 1.0, 1 + TOLERANCE / 2, 1 + 2 * TOLERANCE, -TOLERANCE / 2, -1e-3, 55, 100,
       100.00000001, 250, float("nan"), float("-inf"), float("inf"), 10**30]


@pytest.mark.parametrize("scale", [1, 1.0, 100, 1000, 0.5])
def test_the_value_alone_is_the_readings_value(scale: float) -> None:
    for raw in RAW:
        reading = read_score(raw, scale)
        assert score_value(raw, scale) == reading.value, raw
        assert (reading.error is None) == (raw is None or reading.value is not None), raw


def test_scores_on_the_edge_are_clamped_and_outside_it_refused() -> None:
    assert score_value(1 + TOLERANCE / 2, 1) == 1.0
    assert score_value(-TOLERANCE / 2, 1) == 0.0
    assert score_value(55, 100) == 0.55
    assert score_value(55, 1) is None and score_value(float("nan"), 1) is None


@pytest.mark.parametrize("raw", [math.inf, -math.inf, math.nan])
def test_a_score_that_is_not_finite_is_unusable_and_says_so(raw: float) -> None:
    reading = read_score(raw, 1, "avg_score of run 7")
    assert reading.value is None and reading.error is not None
    assert "avg_score of run 7" in reading.error and "check the service" in reading.error
