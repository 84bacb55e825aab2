"""The status vocabulary of runs and files, in one place. Datalab does not document its words.

A run is finished when the server set `completed_at` or says one of the terminal words below.
The words a service is known to use while a run is still going are listed too, so that a word
in neither list can be named to the user (once per apply) instead of being silently waited on.
A file is failed only on a failure word and completed only on a success word; any other file
status is unknown, never counted as either.
"""

from __future__ import annotations

from functools import lru_cache

SUCCESS_STATUSES = frozenset({
    "completed", "complete", "succeeded", "success", "successful", "done", "finished", "ok",
})
# A run that completed with some files in error is finished, not failed: the report shows which.
PARTIAL_STATUSES = frozenset({"completed_with_errors", "partial", "partially_completed"})
FAILURE_STATUSES = frozenset({
    "failed", "failure", "error", "errored", "cancelled", "canceled", "aborted", "timed_out",
    "timeout", "expired", "rejected",
})
TERMINAL_STATUSES = SUCCESS_STATUSES | PARTIAL_STATUSES | FAILURE_STATUSES
RUNNING_STATUSES = frozenset({
    "queued", "pending", "created", "submitted", "scheduled", "waiting", "started", "running",
    "processing", "in_progress", "evaluating",
})
KNOWN_STATUSES = TERMINAL_STATUSES | RUNNING_STATUSES

# The lock's word for a run whose files the service's page or rate limit refused: never a
# result, so the next plan submits the cell again.
PAGE_LIMITED = "page_limited"

FILE_COMPLETED = "completed"
FILE_FAILED = "failed"
FILE_UNKNOWN = "unknown"


def _word(status: str | None) -> str:
    return (status or "").strip().lower()


def is_finished(status: str | None, completed_at: str | None = None) -> bool:
    """Whether a run with this status (and completion time) will change no more."""
    return completed_at is not None or _word(status) in TERMINAL_STATUSES


def is_failed(status: str | None) -> bool:
    """Whether a finished run ended in failure. A run completed with some files in error is not
    failed: its cell keeps a score, and the report shows which files failed."""
    return _word(status) in FAILURE_STATUSES


def is_known(status: str | None) -> bool:
    """Whether the word is one evalspec knows the meaning of (an empty status is not a word)."""
    return not _word(status) or _word(status) in KNOWN_STATUSES


@lru_cache(maxsize=64)  # a few words, asked of each of 200,000 files three times in a report
def file_outcome(status: str | None) -> str:
    """`completed`, `failed` or `unknown` for one file's status word."""
    word = _word(status)
    if word in SUCCESS_STATUSES:
        return FILE_COMPLETED
    if word in FAILURE_STATUSES or word in PARTIAL_STATUSES:
        return FILE_FAILED
    return FILE_UNKNOWN
