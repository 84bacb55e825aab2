"""The smallest drop a paired comparison of n files can detect, and the t quantiles it needs.

The formula is the paired t-test's power approximation,

    detectable = (t[confidence, n-1] + t[power, n-1]) * sd / sqrt(n),

the drop that a one-sided test at `confidence` reports with probability `power` (0.8, the
convention) when per-file deltas spread with standard deviation `sd`. Chosen because it is closed
form in the three numbers `validate`/`plan` know before any run (the file count, the spread of
earlier per-file deltas or scores, the gate's confidence), so a warning needs no resampling; and
because it tracks the bootstrap the gates use above EXACT_MAX_N files, whose one-sided bound is
about mean + z * sd / sqrt(n): the t quantiles make it slightly conservative there (it reports a
little less sensitivity than the gate has). Below that, the exact sign-flip test decides, and
there the formula is optimistic (at 5 files the exact test needs all five deltas below the bar,
about 1.7 sd where the formula says 1.4): so it answers None where the exact test cannot reach the
level at all, whatever the drop: with n files its smallest one-sided p-value is 2**-n, so 4 files
can never show anything at 95 %. A gate `max_drop: D` with confidence catches a true drop of
D + detectable with that power.
"""

from __future__ import annotations

import functools
import math

DEFAULT_POWER = 0.8


def min_detectable_drop(n: int, sd: float, *, confidence: float = 0.95,
                        power: float = DEFAULT_POWER) -> float | None:
    """The smallest mean drop `n` paired files with delta spread `sd` detect at `confidence`
    with probability `power`; None when no drop is detectable with that few files."""
    if not 0 < confidence < 1 or not 0 < power < 1:
        raise ValueError("confidence and power must lie strictly between 0 and 1")
    if sd < 0 or not math.isfinite(sd):
        raise ValueError(f"the spread must be a finite sd >= 0, not {sd}")
    if n < 2 or 2.0 ** -n > 1 - confidence:
        return None
    df = n - 1
    return (t_quantile(confidence, df) + t_quantile(power, df)) * sd / math.sqrt(n)


@functools.lru_cache(maxsize=1024)  # a report asks for the same few (level, file count) pairs per cell
def t_quantile(q: float, df: int) -> float:
    """The q-quantile of Student's t with `df` degrees of freedom (bisection on the CDF; 1e-12)."""
    if not 0 < q < 1 or df < 1:
        raise ValueError("t_quantile needs 0 < q < 1 and df >= 1")
    if q < 0.5:
        return -t_quantile(1 - q, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < q:
        low, high = high, high * 2
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < q:
            low = middle
        else:
            high = middle
        if high - low < 1e-13 * max(1.0, high):
            break
    return (low + high) / 2


def t_cdf(t: float, df: int) -> float:
    """Student's t distribution function, through the regularized incomplete beta function."""
    tail = 0.5 * _betainc(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


def _betainc(a: float, b: float, x: float) -> float:
    """I_x(a, b): the continued fraction of Numerical Recipes (6.4), on its converging side."""
    if x <= 0 or x >= 1:
        return 0.0 if x <= 0 else 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _fraction(a, b, x) / a
    return 1 - front * _fraction(b, a, 1 - x) / b


def _fraction(a: float, b: float, x: float) -> float:
    """Lentz's evaluation of the incomplete beta continued fraction."""
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 400):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return result
