"""The two null distributions behind every interval: exact sign flips for small n, a seeded
bootstrap for larger n.

Both are reduced to the same shape, a `Distribution`: the sorted values the mean takes over the
equally likely outcomes other than the observed one, plus the observed sample itself counted as
one outcome. That makes bounds and p-values two readings of one list, so that `upper < t` holds
exactly when `p_below(t) <= 1 - confidence` (up to float ties within `TIE`):

- sign flips (n <= EXACT_MAX_N): flipping the signs of a subset S of the deltas moves their sum by
  -2 * sum(S), so the flipped mean is at most the observed one exactly when mean(S) >= t. Inverting
  the test over t gives the bounds as order statistics of the 2**n - 1 subset means (Hartigan 1969);
  the empty subset is the observed sample.
- bootstrap: B means of resamples with replacement; the observed sample counts as one more
  (Davison & Hinkley 1997, p = (1 + #) / (B + 1)), so a p-value is never 0.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

EXACT_MAX_N = 16  # 2**16 sign vectors: a few milliseconds; above it the bootstrap is as good
DEFAULT_RESAMPLES = 10_000
DEFAULT_SEED = 18  # fixed, so that a report is reproducible byte for byte
TIE = 1e-12  # scores live in 0..1: a mean within this of a threshold counts as equal to it
_SLACK = 1e-9  # for floor(alpha * total): 0.1 * 10001 must not become 1000.0999 -> 1000 - 1

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Distribution:
    """The means of the outcomes other than the observed one, ascending; `total` counts them all."""

    means: Floats
    total: int

    def p_below(self, threshold: float) -> float:
        """One-sided p-value of H0 mean >= threshold against H1 mean < threshold."""
        at_least = self.means.size - int(np.searchsorted(self.means, threshold - TIE, side="left"))
        return (1 + at_least) / self.total

    def p_above(self, threshold: float) -> float:
        """One-sided p-value of H0 mean <= threshold against H1 mean > threshold."""
        at_most = int(np.searchsorted(self.means, threshold + TIE, side="right"))
        return (1 + at_most) / self.total

    def upper(self, alpha: float, ceiling: float) -> float:
        """The least bound U with p_below(t) <= alpha for every t > U; `ceiling` when none is."""
        rank = self._rank(alpha)
        return ceiling if rank < 0 else float(self.means[self.means.size - 1 - rank])

    def lower(self, alpha: float, floor: float) -> float:
        """The mirror of `upper`: p_above(t) <= alpha for every t < the bound."""
        rank = self._rank(alpha)
        return floor if rank < 0 else float(self.means[rank])

    def _rank(self, alpha: float) -> int:
        # How many outcomes may lie beyond the bound: p = (1 + beyond) / total <= alpha.
        return math.floor(alpha * self.total + _SLACK) - 1


def sign_flips(values: Floats) -> Distribution:
    """The exact distribution: the means of all 2**n - 1 non-empty subsets."""
    members, sizes = _subsets(values.size)
    means = (members @ values) / sizes  # a matrix product: a tenth of the time of a multiply and sum
    return Distribution(np.sort(means), 2 ** values.size)


def bootstrap(values: Floats, resamples: int, seed: int) -> Distribution:
    """The means of `resamples` resamples with replacement, drawn from the seeded stream."""
    means = (_resample_counts(values.size, resamples, seed) @ values) / values.size
    return Distribution(np.sort(means), resamples + 1)


@functools.lru_cache(maxsize=4)
def _subsets(n: int) -> tuple[Floats, Floats]:
    """Row s (1 <= s < 2**n) marks the members of subset s with 1.0, and each row's size: one
    pair per file count."""
    masks = np.arange(1, 2 ** n, dtype=np.int64)[:, None]
    members = ((masks >> np.arange(n, dtype=np.int64)) & 1).astype(np.float64)
    sizes = members.sum(axis=1)
    members.flags.writeable = sizes.flags.writeable = False  # shared by every caller through the cache
    return members, sizes


@functools.lru_cache(maxsize=8)
def _resample_counts(n: int, resamples: int, seed: int) -> Floats:
    """(resamples, n): how often each resample drew each file, so that the resample means are one
    matrix product (a report resamples thousands of cells of the same file count)."""
    picks = _resample_indices(n, resamples, seed)
    counts = np.zeros((resamples, n), dtype=np.float64)
    np.add.at(counts, (np.arange(resamples)[:, None], picks), 1.0)
    counts.flags.writeable = False
    return counts


@functools.lru_cache(maxsize=8)
def _resample_indices(n: int, resamples: int, seed: int) -> npt.NDArray[np.uint32]:
    """(resamples, n) indices in 0..n-1 from PCG64's raw 64-bit stream.

    Raw words, not `Generator.integers`: numpy keeps the bit generator's stream fixed across
    releases but not its samplers, and a report must not change with a numpy upgrade. The top 32
    bits scaled by n (Lemire's multiply-shift; bias below n / 2**32) pick each index. Cached: the
    cells of one collection share a file count, and generation costs more than the resampling.
    """
    raw: npt.NDArray[np.uint64] = np.random.PCG64(seed).random_raw(resamples * n)
    picks: npt.NDArray[np.uint64] = ((raw >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32)
    indices = picks.astype(np.uint32).reshape(resamples, n)
    indices.flags.writeable = False
    return indices
