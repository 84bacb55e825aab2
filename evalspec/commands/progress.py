"""Progress of apply on stderr: a live bar on a terminal, plain lines in CI and pipes."""

from __future__ import annotations

import sys
import time

from evalspec.api import BatchRun
from evalspec.console import err, is_interactive

BAR_WIDTH = 24
LIVE_REFRESH = 0.1
PLAIN_SUMMARY_EVERY = 10.0


class Progress:
    """Counts submissions and finished runs and shows them without flooding the log."""

    def __init__(self, to_submit: int, to_follow: int, *, live: bool | None = None) -> None:
        self.to_submit = to_submit
        self.total = to_submit + to_follow
        self.submitted = 0
        self.finished = 0
        self.failed = 0
        self.files_done = 0
        self.files_total = 0
        self.live = is_interactive() if live is None else live
        self._last_draw = 0.0
        self._last_summary = time.monotonic()

    def on_submitted(self, key: str, run: BatchRun, adopted: bool) -> None:
        """A run was started (or adopted after a lost answer) for `key`."""
        self.submitted += 1
        if adopted:
            self._line(f"adopted run {run.id} for {key} (its submission's answer was lost)")
        self._tick()

    def on_finished(self, key: str, run: BatchRun) -> None:
        """A run ended."""
        self.finished += 1
        self.failed += run.is_failed
        score = f"avg_score {run.avg_score:.3f}" if run.avg_score is not None else "no score"
        files = f"{_count(run.completed_files)}/{_count(run.total_files)} files"
        self._line(f"{run.status:<9} {key}  {score}  ({files}, run {run.id})")
        self._tick()

    def on_round(self, runs: list[BatchRun]) -> None:
        """A poll round's view of the runs still going."""
        self.files_done = sum(r.completed_files or 0 for r in runs)
        self.files_total = sum(r.total_files or 0 for r in runs)
        self._tick()

    def note(self, text: str) -> None:
        """A line worth reading whatever the mode."""
        self._line(text)

    def close(self) -> None:
        """Finish the live line."""
        if self.live:
            self._draw(force=True)
            sys.stderr.write("\n")
            sys.stderr.flush()

    def _line(self, text: str) -> None:
        if self.live:
            sys.stderr.write("\r\033[K")
        err(text)
        if self.live:
            self._draw(force=True)

    def _tick(self) -> None:
        if self.live:
            self._draw()
        elif time.monotonic() - self._last_summary >= PLAIN_SUMMARY_EVERY:
            self._last_summary = time.monotonic()
            err(self._status())

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_draw < LIVE_REFRESH:
            return
        self._last_draw = now
        filled = BAR_WIDTH * self.finished // self.total if self.total else BAR_WIDTH
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        sys.stderr.write(f"\r\033[K[{bar}] {self._status()}")
        sys.stderr.flush()

    def _status(self) -> str:
        files = f", files {self.files_done}/{self.files_total} in running runs" if self.files_total else ""
        return (f"{self.finished}/{self.total} runs finished ({self.failed} failed), "
                f"{self.submitted}/{self.to_submit} submitted{files}")


def _count(value: int | None) -> str:
    return "?" if value is None else str(value)
