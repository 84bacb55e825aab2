"""What apply tells its caller as it goes. Apply renders nothing: the command behind it decides
how (a live bar on a terminal, plain lines in CI, nothing in a benchmark)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from evalspec.api.shapes import BatchRun

Note = Callable[[str], None]
"""One line worth telling the user (a created object, an uploaded batch, a warning)."""


class ApplyEvents(Protocol):
    """The events of one apply, in the order they happen to each cell."""

    def on_submitted(self, key: str, run: BatchRun, adopted: bool) -> None:
        """A cell's run was created (or found again after a lost answer)."""

    def on_round(self, runs: list[BatchRun]) -> None:
        """One poll round ended; `runs` are the latest states of the runs followed."""

    def on_finished(self, key: str, run: BatchRun) -> None:
        """A cell's run reached a final state."""

    def note(self, text: str) -> None:
        """A line worth telling the user."""


class SilentEvents:
    """ApplyEvents that render nothing: a base for callers that listen to a few events only."""

    def on_submitted(self, key: str, run: BatchRun, adopted: bool) -> None:
        """Nothing to show."""

    def on_round(self, runs: list[BatchRun]) -> None:
        """Nothing to show."""

    def on_finished(self, key: str, run: BatchRun) -> None:
        """Nothing to show."""

    def note(self, text: str) -> None:
        """Nothing to show."""
