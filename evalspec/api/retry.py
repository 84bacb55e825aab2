"""When to retry a request, and how long to wait first.

Exponential backoff with full jitter (each wait drawn uniformly from 0 up to the capped
exponential), so that many clients told off at once do not come back at once. A `Retry-After`
header, in seconds or as an HTTP date, wins over the computed wait.

Non-idempotent requests (the POSTs that start a run or create a collection) are retried only
when the failure says the server did not act: a connection that was never made, or a 429, 503
or 529, which the service sends before it does anything. A 500, 502 or 504, a timeout while
waiting for the answer, or a dropped response leaves it unknown whether the server acted; a
blind retry could start a second run. Those failures are raised at once with
`may_have_acted=True` (see `failures.py`), and apply resolves them by listing the server's runs:
one with the same parameters, created after the intent it journalled, is adopted
(`apply/submit.py`) before anything is submitted again. Idempotent requests (GET, PUT, DELETE)
are retried on every retryable failure.
"""

from __future__ import annotations

import email.utils
import random as _random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio
import httpx

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504, 529})
# Codes the service answers before acting: safe to retry even for a POST.
NOT_ACTED_STATUSES = frozenset({429, 503, 529})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# Failures to open a connection: the request never left, whatever its method.
_UNSENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def request_was_unsent(exc: httpx.TransportError) -> bool:
    """True when the failure happened before any byte of the request reached the server."""
    return isinstance(exc, _UNSENT_ERRORS)


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff parameters and the retry decision; `random`, `sleep` and `now` are seams."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    # A Retry-After beyond this is clamped: an hour-long wait is better reported than obeyed.
    max_retry_after: float = 120.0
    # Datalab's limits are per minute: a 429 without Retry-After is waited out towards the start
    # of the next minute, within this total before giving up.
    rate_limit_budget: float = 180.0
    random: Callable[[], float] = field(default=_random.random)
    sleep: Callable[[float], Awaitable[None]] = field(default=anyio.sleep)
    now: Callable[[], float] = field(default=time.time)

    def retry_status(self, status: int, *, idempotent: bool) -> bool:
        """Whether an answer with this status is worth another attempt."""
        allowed = RETRYABLE_STATUSES if idempotent else NOT_ACTED_STATUSES
        return status in allowed

    def retry_error(self, exc: httpx.TransportError, *, idempotent: bool) -> bool:
        """Whether a transport failure is worth another attempt."""
        if not isinstance(exc, _RETRYABLE_ERRORS):
            return False
        return idempotent or request_was_unsent(exc)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return self.random() * ceiling

    def until_next_minute(self) -> float:
        """Seconds to just past the start of the next clock minute (with jitter), at least 1."""
        return max(1.0, 60.0 - self.now() % 60.0) + self.random() * 2.0

    def retry_after(self, response: httpx.Response) -> float | None:
        """The response's Retry-After in seconds, or None when absent or unreadable."""
        return parse_retry_after(response.headers.get("retry-after"), now=self.now())


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds from a Retry-After value: delta-seconds or an HTTP date (relative to `now`)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)
