"""Intervals of a mean and paired comparisons of per-file scores: the figures a gate with
`confidence` reads (issue 18). Pure functions over score lists; frozen results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from evalspec.report.stats.power import min_detectable_drop
from evalspec.report.stats.resample import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    EXACT_MAX_N,
    Distribution,
    Floats,
    bootstrap,
    sign_flips,
)

Method = Literal["sign-flip", "bootstrap"]
SCORES = (0.0, 1.0)  # where a mean of scores can lie: the bound when the data cannot give one
DELTAS = (-1.0, 1.0)  # and a mean of score deltas


@dataclass(frozen=True)
class MeanInterval:
    """What the data say about the mean behind `n` values, at `confidence`.

    `low`/`high` are the two-sided interval; `lower`/`upper` the one-sided bounds (the mean is
    at most `upper` at that confidence). A bound the data cannot give (too few values for the
    level) is the edge of the scale, 0..1 for scores, -1..1 for deltas. `p_below` (given a
    `threshold`) is the one-sided p-value of H0 mean >= threshold: `upper < threshold` exactly
    when `p_below <= 1 - confidence`, so Holm's correction over `p_below` and the bound agree.
    `resamples` counts the outcomes the method weighed: 2**n sign vectors, or the bootstrap's.
    """

    n: int
    mean: float
    sd: float  # sample standard deviation (n - 1 in the denominator); 0 for one value
    confidence: float
    low: float
    high: float
    lower: float
    upper: float
    method: Method
    resamples: int
    seed: int | None  # the bootstrap's; None for the exact method
    threshold: float | None = None
    p_below: float | None = None

    @property
    def method_text(self) -> str:
        """How the interval was made, for a report: `exact sign-flip (2^5 = 32)`."""
        if self.method == "sign-flip":
            return f"exact sign-flip (2^{self.n} = {self.resamples})"
        return f"paired bootstrap ({self.resamples:,} resamples, seed {self.seed})"


@dataclass(frozen=True)
class PairedComparison:
    """Current against baseline on the files both sides share: the mean delta with its interval
    (`delta`), the two-sided p-value of "no change", and the smallest drop this many files with
    this spread could show (None: no drop at all at this file count and confidence)."""

    baseline_mean: float
    current_mean: float
    delta: MeanInterval
    p_value: float
    detectable: float | None

    @property
    def n(self) -> int:
        """The number of shared files."""
        return self.delta.n


def mean_interval(
    scores: Sequence[float], *, confidence: float = 0.95, threshold: float | None = None,
    resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
) -> MeanInterval | None:
    """The interval of the mean score (for `min_score` with confidence: fail only when `upper`
    is below the bar, given as `threshold`); None for no scores."""
    values = _values(scores, "scores")
    if values.size == 0:
        return None
    return _interval(values, confidence, threshold, resamples, seed, SCORES)[0]


def compare_paired(
    baseline: Sequence[float], current: Sequence[float], *, confidence: float = 0.95,
    threshold: float | None = None, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
) -> PairedComparison | None:
    """Paired per-file comparison: `baseline[i]` and `current[i]` are one shared file's scores.

    For `max_drop: D` with confidence pass `threshold=-D`: the gate fails when `delta.upper`
    is below it. None when no file is shared.
    """
    before, after = _values(baseline, "baseline"), _values(current, "current")
    if before.size != after.size:
        raise ValueError(f"paired scores need equal lengths, not {before.size} and {after.size}")
    if before.size == 0:
        return None
    interval, null = _interval(after - before, confidence, threshold, resamples, seed, DELTAS)
    p_value = min(1.0, 2 * min(null.p_below(0.0), null.p_above(0.0)))
    detectable = min_detectable_drop(interval.n, interval.sd, confidence=confidence)
    return PairedComparison(float(before.mean()), float(after.mean()), interval, p_value, detectable)


def _interval(values: Floats, confidence: float, threshold: float | None, resamples: int,
              seed: int, scale: tuple[float, float]) -> tuple[MeanInterval, Distribution]:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, not {confidence}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, not {resamples}")
    exact = values.size <= EXACT_MAX_N
    null = sign_flips(values) if exact else bootstrap(values, resamples, seed)
    alpha = 1 - confidence
    floor, ceiling = scale
    interval = MeanInterval(
        n=values.size, mean=float(values.mean()),
        sd=float(values.std(ddof=1)) if values.size > 1 else 0.0, confidence=confidence,
        low=null.lower(alpha / 2, floor), high=null.upper(alpha / 2, ceiling),
        lower=null.lower(alpha, floor), upper=null.upper(alpha, ceiling),
        method="sign-flip" if exact else "bootstrap", resamples=null.total - (0 if exact else 1),
        seed=None if exact else seed, threshold=threshold,
        p_below=None if threshold is None else null.p_below(threshold),
    )
    return interval, null


def _values(scores: Sequence[float], what: str) -> Floats:
    values = np.asarray(scores, dtype=np.float64).reshape(-1)
    if not np.isfinite(values).all():
        raise ValueError(f"{what}: every score must be a finite number")
    return values
