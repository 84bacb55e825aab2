"""Scores on the service's scale and on ours: divided by `settings.score_scale`, checked for 0..1.

Datalab does not document the scale of `avg_score` and `eval_score`. A spec says it (default 1;
100 for a service that scores 0-100); a score that is still outside 0..1 after dividing is never
taken as valid, so a gate can never pass on a number read on the wrong scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TOLERANCE = 1e-9


@dataclass(frozen=True)
class ScoreReading:
    """A score as read: the value on 0..1 (None when unusable), the raw value, and why unusable."""

    value: float | None
    raw: float | None
    error: str | None = None


def read_score(raw: float | None, scale: float, what: str = "score") -> ScoreReading:
    """`raw / scale` when that lies in 0..1; otherwise a reading that carries the error."""
    if raw is None:
        return ScoreReading(None, None)
    value = score_value(raw, scale)
    if value is not None:
        return ScoreReading(value, raw)
    return ScoreReading(None, raw, out_of_range(raw, scale, what))


def score_value(raw: float | None, scale: float) -> float | None:
    """`read_score(raw, scale).value`, without making the reading (a report reads 400,000)."""
    if raw is None:
        return None
    value = raw / scale
    return min(max(value, 0.0), 1.0) if -TOLERANCE <= value <= 1 + TOLERANCE else None


def out_of_range(raw: float, scale: float, what: str) -> str:
    """The message for a score outside 0..1 after scaling, naming the setting that would fix it."""
    usual = raw > 1 and math.isfinite(raw)  # NaN and infinity fit no scale
    hint = f"set settings.score_scale: {suggested_scale(raw)}" if usual else "check the service"
    return (f"{what} {raw:g} is outside 0..1 after dividing by settings.score_scale {scale:g} "
            f"({hint})")


def suggested_scale(raw: float) -> int:
    """The smallest usual scale (100, 1000...) that brings a finite `raw` into 0..1."""
    scale = 100
    while raw > scale:
        scale *= 10
    return scale
