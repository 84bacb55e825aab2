"""Holm's step-down correction: family-wise error control across the cells one gate covers."""

from __future__ import annotations

from collections.abc import Sequence


def holm(p_values: Sequence[float]) -> tuple[float, ...]:
    """Holm-adjusted p-values, in the order given.

    The i-th smallest of m p-values is multiplied by m - i + 1, made non-decreasing along that
    order and capped at 1; a cell fails at level alpha when its adjusted p-value is <= alpha.
    Valid under any dependence between the cells (they share files, and a bootstrap seed).
    """
    for p in p_values:
        if not 0 <= p <= 1:
            raise ValueError(f"a p-value lies in 0..1, not {p}")
    order = sorted(range(len(p_values)), key=lambda i: (p_values[i], i))
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return tuple(adjusted)
