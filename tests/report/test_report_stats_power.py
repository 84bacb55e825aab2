"""report/stats beside the intervals: t quantiles and detectable drops against scipy and a
simulation, Holm's correction against hand-worked cases and its step-down definition, and the
repeats aggregate."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy import stats

from evalspec.report.stats import (
    compare_paired,
    file_means,
    flaky_files,
    holm,
    min_detectable_drop,
    summarize_repeats,
    t_quantile,
)


@pytest.mark.parametrize("df", [1, 2, 4, 9, 49, 199, 5000])
def test_t_quantiles_are_scipys(df: int) -> None:
    for q in (0.025, 0.5, 0.8, 0.9, 0.95, 0.99, 0.9995):
        assert t_quantile(q, df) == pytest.approx(stats.t.ppf(q, df), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("n", "sd", "confidence"), [(5, 0.1, 0.95), (20, 0.05, 0.9), (200, 0.2, 0.99)])
def test_the_detectable_drop_is_the_paired_t_power_formula(n: int, sd: float, confidence: float) -> None:
    expected = (stats.t.ppf(confidence, n - 1) + stats.t.ppf(0.8, n - 1)) * sd / math.sqrt(n)
    assert min_detectable_drop(n, sd, confidence=confidence) == pytest.approx(expected, rel=1e-9)


def test_too_few_files_can_detect_nothing() -> None:
    # With n files the exact test's smallest one-sided p-value is 2**-n.
    assert [min_detectable_drop(n, 0.1) for n in range(5)] == [None] * 5
    assert min_detectable_drop(5, 0.1) is not None
    assert min_detectable_drop(6, 0.1, confidence=0.99) is None
    assert min_detectable_drop(7, 0.1, confidence=0.99) is not None
    assert min_detectable_drop(30, 0.0) == 0.0
    stricter, usual, more_files = (min_detectable_drop(30, 0.1, confidence=0.99),
                                   min_detectable_drop(30, 0.1), min_detectable_drop(120, 0.1))
    assert stricter is not None and usual is not None and more_files is not None
    assert stricter > usual > more_files


def test_a_drop_of_the_detectable_size_is_caught_about_four_times_in_five() -> None:
    # The gate's own bootstrap on simulated files: power at the detectable drop is near 0.8
    # (a little above: the bootstrap bound is about z, not t, standard errors wide).
    n, sd, trials = 60, 0.08, 300
    drop = min_detectable_drop(n, sd)
    assert drop is not None
    rng = np.random.default_rng(4)
    caught = 0
    for _ in range(trials):
        baseline = rng.uniform(0.4, 0.6, n)
        result = compare_paired(baseline.tolist(), (baseline + rng.normal(-drop, sd, n)).tolist(),
                                resamples=2000)
        assert result is not None
        caught += result.delta.upper < 0
    assert 0.74 <= caught / trials <= 0.9


def test_holm_against_hand_worked_cases() -> None:
    # Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1: 0.02, 0.03, 0.06, 0.04 -> 0.06 (monotone).
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx((0.03, 0.06, 0.06, 0.02))
    assert holm([0.5, 0.6]) == (1.0, 1.0)  # capped
    assert holm([0.02, 0.02, 0.02]) == pytest.approx((0.06, 0.06, 0.06))  # ties
    assert holm([0.3]) == (0.3,)
    assert holm([]) == ()
    with pytest.raises(ValueError, match=r"0\.\.1"):
        holm([0.1, 1.2])


def _step_down(p_values: list[float], alpha: float) -> set[int]:
    """Holm's procedure as defined: reject in ascending order while p(k) <= alpha / (m - k)."""
    rejected: set[int] = set()
    for k, index in enumerate(sorted(range(len(p_values)), key=p_values.__getitem__)):
        if p_values[index] > alpha / (len(p_values) - k):
            break
        rejected.add(index)
    return rejected


@pytest.mark.parametrize("seed", range(20))
def test_holm_adjusted_p_values_reject_what_the_step_down_procedure_rejects(seed: int) -> None:
    rng = random.Random(seed)
    p_values = [rng.choice([rng.random() * 0.02, rng.random()]) for _ in range(rng.randint(1, 30))]
    adjusted = holm(p_values)
    for alpha in (0.01, 0.05, 0.1):
        assert {i for i, p in enumerate(adjusted) if p <= alpha} == _step_down(p_values, alpha)


def test_repeats_aggregate_their_means_and_name_the_flaky_files() -> None:
    repeats = [{"a.pdf": 1.0, "b.pdf": 0.5, "c.pdf": 0.8},
               {"a.pdf": 1.0, "b.pdf": 0.9, "c.pdf": 0.6},
               {"a.pdf": 1.0, "b.pdf": 0.7}]  # c.pdf failed in the third repeat: no score
    summary = summarize_repeats(repeats)
    assert summary is not None and summary.repeats == 3
    assert summary.repeat_means == pytest.approx((2.3 / 3, 2.5 / 3, 0.85))
    assert summary.mean == pytest.approx((2.3 / 3 + 2.5 / 3 + 0.85) / 3)
    assert summary.spread == pytest.approx(float(np.std([2.3 / 3, 2.5 / 3, 0.85], ddof=1)))
    assert [(f.name, f.scores) for f in summary.flaky] == [("b.pdf", (0.5, 0.9, 0.7)),
                                                            ("c.pdf", (0.8, 0.6))]
    assert summary.flaky[0].spread == pytest.approx(0.4)
    assert file_means(repeats) == pytest.approx({"a.pdf": 1.0, "b.pdf": 0.7, "c.pdf": 0.7})


def test_flaky_files_tie_by_name_and_float_noise_is_not_flaky() -> None:
    repeats = [{"z": 0.25, "y": 0.75, "x": 0.3}, {"z": 0.5, "y": 0.5, "x": 0.1 + 0.2}]
    assert [f.name for f in flaky_files(repeats)] == ["y", "z"]


def test_one_repeat_has_no_spread_and_none_has_no_summary() -> None:
    single = summarize_repeats([{"a": 0.5, "b": 1.0}])
    assert single is not None and single.spread == 0.0 and single.flaky == () and single.mean == 0.75
    assert summarize_repeats([]) is None
    assert summarize_repeats([{}, {}]) is None
    with pytest.raises(ValueError, match="finite"):
        summarize_repeats([{"a": math.inf}])
