"""A cell run N times (`repeat: N`): its mean, the run-to-run spread, and the files that moved.

Gates on a repeated cell compare per-file means across repeats (`file_means`): resampling files,
the unit the bootstrap draws, then carries both the spread between files and the repeats' noise
within each, without modelling the two apart.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

FLAKY_TOLERANCE = 1e-9  # scores are JSON floats: 0.8 read twice is the same score


@dataclass(frozen=True)
class FlakyFile:
    """A file whose score differed between repeats: `spread` is its highest minus its lowest."""

    name: str
    scores: tuple[float, ...]  # in repeat order, over the repeats that scored it
    spread: float


@dataclass(frozen=True)
class RepeatsSummary:
    """The repeats of one cell: each repeat's mean score, their mean and run-to-run spread
    (sample sd of the repeat means; 0 for one repeat), and the flaky files, largest spread first."""

    repeat_means: tuple[float, ...]
    mean: float
    spread: float
    flaky: tuple[FlakyFile, ...]

    @property
    def repeats(self) -> int:
        """How many repeats were aggregated."""
        return len(self.repeat_means)


def summarize_repeats(repeats: Sequence[Mapping[str, float]]) -> RepeatsSummary | None:
    """Aggregate a cell's repeats, each a mapping of filename to score; None for no repeats.

    A repeat with no scored file is left out of the means (it has none), not counted as 0.
    """
    for scores in repeats:
        if not all(math.isfinite(score) for score in scores.values()):
            raise ValueError("every score must be a finite number")
    means = tuple(statistics.fmean(scores.values()) for scores in repeats if scores)
    if not means:
        return None
    spread = statistics.stdev(means) if len(means) > 1 else 0.0
    return RepeatsSummary(means, statistics.fmean(means), spread, flaky_files(repeats))


def flaky_files(repeats: Sequence[Mapping[str, float]]) -> tuple[FlakyFile, ...]:
    """Files scored differently by two repeats, largest spread first (then by name)."""
    found = []
    for name, scores in _by_file(repeats).items():
        spread = max(scores) - min(scores)
        if spread > FLAKY_TOLERANCE:
            found.append(FlakyFile(name, scores, spread))
    return tuple(sorted(found, key=lambda flaky: (-flaky.spread, flaky.name)))


def file_means(repeats: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Each file's mean score over the repeats that scored it, by filename (sorted)."""
    return {name: statistics.fmean(scores) for name, scores in _by_file(repeats).items()}


def _by_file(repeats: Sequence[Mapping[str, float]]) -> dict[str, tuple[float, ...]]:
    names = sorted({name for scores in repeats for name in scores})
    return {name: tuple(scores[name] for scores in repeats if name in scores) for name in names}
