"""What a batch run's status means. Datalab does not document its status words, so we are tolerant.

A run is finished when the server set `completed_at` or says one of the terminal words below;
any other status (including ones we have never seen) is kept as it is and means "still going".
"""

from __future__ import annotations

SUCCESS_STATUSES = frozenset({"completed", "complete", "succeeded", "success"})
# A run that completed with some files in error is finished, not failed: the report shows which.
PARTIAL_STATUSES = frozenset({"completed_with_errors"})
FAILURE_STATUSES = frozenset({"failed", "error", "cancelled", "canceled"})
TERMINAL_STATUSES = SUCCESS_STATUSES | PARTIAL_STATUSES | FAILURE_STATUSES


def is_finished(status: str | None, completed_at: str | None = None) -> bool:
    """Whether a run with this status (and completion time) will change no more."""
    return completed_at is not None or (status or "").lower() in TERMINAL_STATUSES


def is_failed(status: str | None) -> bool:
    """Whether a finished run ended in failure. A run completed with some files in error is not
    failed: its cell keeps a score, and the report shows which files failed."""
    return (status or "").lower() in FAILURE_STATUSES
