"""Counting the HTTP requests the client sends, by endpoint kind.

The benchmarks report "HTTP requests per cell"; the executor's tests check that polling is
batched. Every attempt counts, retries included, since each one spends rate-limit budget.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class RequestStats:
    """Requests sent per kind (e.g. `runs.start`, `runs.list`), and how many were retries."""

    by_kind: Counter[str] = field(default_factory=Counter)
    retries: int = 0

    def record(self, kind: str, *, retry: bool = False) -> None:
        """Count one request of `kind`."""
        self.by_kind[kind] += 1
        if retry:
            self.retries += 1

    def __getitem__(self, kind: str) -> int:
        return self.by_kind[kind]

    @property
    def total(self) -> int:
        """All requests sent."""
        return sum(self.by_kind.values())

    def snapshot(self) -> dict[str, int]:
        """A plain copy, sorted by kind, for reports and benchmarks."""
        return dict(sorted(self.by_kind.items()))

    def reset(self) -> None:
        """Start counting afresh."""
        self.by_kind.clear()
        self.retries = 0
