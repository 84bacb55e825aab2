"""Watching a wait: the apply timeout, runs that stopped progressing, status words we do not know.

The clock is a seam (`ApplyOptions.clock`), so tests drive the ten-minute warning without waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from evalspec.api import BatchRun
from evalspec.apply.events import Note
from evalspec.base import runstatus
from evalspec.base.durations import format_duration

STALL_AFTER = 600.0


@dataclass
class Watch:
    """The deadline and the progress of one apply's wait."""

    note: Note
    clock: Callable[[], float]
    timeout: float | None = None
    stall_after: float = STALL_AFTER
    started: float = field(init=False)
    last_progress: float = field(init=False)
    _warned_words: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.started = self.last_progress = self.clock()

    def saw(self, run: BatchRun) -> None:
        """Warn (once per apply and word) about a status word evalspec does not know."""
        word = run.status.strip().lower()
        if runstatus.is_known(word) or word in self._warned_words:
            return
        self._warned_words.add(word)
        self.note(
            f"warning: run {run.id} has status {run.status!r}, a word evalspec does not know; "
            "it counts as still running until the service sets completed_at"
        )

    def after_round(self, progressed: bool, in_flight: int) -> None:
        """Note a poll round; warn when no run progressed for `stall_after` seconds."""
        now = self.clock()
        if progressed:
            self.last_progress = now
        elif in_flight and now - self.last_progress >= self.stall_after:
            self.note(
                f"warning: no run has progressed for {format_duration(now - self.last_progress)} "
                f"({in_flight} in flight); `--timeout` bounds the wait"
            )
            self.last_progress = now  # warn again after another quiet stretch, not every round

    def remaining(self) -> float | None:
        """Seconds until the timeout (None without one)."""
        return None if self.timeout is None else self.timeout - (self.clock() - self.started)

    @property
    def expired(self) -> bool:
        """The timeout is reached."""
        left = self.remaining()
        return left is not None and left <= 0
